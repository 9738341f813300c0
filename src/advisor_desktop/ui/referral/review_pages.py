"""The draft page of the referral wizard: the summary with every redaction marked, and the
list to accept, undo or add redactions. Every decision goes to the app's referral flow and is
stored with the draft; the rows are the core's review model.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from advisor_desktop.app.referrals import decide_redactions, referral_draft, reset_redactions
from advisor_desktop.guides.render.document import apply_direction, layout_direction
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.referral.anonymiser import DecisionKind, RedactionDecision, reveal_invisible
from advisor_desktop.referral.anonymiser.normalise import needed_invisible
from advisor_desktop.referral.draft import ReferralDraft
from advisor_desktop.referral.review import (
    RedactionRow,
    RowState,
    accept_decisions,
    pending_rows,
    redaction_rows,
)
from advisor_desktop.ui.referral.flow import ReferralFlow, page_message
from advisor_desktop.ui.referral.text_view import ViewMap
from advisor_desktop.ui.shell.common import named, note

log = logging.getLogger(__name__)

# A marker-pen yellow for removed text and an underline for undone proposals; translucent so
# the text keeps the palette's colour (dark themes, high contrast).
REMOVED_BACKGROUND = QColor(255, 200, 0, 140)
UNDONE_UNDERLINE = QColor(200, 120, 0)
# Markers of invisible characters: grey; struck through when they are removed before sending.
INVISIBLE_BACKGROUND = QColor(128, 128, 128, 70)
# The selection is translucent over the draft, so a selected redaction still shows its marking.
SELECTION_ALPHA = 90


def isolate(text: str) -> str:
    """``text`` in its own direction inside any UI direction (a phone number or a date keeps
    its order in a right-to-left list): Unicode first-strong isolate."""
    return f"\u2068{text}\u2069"


class DraftPage(QWizardPage):
    """The draft with every redaction highlighted; accept, undo or add redactions."""

    def __init__(self, flow: ReferralFlow) -> None:
        super().__init__()
        self.flow = flow
        self.draft: ReferralDraft | None = None
        self.rows: list[RedactionRow] = []
        self.setTitle(_("Draft and anonymise"))
        self.setSubTitle(
            _(
                "Marked text is removed or generalised before anything leaves this device. "
                "Undo what may stay, add what was missed: your decision is the last word."
            )
        )
        self.text = named(QTextEdit(), _("Draft summary with redactions marked"))
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text.setTabChangesFocus(True)
        self._translucent_selection()
        self.view_map = ViewMap("")
        self.list = named(QTreeWidget(), _("Redactions"))
        self.list.setHeaderLabels([_("What"), _("Text"), _("Becomes"), _("State")])
        self.list.setRootIsDecorated(False)
        self.list.setAllColumnsShowFocus(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)

        self.accept_button = named(QPushButton(_("Accept")), _("Accept the selected redaction"))
        self.accept_all_button = named(QPushButton(_("Accept all")), _("Accept every redaction"))
        self.undo_button = named(QPushButton(_("Undo")), _("Keep the original text here"))
        self.add_button = named(
            QPushButton(_("Add redaction")), _("Redact the text selected in the draft")
        )
        self.reset_button = named(
            QPushButton(_("Back to the proposals")), _("Drop every decision made on this page")
        )
        self.message = note("")
        self.message.setObjectName("draftMessage")
        self.message.hide()

        buttons = QHBoxLayout()
        for button in (
            self.accept_button,
            self.accept_all_button,
            self.undo_button,
            self.add_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.list, 1)
        splitter = QSplitter()
        splitter.addWidget(self.text)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.hint = note(
            _(
                "To add a redaction, select the text in the draft and press Add redaction. "
                "Listed identifiers of the record are always removed."
            )
        )
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        self.invisible_hint = note(
            _(
                "Marks such as ⟨ZWSP⟩ stand for invisible characters in the text. Struck-out "
                "ones are removed before anything leaves this device; the others are joiners "
                "the script needs and travel with the text."
            )
        )
        self.invisible_hint.hide()
        layout.addWidget(self.invisible_hint)
        layout.addWidget(self.message)

        self.list.currentItemChanged.connect(self._on_row)
        self.text.selectionChanged.connect(self._update_buttons)
        self.accept_button.clicked.connect(self.accept_selected)
        self.accept_all_button.clicked.connect(self.accept_all)
        self.undo_button.clicked.connect(self.undo_selected)
        self.add_button.clicked.connect(self.add_selection)
        self.reset_button.clicked.connect(self.reset)

    def _translucent_selection(self) -> None:
        """The selection in the draft lets the marking under it show (the theme's accent,
        translucent; the text keeps its colour), whatever style sheet the app has."""
        palette = self.text.palette()
        accent = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
        text_colour = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        self.text.setStyleSheet(
            "QTextEdit {"
            f" selection-background-color: rgba({accent.red()}, {accent.green()},"
            f" {accent.blue()}, {SELECTION_ALPHA});"
            f" selection-color: {text_colour.name()}; }}"
        )

    # -- showing -------------------------------------------------------------------------

    def initializePage(self) -> None:
        """Load the draft just created (or as left on an earlier visit)."""
        referral_id = self.flow.referral_id
        if referral_id is None:
            return
        try:
            self._show(referral_draft(self.flow.workspace, referral_id))
        except AdvisorError as exc:
            page_message(self.message, exc.message)

    def _show(self, draft: ReferralDraft, keep_span: tuple[int, int] | None = None) -> None:
        text_changed = self.draft is None or self.draft.source != draft.source
        self.draft = draft
        self.rows = redaction_rows(draft)
        if text_changed:
            self.view_map = ViewMap(draft.source)
            self.text.setPlainText(self.view_map.text())
            self.invisible_hint.setVisible(bool(self.view_map.invisible))
            # The summary runs in its own language's direction, whatever the UI's is.
            self.text.setLayoutDirection(layout_direction(draft.language))
            apply_direction(self.text.document(), draft.language)
        self._highlight()
        self.list.blockSignals(True)
        self.list.clear()
        select: QTreeWidgetItem | None = None
        for row in self.rows:
            item = QTreeWidgetItem(
                [
                    row.kind_label(),
                    isolate(reveal_invisible(row.original)),
                    isolate(row.replacement),
                    row.state_label(),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, (row.start, row.end))
            item.setToolTip(1, reveal_invisible(row.original))
            self.list.addTopLevelItem(item)
            if keep_span == (row.start, row.end):
                select = item
        self.list.blockSignals(False)
        if select is not None:
            self.list.setCurrentItem(select)
        self._update_buttons()

    def _view_span(self, start: int, end: int) -> tuple[int, int]:
        return self.view_map.to_view(start), self.view_map.to_view(end)

    def _selection(self, start: int, end: int, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection = QTextEdit.ExtraSelection()
        selection.cursor = cursor
        selection.format = fmt
        return selection

    def _highlight(self) -> None:
        """Mark every redaction (proposed, accepted, added by the advisor: yellow, struck
        through; undone: underlined) and every invisible character's marker."""
        selections = []
        source = self.view_map.source
        spans = self.view_map.marker_spans()
        for index, (start, end) in zip(self.view_map.invisible, spans, strict=True):
            fmt = QTextCharFormat()
            fmt.setBackground(INVISIBLE_BACKGROUND)
            fmt.setFontStrikeOut(not needed_invisible(source, index))
            selections.append(self._selection(start, end, fmt))
        for row in self.rows:
            fmt = QTextCharFormat()
            if row.removed:
                fmt.setBackground(REMOVED_BACKGROUND)
                fmt.setFontStrikeOut(True)
            else:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
                fmt.setUnderlineColor(UNDONE_UNDERLINE)
            selections.append(self._selection(*self._view_span(row.start, row.end), fmt))
        self.text.setExtraSelections(selections)

    def _on_row(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            start, end = self._view_span(*item.data(0, Qt.ItemDataRole.UserRole))
            cursor = self.text.textCursor()
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            self.text.setTextCursor(cursor)
            self.text.ensureCursorVisible()
        self._update_buttons()

    def selected_row(self) -> RedactionRow | None:
        """The row selected in the list."""
        item = self.list.currentItem()
        if item is None:
            return None
        span = tuple(item.data(0, Qt.ItemDataRole.UserRole))
        return next((r for r in self.rows if (r.start, r.end) == span), None)

    def select_row(self, index: int) -> None:
        """Select the ``index``-th row of the list."""
        item = self.list.topLevelItem(index)
        if item is not None:
            self.list.setCurrentItem(item)

    def _selection_span(self) -> tuple[int, int] | None:
        cursor = self.text.textCursor()
        if not cursor.hasSelection() or self.draft is None:
            return None
        start = self.view_map.from_view(cursor.selectionStart())
        end = self.view_map.from_view(cursor.selectionEnd())
        if any((r.start, r.end) == (start, end) and r.removed for r in self.rows):
            return None  # selecting a row's span is not a new redaction
        return (start, end) if start < end else None

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.accept_button.setEnabled(row is not None and row.state is not RowState.ACCEPTED)
        self.undo_button.setEnabled(row is not None and row.removed)
        self.add_button.setEnabled(self._selection_span() is not None)
        self.accept_all_button.setEnabled(bool(pending_rows(self.rows)))

    # -- deciding ------------------------------------------------------------------------

    def _decide(self, decisions: list[RedactionDecision], keep: tuple[int, int] | None) -> bool:
        referral_id = self.flow.referral_id
        if referral_id is None or not decisions:
            return False
        try:
            draft = decide_redactions(self.flow.workspace, referral_id, decisions)
        except AdvisorError as exc:
            page_message(self.message, exc.message)
            return False
        page_message(self.message, "")
        self._show(draft, keep)
        return True

    def accept_selected(self) -> bool:
        """Accept the selected redaction (an undone one is redacted again)."""
        row = self.selected_row()
        return row is not None and self._decide(accept_decisions(row), (row.start, row.end))

    def accept_all(self) -> bool:
        """Accept every redaction still to check, and redo the undone ones."""
        decisions = [d for r in pending_rows(self.rows) for d in accept_decisions(r)]
        return self._decide(decisions, None)

    def undo_selected(self) -> bool:
        """Keep the original text of the selected redaction (refused for listed identifiers)."""
        row = self.selected_row()
        if row is None or not row.removed:
            return False
        undo = RedactionDecision(DecisionKind.UNDO, row.start, row.end)
        return self._decide([undo], (row.start, row.end))

    def add_selection(self) -> bool:
        """Redact the text selected in the draft."""
        span = self._selection_span()
        if span is None:
            return False
        if not self._decide([RedactionDecision(DecisionKind.ADD, *span)], span):
            return False
        # The advisor's selection would hide the new marking: show it, cursor after the span.
        cursor = self.text.textCursor()
        cursor.setPosition(self.view_map.to_view(span[1]))
        self.text.setTextCursor(cursor)
        self._update_buttons()
        return True

    def select_text(self, start: int, end: int) -> None:
        """Select ``source[start:end]`` in the draft view (as the advisor would with the mouse)."""
        view_start, view_end = self._view_span(start, end)
        cursor = self.text.textCursor()
        cursor.setPosition(view_start)
        cursor.setPosition(view_end, QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        self._update_buttons()

    def reset(self) -> None:
        """Back to the anonymiser's proposals."""
        referral_id = self.flow.referral_id
        if referral_id is None:
            return
        try:
            self._show(reset_redactions(self.flow.workspace, referral_id))
        except AdvisorError as exc:
            page_message(self.message, exc.message)
