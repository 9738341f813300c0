"""Run slow work (key derivation, search, backup, big queries) off the GUI thread.

A :class:`Task` wraps a plain callable and runs it on a :class:`QThreadPool`; its
:class:`TaskSignals` report back on the GUI thread (queued connection). The GUI thread only
paints and reacts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _

log = logging.getLogger(__name__)


class TaskSignals(QObject):
    """Signals of one :class:`Task` (a QRunnable cannot carry signals itself)."""

    finished = Signal(object)
    """The callable returned; carries its return value. Fires on the receiver's thread."""

    failed = Signal(object)
    """The callable raised; carries an :class:`AdvisorError` (unexpected errors are wrapped
    in one with a generic message, so no traceback ever reaches the user)."""


class Task(QRunnable):
    """One call of ``fn(*args)`` on a worker thread.

    ``thread_id`` records the (Python) id of the thread the work ran on, so tests can check
    structurally that it was not the GUI thread. Not the QThread object: a wrapper kept for a
    pool thread outlives it, and Qt may reuse its address for a new object.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.signals = TaskSignals()
        self.thread_id: int | None = None

    def run(self) -> None:
        """Executed on a pool thread."""
        self.thread_id = threading.get_ident()
        try:
            result = self.fn(*self.args)
        except AdvisorError as exc:
            self._report(self.signals.failed, exc)
            return
        except Exception as exc:  # never let a worker crash the app
            log.error("task_failed exc=%s", type(exc).__name__)
            self._report(
                self.signals.failed,
                AdvisorError(_("Something went wrong; nothing was changed. Please try again.")),
            )
            return
        self._report(self.signals.finished, result)

    @staticmethod
    def _report(signal: Any, value: object) -> None:
        # The application may be shutting down while the task ran: its signal object is
        # gone with the window, and there is nobody left to tell.
        try:
            signal.emit(value)
        except RuntimeError:
            log.info("task_result_dropped")


class Runner(QObject):
    """Starts tasks on a private thread pool and keeps them alive until they report.

    One pool per window keeps the vault's work serial-ish (the vault serialises access anyway)
    and lets tests wait for it with :meth:`wait`.
    """

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._live: set[Task] = set()
        self._relays: set[_Relay] = set()
        self.last_task: Task | None = None

    def start(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[AdvisorError], None] | None = None,
    ) -> Task:
        """Run ``fn(*args)`` on a worker; call ``on_done``/``on_error`` on this thread."""
        task = Task(fn, *args)
        relay = _Relay(self, task, on_done, on_error)
        self._live.add(task)
        self._relays.add(relay)
        # The relay is a QObject living on this (GUI) thread: the auto connection is queued,
        # so the callbacks always run here, never on the worker.
        task.signals.finished.connect(relay.on_finished)
        task.signals.failed.connect(relay.on_failed)
        self.last_task = task
        self.pool.start(task)
        return task

    def _forget(self, relay: _Relay) -> None:
        self._live.discard(relay.task)
        self._relays.discard(relay)
        relay.deleteLater()

    @property
    def busy(self) -> bool:
        """True while a started task has not reported yet."""
        return bool(self._live)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every started task has finished (shutdown and tests)."""
        return bool(self.pool.waitForDone(msecs))


def _owner_alive(callback: Callable[..., Any]) -> bool:
    """False when ``callback`` is a method of a Qt object that was deleted meanwhile (its
    window was replaced or closed): the answer then has nowhere to go."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class _Relay(QObject):
    """Receives a task's signals on the GUI thread and calls the plain-Python callbacks."""

    def __init__(
        self,
        runner: Runner,
        task: Task,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[AdvisorError], None] | None,
    ) -> None:
        # The runner is only the Qt parent: a Python reference back to it would make a cycle
        # (runner -> relay -> runner) that only the garbage collector breaks, at a moment and
        # on a thread of its choosing, which destroys Qt objects with events still queued.
        super().__init__(runner)
        self.task = task
        self._on_done = on_done
        self._on_error = on_error

    def _done(self) -> tuple[Callable[[Any], None] | None, Callable[[AdvisorError], None] | None]:
        """Leave the runner and let go of the callbacks (they may hold the widget that holds
        the runner); returns them for this one call."""
        runner = self.parent()
        if isinstance(runner, Runner):
            runner._forget(self)
        callbacks = self._on_done, self._on_error
        self._on_done = self._on_error = None
        return callbacks

    @Slot(object)
    def on_finished(self, result: object) -> None:
        """The task returned ``result``."""
        on_done, _on_error = self._done()
        if on_done is not None and _owner_alive(on_done):
            on_done(result)

    @Slot(object)
    def on_failed(self, exc: object) -> None:
        """The task raised ``exc`` (an AdvisorError)."""
        _on_done, on_error = self._done()
        if on_error is not None and _owner_alive(on_error):
            assert isinstance(exc, AdvisorError)
            on_error(exc)
