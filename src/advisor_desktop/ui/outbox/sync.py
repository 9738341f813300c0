"""The desktop's sync with the desks: the core's sender on a worker, never on the GUI thread.

One :class:`OutboxSync` per session (a rebuilt window, after a language switch, finds the same
one): it runs :func:`advisor_desktop.app.outbox.sync` on its own one-thread
:class:`~advisor_desktop.ui.shell.workers.Runner` when the vault is unlocked, every few minutes
while it stays unlocked, and on "Send now". The sender's progress (one call per item, on the
worker) becomes a Qt signal, delivered on the GUI thread by a queued connection.

Locking or quitting during a sync asks the sender to stop after the item under way and waits
for it a bounded time only (:data:`STOP_WAIT_MS`); then the vault closes. An item whose answer
did not arrive stays ``sending`` in the vault, and the next sync asks the server for its
receipt before posting it again (the core's state machine): nothing is lost or sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from advisor_desktop.app.outbox import ConnectionOptions, outbox_counts
from advisor_desktop.app.outbox import sync as run_sync
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.referral.outbox import OutboxState
from advisor_desktop.referral.sender import ItemOutcome, SyncReport
from advisor_desktop.referral.transport import Timeouts
from advisor_desktop.ui.shell.proxy import qt_proxy_resolver
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

#: How often the app syncs while the vault stays unlocked.
SYNC_INTERVAL_MS = 5 * 60_000
#: The first sync after unlocking waits this long (the window is painted and settled first).
FIRST_SYNC_MS = 3_000
#: How long locking or quitting waits for a sync under way to finish before the vault closes.
STOP_WAIT_MS = 1_500
#: The desktop's timeouts: a post's connection is slow and expensive, but a window that quits
#: should not keep its process waiting on a dead connection for minutes.
DESKTOP_TIMEOUTS = Timeouts(connect=10.0, read=20.0, write=20.0, pool=5.0)


class Phase(StrEnum):
    """What the sync indicator says."""

    IDLE = "idle"
    """Nothing waiting: everything delivered (or nothing in the outbox)."""
    SENDING = "sending"
    WAITING = "waiting"
    """Items wait to be sent (queued, failed with a retry time, exported)."""
    FAILED = "failed"
    """The last sync did not go through; its reason is shown."""
    OFFLINE = "offline"
    """The system says there is no network: periodic syncs wait for it."""


@dataclass(frozen=True)
class SyncView:
    """Everything the indicator and the page show about the sync, as of now."""

    phase: Phase = Phase.IDLE
    waiting: int = 0
    """Items not delivered yet (queued, sending, failed)."""
    failed: int = 0
    reason: str | None = None
    """Why the last sync did not go through (a translated sentence)."""
    last_sync: dt.datetime | None = None
    done: int = 0
    """Items handled so far in the sync under way."""
    counts: dict[OutboxState, int] = field(default_factory=dict)


def summarise(reports: list[SyncReport]) -> str | None:
    """The one reason a sync did not go through (None: it did): the first desk's stop reason,
    else the first failed item's."""
    for report in reports:
        if report.stopped:
            return report.stopped
    for report in reports:
        for outcome in report.failed:
            if outcome.reason:
                return outcome.reason
    for report in reports:
        for _id, reason in report.withdrawals_failed:
            return reason
    return None


class _Progress(QObject):
    """Carries the worker's per-item calls to the GUI thread (a queued connection: this
    object lives on the GUI thread, the emit happens on the worker)."""

    item = Signal(object)


class OutboxSync(QObject):
    """Runs the sync on a worker and tells the GUI what it is doing."""

    started = Signal()
    """A sync started (on the worker)."""
    progress = Signal(object)
    """One item was handled: an :class:`ItemOutcome`. On the GUI thread."""
    finished = Signal(object)
    """A sync ended: the list of :class:`SyncReport` (one per desk). On the GUI thread."""
    view_changed = Signal(object)
    """The :class:`SyncView` changed."""
    changed = Signal()
    """The outbox or the desk's statuses changed (a sync ended, an export, a receipt file):
    lists of referrals read them again."""

    def __init__(
        self,
        session: Session,
        *,
        options: ConnectionOptions | None = None,
        interval_ms: int = SYNC_INTERVAL_MS,
        first_ms: int = FIRST_SYNC_MS,
        online: Callable[[], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent if parent is not None else session)
        self.session = session
        base = options or ConnectionOptions()
        self.options = replace(
            base,
            proxy_resolver=base.proxy_resolver or qt_proxy_resolver(),
            timeouts=base.timeouts or DESKTOP_TIMEOUTS,
        )
        self._online = online or system_online
        self._online()  # loads Qt's network-information backend now (~25 ms), not mid-sync
        self.runner = Runner(self, max_threads=1)
        self._relay = _Progress(self)
        self._relay.item.connect(self._on_item)
        self._stop = threading.Event()
        self.view = SyncView()
        self.last_reports: list[SyncReport] = []
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._periodic)
        self._first_ms = first_ms
        self._first = QTimer(self)
        self._first.setSingleShot(True)
        self._first.timeout.connect(self._periodic)
        self.connect_session()
        if session.is_open:
            self._opened()

    def connect_session(self) -> None:
        """Listen to the session (again, after a rebuilt window detached every listener)."""
        unique = Qt.ConnectionType.UniqueConnection
        self.session.opened.connect(self._opened, unique)
        self.session.about_to_lock.connect(self._about_to_lock, unique)
        self.session.data_changed.connect(self.refresh_counts, unique)

    @property
    def busy(self) -> bool:
        """True while a sync runs."""
        return self.runner.busy

    # -- starting ---------------------------------------------------------------------------

    def _opened(self) -> None:
        self._stop.clear()
        self.timer.start()
        self._first.start(self._first_ms)
        self.refresh_counts()

    def _periodic(self) -> None:
        self.sync_now(force=False, periodic=True)

    def _about_to_lock(self) -> None:
        self.stop()

    def sync_now(self, *, force: bool = True, periodic: bool = False) -> bool:
        """Start a sync (``force``: every undelivered item, as "Send now"; otherwise only those
        due). False when one runs already, the vault is locked, or (for a periodic sync) the
        system is offline."""
        if self.busy or not self.session.is_open:
            return False
        if periodic and not self._online():
            self._set(replace(self.view, phase=Phase.OFFLINE))
            return False
        self._stop.clear()
        workspace = self.session.workspace
        options = self.options
        emit = self._relay.item.emit
        stop = self._stop.is_set

        def work() -> list[SyncReport]:
            return run_sync(workspace, options, force=force, progress=emit, should_stop=stop)

        self._set(replace(self.view, phase=Phase.SENDING, done=0))
        self.runner.start(work, on_done=self._done, on_error=self._failed)
        log.info("outbox_sync_started force=%s", force)
        self.started.emit()
        return True

    # -- results (GUI thread) ---------------------------------------------------------------

    def _on_item(self, outcome: object) -> None:
        if not isinstance(outcome, ItemOutcome):
            return
        self._set(replace(self.view, done=self.view.done + 1))
        self.progress.emit(outcome)

    def _done(self, reports: Any) -> None:
        self.last_reports = list(reports)
        reason = summarise(self.last_reports)
        now = self.session.clock()
        self._set(replace(self.view, reason=reason, last_sync=now))
        self.refresh_counts()
        self.finished.emit(self.last_reports)
        self.changed.emit()

    def _failed(self, exc: AdvisorError) -> None:
        self.last_reports = []
        self._set(replace(self.view, reason=exc.message, last_sync=self.session.clock()))
        self.refresh_counts()
        self.finished.emit([])

    def refresh_counts(self) -> None:
        """Read the outbox's counts and update the view (a small query)."""
        if not self.session.is_open:
            return
        try:
            counts = outbox_counts(self.session.workspace)
        except AdvisorError:
            return
        waiting = sum(
            counts.get(s, 0) for s in (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED)
        )
        failed = counts.get(OutboxState.FAILED, 0)
        view = replace(self.view, counts=dict(counts), waiting=waiting, failed=failed)
        self._set(replace(view, phase=self._phase(view)))

    def _phase(self, view: SyncView) -> Phase:
        if self.busy:
            return Phase.SENDING
        if view.reason is not None and (view.waiting or view.failed):
            return Phase.OFFLINE if not self._online() else Phase.FAILED
        if view.waiting:
            return Phase.WAITING
        return Phase.IDLE

    def _set(self, view: SyncView) -> None:
        if view != self.view:
            self.view = view
            self.view_changed.emit(view)

    # -- stopping ---------------------------------------------------------------------------

    def stop(self, wait_ms: int = STOP_WAIT_MS) -> bool:
        """Stop syncing: no more periodic runs; a run under way stops after its item. Waits at
        most ``wait_ms`` for it; True when no sync runs any more."""
        self.timer.stop()
        self._first.stop()
        self._stop.set()
        if not self.busy:
            return True
        finished = self.runner.wait(wait_ms)
        log.info("outbox_sync_stopped finished=%s", finished)
        return finished


def system_online() -> bool:
    """False only when Qt's network information says the system has no network (on a system
    without such a backend, always True: the sync then finds out itself)."""
    from PySide6.QtNetwork import QNetworkInformation

    info: QNetworkInformation | None = QNetworkInformation.instance()
    if info is None and QNetworkInformation.loadDefaultBackend():
        info = QNetworkInformation.instance()
    if info is None:
        return True
    return bool(info.reachability() != QNetworkInformation.Reachability.Disconnected)


def sync_for(session: Session, **kwargs: Any) -> OutboxSync:
    """The session's :class:`OutboxSync`, made on first need; listening to the session again
    when it was made before (a rebuilt window detached every listener)."""
    found = getattr(session, "outbox_sync", None)
    if isinstance(found, OutboxSync):
        found.connect_session()
        return found
    made = OutboxSync(session, **kwargs)
    session.outbox_sync = made  # type: ignore[attr-defined]
    return made
