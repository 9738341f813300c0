"""What the referral wizard's pages share: the record, the chosen desk, the referral, its steps.

The wizard creates one :class:`ReferralFlow` and hands it to every page. A page reads and sets
what it needs here and never reaches into the wizard or into a sibling page; the wizard listens
to the flow's signals (to move on, to announce). The slow steps (sealing, exporting) run on the
flow's :class:`Runner` through :meth:`ReferralFlow.run`, never on the GUI thread, and
:attr:`ReferralFlow.busy` says that one is under way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.protocol.profile import Desk
from advisor_desktop.ui.shell.workers import Runner, Task

log = logging.getLogger(__name__)

VisitorView = Callable[[str], None]
ExportPathChooser = Callable[[], Path | None]


class ReferralFlow(QObject):
    """The state of one referral as the wizard walks it: desk → consent → draft → seal → file."""

    referral_created = Signal(str)
    """The consent and a draft are in the vault; carries the referral id. GUI thread."""

    sealed = Signal(str)
    """The previewed payload was signed, encrypted to the desk and queued in the outbox;
    carries the referral id. Fires on the GUI thread once the worker reported."""

    exported = Signal(str, str)
    """The sealed package was written; carries the referral id and the file's path. Fires on
    the GUI thread once the worker reported."""

    keys_requested = Signal()
    """The advisor asked to go to Keys and updates (no desk is trusted yet); the wizard closes
    and the window shows that page."""

    busy_changed = Signal(bool)
    """A slow step started (True) or reported back (False). Pages connect to it to disable
    their controls; the wizard connects after them and disables Back while busy."""

    def __init__(
        self,
        workspace: Workspace,
        record: ConversationRecord,
        runner: Runner,
        *,
        request_visitor_view: VisitorView | None = None,
        choose_export_path: ExportPathChooser | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if record.id is None:
            raise ValueError("the record must be saved before it can be referred")
        self.workspace = workspace
        self.record = record
        self.runner = runner
        self.request_visitor_view = request_visitor_view
        self.choose_export_path = choose_export_path
        desks = self.desks
        self.desk_name = desks[0].name if desks else ""
        self.summary: str | None = None  # None: the record's notes
        self.referral_id: str | None = None
        self.sealed_digest: str | None = None
        self.exported_to: Path | None = None
        self.last_task: Task | None = None
        self._busy = False
        self._pending: tuple[Callable[[Any], None], Callable[[AdvisorError], None]] | None = None

    # -- what the pages read -------------------------------------------------------------

    @property
    def record_id(self) -> int:
        """The id of the record being referred (saved, so never None)."""
        assert self.record.id is not None
        return int(self.record.id)

    @property
    def desks(self) -> tuple[Desk, ...]:
        """The desks of the workspace's profile (those a referral can be sealed for)."""
        return self.workspace.referrals.profile.desks

    @property
    def busy(self) -> bool:
        """True while a slow step runs on the worker."""
        return self._busy

    @property
    def is_sealed(self) -> bool:
        """True once the referral was sealed (now, or before the wizard was opened)."""
        return self.sealed_digest is not None

    # -- what the pages report -----------------------------------------------------------

    def set_referral(self, referral_id: str) -> None:
        """Consent and a draft were recorded: the flow works on ``referral_id`` from now on."""
        self.referral_id = referral_id
        log.info("referral_flow_created id=%s", referral_id)
        self.referral_created.emit(referral_id)

    def set_sealed(self, digest: str) -> None:
        """The referral was sealed with the previewed ``digest``."""
        self.sealed_digest = digest
        if self.referral_id is not None:
            self.sealed.emit(self.referral_id)

    def set_exported(self, path: Path) -> None:
        """The sealed package was written to ``path``."""
        self.exported_to = path
        if self.referral_id is not None:
            self.exported.emit(self.referral_id, str(path))

    # -- slow steps ----------------------------------------------------------------------

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        on_error: Callable[[AdvisorError], None],
    ) -> Task | None:
        """Run ``fn(*args)`` on the runner, busy until it reports; one step at a time (None
        when one is already running). The callbacks run on the GUI thread; they are dropped
        when the wizard was closed and deleted meanwhile."""
        if self._busy:
            return None
        self._pending = (on_done, on_error)
        self._set_busy(True)
        # Bound methods of this QObject: the runner skips them once the flow is deleted.
        self.last_task = self.runner.start(
            fn, *args, on_done=self._step_done, on_error=self._step_failed
        )
        return self.last_task

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _step_done(self, result: object) -> None:
        pending, self._pending = self._pending, None
        self._set_busy(False)
        if pending is not None:
            pending[0](result)

    def _step_failed(self, exc: AdvisorError) -> None:
        pending, self._pending = self._pending, None
        self._set_busy(False)
        if pending is not None:
            pending[1](exc)


def page_message(label: QLabel, text: str) -> None:
    """Show ``text`` in a page's message line (hidden when empty), readable by screen readers."""
    label.setText(text)
    label.setAccessibleName(text)
    label.setVisible(bool(text))
