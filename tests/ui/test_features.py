"""The composition root plugs the guides and the visitor view into the main window."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QApplication

from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import passphrase_opens
from advisor_desktop.ui.guides.browser import GuideBrowser
from advisor_desktop.ui.guides.visitor import VisitorView
from advisor_desktop.ui.shell.main_window import MainWindow
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.gui


def _visitor_views() -> list[VisitorView]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, VisitorView)]


def test_guides_page_and_visitor_view_are_wired(qtbot, main: MainWindow) -> None:
    browser = main.page("guides")
    assert isinstance(browser, GuideBrowser)
    main.show_page("guides")
    browser.set_language("ar")
    assert main.visitor_action.isVisible()
    main.open_visitor_view()
    views = [v for v in _visitor_views() if v.isVisible()]
    assert len(views) == 1
    view = views[0]
    qtbot.addWidget(view)
    assert view.lang == "ar"
    assert main.is_hidden, "the notebook must not be reachable behind the visitor view"
    view.close()
    assert view.isVisible(), "the visitor view closed without the passphrase"
    view.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(view.verification_finished, timeout=10_000) as wrong:
        view.try_leave()
    assert wrong.args == [False]
    assert view.isVisible()
    view.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(view.verification_finished, timeout=10_000) as right:
        view.try_leave()
    assert right.args == [True]
    check = main.runner.last_task  # the app's runner, which shutdown waits for
    assert check is not None
    assert check.thread_id != threading.main_thread().ident
    qtbot.waitUntil(lambda: not view.isVisible())
    assert not main.is_hidden


def test_passphrase_check_reads_only_the_key_slots(main: MainWindow, paths: AppPaths) -> None:
    assert passphrase_opens(paths, bytearray(PASSPHRASE.encode()))
    assert not passphrase_opens(paths, bytearray(b"not the passphrase"))


def test_editor_opens_referral_wizard_and_lock_closes_it(qtbot, main: MainWindow) -> None:
    from advisor_desktop.ui.referral import ReferralWizard

    page = main.page("notebook")
    record_id = page.model.record_id(0)  # type: ignore[attr-defined]
    page.open_record(record_id)  # type: ignore[attr-defined]
    panel = page.editor.referrals  # type: ignore[attr-defined]
    assert panel.refer_button.isEnabled()
    assert panel.list is not None
    assert panel.list.empty.isVisibleTo(panel)  # "No referrals from this record."
    with qtbot.waitSignal(panel.wizard_opened, timeout=5_000) as opened:
        panel.refer_button.click()
    wizard = opened.args[0]
    assert isinstance(wizard, ReferralWizard)
    assert wizard.isVisible()
    main.lock()
    qtbot.waitUntil(lambda: panel.wizard is None)
    assert panel.list is not None
    assert panel.list.tree.topLevelItemCount() == 0


def test_new_record_cannot_be_referred_before_saving(main: MainWindow) -> None:
    page = main.page("notebook")
    page.editor.open_new()  # type: ignore[attr-defined]
    assert not page.editor.referrals.refer_button.isEnabled()  # type: ignore[attr-defined]


def test_switch_ui_language_at_run_time(qtbot, desktop, main: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Settings → Arabic: the window is rebuilt in Arabic, right to left, on the same vault."""
    from PySide6.QtCore import QLocale, Qt

    from advisor_desktop.platform import i18n

    before = QLocale()
    try:
        main.show_page("settings")
        settings = main.page("settings")
        index = settings.language.findData("ar")  # type: ignore[attr-defined]
        assert index >= 0
        settings.language.setCurrentIndex(index)  # type: ignore[attr-defined]
        settings.language.activated.emit(index)  # type: ignore[attr-defined]
        new = desktop.main
        assert new is not None
        assert new is not main
        assert new.session.is_open, "switching the language must not lock the vault"
        assert new.current_page_key() == "settings"
        assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
        first = new.nav.item(0).text()
        assert first == i18n._("Notebook")
        assert first != "Notebook", "the navigation was not translated"
        assert QLocale().language() == QLocale.Language.Arabic  # date and number fields
        notebook = new.page("notebook")
        qtbot.waitUntil(lambda: notebook.model.rowCount() == 3)  # type: ignore[attr-defined]
        new.close()
    finally:
        i18n.activate("en")
        QApplication.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        QLocale.setDefault(before)
