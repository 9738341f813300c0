"""The fields of a conversation record as widgets, and their conversion to/from values.

Two columns fit a 1366×768 screen: coded fields on one side, free text on the other. The
identifying fields (alias, identifiers) sit in their own clearly labelled group.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.notebook.models import (
    CHANNEL_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    ContactChannel,
    ConversationRecord,
    RecordId,
    Status,
    VisitorRole,
)
from advisor_desktop.platform.i18n import _, active_locale
from advisor_desktop.platform.languages import GUIDE_LANGUAGES, language_label
from advisor_desktop.protocol.profile import Labelled, OrgProfile
from advisor_desktop.ui.shell.common import named
from advisor_desktop.ui.shell.formatting import use_date_format


def to_qdate(day: dt.date) -> QDate:
    """A Python date as QDate."""
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    """A QDate as Python date."""
    return dt.date(day.year(), day.month(), day.day())


CHECKLIST_SPACING = 1
"""Pixels around each row of the category and option lists (rows must not touch)."""


def _wrapped(text: str) -> QLabel:
    """A caption above a field that wraps rather than widening its column."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _checklist(items: tuple[Labelled, ...], name: str) -> QListWidget:
    widget = named(QListWidget(), name)
    widget.setObjectName("checklist")
    # Rows apart, so that each box sits with its own label in every script.
    widget.setSpacing(CHECKLIST_SPACING)
    lang = active_locale()
    for item in items:
        entry = QListWidgetItem(item.label(lang))
        entry.setData(Qt.ItemDataRole.UserRole, item.id)
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setCheckState(Qt.CheckState.Unchecked)
        widget.addItem(entry)
    return widget


def _checked(widget: QListWidget) -> tuple[str, ...]:
    return tuple(
        str(widget.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    )


def _set_checked(widget: QListWidget, ids: tuple[str, ...] | list[str]) -> None:
    for i in range(widget.count()):
        item = widget.item(i)
        on = item.data(Qt.ItemDataRole.UserRole) in ids
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def _combo(labels: dict[str, str], name: str) -> QComboBox:
    combo = named(QComboBox(), name)
    for key, label in labels.items():
        combo.addItem(_(label), str(key))
    _narrow(combo)
    return combo


def _narrow(combo: QComboBox) -> None:
    """A combo box that does not widen its column to its longest entry (the open list still
    shows entries whole)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)


def _select(combo: QComboBox, key: str) -> None:
    index = combo.findData(key)
    combo.setCurrentIndex(max(index, 0))


class RecordForm(QWidget):
    """All editable fields of one record."""

    edited = Signal()
    """The advisor changed a field (not fired while values are loaded)."""

    def __init__(self, profile: OrgProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        columns = QHBoxLayout(self)
        columns.setContentsMargins(0, 0, 0, 0)
        left, middle, right = QVBoxLayout(), QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 4)
        columns.addLayout(middle, 3)
        columns.addLayout(right, 5)

        about = QGroupBox(_("Conversation"))
        form = QFormLayout(about)
        self.conv_date = named(QDateEdit(), _("Date of the conversation"))
        self.conv_date.setCalendarPopup(True)
        use_date_format(self.conv_date)
        self.channel = _combo(CHANNEL_LABELS, _("How the visitor came"))
        self.role = _combo(ROLE_LABELS, _("Who came (role, never a name)"))
        self.status = _combo(STATUS_LABELS, _("Status"))
        self.language = named(QComboBox(), _("Language of the conversation"))
        self.language.setEditable(True)
        self.language.addItem(_("(not recorded)"), "")
        for code in GUIDE_LANGUAGES:  # the conversation: any of the visitor languages
            self.language.addItem(language_label(code), code)
        _narrow(self.language)
        follow = QWidget()
        follow_row = QHBoxLayout(follow)
        follow_row.setContentsMargins(0, 0, 0, 0)
        # The row's label says "Follow-up:"; the box needs no words of its own (they widened
        # the column past the window's minimum size in longer languages).
        self.has_follow_up = named(QCheckBox(), _("Plan a follow-up"))
        self.has_follow_up.setToolTip(_("Plan a follow-up"))
        self.follow_up = named(QDateEdit(), _("Follow-up date"))
        self.follow_up.setCalendarPopup(True)
        use_date_format(self.follow_up)
        self.follow_up.setEnabled(False)
        self.has_follow_up.toggled.connect(self.follow_up.setEnabled)
        follow_row.addWidget(self.has_follow_up)
        follow_row.addWidget(self.follow_up, 1)
        form.addRow(_("&Date:"), self.conv_date)
        form.addRow(_("C&hannel:"), self.channel)
        form.addRow(_("&Visitor:"), self.role)
        form.addRow(_("&Language:"), self.language)
        form.addRow(_("Follow-up:"), follow)
        form.addRow(_("S&tatus:"), self.status)
        left.addWidget(about)

        lists = QGroupBox(_("Concerns and options"))
        lists_layout = QVBoxLayout(lists)
        lists_layout.addWidget(_wrapped(_("Concern categories:")))
        self.categories = _checklist(profile.categories, _("Concern categories"))
        lists_layout.addWidget(self.categories)
        lists_layout.addWidget(_wrapped(_("Options for action discussed:")))
        self.options = _checklist(profile.options, _("Options for action discussed"))
        lists_layout.addWidget(self.options)
        lists_layout.addStretch(1)
        for checklist in (self.categories, self.options):
            rows = max(checklist.count(), 1)
            frame = 2 * checklist.frameWidth() + 4
            row_height = checklist.sizeHintForRow(0) + 2 * CHECKLIST_SPACING
            checklist.setFixedHeight(row_height * rows + frame)
            # As wide as its longest entry: never a sideways scroll bar.
            checklist.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            checklist.setMinimumWidth(checklist.sizeHintForColumn(0) + frame + 4)
        middle.addWidget(lists, 1)

        texts = QGroupBox(_("What was said and agreed"))
        texts_layout = QVBoxLayout(texts)
        texts_layout.addWidget(_wrapped(_("Notes (keep them minimal; no names):")))
        self.notes = named(QPlainTextEdit(), _("Notes"))
        self.notes.setTabChangesFocus(True)
        texts_layout.addWidget(self.notes, 3)
        texts_layout.addWidget(_wrapped(_("What was agreed:")))
        self.agreed = named(QPlainTextEdit(), _("What was agreed"))
        self.agreed.setTabChangesFocus(True)
        # The texts take the height that is left; they ask for a few lines, not a screenful
        # (their default wish would make the editor scroll at 1280×720).
        for box, lines in ((self.notes, 6), (self.agreed, 3)):
            policy = box.sizePolicy()
            policy.setVerticalPolicy(QSizePolicy.Policy.Ignored)
            box.setSizePolicy(policy)
            box.setMinimumHeight(box.fontMetrics().lineSpacing() * lines + 12)
        texts_layout.addWidget(self.agreed, 1)
        right.addWidget(texts, 1)

        identifying = QGroupBox(_("Identifying details"))
        identifying.setAccessibleName(_("Identifying details"))
        ident_layout = QFormLayout(identifying)
        ident_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning = QLabel()
        warning.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size)
        )
        explain = QLabel(
            _(
                "Only if you need them: these fields identify people. They never leave the "
                "device, and are removed from anything you share."
            )
        )
        explain.setWordWrap(True)
        explain_row = QHBoxLayout()
        explain_row.addWidget(warning, 0, Qt.AlignmentFlag.AlignTop)
        explain_row.addWidget(explain, 1)
        ident_layout.addRow(explain_row)
        self.alias = named(
            QLineEdit(), _("Alias (identifying)"), _("A short alias to recognise the case")
        )
        self.identifiers = named(
            QLineEdit(),
            _("Names and identifiers (identifying)"),
            _("Names of people involved, separated by semicolons"),
        )
        self.identifiers.setPlaceholderText(_("separate with ;"))
        ident_layout.addRow(_("Alias (identifying):"), self.alias)
        ident_layout.addRow(_("Names (identifying):"), self.identifiers)
        left.addWidget(identifying)
        left.addStretch(1)

        for signal in (
            self.conv_date.dateChanged,
            self.follow_up.dateChanged,
            self.has_follow_up.toggled,
            self.channel.currentIndexChanged,
            self.role.currentIndexChanged,
            self.status.currentIndexChanged,
            self.language.currentTextChanged,
            self.categories.itemChanged,
            self.options.itemChanged,
            self.notes.textChanged,
            self.agreed.textChanged,
            self.alias.textChanged,
            self.identifiers.textChanged,
        ):
            signal.connect(self._changed)

    def _changed(self, *_args: object) -> None:
        if not self._loading:
            self.edited.emit()

    def focus_order(self) -> list[QWidget]:
        """The logical tab order (left column top to bottom, then the texts)."""
        return [
            self.conv_date,
            self.channel,
            self.role,
            self.language,
            self.has_follow_up,
            self.follow_up,
            self.status,
            self.categories,
            self.options,
            self.notes,
            self.agreed,
            self.alias,
            self.identifiers,
        ]

    # -- values ----------------------------------------------------------------------------

    def _language_code(self) -> str:
        text = self.language.currentText().strip()
        index = self.language.findText(text)
        if index >= 0:
            return str(self.language.itemData(index) or "")
        if text.endswith(")") and "(" in text:
            return text.rsplit("(", 1)[1].rstrip(")").strip()
        return text

    def fields(self) -> dict[str, Any]:
        """The current values as plain JSON-able data (drafts are stored like this)."""
        return {
            "conv_date": from_qdate(self.conv_date.date()).isoformat(),
            "channel": self.channel.currentData(),
            "role": self.role.currentData(),
            "status": self.status.currentData(),
            "language": self._language_code(),
            "follow_up": (
                from_qdate(self.follow_up.date()).isoformat()
                if self.has_follow_up.isChecked()
                else None
            ),
            "categories": list(_checked(self.categories)),
            "options": list(_checked(self.options)),
            "notes": self.notes.toPlainText(),
            "agreed": self.agreed.toPlainText(),
            "alias": self.alias.text().strip(),
            "identifiers": [p.strip() for p in self.identifiers.text().split(";") if p.strip()],
        }

    def set_fields(self, values: dict[str, Any], today: dt.date) -> None:
        """Show ``values`` (from a record or a draft); unknown or bad values fall back."""
        self._loading = True
        try:
            self.conv_date.setDate(to_qdate(_date(values.get("conv_date")) or today))
            _select(self.channel, str(values.get("channel", ContactChannel.IN_PERSON)))
            _select(self.role, str(values.get("role", VisitorRole.LOCALLY_EMPLOYED)))
            _select(self.status, str(values.get("status", Status.OPEN)))
            code = str(values.get("language") or "")
            index = self.language.findData(code)
            if index >= 0:
                self.language.setCurrentIndex(index)
            else:
                self.language.setEditText(code)
            follow = _date(values.get("follow_up"))
            self.has_follow_up.setChecked(follow is not None)
            self.follow_up.setEnabled(follow is not None)
            self.follow_up.setDate(to_qdate(follow or today + dt.timedelta(days=14)))
            _set_checked(self.categories, list(values.get("categories") or []))
            _set_checked(self.options, list(values.get("options") or []))
            self.notes.setPlainText(str(values.get("notes") or ""))
            self.agreed.setPlainText(str(values.get("agreed") or ""))
            self.alias.setText(str(values.get("alias") or ""))
            self.identifiers.setText("; ".join(str(v) for v in values.get("identifiers") or []))
        finally:
            self._loading = False

    def to_record(self, record_id: int | None) -> ConversationRecord:
        """A record from the current values (validated by the notebook when saved)."""
        values = self.fields()
        return ConversationRecord(
            id=RecordId(record_id) if record_id is not None else None,
            conv_date=dt.date.fromisoformat(values["conv_date"]),
            channel=ContactChannel(values["channel"]),
            role=VisitorRole(values["role"]),
            categories=tuple(values["categories"]),
            options=tuple(values["options"]),
            agreed=values["agreed"],
            follow_up=dt.date.fromisoformat(values["follow_up"]) if values["follow_up"] else None,
            notes=values["notes"],
            status=Status(values["status"]),
            language=values["language"],
            alias=values["alias"] or None,
            identifiers=tuple(values["identifiers"]),
        )

    def clear(self, today: dt.date) -> None:
        """Empty every field (a new record, or on lock)."""
        self.set_fields({}, today)


def record_fields(record: ConversationRecord) -> dict[str, Any]:
    """A stored record as form values."""
    return {
        "conv_date": record.conv_date.isoformat(),
        "channel": str(record.channel),
        "role": str(record.role),
        "status": str(record.status),
        "language": record.language,
        "follow_up": record.follow_up.isoformat() if record.follow_up else None,
        "categories": list(record.categories),
        "options": list(record.options),
        "notes": record.notes,
        "agreed": record.agreed,
        "alias": record.alias or "",
        "identifiers": list(record.identifiers),
    }


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
