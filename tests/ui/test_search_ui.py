"""Search results: matched words marked, a visible order, a message when nothing matches; each
note laid out in its own direction."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from advisor_desktop.ui.notebook.page import NotebookPage
from advisor_desktop.ui.notebook.record_model import RecordTableModel
from advisor_desktop.ui.notebook.text_delegate import NoteTextDelegate, paragraph_direction
from advisor_desktop.ui.shell.main_window import MainWindow

pytestmark = pytest.mark.gui

TEXT_COLUMN = RecordTableModel.COLUMNS.index("text")


def _page(main: MainWindow) -> NotebookPage:
    page = main.page("notebook")
    assert isinstance(page, NotebookPage)
    return page


def _search(qtbot, page: NotebookPage, text: str) -> None:
    with qtbot.waitSignal(page.search.results, timeout=5000):
        page.search_box.setText(text)


def test_matches_are_marked_and_ordered(qtbot, main: MainWindow) -> None:
    page = _page(main)
    _search(qtbot, page, "harass")
    assert page.model.total == 1
    assert page.count_label.text() == "1 match, best first"
    assert not page.table.horizontalHeader().isSortIndicatorShown()
    delegate = page.table.itemDelegateForColumn(TEXT_COLUMN)
    assert isinstance(delegate, NoteTextDelegate)
    option = QStyleOptionViewItem()
    option.initFrom(page.table)
    text = page.model.index(0, TEXT_COLUMN).data()
    layout, shown, _direction = delegate.layout_for(text, option, 600)
    marked = [shown[f.start : f.start + f.length] for f in layout.formats()]
    assert marked == ["Harass"]
    page.search_box.clear()
    assert page.count_label.text() == "3 conversations, newest first"
    assert delegate.query == ""


def test_no_match_says_so(qtbot, main: MainWindow) -> None:
    page = _page(main)
    _search(qtbot, page, "zebra")
    assert page.model.total == 0
    assert page.empty_hint.isVisible()
    assert "zebra" in page.empty_hint.text()
    assert not page.table.isVisible()
    page.search_box.clear()
    assert page.table.isVisible()
    assert not page.empty_hint.isVisible()


def test_each_note_keeps_its_own_direction(qtbot) -> None:
    rtl = Qt.LayoutDirection.RightToLeft
    ltr = Qt.LayoutDirection.LeftToRight
    assert paragraph_direction("Meeting about the rota.", rtl) == ltr
    assert paragraph_direction("اجتماع حول المناوبة.", ltr) == rtl
    assert paragraph_direction("2026 …", rtl) == rtl
    delegate = NoteTextDelegate()
    option = QStyleOptionViewItem()
    option.direction = rtl
    text = "Meeting about the rota in the consular section, and a long sentence after it."
    layout, shown, direction = delegate.layout_for(text, option, 120)
    assert direction == ltr
    assert layout.textOption().textDirection() == ltr
    assert shown.endswith("…")
    assert shown.startswith("Meeting")
