"""Guide widgets: every language opens, RTL mirrors, the visitor view is locked, PDFs for all."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from advisor_desktop.guides import GuideLibrary, review_notice
from advisor_desktop.guides.render import export_pdf, guide_font
from advisor_desktop.platform.languages import is_rtl
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.ui.guides import GuideBrowser, VisitorView
from advisor_desktop.ui.shell.workers import Runner
from tests.helpers.visitor_screenshots import render_visitor_screenshots

pytestmark = pytest.mark.gui

SECRET = "the advisor's passphrase"


@pytest.fixture
def library(profile: OrgProfile) -> GuideLibrary:
    return GuideLibrary(profile)


def all_langs(library: GuideLibrary) -> list[str]:
    return [info.code for info in library.languages()]


def test_browser_opens_every_language(qtbot, library: GuideLibrary) -> None:
    browser = GuideBrowser(library)
    qtbot.addWidget(browser)
    assert browser.lang == "en"
    assert browser.picker.currentText() == "English"
    assert not browser.notice.isVisibleTo(browser)  # English is reviewed
    # Visit every language, ending back on English.
    order = [*range(1, browser.picker.count()), 0]
    for index in order:
        code = browser.picker.itemData(index)
        with qtbot.waitSignal(browser.language_changed) as signal:
            browser.picker.setCurrentIndex(index)
        assert signal.args == [code]
        guide = library.guide(code)
        assert browser.sections.count() == 6
        assert browser.view.toPlainText().strip().startswith(guide.section(1).title)
        expected = (
            Qt.LayoutDirection.RightToLeft if is_rtl(code) else Qt.LayoutDirection.LeftToRight
        )
        assert browser.view.layoutDirection() == expected
        assert browser.notice.isVisibleTo(browser) == (not guide.reviewed)


def test_browser_sections_contacts_and_search(qtbot, library: GuideLibrary) -> None:
    browser = GuideBrowser(library)
    qtbot.addWidget(browser)
    browser.sections.setCurrentRow(5)
    assert browser.section_number == 6
    text = browser.view.toPlainText()
    assert "{{" not in text
    assert "Central reporting and advice desk (integrity)" in text
    browser.search.setText("mediation")
    assert browser.results.count() > 0
    assert browser.results.isVisibleTo(browser)
    browser.results.itemClicked.emit(browser.results.item(0))
    assert browser.section_number == library.guide("en").section(2).number
    assert browser.run_search("xyzzy") == 0
    browser.search.clear()
    assert not browser.results.isVisibleTo(browser)


def test_language_picker_shows_own_names(qtbot, library: GuideLibrary) -> None:
    browser = GuideBrowser(library)
    qtbot.addWidget(browser)
    names = {browser.picker.itemData(i): browser.picker.itemText(i)
             for i in range(browser.picker.count())}  # fmt: skip
    for code, name in {"ar": "العربية", "zh-Hans": "中文 (简体)", "am": "አማርኛ"}.items():
        if code in names:
            assert names[code] == name


@pytest.mark.parametrize("lang", ["ar", "fa", "ur", "ps", "en"])
def test_visitor_view_mirrors_for_rtl(qtbot, library: GuideLibrary, lang: str) -> None:
    if lang not in all_langs(library):
        pytest.skip(f"no {lang} guide yet")
    view = VisitorView(library, lang, lambda secret: False)
    qtbot.addWidget(view)
    view.show()
    expected = Qt.LayoutDirection.RightToLeft if lang != "en" else Qt.LayoutDirection.LeftToRight
    assert view.layoutDirection() == expected
    assert view.sections.layoutDirection() == expected  # inherited: the whole view mirrors
    assert view.view.layoutDirection() == expected
    if lang != "en":
        # The section list sits at the right edge, the text to its left.
        assert view.sections.geometry().x() > view.view.geometry().x()
    view._may_close = True


def test_visitor_view_needs_the_passphrase(qtbot, library: GuideLibrary) -> None:
    seen: list[bytes] = []

    def verify(secret: bytearray) -> bool:
        seen.append(bytes(secret))
        return bytes(secret) == SECRET.encode()

    view = VisitorView(library, "en", verify)
    qtbot.addWidget(view)
    view.enter()
    qtbot.waitExposed(view)
    assert view.isFullScreen()
    view.close()  # Alt+F4 / window manager: refused
    assert view.isVisible()
    assert view.unlock_panel.isVisible()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.isVisible()

    view.passphrase.setText("wrong")
    with qtbot.waitSignal(view.verification_finished) as result:
        view.unlock_button.click()
    assert result.args == [False]
    assert view.isVisible()
    assert view.passphrase.text() == ""
    assert view.unlock_error.text()

    view.passphrase.setText(SECRET)
    with qtbot.waitSignal(view.left):
        qtbot.keyClick(view.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible())
    assert seen == [b"wrong", SECRET.encode()]


def test_visitor_view_checks_on_the_runner_it_was_given(qtbot, library: GuideLibrary) -> None:
    """The check runs on the app's Runner, so its wait() (shutdown, tests) covers it."""
    runner = Runner()
    view = VisitorView(
        library, "en", lambda secret: bytes(secret) == SECRET.encode(), runner=runner
    )
    qtbot.addWidget(view)
    view.show()
    view.ask_to_leave()
    view.passphrase.setText(SECRET)
    with qtbot.waitSignal(view.verification_finished) as result:
        view.try_leave()
        assert runner.busy
        assert runner.wait(10_000)
    assert result.args == [True]
    task = runner.last_task
    assert task is not None
    assert task.thread_id is not None
    assert task.thread_id != threading.main_thread().ident


def test_visitor_view_survives_a_failing_check(qtbot, library: GuideLibrary) -> None:
    def broken(secret: bytearray) -> bool:
        raise RuntimeError("vault gone")

    view = VisitorView(library, "en", broken)
    qtbot.addWidget(view)
    view.show()
    view.ask_to_leave()
    view.passphrase.setText("anything")
    with qtbot.waitSignal(view.verification_finished) as result:
        view.try_leave()
    assert result.args == [False]
    assert view.isVisible()
    view._may_close = True


@pytest.mark.slow
def test_pdf_for_every_language(qtbot, library: GuideLibrary, tmp_path: Path) -> None:
    browser = GuideBrowser(library)
    qtbot.addWidget(browser)
    for code in all_langs(library):
        browser.set_language(code)
        out = tmp_path / f"guide-{code}.pdf"
        with qtbot.waitSignal(browser.pdf_saved):
            pages = browser.save_pdf(out)
        data = out.read_bytes()
        assert data.startswith(b"%PDF"), code
        assert data.rstrip().endswith(b"%%EOF"), code
        assert pages > 1, code
        assert len(data) > 20_000, code


def test_visitor_screenshots(qtbot, library: GuideLibrary, tmp_path: Path) -> None:
    files = render_visitor_screenshots(tmp_path, ["en", "ar"], library=library, size=(800, 600))
    assert [f.name for f in files] == ["visitor-en.png", "visitor-ar.png"]
    assert all(f.stat().st_size > 10_000 for f in files)


def test_visitor_view_shows_the_notice_in_the_guide_language(qtbot, library: GuideLibrary) -> None:
    view = VisitorView(library, "hi", lambda secret: False)
    qtbot.addWidget(view)
    view.show()
    assert view.notice.isVisible()
    assert view.notice.text() == review_notice("hi")
    assert "मूल भाषी" in view.notice.text()
    assert view.notice.font().families() == guide_font("hi", 12).families()
    view._may_close = True

    arabic = VisitorView(library, "ar", lambda secret: False)
    qtbot.addWidget(arabic)
    arabic.show()
    assert arabic.notice.text() == review_notice("ar")
    assert arabic.notice.layoutDirection() == Qt.LayoutDirection.RightToLeft
    arabic._may_close = True

    english = VisitorView(library, "en", lambda secret: False)  # reviewed: no notice
    qtbot.addWidget(english)
    english.show()
    assert not english.notice.isVisible()
    english._may_close = True


def _pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext reads it, with Arabic presentation forms and the bidi
    marks it adds folded back to plain logical text."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True)
    text = unicodedata.normalize("NFKC", result.stdout)
    return re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


def test_arabic_pdf_footer_is_arabic(qtbot, library: GuideLibrary, tmp_path: Path) -> None:
    out = tmp_path / "guide-ar.pdf"
    english = "Not yet reviewed by a native speaker."
    # An older caller still passes the advisor's notice; the footer ignores it.
    pages = export_pdf(library, "ar", out, notice=english)
    text = _pdf_text(out)
    assert review_notice("ar") in text
    assert "لم يراجع هذه الترجمة" in text
    assert english not in text
    assert "native speaker" not in text
    assert "Page" not in text
    assert text.count("صفحة") == pages


def test_reviewed_pdf_has_no_notice(qtbot, library: GuideLibrary, tmp_path: Path) -> None:
    out = tmp_path / "guide-en.pdf"
    pages = export_pdf(library, "en", out, notice="Not yet reviewed by a native speaker.")
    text = _pdf_text(out)
    assert "native speaker" not in text
    assert f"Page {pages} of {pages}" in text
