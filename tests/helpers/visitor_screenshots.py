"""Screenshots of the visitor view for the screenshot script (offscreen or under Xvfb).

Demo tooling for ``tests/screenshots.py`` and the tests, kept out of the installed package.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from advisor_desktop.guides import GuideLibrary
from advisor_desktop.protocol.profile import load_profile
from advisor_desktop.ui.guides.visitor import VisitorView

SCREENSHOT_LANGS = ("en", "ar", "zh-Hans", "hi", "am")


def _never(_secret: bytearray) -> bool:
    return False


def render_visitor_screenshots(
    out_dir: Path,
    langs: Iterable[str] = SCREENSHOT_LANGS,
    *,
    library: GuideLibrary | None = None,
    size: tuple[int, int] = (1280, 800),
) -> list[Path]:
    """Save ``visitor-<lang>.png`` for each language in ``out_dir``; returns the files.

    Needs a running ``QApplication``. Uses the shipped profile unless ``library`` is given.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    library = library or GuideLibrary(load_profile())
    written = []
    for lang in langs:
        view = VisitorView(library, lang, _never)
        view.resize(*size)
        view.show()
        QApplication.processEvents()
        path = out_dir / f"visitor-{lang}.png"
        view.grab().save(str(path))
        from tests.helpers.geometry import inspect

        inspect(view, path.stem)
        written.append(path)
        view._may_close = True  # a screenshot window, not a visitor session
        view.close()
        view.deleteLater()
    return written
