"""The staged main window: unlocking builds only what the first page shows; the other sections
on their first visit (loading their content then), the lock screen on the first lock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from advisor_desktop.ui.shell.build import AdvisorWindow
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.gui

SHORTCUTS = {
    "Ctrl+1": "notebook",
    "Ctrl+2": "follow-ups",
    "Ctrl+3": "settings",
    "Ctrl+4": "guides",
    "Ctrl+5": "trust",
    "Ctrl+6": "outbox",
}


def _action(window: AdvisorWindow, shortcut: str) -> QAction:
    (action,) = [a for a in window.actions() if a.shortcut() == QKeySequence(shortcut)]
    return action


def _unlock(qtbot, window: AdvisorWindow) -> None:
    assert window.lock_screen is not None
    form = window.lock_screen.form
    form.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=10_000):
        form.submit_passphrase()


def test_unlock_builds_only_what_the_first_page_shows(qtbot, main: AdvisorWindow) -> None:
    assert main.page_keys() == [
        "notebook",
        "follow-ups",
        "settings",
        "trust",
        "outbox",
        "guides",
    ]
    assert [key for key in main.page_keys() if main.is_built(key)] == ["notebook"]
    notebook = main.notebook.built
    assert notebook is not None
    assert notebook.model.rowCount() == 3
    assert notebook._editor is None, "the editor is built when a record is first opened"
    assert main.followups.built is None
    assert main.settings.built is None
    assert main.trust.built is None
    assert main.lock_screen is None, "the lock screen is built when the window first locks"


def test_a_section_is_built_on_its_first_visit_and_loads_then(qtbot, main: AdvisorWindow):
    built: list[str] = []
    main.page_built.connect(built.append)
    _action(main, "Ctrl+2").trigger()
    assert built == ["follow-ups"]
    assert main.current_page_key() == "follow-ups"
    page = main.followups.built
    assert page is not None
    assert main.pages.currentWidget() is page
    # Session.opened fired before the page existed: it loads when it is built instead.
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() > 0)
    assert "1 overdue" in page.summary.text()
    _action(main, "Ctrl+1").trigger()
    _action(main, "Ctrl+2").trigger()
    assert built == ["follow-ups"], "built once"


def test_every_shortcut_reaches_its_section(qtbot, main: AdvisorWindow) -> None:
    main.show()
    main.activateWindow()
    qtbot.waitExposed(main)
    for shortcut, key in SHORTCUTS.items():
        qtbot.keyClick(main, Qt.Key(ord(shortcut[-1])), Qt.KeyboardModifier.ControlModifier)
        assert main.current_page_key() == key, shortcut
        assert main.pages.currentWidget() is main.page(key)
    assert all(main.is_built(key) for key in main.page_keys())


def test_a_section_built_later_follows_the_next_lock_and_unlock(qtbot, main: AdvisorWindow):
    main.show_page("settings")
    settings = main.settings.built
    assert settings is not None
    qtbot.waitUntil(lambda: settings.info.rowCount() > 0)
    main.lock()
    assert settings.info.rowCount() == 0, "about_to_lock reached the page built after unlock"
    _unlock(qtbot, main)
    qtbot.waitUntil(lambda: settings.info.rowCount() > 0)
    assert main.current_page_key() == "settings"


def test_a_section_first_visited_while_locked_loads_at_unlock(qtbot, main: AdvisorWindow):
    main.lock()
    _action(main, "Ctrl+5").trigger()
    trust = main.trust.built
    assert trust is not None
    assert trust.device_key.text() == "", "nothing to show while the vault is locked"
    _unlock(qtbot, main)
    qtbot.waitUntil(lambda: trust.device_key.text() != "")


def test_the_lock_screen_is_built_on_the_first_lock_and_kept(qtbot, main: AdvisorWindow):
    assert main.lock_screen is None
    main.lock()
    screen = main.lock_screen
    assert screen is not None
    assert main.is_locked
    assert main.screens.currentWidget() is screen
    _unlock(qtbot, main)
    assert not main.is_locked
    main.lock()
    assert main.lock_screen is screen


def test_the_editor_is_built_on_first_use_and_keeps_the_visitor_opener(
    qtbot, main: AdvisorWindow
) -> None:
    notebook = main.notebook.widget()
    notebook.keep_draft()  # nothing to keep: the editor is not built for it
    assert notebook._editor is None
    record_id = notebook.model.record_id(0)
    assert record_id is not None
    notebook.open_record(record_id)
    editor = notebook._editor
    assert editor is not None
    assert notebook.stack.currentWidget() is editor
    assert editor.referrals._open_visitor is not None, "wired before the editor existed"
