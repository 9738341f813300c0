"""The referrals panel of the record editor: the record's referrals and "Refer to a desk…".

A thin join between the editor and the referral feature: it hands the session's current
workspace (a new one at every unlock) to the referral list and to the
:class:`~advisor_desktop.ui.referral.ReferralWizard` it opens for the shown record, with the
runner the wizard's slow steps (seal, export) go to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from advisor_desktop.notebook.models import RecordId
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.referral.outbox import Outbox
from advisor_desktop.ui.referral import ReferralListWidget, ReferralWizard
from advisor_desktop.ui.shell.common import named
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

if TYPE_CHECKING:
    from advisor_desktop.ui.outbox.visitor_status import VisitorStatusView

VisitorOpener = Callable[[str], None]


class RecordReferrals(QGroupBox):
    """The referrals of the record in the editor, and the button to start a new one."""

    wizard_opened = Signal(object)
    """Emitted with the :class:`ReferralWizard` just opened (tests drive it)."""

    keys_requested = Signal()
    """The wizard found no trusted desk and the advisor chose to import one."""

    def __init__(self, session: Session, parent: QWidget | None = None, *, runner: Runner) -> None:
        """``runner``: the window's, where the wizard seals and exports."""
        super().__init__(_("Referrals to a desk"), parent)
        self.session = session
        self.runner = runner
        self.record_id: int | None = None
        self._open_visitor: VisitorOpener | None = None
        self.wizard: ReferralWizard | None = None
        self.status_view: VisitorStatusView | None = None
        self.list: ReferralListWidget | None = None
        self.refer_button = named(
            QPushButton(_("Refer to a desk…")),
            _("Prepare a consent-based, anonymised referral of this conversation"),
        )
        self.refer_button.clicked.connect(lambda: self.open_wizard())
        self._layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.refer_button)
        self._layout.addLayout(row)
        self._button_row = row
        self.setMaximumHeight(190)
        session.about_to_lock.connect(self.drop)

    def set_visitor_opener(self, opener: VisitorOpener | None) -> None:
        """How to show the visitor view in a language (from the guides feature)."""
        self._open_visitor = opener

    def set_record(self, record_id: int | None) -> None:
        """Show the referrals of ``record_id`` (None: a new, unsaved record — none yet)."""
        self.record_id = record_id
        self.refer_button.setEnabled(record_id is not None)
        if record_id is None:
            if self.list is not None:
                self.list.hide()
            self._place_refer_button(in_list=False)
            return
        if self.list is None:
            self.list = ReferralListWidget(self.session.workspace, record_id)
            self.list.resume_requested.connect(lambda ref: self.open_wizard(resume=ref))
            self.list.visitor_status_requested.connect(self.show_visitor_status)
            self._layout.insertWidget(0, self.list, 1)
        else:
            self.list.workspace = self.session.workspace
            self.list.set_record(record_id)
        # A sync delivers referrals and brings the desk's statuses: show them as they come.
        sync = getattr(self.session, "outbox_sync", None)
        if sync is not None:
            sync.changed.connect(self._refresh, Qt.ConnectionType.UniqueConnection)
        self.list.show()
        self._place_refer_button(in_list=True)

    def _place_refer_button(self, *, in_list: bool) -> None:
        """One row for the list's actions and "Refer to a desk…" ("No referrals … [Refer]"),
        or the button alone while there is no list (a new, unsaved record)."""
        self._button_row.removeWidget(self.refer_button)
        if self.list is not None:
            self.list.action_row.removeWidget(self.refer_button)
        if in_list and self.list is not None:
            self.list.action_row.addWidget(self.refer_button)
        else:
            self._button_row.addWidget(self.refer_button)

    def open_wizard(self, resume: str | None = None) -> ReferralWizard | None:
        """Open the referral wizard for the shown record (saved records only)."""
        if self.record_id is None:
            return None
        workspace = self.session.workspace
        record = workspace.notebook.get(RecordId(self.record_id))
        wizard = ReferralWizard(
            workspace,
            record,
            runner=self.runner,
            request_visitor_view=self._open_visitor,
            parent=self.window(),
            resume=resume,
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for signal in (wizard.referral_created, wizard.referral_confirmed):
            signal.connect(lambda *_args: self._refresh())
        wizard.referral_exported.connect(lambda *_args: self._refresh())
        wizard.keys_requested.connect(self.keys_requested)
        wizard.finished.connect(lambda _code: self._wizard_closed())
        self.wizard = wizard
        wizard.open()
        self.wizard_opened.emit(wizard)
        return wizard

    def show_visitor_status(self, referral_id: str) -> VisitorStatusView | None:
        """Show the visitor where the report stands, full screen, in the consent language of
        the referral; the notebook is hidden behind it, and leaving needs the passphrase."""
        from advisor_desktop.ui.outbox.visitor_status import VisitorStatusView
        from advisor_desktop.ui.shell.features import passphrase_check

        if not self.session.is_open:
            return None
        workspace = self.session.workspace
        try:
            referral = workspace.referrals.get(referral_id)
            item = next(
                (i for i in Outbox(workspace.vault).items() if i.referral_id == referral_id), None
            )
            status = workspace.referrals.statuses.latest(referral_id)
            view = VisitorStatusView(
                referral.consent.language,
                None if status is None else status.state,
                None if status is None else status.outcome,
                delivered=bool(item is not None and item.delivered)
                or referral.summary.state == "sent",
                since=None if status is None else status.set_at,
                desk_message=None if status is None else status.text,
                verify_passphrase=passphrase_check(self.session.paths),
                runner=self.runner,
            )
        except AdvisorError as exc:
            if self.list is not None:
                self.list.say(exc.message)
            return None
        window = self.window()
        hide = getattr(window, "quick_hide", None)
        show = getattr(window, "quick_show", None)
        was_hidden = bool(getattr(window, "is_hidden", False))
        if callable(hide):
            hide()

        def left() -> None:
            self.status_view = None
            if callable(show) and not was_hidden:
                show()

        view.left.connect(left)
        self.status_view = view
        from advisor_desktop.ui.shell.placement import visitor_screen

        view.enter(visitor_screen(window))
        return view

    def _wizard_closed(self) -> None:
        self.wizard = None
        self._refresh()

    def _refresh(self) -> None:
        if self.list is not None and self.session.is_open:
            self.list.refresh()

    def drop(self) -> None:
        """The vault is about to lock: close the wizard and the visitor's status view, forget
        what is shown."""
        if self.status_view is not None:
            view, self.status_view = self.status_view, None
            view.dismiss()
        if self.wizard is not None:
            self.wizard.reject()
            self.wizard = None
        # A seal or an export still running must finish before the vault closes under it.
        self.runner.wait()
        if self.list is not None:
            self.list.tree.clear()
            self.list.hide()
        # The next set_record uses the workspace that the unlock opens.
        self.record_id = None
