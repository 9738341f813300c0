"""The referral wizard: desk → consent → draft and anonymise → preview and confirm → export.

Everything it decides goes through the injected :class:`ReferralService`; the wizard only shows
and asks. Recording consent and confirming the preview are commit steps (no going back), as
both write to the vault.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.referral.service import ReferralService
from advisor_desktop.ui.referral.consent_pages import ConsentPage, DeskPage
from advisor_desktop.ui.referral.review_pages import DraftPage
from advisor_desktop.ui.referral.seal_pages import DonePage, PreviewPage

log = logging.getLogger(__name__)

PAGE_DESK, PAGE_CONSENT, PAGE_DRAFT, PAGE_PREVIEW, PAGE_DONE = range(5)
RESUMABLE = ("draft", "confirmed", "exported")


class ReferralWizard(QWizard):
    """Prepare a referral of one conversation record, with the visitor's consent."""

    referral_created = Signal(str)
    """Emitted with the referral id once the consent and the draft are in the vault."""

    referral_confirmed = Signal(str)
    """Emitted with the referral id after the advisor confirmed the preview (sealed, queued)."""

    referral_exported = Signal(str, str)
    """Emitted with the referral id and the file path after the package was written."""

    def __init__(
        self,
        service: ReferralService,
        record: ConversationRecord,
        profile: OrgProfile,
        request_visitor_view: Callable[[str], None] | None = None,
        choose_export_path: Callable[[], Path | None] | None = None,
        parent: QWidget | None = None,
        *,
        resume: str | None = None,
    ) -> None:
        """``resume``: the id of an earlier referral of ``record`` to go on with (a draft opens
        at the redactions, a sealed one at the export); consent is then not asked again."""
        super().__init__(parent)
        if record.id is None:
            raise ValueError("the record must be saved before it can be referred")
        self.service = service
        self.record = record
        self.profile = profile
        self.request_visitor_view = request_visitor_view
        self.choose_export_path = choose_export_path
        self.referral_id: str | None = None
        self.setWindowTitle(_("Refer to a desk"))
        self.setAccessibleName(_("Refer to a desk"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        self.desk_page = DeskPage(self)
        self.consent_page = ConsentPage(self)
        self.draft_page = DraftPage(self)
        self.preview_page = PreviewPage(self)
        self.done_page = DonePage(self)
        for number, page in enumerate(
            (self.desk_page, self.consent_page, self.draft_page, self.preview_page, self.done_page)
        ):
            self.setPage(number, page)
        self.setStartId(PAGE_DESK)
        if resume is not None:
            summary = service.get(resume).summary
            state = summary.state
            if summary.record_id != record.id or state not in RESUMABLE:
                raise ValueError("only a draft or sealed referral of this record can be resumed")
            self.referral_id = resume
            self.setStartId(PAGE_DRAFT if state == "draft" else PAGE_DONE)
        # Fits a 1366×768 screen with the task bar and window frame.
        self.resize(1080, 680)
        self.setMinimumSize(760, 520)

    def set_referral(self, referral_id: str) -> None:
        """The consent page recorded consent: the wizard works on ``referral_id`` from now on."""
        self.referral_id = referral_id
        log.info("referral_wizard_created id=%s", referral_id)
        self.referral_created.emit(referral_id)
