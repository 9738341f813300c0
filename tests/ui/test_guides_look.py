"""Guides as a person sees them: the visitor view fills its screen by itself; long section
titles wrap; the language list has one row height and Arabic-script names read as large."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication

from advisor_desktop.guides import GuideLibrary
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.ui.guides import GuideBrowser, VisitorView
from advisor_desktop.ui.shell.placement import visitor_screen

pytestmark = pytest.mark.gui


@pytest.fixture
def library(profile: OrgProfile) -> GuideLibrary:
    return GuideLibrary(profile)


def test_visitor_view_fills_the_chosen_screen_by_itself(qtbot, library: GuideLibrary) -> None:
    view = VisitorView(library, "en", lambda secret: False)
    qtbot.addWidget(view)
    screen = QGuiApplication.primaryScreen()
    view.enter(screen)
    qtbot.waitExposed(view)
    assert view.screen() is screen
    assert view.geometry() == screen.geometry()
    view._may_close = True


def test_visitor_screen_prefers_a_named_screen_else_another_one(qtbot) -> None:
    primary = QGuiApplication.primaryScreen()
    assert visitor_screen(None, primary.name()) is primary
    assert visitor_screen(None, "no-such-screen") is not None


@pytest.mark.parametrize("lang", ["bn", "am", "ar"])
def test_long_section_titles_wrap_without_a_scroll_bar(
    qtbot, library: GuideLibrary, lang: str
) -> None:
    browser = GuideBrowser(library)
    qtbot.addWidget(browser)
    browser.resize(1280, 720)
    browser.show()
    browser.set_language(lang)
    qtbot.waitExposed(browser)
    sections = browser.sections
    assert sections.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert sections.wordWrap()
    viewport = sections.viewport().width()
    for row in range(sections.count()):
        rect = sections.visualItemRect(sections.item(row))
        assert rect.width() <= viewport, (lang, row)


def test_language_list_rows_are_even_and_scripts_alike(qtbot, library: GuideLibrary) -> None:
    browser = GuideBrowser(library)
    qtbot.addWidget(browser)
    picker = browser.picker
    hints = {
        picker.itemData(i, Qt.ItemDataRole.SizeHintRole).height() for i in range(picker.count())
    }
    assert len(hints) == 1
    height = hints.pop()
    for i in range(picker.count()):
        font = picker.itemData(i, Qt.ItemDataRole.FontRole)
        assert QFontMetrics(font).height() <= height
    en = picker.itemData(picker.findData("en"), Qt.ItemDataRole.FontRole)
    ar = picker.itemData(picker.findData("ar"), Qt.ItemDataRole.FontRole)
    assert ar.pointSizeF() > en.pointSizeF()
    assert isinstance(picker.itemData(0, Qt.ItemDataRole.SizeHintRole), QSize)
