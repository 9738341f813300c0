"""Search as you type: debounced, on a worker thread, stale answers discarded."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from advisor_desktop.notebook.models import RecordFilter, SearchHit
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.ui.shell.workers import Runner, Task

DEBOUNCE_MS = 250
MAX_HITS = 500


class SearchController(QObject):
    """Waits for a pause in typing, then runs ``Notebook.search`` on a worker.

    Every query gets a generation number; an answer for an older generation is dropped, so
    results never jump back to what was typed before.
    """

    results = Signal(str, object)
    """A search finished for the current text: carries (query, list of SearchHit)."""

    cleared = Signal()
    """The search text became empty: show the plain list again."""

    failed = Signal(str)
    """A search failed; carries the user message."""

    def __init__(
        self,
        runner: Runner,
        notebook: Callable[[], Notebook],
        filters: Callable[[], RecordFilter | None],
        debounce_ms: int = DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._notebook = notebook
        self._filters = filters
        self._generation = 0
        self._text = ""
        self.last_task: Task | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._run)

    @property
    def text(self) -> str:
        """The current query."""
        return self._text

    def set_text(self, text: str) -> None:
        """The search box changed: restart the debounce timer (or clear at once)."""
        self._text = text.strip()
        self._generation += 1
        if not self._text:
            self._timer.stop()
            self.cleared.emit()
            return
        self._timer.start()

    def rerun(self) -> None:
        """Search again now (filters changed, or a record was saved)."""
        if self._text:
            self._generation += 1
            self._run()

    def cancel(self) -> None:
        """Forget the pending and running searches (on lock)."""
        self._timer.stop()
        self._generation += 1
        self._text = ""

    def _run(self) -> None:
        generation = self._generation
        query = self._text
        notebook = self._notebook()
        filters = self._filters()

        def search() -> list[SearchHit]:
            return notebook.search(query, limit=MAX_HITS, filters=filters)

        def done(hits: object) -> None:
            if generation == self._generation:
                self.results.emit(query, hits)

        def error(exc: AdvisorError) -> None:
            if generation == self._generation:
                self.failed.emit(str(exc))

        self.last_task = self._runner.start(search, on_done=done, on_error=error)
