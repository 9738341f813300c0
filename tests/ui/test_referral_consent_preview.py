"""The consent page's language list shows every name whole, in every UI language; the language
is a scope the visitor ticks; the preview reads the referral in words, the exact JSON a click
away."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QStyle, QWizard

from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.i18n import activate
from advisor_desktop.platform.languages import PSEUDO_LOCALE, ui_languages
from advisor_desktop.protocol.referral_terms import Scope
from advisor_desktop.referral.consent import load_statement
from advisor_desktop.ui.referral import ReferralWizard
from advisor_desktop.ui.referral.consent_pages import item_text_width
from tests.helpers.records import make_record
from tests.ui.test_referral_wizard import DESK_NAME, Setup, make_wizard, setup, tick

pytestmark = pytest.mark.gui
__all__ = ["setup"]  # the fixture, used by name


@pytest.fixture
def ui_language(request: pytest.FixtureRequest) -> Iterator[str]:
    lang = request.param
    activate(lang)
    yield lang
    activate("en")


def to_consent(qtbot, setup: Setup, record: ConversationRecord | None = None) -> ReferralWizard:  # type: ignore[no-untyped-def]
    if record is None:
        wizard = make_wizard(qtbot, setup)
    else:
        wizard = ReferralWizard(setup.workspace, record)
        qtbot.addWidget(wizard)
        wizard.show()
    wizard.next()
    assert wizard.currentPage() is wizard.consent_page
    return wizard


@pytest.mark.parametrize("ui_language", [*ui_languages(), PSEUDO_LOCALE], indirect=True)
def test_no_language_name_is_elided(qtbot, setup: Setup, ui_language: str) -> None:  # type: ignore[no-untyped-def]
    wizard = to_consent(qtbot, setup)
    combo = wizard.consent_page.language
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    style = view.style()
    # The item delegate draws its text inside a margin on both sides.
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    room = view.viewport().width()
    assert view.horizontalScrollBar().maximum() == 0  # nothing sticks out to the side
    for index in range(combo.count()):
        text = combo.itemText(index)
        needed = item_text_width(combo, index) + 2 * margin
        assert needed <= room, f"{text!r} is elided in the {ui_language} UI ({needed} > {room})"
        # And as the list's delegate lays the row out (its font, the style sheet's padding).
        hint = view.sizeHintForIndex(view.model().index(index, 0)).width()
        assert hint <= room, f"{text!r} is elided in the {ui_language} UI ({hint} > {room})"
    combo.hidePopup()
    # The closed list shows the chosen name whole too.
    for code in ("nl", "uk", "am", "ar"):
        wizard.consent_page.set_language(code)
        assert combo.fontMetrics().horizontalAdvance(combo.currentText()) < combo.width()


def test_the_language_is_ticked_like_the_other_scopes(qtbot, setup: Setup) -> None:  # type: ignore[no-untyped-def]
    wizard = to_consent(qtbot, setup)
    page = wizard.consent_page
    box = page.checks[Scope.LANGUAGE]
    assert box.isVisibleTo(wizard)
    assert box.text() == load_statement("en", DESK_NAME).scope_labels["language"]
    page.set_language("nl")
    assert box.text() == "De taal van ons gesprek"
    tick(wizard, Scope.CATEGORY)
    assert Scope.LANGUAGE not in page.scopes()
    tick(wizard, Scope.LANGUAGE)
    assert Scope.LANGUAGE in page.scopes()


def to_preview(qtbot, setup: Setup, *scopes: Scope) -> ReferralWizard:  # type: ignore[no-untyped-def]
    """The wizard on its preview page, for a record about sexual harassment."""
    notebook = setup.workspace.notebook
    record_id = notebook.add(
        make_record(notes="She was harassed at work.", categories=("sexual-harassment",))
    )
    wizard = to_consent(qtbot, setup, notebook.get(record_id))
    tick(wizard, *scopes)
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert commit.isEnabled()
    wizard.next()  # record consent → draft
    wizard.next()  # → preview
    assert wizard.currentPage() is wizard.preview_page
    return wizard


def test_the_preview_reads_in_words_and_shows_the_json_on_request(qtbot, setup: Setup) -> None:  # type: ignore[no-untyped-def]
    wizard = to_preview(qtbot, setup, Scope.CATEGORY, Scope.PERIOD, Scope.SUMMARY, Scope.LANGUAGE)
    page = wizard.preview_page
    words = page.words.toPlainText()
    payload = json.loads(page.view.toPlainText())
    category = payload["content"]["category"][0]
    assert category == "sexual-harassment"
    label = setup.profile.category(category).label("en")
    assert label in words
    assert "March 2026" in words  # the period in words (month, as ticked by default)
    assert "English" in words  # the language's name
    assert payload["content"]["summary"] in words
    for internal in (
        category,
        "granularity",
        "granularity=",
        "=",
        payload["referral_id"],
        payload["advisor_key_id"],
        payload["desk_age_key_id"],
        "2026-03",
        '"',
        "{",
    ):
        assert internal not in words, internal
    # The exact data: one click away, monospace, read-only, with every id.
    assert not page.view.isVisibleTo(wizard)
    page.show_exact.click()
    assert page.view.isVisibleTo(wizard)
    assert page.view.isReadOnly()
    assert QFontInfo(page.view.font()).fixedPitch()
    exact = page.view.toPlainText()
    for internal in (category, "granularity", payload["referral_id"]):
        assert internal in exact
    page.show_exact.click()
    assert page.words.isVisibleTo(wizard)


@pytest.mark.parametrize("ui_language", ["ar", "nl", PSEUDO_LOCALE], indirect=True)
def test_the_words_follow_the_ui_language(qtbot, setup: Setup, ui_language: str) -> None:  # type: ignore[no-untyped-def]
    wizard = to_preview(qtbot, setup, Scope.CATEGORY, Scope.PERIOD, Scope.LANGUAGE)
    words = wizard.preview_page.words.toPlainText()
    expected = {"ar": "مارس 2026", "nl": "maart 2026", PSEUDO_LOCALE: "March 2026"}[ui_language]
    assert expected in words
    assert "granularity" not in words
    assert "sexual-harassment" not in words
    # Every line runs in the UI's direction, whatever its first letter (a Latin desk name, an
    # untranslated label), so an Arabic page does not zigzag.
    want = Qt.LayoutDirection.RightToLeft if ui_language == "ar" else Qt.LayoutDirection.LeftToRight
    block = wizard.preview_page.words.document().begin()
    while block.isValid():
        if block.text().strip():
            assert block.textDirection() == want, block.text()
        block = block.next()


def test_kept_joiners_are_shown_as_markers_in_the_preview(qtbot, setup: Setup) -> None:  # type: ignore[no-untyped-def]
    """A joiner the script needs travels with the text (Persian ZWNJ); the advisor sees it as
    a marker in both views, never as nothing."""
    from advisor_desktop.referral.anonymiser import marker

    notebook = setup.workspace.notebook
    notes = "Visitor said: \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 help."
    record_id = notebook.add(make_record(notes=notes, categories=("sexual-harassment",)))
    wizard = to_consent(qtbot, setup, notebook.get(record_id))
    tick(wizard, Scope.CATEGORY, Scope.SUMMARY)
    wizard.next()
    wizard.next()
    page = wizard.preview_page
    shown = marker("\u200c")
    assert shown != "\u200c"
    assert shown in page.words.toPlainText()
    assert "\u200c" not in page.words.toPlainText()
    assert shown in page.view.toPlainText()
