"""A Qt application for rendering without a screen (the command line's PDF export)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from advisor_desktop.guides_render.fonts import load_bundled_fonts


def rendering_application() -> QCoreApplication:
    """The running Qt application, or a new offscreen one (no display needed).

    A ``QApplication`` (not only a ``QGuiApplication``) so widgets created later in the same
    process still work. The caller keeps the returned object alive while rendering.
    """
    app = QApplication.instance()
    if app is None:
        app = QApplication(["advisor", "-platform", "offscreen"])
    load_bundled_fonts()
    return app
