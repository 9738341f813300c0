"""The notes column: each text in its own direction, elided on its own end, matches marked.

A note in a left-to-right language keeps its full stop at the end and its ellipsis on the right
in an Arabic window (and the other way round): the paragraph direction comes from the text's
first strong character, not from the window. In search results the matched words are drawn
on the design's selection colour.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QTextCharFormat, QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from advisor_desktop.platform.textnorm import match_spans, text_direction
from advisor_desktop.ui.shell.design import tokens

AnyIndex = QModelIndex | QPersistentModelIndex


def paragraph_direction(text: str, fallback: Qt.LayoutDirection) -> Qt.LayoutDirection:
    """The direction ``text`` is laid out in: its own, else ``fallback`` (the window's)."""
    found = text_direction(text)
    if found == "rtl":
        return Qt.LayoutDirection.RightToLeft
    if found == "ltr":
        return Qt.LayoutDirection.LeftToRight
    return fallback


class NoteTextDelegate(QStyledItemDelegate):
    """Paints one line of note text in its own direction, with the query's matches marked."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.query = ""

    def set_query(self, query: str) -> None:
        """The words to mark (empty: none)."""
        self.query = query

    def layout_for(
        self, text: str, option: QStyleOptionViewItem, width: float
    ) -> tuple[QTextLayout, str, Qt.LayoutDirection]:
        """The laid-out line (elided to ``width``), the text shown and its direction."""
        direction = paragraph_direction(text, option.direction)
        metrics = option.fontMetrics
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width))
        layout = QTextLayout(shown, option.font)
        text_option = QTextOption()
        text_option.setTextDirection(direction)
        text_option.setWrapMode(QTextOption.WrapMode.NoWrap)
        text_option.setAlignment(
            Qt.AlignmentFlag.AlignRight
            if direction == Qt.LayoutDirection.RightToLeft
            else Qt.AlignmentFlag.AlignLeft
        )
        layout.setTextOption(text_option)
        if self.query:
            marked = QTextCharFormat()
            marked.setBackground(QColor(tokens().mark))
            marked.setForeground(QColor(tokens().mark_text))
            marked.setFontWeight(700)
            ranges = []
            # Elision keeps the start of the text, so the spans before the ellipsis stand.
            limit = len(shown.rstrip("…"))
            for start, end in match_spans(shown, self.query):
                if start >= limit:
                    break
                fmt = QTextLayout.FormatRange()
                fmt.start, fmt.length, fmt.format = start, min(end, limit) - start, marked
                ranges.append(fmt)
            layout.setFormats(ranges)
        layout.beginLayout()
        line = layout.createLine()
        if line.isValid():
            line.setLineWidth(width)
        layout.endLayout()
        return layout, shown, direction

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """The cell's background and selection as usual; the text by :meth:`layout_for`."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if not text:
            return
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        rect = QRectF(opt.rect).adjusted(margin, 0, -margin, 0)
        layout, _shown, _direction = self.layout_for(text, opt, rect.width())
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Normal
            if opt.state & QStyle.StateFlag.State_Enabled
            else QPalette.ColorGroup.Disabled
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(opt.palette.color(group, role))
        line_height = layout.lineAt(0).height() if layout.lineCount() else 0.0
        top = rect.top() + max(0.0, (rect.height() - line_height) / 2)
        painter.setClipRect(opt.rect)
        layout.draw(painter, QPointF(rect.left(), top))
        painter.restore()
