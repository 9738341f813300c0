"""Preparation while the unlock window waits, so that the unlock does not pay for it.

Two parts. PySide's one-time set-up runs on the GUI thread (it has to), once, shortly after
the unlock window is painted. Then, on the app's runner, one short step at a time: the imports
the main window needs at unlock and the date formats its list shows, then the imports of the
sections built later, then the locale data of the language names they show. Each step holds
the interpreter while it runs, which keeps the GUI thread from running Python meanwhile, so
the steps are small, and :meth:`Warmup.hold` stops the optional ones (all but the unlock's own)
from the moment the advisor presses Unlock until the main window has settled.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QComboBox

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

# In the order they are needed: the unlock, then the first visits.
UNLOCK_MODULES = (
    "advisor_desktop.ui.shell.session",
    "advisor_desktop.ui.shell.build",
    "advisor_desktop.ui.shell.features",
)
LATER_MODULES = (
    "advisor_desktop.ui.notebook.editor",
    "advisor_desktop.ui.guides.browser",
    "advisor_desktop.ui.guides.visitor",
    # The outbox's sync and indicator start a moment after unlock: the network stack they
    # import (~0.5 s) is better paid while the unlock window waits.
    "advisor_desktop.ui.outbox.page",
)
NAMES_PER_STEP = 4

Step = Callable[[], object]


class _NoFilter(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt API
        return False


def prewarm_wrappers() -> None:
    """On the GUI thread: pay PySide's one-time set-up now rather than during the unlock.

    The first time a Python event filter on the application is handed an object of a Qt class
    PySide has no wrapper for, PySide creates the Python enum types of whole modules (~150 of
    them, 25-50 ms). The main window installs such filters (idle lock, Esc Esc), and building
    its first page would then stall the unlock by that much; a throw-away combo box under a
    throw-away filter triggers the same set-up here.
    """
    app = QApplication.instance()
    if app is None:
        return
    probe = _NoFilter()
    app.installEventFilter(probe)
    try:
        combo = QComboBox()  # dropped, and so deleted, on return
        combo.addItem("")
    finally:
        app.removeEventFilter(probe)


def _import(name: str) -> None:
    importlib.import_module(name)


def _dates() -> None:
    """The active locale's date formats: the list shows dates from its first paint."""
    import datetime as dt

    from advisor_desktop.ui.shell.formatting import format_date

    format_date(dt.date.today())


def _guide_language(code: str) -> None:
    from advisor_desktop.guides.languages import language_info

    language_info(code)


def _language_names(codes: tuple[str, ...]) -> None:
    from advisor_desktop.ui.shell.formatting import language_name

    for code in codes:
        language_name(code)


def _locale_steps() -> list[Step]:
    """The guides' languages (the browser, the visitor view) and the names of the languages
    that Settings and the record editor list, a few per step."""
    from advisor_desktop.guides.model import discover_languages
    from advisor_desktop.guides.store import shipped_root
    from advisor_desktop.platform.languages import GUIDE_LANGUAGES, ui_languages

    steps: list[Step] = [
        functools.partial(_guide_language, code) for code in discover_languages(shipped_root())
    ]
    codes = tuple(dict.fromkeys((*ui_languages(), *GUIDE_LANGUAGES)))
    for start in range(0, len(codes), NAMES_PER_STEP):
        steps.append(functools.partial(_language_names, codes[start : start + NAMES_PER_STEP]))
    return steps


class Warmup(QObject):
    """Runs the warm-up steps on ``runner``, one after the other, until done or held."""

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._steps: list[Step] = [functools.partial(_import, m) for m in UNLOCK_MODULES]
        self._steps.append(_dates)
        # These the unlock itself needs: they run even while held.
        self._essential = len(self._steps)
        self._steps += [functools.partial(_import, m) for m in LATER_MODULES]
        # This step returns the further steps (it imports the guides' discovery to list them).
        self._steps.append(_locale_steps)
        self._held = False
        self._running = False

    @property
    def done(self) -> bool:
        """Every step ran."""
        return not self._steps and not self._running

    @property
    def waiting(self) -> bool:
        """Held, with only optional steps left and none under way."""
        return self._held and self._essential == 0 and not self._running and bool(self._steps)

    def start(self) -> None:
        """Begin (or go on)."""
        self._next()

    def hold(self) -> None:
        """Start no further optional step until :meth:`resume` (the unlock's own go on)."""
        self._held = True

    def resume(self) -> None:
        """Go on with the remaining steps."""
        self._held = False
        self._next()

    def _next(self) -> None:
        if self._running or not self._steps or (self._held and self._essential == 0):
            return
        self._essential = max(0, self._essential - 1)
        self._running = True
        self._runner.start(self._steps.pop(0), on_done=self._finished, on_error=self._failed)

    def _finished(self, result: object) -> None:
        self._running = False
        if isinstance(result, list):
            self._steps.extend(result)
        self._next()

    def _failed(self, exc: AdvisorError) -> None:
        # Only preparation: whatever failed here is done again, and reported, when needed.
        log.info("warmup_step_failed kind=%s", type(exc).__name__)
        self._finished(None)
