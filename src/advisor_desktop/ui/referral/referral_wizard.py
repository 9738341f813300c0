"""The referral wizard: desk → consent → draft and anonymise → preview and confirm → export.

Everything it decides goes through the app's referral flow (:mod:`advisor_desktop.app.referrals`)
over the injected workspace; the wizard only shows and asks. It creates one
:class:`~advisor_desktop.ui.referral.flow.ReferralFlow` and hands it to its pages, which depend
on it and not on the wizard or on each other. Recording consent and confirming the preview are
commit steps (no going back), as both write to the vault; sealing and exporting run on the
flow's worker.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.referral.consent_pages import ConsentPage, DeskPage
from advisor_desktop.ui.referral.flow import ExportPathChooser, ReferralFlow, VisitorView
from advisor_desktop.ui.referral.review_pages import DraftPage
from advisor_desktop.ui.referral.seal_pages import DonePage, PreviewPage
from advisor_desktop.ui.shell.common import label_wizard_buttons
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

PAGE_DESK, PAGE_CONSENT, PAGE_DRAFT, PAGE_PREVIEW, PAGE_DONE = range(5)
RESUMABLE = ("draft", "confirmed", "exported")


class ReferralWizard(QWizard):
    """Prepare a referral of one conversation record, with the visitor's consent."""

    referral_created = Signal(str)
    """Emitted with the referral id once the consent and the draft are in the vault."""

    referral_confirmed = Signal(str)
    """Emitted with the referral id after the advisor confirmed the preview and the worker
    sealed it (signed, encrypted, queued); the wizard already shows the export page then."""

    referral_exported = Signal(str, str)
    """Emitted with the referral id and the file path after the worker wrote the package."""

    keys_requested = Signal()
    """The advisor chose to import a desk's key first: the wizard closed itself; the window
    should show Keys and updates."""

    def __init__(
        self,
        workspace: Workspace,
        record: ConversationRecord,
        *,
        runner: Runner | None = None,
        request_visitor_view: VisitorView | None = None,
        choose_export_path: ExportPathChooser | None = None,
        parent: QWidget | None = None,
        resume: str | None = None,
    ) -> None:
        """``runner``: the window's worker runner (a private one when None). ``resume``: the id
        of an earlier referral of ``record`` to go on with (a draft opens at the redactions, a
        sealed one at the export); consent is then not asked again."""
        super().__init__(parent)
        if record.id is None:
            raise ValueError("the record must be saved before it can be referred")
        self.flow = ReferralFlow(
            workspace,
            record,
            runner if runner is not None else Runner(self),
            request_visitor_view=request_visitor_view,
            choose_export_path=choose_export_path,
            parent=self,
        )
        self.setWindowTitle(_("Refer to a desk"))
        label_wizard_buttons(self)
        self.setAccessibleName(_("Refer to a desk"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.desk_page = DeskPage(self.flow)
        self.consent_page = ConsentPage(self.flow)
        self.draft_page = DraftPage(self.flow)
        self.preview_page = PreviewPage(self.flow)
        self.done_page = DonePage(self.flow)
        for number, page in enumerate(
            (self.desk_page, self.consent_page, self.draft_page, self.preview_page, self.done_page)
        ):
            self.setPage(number, page)
        # Connected after the pages: their completeChanged re-enables the buttons first.
        self.flow.busy_changed.connect(self._on_busy)
        self.flow.referral_created.connect(self._on_created)
        self.flow.sealed.connect(self._on_sealed)
        self.flow.exported.connect(self.referral_exported)
        self.flow.keys_requested.connect(self._go_to_keys)
        self.setStartId(PAGE_DESK)
        if resume is not None:
            self._resume(resume)
        # Fits a 1366×768 screen with the task bar and window frame.
        self.resize(1080, 680)
        self.setMinimumSize(760, 520)

    def _go_to_keys(self) -> None:
        self.reject()
        self.keys_requested.emit()

    def _resume(self, referral_id: str) -> None:
        referral = self.flow.workspace.referrals.get(referral_id)
        state = referral.summary.state
        if referral.summary.record_id != self.flow.record.id or state not in RESUMABLE:
            raise ValueError("only a draft or sealed referral of this record can be resumed")
        self.flow.referral_id = referral_id
        if state != "draft":
            self.flow.sealed_digest = referral.payload_digest or ""
        self.setStartId(PAGE_DRAFT if state == "draft" else PAGE_DONE)

    @property
    def referral_id(self) -> str | None:
        """The referral the wizard works on (None until consent is recorded)."""
        return self.flow.referral_id

    @property
    def runner(self) -> Runner:
        """The runner the slow steps go to."""
        return self.flow.runner

    def _on_created(self, referral_id: str) -> None:
        log.info("referral_wizard_created id=%s", referral_id)
        self.referral_created.emit(referral_id)

    def _on_sealed(self, referral_id: str) -> None:
        # The preview page refused to move on while sealing; now it lets the wizard through.
        if self.currentPage() is self.preview_page:
            self.next()
        self.referral_confirmed.emit(referral_id)

    def _on_busy(self, busy: bool) -> None:
        # While a step runs nothing may go back past it; Qt restores Back when it is done.
        if busy:
            self.button(QWizard.WizardButton.BackButton).setEnabled(False)
