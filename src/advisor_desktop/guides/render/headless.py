"""A Qt application for rendering without a screen (the command line's PDF export)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from advisor_desktop.guides.render.fonts import load_bundled_fonts

_created: list[QCoreApplication] = []


def rendering_application() -> QCoreApplication:
    """The running Qt application, or a new offscreen one (no display needed).

    A ``QApplication`` (not only a ``QGuiApplication``) so widgets created later in the same
    process still work. One we create is kept for the life of the process: destroying a
    QApplication and making another later in the same process can crash Qt.
    """
    app = QApplication.instance()
    if app is None:
        app = QApplication(["advisor", "-platform", "offscreen"])
        _created.append(app)
    load_bundled_fonts()
    return app
