"""The notebook list as a lazy table model over the store.

In *list* mode rows come from ``Notebook.list_records`` a page at a time (``fetchMore``), so a
100k-record notebook shows at once and scrolls smoothly. In *search* mode the model shows the
hits a worker found (see :mod:`advisor_desktop.ui.notebook.search`). The model never holds more
than the short previews the store returns.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from advisor_desktop.notebook.models import RecordFilter, RecordSummary, SearchHit
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.shell.formatting import (
    category_labels,
    format_date,
    role_label,
    status_label,
)

PAGE_SIZE = 200
RECORD_ID_ROLE = Qt.ItemDataRole.UserRole + 1

AnyIndex = QModelIndex | QPersistentModelIndex


class RecordTableModel(QAbstractTableModel):
    """Rows of record summaries; columns date, role, categories, status, follow-up, text."""

    COLUMNS = ("date", "role", "categories", "status", "follow_up", "text")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._notebook: Notebook | None = None
        self._filters: RecordFilter | None = None
        self._rows: list[RecordSummary] = []
        self._snippets: list[str] | None = None
        self._total = 0

    # -- sources ---------------------------------------------------------------------------

    def set_notebook(self, notebook: Notebook | None, filters: RecordFilter | None = None) -> None:
        """Show the notebook's records (list mode), or nothing for None (locked)."""
        self.beginResetModel()
        self._notebook = notebook
        self._filters = filters
        self._rows = []
        self._snippets = None
        self._total = notebook.count(filters) if notebook is not None else 0
        self.endResetModel()

    def refresh(self) -> None:
        """Reload list mode from the first page (after a save or delete)."""
        self.set_notebook(self._notebook, self._filters)

    def set_hits(self, hits: list[SearchHit]) -> None:
        """Show search results (search mode): no lazy fetching, snippets as text."""
        self.beginResetModel()
        self._rows = [hit.summary for hit in hits]
        self._snippets = [hit.snippet for hit in hits]
        self._total = len(self._rows)
        self.endResetModel()

    @property
    def searching(self) -> bool:
        """True while search results are shown."""
        return self._snippets is not None

    @property
    def total(self) -> int:
        """Rows available (loaded or not)."""
        return self._total

    def clear(self) -> None:
        """Drop everything (on lock)."""
        self.set_notebook(None)

    # -- lazy loading ----------------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        """More pages exist in list mode."""
        if parent.isValid() or self._notebook is None or self.searching:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """Load the next page (one indexed query of at most PAGE_SIZE short rows)."""
        if not self.canFetchMore(parent):
            return
        assert self._notebook is not None
        page = self._notebook.list_records(self._filters, limit=PAGE_SIZE, offset=len(self._rows))
        if not page:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    # -- table -----------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Rows loaded so far."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Fixed columns."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (
            _("Date"),
            _("Visitor"),
            _("Concerns"),
            _("Status"),
            _("Follow-up"),
            _("Match") if self.searching else _("Notes"),
        )
        return titles[section]

    def record_id(self, row: int) -> int | None:
        """The record id shown in ``row``."""
        return int(self._rows[row].id) if 0 <= row < len(self._rows) else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, the record id (RECORD_ID_ROLE) and accessible text."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role == RECORD_ID_ROLE:
            return int(summary.id)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(summary, index.row(), self.COLUMNS[index.column()])
        if role == Qt.ItemDataRole.ToolTipRole and self.COLUMNS[index.column()] == "text":
            return self._text(summary, index.row(), "text")
        return None

    def _text(self, summary: RecordSummary, row: int, column: str) -> str:
        if column == "date":
            return format_date(summary.conv_date)
        if column == "role":
            return role_label(summary.role)
        if column == "categories":
            assert self._notebook is not None
            return category_labels(self._notebook.profile, summary.categories)
        if column == "status":
            return status_label(summary.status)
        if column == "follow_up":
            return format_date(summary.follow_up)
        if self._snippets is not None:
            return self._snippets[row]
        return summary.preview
