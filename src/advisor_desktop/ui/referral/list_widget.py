"""A conversation record's referrals and their states, with Withdraw (the visitor's right)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.app.referrals import withdraw_referral
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.referral.outbox import Outbox, OutboxItem
from advisor_desktop.referral.service import ReferralSummary
from advisor_desktop.ui.outbox.words import delivery_words, desk_status_words
from advisor_desktop.ui.shell.common import confirm, named, note
from advisor_desktop.ui.shell.formatting import format_date

log = logging.getLogger(__name__)

STATE_LABELS: dict[str, str] = {
    "draft": N_("Draft (not sealed)"),
    "confirmed": N_("Sealed, in the outbox"),
    "exported": N_("Exported as a file"),
    # The outbox sets "sent" only when the desk's verified receipt is stored.
    "sent": N_("Delivered"),
    "withdrawn": N_("Consent withdrawn"),
}
WITHDRAWABLE = ("draft", "confirmed", "exported")
#: Sealed referrals: their step can be shown to the visitor.
SEALED = ("confirmed", "exported", "sent")

ConfirmWithdraw = Callable[[QWidget, ReferralSummary], bool]


def state_label(state: str) -> str:
    """A referral state, translated."""
    return _(STATE_LABELS.get(state, state))


def ask_withdraw(parent: QWidget, summary: ReferralSummary) -> bool:
    """The default confirmation: a modal question, Cancel by default."""
    return confirm(
        parent,
        _("Withdraw consent"),
        _(
            "The visitor withdraws consent to the referral to {desk}. It leaves the outbox and "
            "cannot be sent any more. The withdrawal is recorded."
        ).format(desk=summary.desk),
        _("Withdraw"),
    )


class ReferralListWidget(QWidget):
    """The referrals of one conversation record, newest first."""

    withdrawn = Signal(str)
    """Emitted with the referral id after consent to it was withdrawn."""

    resume_requested = Signal(str)
    """Emitted with the referral id when the advisor asks to go on with a draft or to export
    a sealed referral (open ``ReferralWizard(..., resume=id)``)."""

    visitor_status_requested = Signal(str)
    """Emitted with the referral id when the advisor asks to show the visitor where the
    report stands ("Show the visitor…")."""

    def __init__(
        self,
        workspace: Workspace,
        record_id: int | None = None,
        confirm_withdraw: ConfirmWithdraw = ask_withdraw,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.record_id = record_id
        self._confirm = confirm_withdraw
        self.items: list[ReferralSummary] = []
        self.outbox: dict[str, OutboxItem] = {}
        self.tree = named(QTreeWidget(), _("Referrals of this record"))
        self.tree.setHeaderLabels(
            [_("Created"), _("Desk"), _("State"), _("Shared"), _("Delivery"), _("At the desk")]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.empty = note(_("No referrals from this record."))
        self.withdraw_button = named(
            QPushButton(_("Withdraw consent…")), _("Withdraw consent to the selected referral")
        )
        self.resume_button = named(
            QPushButton(_("Continue…")), _("Go on with the selected referral")
        )
        self.visitor_button = named(
            QPushButton(_("Show the visitor…")),
            _("Show the visitor where the report stands, in the visitor's language"),
        )
        self.message = note("")
        self.message.setObjectName("referralListMessage")
        self.message.hide()
        # The desk's own message about the selected referral, as it wrote it.
        self.desk_message = note("")
        self.desk_message.setObjectName("deskMessage")
        self.desk_message.setTextFormat(Qt.TextFormat.PlainText)
        self.desk_message.hide()
        row = QHBoxLayout()
        row.addWidget(self.empty, 1)
        row.addWidget(self.visitor_button)
        row.addWidget(self.resume_button)
        row.addWidget(self.withdraw_button)
        self.action_row = row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.desk_message)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.tree.currentItemChanged.connect(self._update_buttons)
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.resume_button.clicked.connect(self._resume)
        self.visitor_button.clicked.connect(self._show_visitor)
        self.refresh()

    def set_record(self, record_id: int | None) -> None:
        """Show the referrals of ``record_id`` (None: every referral)."""
        self.record_id = record_id
        self.refresh()

    def refresh(self) -> None:
        """Reload the list from the vault, keeping the selection."""
        current = self.selected()
        keep = current.id if current is not None else None
        try:
            self.items = self.workspace.referrals.list_referrals(self.record_id)
            self.outbox = {i.referral_id: i for i in Outbox(self.workspace.vault).items()}
        except AdvisorError as exc:
            self._say(exc.message)
            self.items = []
            self.outbox = {}
        self.tree.clear()
        for summary in self.items:
            created = dt.datetime.fromisoformat(summary.created_at)
            shared = ", ".join(s.split("=")[0] for s in summary.scopes.split(",") if s)
            delivery = delivery_words(self.outbox.get(summary.id))
            at_desk = desk_status_words(summary.desk_status)
            item = QTreeWidgetItem(
                [
                    format_date(created.date()),
                    summary.desk,
                    state_label(summary.state),
                    shared,
                    delivery,
                    at_desk,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, summary.id)
            item.setToolTip(0, summary.id)
            item.setToolTip(4, delivery)
            if summary.desk_status is not None and summary.desk_status.text:
                item.setToolTip(5, summary.desk_status.text)
            self.tree.addTopLevelItem(item)
            if summary.id == keep:
                self.tree.setCurrentItem(item)
        self.empty.setVisible(not self.items)
        self.tree.setVisible(bool(self.items))
        # Without referrals the panel is one line: no list, no buttons that cannot act.
        for button in (self.visitor_button, self.resume_button, self.withdraw_button):
            button.setVisible(bool(self.items))
        rows = min(max(len(self.items), 1), 3)
        self.tree.setMaximumHeight(
            self.tree.header().sizeHint().height()
            + rows * max(self.tree.sizeHintForRow(0), self.fontMetrics().height() + 6)
            + 2 * self.tree.frameWidth()
            + 4
        )
        self._update_buttons()

    def selected(self) -> ReferralSummary | None:
        """The selected referral."""
        item = self.tree.currentItem()
        if item is None:
            return None
        ref_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((s for s in self.items if s.id == ref_id), None)

    def select(self, referral_id: str) -> None:
        """Select the row of ``referral_id``."""
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == referral_id:
                self.tree.setCurrentItem(item)

    def _update_buttons(self) -> None:
        current = self.selected()
        self.withdraw_button.setEnabled(current is not None and current.state in WITHDRAWABLE)
        self.resume_button.setEnabled(current is not None and current.state in WITHDRAWABLE)
        self.visitor_button.setEnabled(current is not None and current.state in SEALED)
        status = current.desk_status if current is not None else None
        if status is not None and status.text:
            self.desk_message.setText(_("The desk wrote: {text}").format(text=status.text))
            self.desk_message.show()
        else:
            self.desk_message.setText("")
            self.desk_message.hide()

    def _show_visitor(self) -> None:
        current = self.selected()
        if current is not None and current.state in SEALED:
            self.visitor_status_requested.emit(current.id)

    def _resume(self) -> None:
        current = self.selected()
        if current is not None and current.state in WITHDRAWABLE:
            self.resume_requested.emit(current.id)

    def say(self, text: str) -> None:
        """Show a short message under the list."""
        self._say(text)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setAccessibleName(text)
        self.message.setVisible(bool(text))

    def withdraw_selected(self) -> bool:
        """Ask, then withdraw consent to the selected referral."""
        current = self.selected()
        if current is None or current.state not in WITHDRAWABLE:
            return False
        if not self._confirm(self, current):
            return False
        try:
            withdrawal = withdraw_referral(self.workspace, current.id)
        except AdvisorError as exc:
            self._say(exc.message)
            return False
        if withdrawal.was_exported:
            self._say(
                _(
                    "Consent withdrawn. The referral had already been exported as a file: "
                    "destroy that file, or ask the desk to disregard referral {id}."
                ).format(id=current.id)
            )
        else:
            self._say(_("Consent withdrawn; the referral was removed from the outbox."))
        log.info("referral_list_withdrawn id=%s", current.id)
        self.refresh()
        self.withdrawn.emit(current.id)
        return True
