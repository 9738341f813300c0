"""First run, unlock, recovery, single instance — driving the real widgets (offscreen)."""

from __future__ import annotations

import threading

import pytest

from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import open_vault
from advisor_desktop.ui.shell.application import DesktopApp, UnlockWindow, layout_direction
from advisor_desktop.ui.shell.first_run import FirstRunWizard
from advisor_desktop.ui.shell.single_instance import SingleInstance
from advisor_desktop.ui.shell.unlock import UnlockForm, _open_with_passphrase
from tests.conftest import PASSPHRASE
from tests.ui.conftest import data_files

pytestmark = pytest.mark.gui
NEW = "lantern orbit kettle river"


def test_wizard_end_to_end_creates_the_vault_only_on_commit(qtbot, desktop, paths: AppPaths):
    wizard = desktop.start()
    assert isinstance(wizard, FirstRunWizard)
    wizard.next()
    assert wizard.currentPage() is wizard.profile_page
    assert wizard.profile_page.isComplete()
    wizard.profile_page.demo.setChecked(True)
    wizard.next()
    page = wizard.passphrase_page
    page.fields.new.setText(NEW)
    page.fields.confirm.setText(NEW + "x")
    assert not page.isComplete()
    page.fields.confirm.setText(NEW)
    assert page.isComplete()
    assert data_files(paths) == []
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=10_000)
    assert data_files(paths)
    code = wizard.recovery_page.code.text()
    assert len(code.replace("-", "")) == 32
    assert wizard.recovery_page.print_button.isEnabled()
    assert not wizard.recovery_page.isComplete()
    wizard.recovery_page.written.setChecked(True)
    assert wizard.recovery_page.isComplete()
    wizard.accept()
    assert desktop.main is not None
    assert wizard.recovery_page.code.text() == ""
    page_widget = desktop.main.page("notebook")
    qtbot.waitUntil(lambda: page_widget.model.total == 40)  # demo records
    desktop.main.close()
    open_vault(paths, bytearray(NEW.encode()), desktop.policy).close()


def test_wizard_kdf_runs_off_the_gui_thread(qtbot, desktop):
    wizard = desktop.start()
    wizard.next()
    wizard.next()
    wizard.passphrase_page.fields.new.setText(NEW)
    wizard.passphrase_page.fields.confirm.setText(NEW)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=10_000)
    task = desktop.runner.last_task
    assert task is not None
    assert task.thread_id is not None
    assert task.thread_id != threading.main_thread().ident  # the GUI thread


def test_unlock_wrong_then_right_passphrase(qtbot, desktop, recovery_code):
    window = desktop.start()
    assert isinstance(window, UnlockWindow)
    form: UnlockForm = window.form
    form.passphrase.setText("not the passphrase")
    with qtbot.waitSignal(form.busy_changed, check_params_cb=lambda busy: not busy):
        form.submit_passphrase()
    assert "not correct" in form.error.text()
    assert form.passphrase.text() == ""
    assert desktop.main is None
    task = desktop.runner.last_task
    assert task is not None
    assert task.thread_id is not None
    assert task.thread_id != threading.main_thread().ident  # the GUI thread
    form.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(form.unlocked, timeout=10_000):
        form.submit_passphrase()
    assert desktop.main is not None
    assert desktop.main.session.notebook.count() == 3


def test_empty_passphrase_is_refused_without_work(qtbot, desktop, recovery_code):
    window = desktop.start()
    before = desktop.runner.last_task  # a warm-up step, or none yet
    window.form.submit_passphrase()
    assert window.form.error.text()
    assert not window.form.busy.isVisibleTo(window)
    task = desktop.runner.last_task
    assert task is before or task is None or task.fn is not _open_with_passphrase


def test_recovery_code_path_ends_in_a_new_passphrase(qtbot, desktop, recovery_code, paths):
    form = desktop.start().form
    form.use_recovery.click()
    assert form.pages.currentIndex() == UnlockForm.RECOVERY
    form.recovery_code.setText("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    with qtbot.waitSignal(form.busy_changed, check_params_cb=lambda busy: not busy):
        form.submit_recovery()
    assert form.error.text()
    assert form.pages.currentIndex() == UnlockForm.RECOVERY
    form.recovery_code.setText(recovery_code.lower())
    with qtbot.waitSignal(form.busy_changed, check_params_cb=lambda busy: not busy):
        form.submit_recovery()
    assert form.pages.currentIndex() == UnlockForm.NEW_PASSPHRASE
    assert not form.set_button.isEnabled()
    form.new_fields.new.setText(NEW)
    form.new_fields.confirm.setText(NEW)
    assert form.set_button.isEnabled()
    with qtbot.waitSignal(form.unlocked, timeout=10_000):
        form.set_button.click()
    assert desktop.main is not None
    desktop.main.close()
    open_vault(paths, bytearray(NEW.encode()), desktop.policy).close()


def test_second_instance_on_the_same_folder_is_refused(qtbot, paths):
    first = SingleInstance(paths.data)
    second = SingleInstance(paths.data)
    try:
        assert first.claim()
        with qtbot.waitSignal(first.raise_requested, timeout=5_000):
            assert not second.claim()
    finally:
        first.release()
        second.release()


def test_vault_busy_is_a_clear_message(qtbot, desktop, recovery_code, paths, policy):
    held = open_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    try:
        form = desktop.start().form
        form.passphrase.setText(PASSPHRASE)
        with qtbot.waitSignal(form.busy_changed, check_params_cb=lambda busy: not busy):
            form.submit_passphrase()
        assert "already open" in form.error.text()
    finally:
        held.close()


def test_rtl_languages_mirror_the_layout():
    from PySide6.QtCore import Qt

    assert layout_direction("ar") == Qt.LayoutDirection.RightToLeft
    assert layout_direction("fa-IR") == Qt.LayoutDirection.RightToLeft
    assert layout_direction("nl") == Qt.LayoutDirection.LeftToRight


def test_desktop_app_starts_with_the_wizard_on_an_empty_folder(qtbot, paths, policy):
    app = DesktopApp(paths, "en", policy)
    window = app.start()
    qtbot.addWidget(window)
    assert isinstance(window, FirstRunWizard)


CHILD = """
import sys
from pathlib import Path
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell.application import run_application
root = Path(sys.argv[1])
paths = AppPaths(root, root / "config", root / "logs")
code = run_application(paths, "en", ["advisor-desktop"], tell=lambda text: print("TOLD", text))
print("EXIT", code, flush=True)
"""


def test_run_application_hands_over_to_the_first_instance(qtbot, paths, tmp_path):
    """A second start on a folder another instance holds asks it to come forward and exits 1.

    The second start runs in its own process: an event loop that exits must not run inside the
    test process, whose QApplication the other tests share."""
    import os
    import subprocess
    import sys

    paths.data.mkdir(parents=True, exist_ok=True)
    first = SingleInstance(paths.data)
    assert first.claim()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=30_000):
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, str(paths.data)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
            )
        out, _err = child.communicate(timeout=60)
    finally:
        first.release()
    assert "TOLD Advisor Desktop is already open" in out
    assert "EXIT 1" in out
