"""What a person would see as broken on a screen, found with Qt's own geometry and font metrics:
text cut off by its widget, widgets on top of each other, sideways scroll bars, a page that has
to scroll, and Qt's standard buttons left in English.

``problems(window, lang)`` walks the visible widgets of ``window`` and returns one line per
defect, naming the widget (object name, accessible name or class) and what is wrong.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLayout,
    QRadioButton,
    QScrollArea,
    QStyle,
    QStyleOptionButton,
    QToolButton,
    QWidget,
    QWizard,
)

# Qt's own words for its standard buttons (with and without mnemonics and arrows).
STANDARD_ENGLISH = {
    "ok",
    "cancel",
    "close",
    "apply",
    "reset",
    "help",
    "yes",
    "no",
    "save",
    "discard",
    "open",
    "abort",
    "retry",
    "ignore",
    "back",
    "< back",
    "next",
    "next >",
    "finish",
    "commit",
    "done",
    "continue",
    "restore defaults",
}

SLACK = 1  # pixels of rounding


def describe(widget: QWidget) -> str:
    """A name a person can find the widget by."""
    name = widget.objectName() or widget.accessibleName()
    text = ""
    if isinstance(widget, (QLabel, QAbstractButton)):
        text = widget.text()
    elif isinstance(widget, QGroupBox):
        text = widget.title()
    label = f"{type(widget).__name__}"
    if name:
        label += f"[{name[:40]}]"
    if text:
        label += f" {text[:40]!r}"
    return label


def _plain(text: str) -> str:
    """``text`` as drawn: mnemonic ampersands removed, ``&&`` shown as one."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _visible(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.width() > 0 and widget.height() > 0


def _clipped_label(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    if label.wordWrap():
        need_height = label.heightForWidth(label.width())
        if need_height > label.height() + SLACK:
            return f"wrapped text cut off ({need_height} px of lines in {label.height()} px)"
        return None
    if label.textFormat() == Qt.TextFormat.RichText or text.lstrip().startswith("<"):
        return None
    metrics = label.fontMetrics()
    lines = _plain(text).split("\n")
    need = max(metrics.horizontalAdvance(line) for line in lines)
    room = label.contentsRect().width() - 2 * max(label.margin(), 0) - max(label.indent(), 0)
    if need > room + SLACK:
        return f"text cut off ({need} px of text in {room} px)"
    return None


def _clipped_button(button: QAbstractButton) -> str | None:
    text = button.text()
    if not text or "Wrapping" in type(button).__name__:
        return None
    if isinstance(button, QToolButton):
        return None
    metrics = button.fontMetrics()
    need = metrics.horizontalAdvance(_plain(text))
    style = button.style()
    if isinstance(button, (QCheckBox, QRadioButton)):
        option = QStyleOptionButton()
        option.initFrom(button)
        element = (
            QStyle.SubElement.SE_CheckBoxContents
            if isinstance(button, QCheckBox)
            else QStyle.SubElement.SE_RadioButtonContents
        )
        room = style.subElementRect(element, option, button).width()
    else:
        option = QStyleOptionButton()
        option.initFrom(button)
        option.text = text
        option.icon = button.icon()
        option.iconSize = button.iconSize()
        room = style.subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button).width()
        if not button.icon().isNull():
            room -= button.iconSize().width() + 4
    if need > room + SLACK:
        return f"text cut off ({need} px of text in {room} px)"
    return None


def _clipped_group(box: QGroupBox) -> str | None:
    title = box.title()
    if not title:
        return None
    need = box.fontMetrics().horizontalAdvance(_plain(title)) + 10
    if need > box.width() + SLACK:
        return f"title cut off ({need} px in {box.width()} px)"
    return None


def _managed(layout: QLayout) -> list[QWidget]:
    widgets: list[QWidget] = []
    # PySide sometimes hands back a spacer item where a layout was asked for: no widgets.
    count = getattr(layout, "count", None)
    if not callable(count):
        return widgets
    for i in range(count()):
        item = layout.itemAt(i)
        if item is None:
            continue
        widget, sub = item.widget(), item.layout()
        if isinstance(widget, QWidget):
            widgets.append(widget)
        elif isinstance(sub, QLayout) and item.spacerItem() is None:
            widgets.extend(_managed(sub))
    return widgets


def _overlaps(root: QWidget) -> list[str]:
    found: list[str] = []
    for owner in [root, *root.findChildren(QWidget)]:
        layout = owner.layout()
        if layout is None or (not _visible(owner, root) and owner is not root):
            continue
        shown = [w for w in _managed(layout) if _visible(w, root) and not w.isWindow()]
        for i, first in enumerate(shown):
            a = first.geometry()
            for second in shown[i + 1 :]:
                b = second.geometry()
                overlap: QRect = a.intersected(b)
                if overlap.width() > 2 and overlap.height() > 2:
                    found.append(f"{describe(first)} overlaps {describe(second)}")
    return found


def _standard_buttons(root: QWidget) -> list[QAbstractButton]:
    buttons: list[QAbstractButton] = []
    for box in root.findChildren(QDialogButtonBox):
        buttons.extend(box.buttons())
    wizards = [root] if isinstance(root, QWizard) else []
    wizards += root.findChildren(QWizard)
    for wizard in wizards:
        for which in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.NextButton,
            QWizard.WizardButton.CommitButton,
            QWizard.WizardButton.FinishButton,
            QWizard.WizardButton.CancelButton,
            QWizard.WizardButton.HelpButton,
        ):
            button = wizard.button(which)
            if button is not None:
                buttons.append(button)
    return buttons


def has_ui_catalog(lang: str) -> bool:
    """Whether the UI is translated into ``lang`` (the pseudo-locale counts; a guide-only
    language such as am or hi shows the English UI, standard buttons included)."""
    from advisor_desktop.platform.languages import PSEUDO_LOCALE, normalise_tag, ui_languages

    tag = normalise_tag(lang)
    if tag == "en":
        return False
    return tag == PSEUDO_LOCALE or tag in {normalise_tag(code) for code in ui_languages()}


def _english(text: str) -> bool:
    plain = text.replace("&", "").strip().lower()
    return plain in STANDARD_ENGLISH


PAGE_SIZE = (1280, 720)
"""At this size (and larger) no page may scroll; smaller ones may scroll down, not sideways."""


def problems(root: QWidget, lang: str) -> list[str]:
    """Every visible defect of ``root`` (a window) shown in UI language ``lang``."""
    page_scroll_allowed = root.width() < PAGE_SIZE[0] or root.height() < PAGE_SIZE[1]
    found: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _visible(widget, root) and widget is not root:
            continue
        problem: str | None = None
        if isinstance(widget, QLabel):
            problem = _clipped_label(widget)
        elif isinstance(widget, QAbstractButton):
            problem = _clipped_button(widget)
        elif isinstance(widget, QGroupBox):
            problem = _clipped_group(widget)
        elif isinstance(widget, QComboBox):
            problem = None  # combo boxes elide by design; their lists are checked elsewhere
        if problem:
            found.append(f"{describe(widget)}: {problem}")
        if isinstance(widget, QAbstractScrollArea) and not isinstance(widget, QComboBox):
            bar = widget.horizontalScrollBar()
            if bar.isVisibleTo(root) and bar.maximum() > 0:
                found.append(f"{describe(widget)}: horizontal scroll bar")
            if (
                isinstance(widget, QScrollArea)
                and not page_scroll_allowed
                and widget.verticalScrollBar().isVisibleTo(root)
                and widget.verticalScrollBar().maximum() > 0
            ):
                found.append(f"{describe(widget)}: the page has to scroll")
    found.extend(_overlaps(root))
    if has_ui_catalog(lang):
        for button in _standard_buttons(root):
            if button.isVisibleTo(root) and _english(button.text()):
                found.append(f"{describe(button)}: Qt's standard button left in English")
    return found


# -- collecting while screenshots are taken ---------------------------------------------------

_collected: list[str] | None = None
_lang = "en"


class Collecting:
    """``with Collecting(lang) as found:`` — every :func:`inspect` inside adds its problems."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.found: list[str] = []

    def __enter__(self) -> list[str]:
        global _collected, _lang
        _collected, _lang = self.found, self.lang
        return self.found

    def __exit__(self, *_exc: object) -> None:
        global _collected
        _collected = None


def inspect(widget: QWidget, screen: str) -> None:
    """Check ``widget`` as shown now (a no-op unless :class:`Collecting` is active)."""
    if _collected is None:
        return
    size = f"{widget.width()}×{widget.height()}"
    _collected.extend(f"{screen} [{_lang} {size}] {p}" for p in problems(widget, _lang))
