"""The notebook page: filters, search as you type, the lazy record list and the editor."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.notebook.models import (
    ROLE_LABELS,
    STATUS_LABELS,
    RecordFilter,
    Status,
    VisitorRole,
)
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _, active_locale, ngettext
from advisor_desktop.ui.notebook.editor_form import from_qdate
from advisor_desktop.ui.notebook.record_model import RecordTableModel
from advisor_desktop.ui.notebook.search import DEBOUNCE_MS, SearchController
from advisor_desktop.ui.notebook.text_delegate import NoteTextDelegate
from advisor_desktop.ui.shell.clipboard import SecureClipboard
from advisor_desktop.ui.shell.common import Banner, named, show_error
from advisor_desktop.ui.shell.formatting import format_date, use_date_format
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

if TYPE_CHECKING:
    # Imported when the editor is first built: it brings the referral feature with it, which
    # the list shown at unlock does not need.
    from advisor_desktop.ui.notebook.editor import RecordEditor
    from advisor_desktop.ui.notebook.record_referrals import VisitorOpener

log = logging.getLogger(__name__)

_ANY_DATE = QDate(2000, 1, 1)


class NotebookPage(QWidget):
    """List ↔ editor, with filters, search and the retention banner."""

    retention_review_requested = Signal()

    keys_requested = Signal()
    """A referral needs a desk that is not trusted yet: show Keys and updates."""
    """The advisor clicked "Review" on the retention banner (show the settings page)."""

    retention_loaded = Signal(int, int)
    """Retention figures arrived from the worker: (due now, due within the warning period)."""

    def __init__(
        self,
        session: Session,
        runner: Runner,
        clipboard: SecureClipboard,
        *,
        debounce_ms: int = DEBOUNCE_MS,
        autosave_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self._resume: tuple[str, int | None] | None = None
        self.stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.list_page = QWidget()
        self.stack.addWidget(self.list_page)
        # The editor (form, referrals panel) is built when first opened: unlocking shows the
        # list only.
        self._clipboard = clipboard
        self._autosave_ms = autosave_ms
        self._editor: RecordEditor | None = None
        self._visitor_opener: VisitorOpener | None = None
        self._build_list()
        self.search = SearchController(
            runner, lambda: session.notebook, self.filters, debounce_ms, self
        )
        self.search.results.connect(self._show_hits)
        self.search.cleared.connect(self._show_all)
        self.search.failed.connect(lambda message: self.count_label.setText(message))
        session.opened.connect(self._on_opened)
        session.about_to_lock.connect(self._on_about_to_lock)
        session.data_changed.connect(self.load_retention)

    # -- building --------------------------------------------------------------------------

    def _build_list(self) -> None:
        layout = QVBoxLayout(self.list_page)
        self.banner = Banner()
        self.banner.button.clicked.connect(self.retention_review_requested)
        layout.addWidget(self.banner)
        bar = QHBoxLayout()
        self.search_box = named(QLineEdit(), _("Search the notebook"))
        self.search_box.setPlaceholderText(_("Search notes, agreements and aliases (Ctrl+F)"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda text: self.search.set_text(text))
        self.new_button = named(QPushButton(_("New conversation")), _("New conversation"))
        self.new_button.setToolTip(_("New conversation (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_record)
        bar.addWidget(self.search_box, 1)
        bar.addWidget(self.new_button)
        layout.addLayout(bar)

        filters = QHBoxLayout()
        self.status_filter = self._filter_combo(_("Status filter"), STATUS_LABELS)
        self.role_filter = self._filter_combo(_("Visitor filter"), ROLE_LABELS)
        self.category_filter = named(QComboBox(), _("Concern filter"))
        self.category_filter.addItem(_("All concerns"), None)
        self.date_from = self._date_filter(_("From date"))
        self.date_to = self._date_filter(_("Until date"))
        for label, widget in (
            (_("Status:"), self.status_filter),
            (_("Visitor:"), self.role_filter),
            (_("Concern:"), self.category_filter),
            (_("From:"), self.date_from),
            (_("Until:"), self.date_to),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addStretch(1)
        self.category_filter.currentIndexChanged.connect(self._filters_changed)
        layout.addLayout(filters)

        self.model = RecordTableModel(self)
        self.table = named(QTableView(), _("Conversations"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # The list is newest first; search results best match first (no column order).
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.setSectionsClickable(False)
        self.text_delegate = NoteTextDelegate(self.table)
        self.table.setItemDelegateForColumn(
            RecordTableModel.COLUMNS.index("text"), self.text_delegate
        )
        for column, width in enumerate((110, 150, 220, 70, 110)):
            self.table.setColumnWidth(column, width)
        self.table.activated.connect(self._open_index)
        layout.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(_("Number of conversations shown"))
        layout.addWidget(self.count_label)
        self._first_hint = _(
            "No conversations yet. Press “New conversation” (Ctrl+N) to record one, or "
            "add fictional examples with “advisor demo-data”."
        )
        self.empty_hint = QLabel(self._first_hint)
        self.empty_hint.setProperty("role", "note")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.hide()
        layout.addWidget(self.empty_hint, 1)
        QShortcut(QKeySequence.StandardKey.Find, self, self.focus_search)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_record)

    def _filter_combo(self, name: str, labels: dict[str, str]) -> QComboBox:
        combo = named(QComboBox(), name)
        combo.addItem(_("All"), None)
        for key, label in labels.items():
            combo.addItem(_(label), str(key))
        combo.currentIndexChanged.connect(self._filters_changed)
        return combo

    def _date_filter(self, name: str) -> QDateEdit:
        edit = named(QDateEdit(), name)
        edit.setCalendarPopup(True)
        use_date_format(edit)
        edit.setMinimumDate(_ANY_DATE)
        edit.setSpecialValueText(_("Any"))
        edit.setDate(_ANY_DATE)
        edit.dateChanged.connect(self._filters_changed)
        return edit

    # -- filters and search ----------------------------------------------------------------

    def filters(self) -> RecordFilter | None:
        """The filters chosen in the bar (None when all are "any")."""
        status = self.status_filter.currentData()
        role = self.role_filter.currentData()
        category = self.category_filter.currentData()
        start = self.date_from.date()
        end = self.date_to.date()
        result = RecordFilter(
            status=Status(status) if status else None,
            role=VisitorRole(role) if role else None,
            category=str(category) if category else None,
            date_from=None if start == _ANY_DATE else from_qdate(start),
            date_to=None if end == _ANY_DATE else from_qdate(end),
        )
        return None if result == RecordFilter() else result

    def _filters_changed(self, *_args: object) -> None:
        if not self.session.is_open:
            return
        if self.search.text:
            self.search.rerun()
        else:
            self._show_all()

    def _show_all(self) -> None:
        if not self.session.is_open:
            self.model.clear()
            return
        self.text_delegate.set_query("")
        try:
            self.model.set_notebook(self.session.notebook, self.filters())
        except AdvisorError as exc:
            show_error(self, str(exc))
            return
        self._update_count()

    def _show_hits(self, query: str, hits: Any) -> None:
        self.text_delegate.set_query(query)
        self.model.set_hits(list(hits))
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.total
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(not self.model.searching)
        if self.model.searching:
            text = ngettext("{n} match, best first", "{n} matches, best first", total).format(
                n=total
            )
        else:
            text = ngettext(
                "{n} conversation, newest first", "{n} conversations, newest first", total
            ).format(n=total)
        self.count_label.setText(text)
        nothing_at_all = not self.model.searching and total == 0 and self.filters() is None
        no_match = self.model.searching and total == 0
        no_filtered = not self.model.searching and total == 0 and self.filters() is not None
        if nothing_at_all:
            self.empty_hint.setText(self._first_hint)
        elif no_match:
            self.empty_hint.setText(
                _(
                    "No conversation matches “{query}”. Check the spelling, or use fewer words."
                ).format(query=self.search.text[:80])
            )
        elif no_filtered:
            self.empty_hint.setText(_("No conversation matches these filters."))
        self.empty_hint.setVisible(nothing_at_all or no_match or no_filtered)
        self.table.setVisible(not (nothing_at_all or no_match or no_filtered))

    def focus_search(self) -> None:
        """Ctrl+F: back to the list with the search box focused."""
        self.show_list()
        self.search_box.setFocus()
        self.search_box.selectAll()

    # -- list ↔ editor ---------------------------------------------------------------------

    @property
    def editor(self) -> RecordEditor:
        """The record editor (built on first use)."""
        if self._editor is None:
            from advisor_desktop.ui.notebook.editor import AUTOSAVE_MS, RecordEditor

            autosave_ms = AUTOSAVE_MS if self._autosave_ms is None else self._autosave_ms
            editor = RecordEditor(self.session, self._clipboard, self.runner, autosave_ms)
            self.stack.addWidget(editor)
            editor.close_requested.connect(self.show_list)
            editor.saved.connect(self._after_save)
            editor.deleted.connect(self._after_delete)
            editor.referrals.set_visitor_opener(self._visitor_opener)
            editor.referrals.keys_requested.connect(self.keys_requested)
            self._editor = editor
        return self._editor

    def set_visitor_opener(self, opener: VisitorOpener | None) -> None:
        """How the editor's referral wizard shows the visitor view (from the guides)."""
        self._visitor_opener = opener
        if self._editor is not None:
            self._editor.referrals.set_visitor_opener(opener)

    def keep_draft(self) -> None:
        """Save the editor's unsaved changes as a draft in the vault (if it was ever used)."""
        if self._editor is not None:
            self._editor.autosave()

    def show_list(self) -> None:
        """Show the list (the editor keeps unsaved changes as a draft)."""
        self.stack.setCurrentWidget(self.list_page)
        self.table.setFocus()

    def new_record(self) -> None:
        """Ctrl+N: a new conversation in the editor."""
        if not self.session.is_open:
            return
        self.editor.open_new()
        self.stack.setCurrentWidget(self.editor)

    def open_record(self, record_id: int) -> None:
        """Open ``record_id`` in the editor."""
        try:
            self.editor.open_record(record_id)
        except AdvisorError as exc:
            show_error(self, str(exc))
            return
        self.stack.setCurrentWidget(self.editor)

    def _open_index(self, index: QModelIndex) -> None:
        record_id = self.model.record_id(index.row())
        if record_id is not None:
            self.open_record(record_id)

    def _after_delete(self, record_id: int) -> None:
        self.show_list()
        self._after_save(record_id)

    def _after_save(self, record_id: int) -> None:
        if self.search.text:
            self.search.rerun()
        else:
            self._show_all()

    # -- lock / unlock ---------------------------------------------------------------------

    def _on_opened(self) -> None:
        notebook = self.session.notebook
        lang = active_locale()
        self.category_filter.blockSignals(True)
        while self.category_filter.count() > 1:
            self.category_filter.removeItem(1)
        for category in notebook.profile.categories:
            self.category_filter.addItem(category.label(lang), category.id)
        self.category_filter.blockSignals(False)
        self._show_all()
        self.model.fetchMore()  # the first page now, before background work holds the vault
        QTimer.singleShot(200, self, self.load_retention)
        resume, self._resume = self._resume, None
        if resume is not None:
            mode, record_id = resume
            if mode == "editor":
                if record_id is None:
                    self.new_record()
                else:
                    self.open_record(record_id)
            elif self.search_box.text():
                self.search.set_text(self.search_box.text())

    def _on_about_to_lock(self) -> None:
        editor = self._editor
        in_editor = editor is not None and self.stack.currentWidget() is editor
        self._resume = ("editor" if in_editor else "list", editor.record_id if editor else None)
        if editor is not None:
            editor.drop_content()
        self.search.cancel()
        self.model.clear()
        self.banner.hide()
        self.stack.setCurrentWidget(self.list_page)

    # -- retention -------------------------------------------------------------------------

    def load_retention(self) -> None:
        """Count records due for purge (now, and within the warning period) on a worker."""
        if not self.session.is_open:
            return
        notebook = self.session.notebook
        today = self.session.today()

        def work() -> tuple[int, int]:
            return len(notebook.purge_candidates(today)), len(notebook.retention_warnings(today))

        self.runner.start(work, on_done=self._show_retention, on_error=self._retention_failed)

    def _retention_failed(self, exc: AdvisorError) -> None:
        # Truly harmless, so only logged: the banner is a reminder, and the Settings page lists
        # the same records and says there when it cannot. A dialog for this background count,
        # which runs after every save, would interrupt the advisor for nothing.
        log.info("retention_count_failed kind=%s", type(exc).__name__)

    def _show_retention(self, counts: Any) -> None:
        due, soon = counts
        self.retention_loaded.emit(due, soon)
        if not self.session.is_open or (due == 0 and soon == 0):
            self.banner.hide()
            return
        days = self.session.notebook.profile.retention.warn_days
        horizon = self.session.today() + dt.timedelta(days=days)
        parts = []
        if due:
            parts.append(
                ngettext(
                    "{n} closed record has passed its retention period.",
                    "{n} closed records have passed their retention period.",
                    due,
                ).format(n=due)
            )
        if soon:
            parts.append(
                ngettext(
                    "{n} record will be due for purge by {date}.",
                    "{n} records will be due for purge by {date}.",
                    soon,
                ).format(n=soon, date=format_date(horizon))
            )
        self.banner.show_message(" ".join(parts), _("Review…"))

    def today(self) -> dt.date:
        """Today by the session clock."""
        return self.session.today()
