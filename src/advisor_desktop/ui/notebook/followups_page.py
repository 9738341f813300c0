"""Follow-ups: open records whose follow-up date has passed or comes within a week."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from advisor_desktop.notebook.service import FollowUpOverview
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.ui.shell.common import heading, named, note
from advisor_desktop.ui.shell.design import Status, status_color, status_icon
from advisor_desktop.ui.shell.formatting import category_labels, format_date, role_label
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

WITHIN_DAYS = 7
MAX_ROWS = 300
BACKGROUND_DELAY_MS = 400


class FollowUpsPage(QWidget):
    """Overdue and upcoming follow-ups, loaded on a worker (a scan of the open records)."""

    open_record = Signal(int)
    """The advisor chose a follow-up; carries the record id to open in the editor."""

    loaded = Signal(int)
    """The list was (re)loaded; carries the number of follow-ups shown."""

    def __init__(self, session: Session, runner: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self._ids: dict[int, int] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Follow-ups")))
        layout.addWidget(
            note(
                ngettext(
                    "Open conversations whose follow-up date has passed or falls in the next "
                    "{n} day. Press Enter or double-click to open one.",
                    "Open conversations whose follow-up date has passed or falls in the next "
                    "{n} days. Press Enter or double-click to open one.",
                    WITHIN_DAYS,
                ).format(n=WITHIN_DAYS)
            )
        )
        self.tree = named(QTreeWidget(), _("Follow-ups"))
        self.tree.setHeaderLabels(
            [_("Follow-up"), _("Conversation"), _("Visitor"), _("Concerns"), _("Notes")]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        for column, width in enumerate((150, 120, 150, 220)):
            self.tree.setColumnWidth(column, width)
        self.tree.itemActivated.connect(self._activated)
        layout.addWidget(self.tree, 1)
        self.summary = QLabel()
        self.summary.setAccessibleName(_("Follow-up summary"))
        layout.addWidget(self.summary)
        # Loaded a moment after unlock: the scan holds the vault, and the notebook's first
        # page comes first.
        session.opened.connect(lambda: QTimer.singleShot(BACKGROUND_DELAY_MS, self, self.reload))
        session.data_changed.connect(self.reload)
        session.about_to_lock.connect(self.tree.clear)

    def reload(self) -> None:
        """Fetch the follow-ups on a worker."""
        if not self.session.is_open:
            return
        notebook = self.session.notebook
        today = self.session.today()
        self.summary.setText(_("Loading…"))

        def work() -> FollowUpOverview:
            return notebook.follow_up_overview(today, within_days=WITHIN_DAYS, limit=MAX_ROWS)

        self.runner.start(work, on_done=self._show, on_error=lambda e: self.summary.setText(str(e)))

    def _show(self, overview: Any) -> None:
        self.tree.clear()
        self._ids = {}
        if not self.session.is_open:
            return
        profile = self.session.notebook.profile
        # Overdue comes most recently due first: older ones are likely stale.
        groups = (
            (_("Overdue"), overview.overdue, overview.overdue_count, Status.OVERDUE),
            (_("Due today or soon"), overview.upcoming, overview.upcoming_count, Status.DUE),
        )
        for title, group, total, status in groups:
            header = QTreeWidgetItem([f"{title} ({total})"])
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            header.setIcon(0, status_icon(status))
            header.setForeground(0, status_color(status))
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(header)
            header.setFirstColumnSpanned(True)
            for summary in group:
                item = QTreeWidgetItem(
                    [
                        format_date(summary.follow_up),
                        format_date(summary.conv_date),
                        role_label(summary.role),
                        category_labels(profile, summary.categories),
                        summary.preview,
                    ]
                )
                # Colour and an icon (never colour alone) mark how urgent it is.
                item.setIcon(0, status_icon(status))
                item.setForeground(0, status_color(status))
                item.setData(0, Qt.ItemDataRole.AccessibleDescriptionRole, title)
                self.tree.addTopLevelItem(item)
                # Ids live in a Python dict keyed by row, not in item data (fewer wrappers).
                self._ids[self.tree.topLevelItemCount() - 1] = int(summary.id)
            if total > len(group):
                more = QTreeWidgetItem(
                    [
                        _("… and {n} more; use the notebook's filters to see them all.").format(
                            n=total - len(group)
                        )
                    ]
                )
                more.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(more)
                more.setFirstColumnSpanned(True)
            if not group:
                empty = QTreeWidgetItem([_("Nothing here.")])
                empty.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(empty)
                empty.setFirstColumnSpanned(True)
        overdue, upcoming = overview.overdue_count, overview.upcoming_count
        self.summary.setText(
            ngettext("{n} overdue", "{n} overdue", overdue).format(n=overdue)
            + " · "
            + ngettext("{n} due soon", "{n} due soon", upcoming).format(n=upcoming)
        )
        self.loaded.emit(overdue + upcoming)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        record_id = self._ids.get(self.tree.indexOfTopLevelItem(item))
        if record_id is not None:
            self.open_record.emit(int(record_id))
