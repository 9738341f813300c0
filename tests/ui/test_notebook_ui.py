"""The notebook in the main window: add, edit, search, close; drafts; retention; threads."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from PySide6.QtWidgets import QApplication

from advisor_desktop.notebook.models import Status
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.protocol.profile import load_profile
from advisor_desktop.ui.notebook.editor import NEW_SLOT
from advisor_desktop.ui.notebook.page import NotebookPage
from advisor_desktop.ui.shell.formatting import format_date
from advisor_desktop.ui.shell.main_window import MainWindow
from tests.conftest import PASSPHRASE
from tests.helpers.records import make_record
from tests.ui.conftest import NOW

pytestmark = pytest.mark.gui


def notebook_page(main: MainWindow) -> NotebookPage:
    page = main.page("notebook")
    assert isinstance(page, NotebookPage)
    return page


def test_lists_records_lazily(qtbot, main):
    page = notebook_page(main)
    assert page.model.total == 3
    assert page.model.rowCount() == 3
    assert page.count_label.text() == "3 conversations, newest first"
    header = page.table.horizontalHeader()
    assert header.isSortIndicatorShown()
    assert header.sortIndicatorSection() == 0


def test_add_edit_search_and_close_a_record(qtbot, main):
    page = notebook_page(main)
    page.new_record()
    editor = page.editor
    assert page.stack.currentWidget() is editor
    form = editor.form
    assert form is not None
    form.notes.setPlainText("Visitor reports intimidation by a driver")
    form.categories.item(0).setCheckState(form.categories.item(0).checkState().Checked)
    assert editor.dirty
    with qtbot.waitSignal(editor.saved):
        assert editor.save()
    record_id = editor.record_id
    assert record_id is not None
    assert page.model.total == 4
    stored = main.session.notebook.get(record_id)
    assert stored.notes == "Visitor reports intimidation by a driver"
    assert stored.categories == ("sexual-harassment",)

    form.agreed.setPlainText("Talk again next week")
    assert editor.save()
    assert main.session.notebook.get(record_id).agreed == "Talk again next week"

    editor.toggle_status()
    assert main.session.notebook.get(record_id).status is Status.CLOSED
    assert editor.status_button.text() == "Reopen case"
    editor.toggle_status()
    assert main.session.notebook.get(record_id).status is Status.OPEN

    editor.request_close()
    assert page.stack.currentWidget() is page.list_page
    with qtbot.waitSignal(page.search.results, timeout=5_000):
        page.search_box.setText("intimid")
    assert page.model.searching
    assert page.model.total == 1
    assert page.model.record_id(0) == record_id
    search_task = page.search.last_task
    assert search_task is not None
    assert search_task.thread_id is not None
    assert search_task.thread_id != threading.main_thread().ident  # the GUI thread
    page.search_box.clear()
    assert not page.model.searching
    assert page.model.total == 4


def test_stale_search_results_are_dropped(qtbot, main):
    page = notebook_page(main)
    seen: list[str] = []
    page.search.results.connect(lambda query, _hits: seen.append(query))
    page.search.set_text("harass")
    page.search._run()  # what the debounce timer would do
    page.search.set_text("remarks")
    with qtbot.waitSignal(page.search.results, timeout=5_000):
        pass
    main.runner.wait()
    qtbot.wait(50)
    assert seen == ["remarks"]
    assert page.model.total == 1


def test_filters_narrow_the_list(qtbot, main):
    page = notebook_page(main)
    index = page.category_filter.findData("other")
    page.category_filter.setCurrentIndex(index)
    assert page.model.total == 1
    page.category_filter.setCurrentIndex(0)
    page.status_filter.setCurrentIndex(page.status_filter.findData("closed"))
    assert page.model.total == 0
    # Not the first-run hint: what the advisor sees is that the filters match nothing.
    assert page.empty_hint.isVisible()
    assert page.empty_hint.text() == "No conversation matches these filters."


def test_delete_asks_first(qtbot, main):
    page = notebook_page(main)
    record_id = page.model.record_id(0)
    page.open_record(record_id)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        destructive = [
            b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole
        ]
        destructive[0].click()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(page.editor.deleted):
        page.editor.delete_record()
    assert page.model.total == 2


def test_draft_autosaved_into_the_vault_and_restored_after_lock(qtbot, main):
    page = notebook_page(main)
    page.new_record()
    page.editor.form.notes.setPlainText("half-written note")
    assert page.editor.autosave()
    assert main.session.notebook.load_draft(NEW_SLOT)["notes"] == "half-written note"
    main.lock()
    assert main.is_locked
    assert not main.session.is_open
    assert page.editor.form is None
    form = main.lock_screen.form
    form.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(main.unlocked, timeout=10_000):
        form.submit_passphrase()
    assert page.stack.currentWidget() is page.editor
    assert page.editor.form.notes.toPlainText() == "half-written note"
    assert page.editor.banner.isVisible()


def test_disk_error_on_save_keeps_the_edit(qtbot, main, paths):
    """A vault that refuses the write (read-only data folder) leaves the text in the editor."""
    page = notebook_page(main)
    page.new_record()
    page.editor.form.notes.setPlainText("must not be lost")
    shown: list[str] = []
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def dismiss() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()

    main.session.vault._conn.execute("PRAGMA query_only = ON")
    QTimer.singleShot(0, dismiss)
    assert not page.editor.save()
    main.session.vault._conn.execute("PRAGMA query_only = OFF")
    assert page.editor.form.notes.toPlainText() == "must not be lost"
    assert page.editor.record_id is None
    assert shown


def test_retention_warning_is_shown_and_purge_offered(qtbot, desktop, paths, policy, profile):
    from advisor_desktop.storage.meta import store_profile
    from advisor_desktop.storage.store import create_vault

    vault, _code = create_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    store_profile(vault, profile)
    closed_long_ago = NOW - dt.timedelta(days=710)  # purge due in about 20 days
    old = Notebook(vault, load_profile(), clock=lambda: closed_long_ago)
    (record_id,) = old.add_many([make_record(notes="old case")])
    old.set_status(record_id, Status.CLOSED)
    window = desktop.open_main(vault)
    qtbot.addWidget(window)
    page = notebook_page(window)
    qtbot.waitUntil(page.banner.isVisible)
    horizon = format_date(NOW.date() + dt.timedelta(days=30))
    assert f"1 record will be due for purge by {horizon}." in page.banner.text.text()
    settings = window.page("settings")
    qtbot.waitUntil(lambda: settings.retention.topLevelItemCount() == 1)
    assert settings.purge_button.isEnabled()
