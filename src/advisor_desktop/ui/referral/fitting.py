"""Widgets that fit long translations: wrapping checkboxes and radio buttons, and a scroll area
that scrolls only when its content cannot get any smaller.

Qt's own buttons draw their label on one line, and always as a left-to-right paragraph: a long
translation is clipped, and in Arabic, Persian, Urdu or Pashto a trailing colon lands at the
wrong end. These draw the indicator with the style and the label themselves, word-wrapped and
in the widget's layout direction; the whole widget is clickable. Behaviour (``text()``,
``click()``, ``toggled``, accessibility) is the plain Qt button's.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QFrame,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFocusRect,
    QStylePainter,
    QWidget,
)

_MARGIN = 1
_MIN_CHARS = 12

_PM = QStyle.PixelMetric
_SE = QStyle.SubElement
_PE = QStyle.PrimitiveElement
#: (indicator width, indicator height, label spacing, indicator rect, indicator) per kind;
#: the key says whether it is a radio button.
_STYLE = {
    False: (_PM.PM_IndicatorWidth, _PM.PM_IndicatorHeight, _PM.PM_CheckBoxLabelSpacing,
            _SE.SE_CheckBoxIndicator, _PE.PE_IndicatorCheckBox),
    True: (_PM.PM_ExclusiveIndicatorWidth, _PM.PM_ExclusiveIndicatorHeight,
           _PM.PM_RadioButtonLabelSpacing, _SE.SE_RadioButtonIndicator,
           _PE.PE_IndicatorRadioButton),
}  # fmt: skip


def _prepare(button: QAbstractButton) -> None:
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    policy.setHeightForWidth(True)
    button.setSizePolicy(policy)


def _indent(button: QAbstractButton, radio: bool) -> int:
    width, _height, spacing, _rect, _primitive = _STYLE[radio]
    style = button.style()
    return style.pixelMetric(width, None, button) + style.pixelMetric(spacing, None, button)


def _flags(button: QAbstractButton) -> int:
    align = QStyle.visualAlignment(button.layoutDirection(), Qt.AlignmentFlag.AlignLeft)
    return int(align | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)


def _height_for_width(button: QAbstractButton, radio: bool, width: int) -> int:
    rect = QRect(0, 0, max(width - _indent(button, radio), 1), 100_000)
    text = button.fontMetrics().boundingRect(rect, _flags(button), button.text()).height()
    indicator = button.style().pixelMetric(_STYLE[radio][1], None, button)
    return max(indicator, text) + 2 * _MARGIN


def _size_hint(button: QAbstractButton, radio: bool, minimum: bool) -> QSize:
    metrics = button.fontMetrics()
    text = metrics.horizontalAdvance(button.text())
    if minimum:
        text = min(metrics.averageCharWidth() * _MIN_CHARS, text)
    width = _indent(button, radio) + text + 2 * _MARGIN
    return QSize(width, _height_for_width(button, radio, width))


def _paint(button: QAbstractButton, option: QStyleOptionButton, radio: bool) -> None:
    painter = QStylePainter(button)
    option.text = ""
    _width, _height, _spacing, element, primitive = _STYLE[radio]
    indicator = button.style().subElementRect(element, option, button)
    line = button.fontMetrics().height()
    indicator.moveTop(_MARGIN + max(0, (line - indicator.height()) // 2))
    option.rect = indicator
    painter.drawPrimitive(primitive, option)
    text_rect = button.rect().adjusted(0, _MARGIN, 0, 0)
    if button.layoutDirection() == Qt.LayoutDirection.RightToLeft:
        text_rect.setRight(text_rect.right() - _indent(button, radio))
    else:
        text_rect.setLeft(text_rect.left() + _indent(button, radio))
    group = QPalette.ColorGroup.Active if button.isEnabled() else QPalette.ColorGroup.Disabled
    painter.setPen(button.palette().color(group, QPalette.ColorRole.WindowText))
    painter.setLayoutDirection(button.layoutDirection())
    painter.drawText(text_rect, _flags(button), button.text())
    if button.hasFocus():
        focus = QStyleOptionFocusRect()
        focus.initFrom(button)
        focus.rect = painter.boundingRect(text_rect, _flags(button), button.text())
        painter.drawPrimitive(_PE.PE_FrameFocusRect, focus)


class _Wrapping:
    """What both wrapping buttons share; ``_radio`` picks the style's indicator."""

    _radio = False

    def hasHeightForWidth(self) -> bool:
        """The height depends on the width (the label wraps)."""
        return True

    def heightForWidth(self, width: int) -> int:
        """The height the label needs at ``width``."""
        return _height_for_width(self, self._radio, width)  # type: ignore[arg-type]

    def sizeHint(self) -> QSize:
        """The label on one line."""
        return _size_hint(self, self._radio, minimum=False)  # type: ignore[arg-type]

    def minimumSizeHint(self) -> QSize:
        """A dozen characters wide."""
        return _size_hint(self, self._radio, minimum=True)  # type: ignore[arg-type]

    def hitButton(self, pos: QPoint) -> bool:
        """The whole widget, label included, toggles or selects the button."""
        return bool(self.rect().contains(pos))  # type: ignore[attr-defined]

    def paintEvent(self, _event: QPaintEvent) -> None:
        """The style's indicator, and the label word-wrapped in the layout direction."""
        option = QStyleOptionButton()
        self.initStyleOption(option)  # type: ignore[attr-defined]
        _paint(self, option, self._radio)  # type: ignore[arg-type]


class WrappingCheckBox(_Wrapping, QCheckBox):
    """A checkbox whose label wraps; see the module docstring."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        _prepare(self)


class WrappingRadioButton(_Wrapping, QRadioButton):
    """A radio button whose label wraps; see the module docstring."""

    _radio = True

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        _prepare(self)


class FitScrollArea(QScrollArea):
    """Gives its widget the whole viewport, and scrolls only below the widget's minimum height.

    (A resizable ``QScrollArea`` gives a widget with wrapping labels its *preferred* height for
    the width, so a stretching text box would grow and push the rest out of view.)
    """

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(False)
        self.setWidget(widget)
        widget.installEventFilter(self)

    def fit(self) -> None:
        """Size the widget to the viewport's width and at least the viewport's height."""
        widget, viewport = self.widget(), self.viewport()
        layout = widget.layout() if widget is not None else None
        if widget is None or layout is None:
            return
        width = viewport.width()
        if layout.hasHeightForWidth():
            needed = layout.totalMinimumHeightForWidth(width)
        else:
            needed = layout.totalMinimumSize().height()
        size = QSize(width, max(viewport.height(), needed))
        if widget.size() != size:
            widget.resize(size)

    def viewportEvent(self, event: QEvent) -> bool:
        """Refit when the viewport changes size (window resized, scroll bar shown)."""
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return super().viewportEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Refit when the content's layout changes (another language, other texts)."""
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.fit()
        return super().eventFilter(watched, event)
