"""Auto-lock, quick hide, clipboard clearing, machine-lock hooks and settings actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QApplication

from advisor_desktop.platform.errors import StorageError
from advisor_desktop.storage.store import open_vault
from advisor_desktop.ui.shell.clipboard import MARKER, SecureClipboard, secret_formats
from advisor_desktop.ui.shell.idle import IdleWatcher
from advisor_desktop.ui.shell.machine_lock import MachineLockWatcher, exclude_from_capture
from advisor_desktop.ui.shell.main_window import MainWindow
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.gui


@pytest.fixture
def short_idle_main(qtbot, desktop, recovery_code, paths, policy) -> MainWindow:
    desktop.idle_ms = 150
    vault = open_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    window = desktop.open_main(vault)
    qtbot.addWidget(window)
    return window


def test_auto_lock_fires_after_the_idle_time_and_unlock_returns(qtbot, short_idle_main):
    main = short_idle_main
    main.show_page("follow-ups")
    with qtbot.waitSignal(main.locked, timeout=5_000):
        pass
    assert main.is_locked
    assert not main.session.is_open
    assert main.toolbar.isHidden()
    form = main.lock_screen.form
    form.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(main.unlocked, timeout=10_000):
        form.submit_passphrase()
    assert main.session.is_open
    assert main.current_page_key() == "follow-ups"
    main.idle.stop()


class SteppingClock:
    """A monotonic clock in seconds that moves only when the test says so."""

    def __init__(self) -> None:
        self.ms = 1_000_000

    def __call__(self) -> float:
        return self.ms / 1000

    def advance_ms(self, ms: int) -> None:
        self.ms += ms


def test_input_postpones_the_idle_lock(qtbot):
    clock = SteppingClock()
    watcher = IdleWatcher(10_000, monotonic=clock)
    fired: list[bool] = []
    watcher.idle.connect(lambda: fired.append(True))
    watcher.start()
    assert watcher.active
    watcher.set_timeout_ms(80)
    assert watcher.interval_ms == 20  # a quarter of the idle time, at least 20 ms
    clock.advance_ms(40)
    watcher.check()
    watcher.poke()  # input 40 ms in: the 80 ms count starts again
    clock.advance_ms(40)
    watcher.check()
    assert fired == []
    clock.advance_ms(39)  # 79 ms after the input
    watcher.check()
    assert fired == []
    clock.advance_ms(2)  # past 80 ms
    watcher.check()
    assert fired == [True]
    clock.advance_ms(1000)
    watcher.check()
    assert fired == [True]  # once per idle period
    watcher.stop()
    assert not watcher.active


def test_every_kind_of_input_counts_as_activity(qtbot):
    from PySide6.QtCore import QEvent, QObject

    clock = SteppingClock()
    watcher = IdleWatcher(100, monotonic=clock)
    fired: list[bool] = []
    watcher.idle.connect(lambda: fired.append(True))
    target = QObject()
    for kind in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                 QEvent.Type.Wheel):  # fmt: skip
        clock.advance_ms(90)
        assert watcher.eventFilter(target, QEvent(kind)) is False  # never consumed
        clock.advance_ms(90)
        watcher.check()
        assert fired == [], kind
    clock.advance_ms(90)
    assert watcher.eventFilter(target, QEvent(QEvent.Type.Paint)) is False  # not input
    clock.advance_ms(11)
    watcher.check()
    assert fired == [True]
    # Input after the lock starts a new idle period, which fires again.
    watcher.eventFilter(target, QEvent(QEvent.Type.KeyPress))
    clock.advance_ms(101)
    watcher.check()
    assert fired == [True, True]


def test_ctrl_l_locks(qtbot, main):
    main.activateWindow()
    main.lock_action.trigger()
    assert main.is_locked
    assert not main.session.is_open


def test_quick_hide_by_double_escape_and_toolbar(qtbot, main):
    page = main.page("notebook")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Escape)
    assert not main.is_hidden
    qtbot.keyClick(page.table, Qt.Key.Key_Escape)
    assert main.is_hidden
    assert main.session.is_open  # not a lock
    assert main.toolbar.isHidden()
    main.hide_screen.button.click()
    assert not main.is_hidden
    main.hide_action.trigger()
    assert main.is_hidden
    main.quick_show()
    assert main.screens.currentWidget() is main.workspace


def test_clipboard_is_marked_secret_and_cleared(qtbot):
    clipboard = QApplication.clipboard()
    secure = SecureClipboard(100, clipboard)
    secure.copy("visitor detail")
    data = clipboard.mimeData()
    assert data.text() == "visitor detail"
    assert bytes(data.data("x-kde-passwordManagerHint").data()) == b"secret"
    assert data.hasFormat("ExcludeClipboardContentFromMonitorProcessing")
    assert bytes(data.data("CanIncludeInClipboardHistory").data()) == b"\x00\x00\x00\x00"
    with qtbot.waitSignal(secure.cleared, timeout=5_000):
        pass
    assert clipboard.text() == ""


def test_clipboard_leaves_other_content_alone(qtbot):
    clipboard = QApplication.clipboard()
    secure = SecureClipboard(60, clipboard)
    cleared: list[bool] = []
    secure.cleared.connect(lambda: cleared.append(True))
    secure.copy("visitor detail")
    assert secure.holds_ours()
    mime = QMimeData()
    mime.setText("something else")
    clipboard.setMimeData(mime)
    assert not secure.holds_ours()
    secure.clear()  # what the timeout runs
    assert clipboard.text() == "something else"
    assert cleared == []


def test_windows_formats_use_the_qt_windows_mime_names():
    formats = secret_formats("win32")
    assert 'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"' in formats
    assert MARKER in formats


def test_copy_from_the_editor_uses_the_secure_clipboard(qtbot, main):
    page = main.page("notebook")
    page.open_record(page.model.record_id(0))
    page.editor.copy_text()
    assert QApplication.clipboard().mimeData().hasFormat(MARKER)
    main.lock()
    assert QApplication.clipboard().text() == ""


def test_machine_lock_watcher_survives_a_missing_bus(qtbot, main, monkeypatch):
    from PySide6.QtDBus import QDBusConnection

    class NoBus:
        def isConnected(self) -> bool:
            return False

    monkeypatch.setattr(QDBusConnection, "systemBus", staticmethod(lambda: NoBus()))
    monkeypatch.setattr(QDBusConnection, "sessionBus", staticmethod(lambda: NoBus()))
    watcher = MachineLockWatcher()
    assert watcher.start(main) == []
    assert watcher.sources == []


@pytest.mark.parametrize(
    ("signal", "locks"),
    [
        (lambda m: m.on_sleep(True), True),
        (lambda m: m.on_sleep(False), False),  # waking up
        (lambda m: m.on_session_lock(), True),
        (lambda m: m.on_screensaver(True), True),
        (lambda m: m.on_screensaver(False), False),  # the screensaver ends
    ],
)
def test_the_machine_locking_locks_the_window(qtbot, main, signal, locks):
    assert not main.is_locked
    signal(main.machine)
    assert main.is_locked is locks
    assert main.session.is_open is not locks


def test_exclude_from_capture_asks_windows_and_nothing_else(qtbot, main, monkeypatch):
    import ctypes

    monkeypatch.delattr(ctypes, "WinDLL", raising=False)
    assert exclude_from_capture(main) is False  # no API outside Windows
    calls: list[tuple[str, int, int]] = []

    class User32:
        def SetWindowDisplayAffinity(self, hwnd: int, affinity: int) -> int:
            calls.append(("user32", hwnd, affinity))
            return 1

    monkeypatch.setattr(ctypes, "WinDLL", lambda name: User32(), raising=False)
    assert exclude_from_capture(main) is True
    assert calls == [("user32", int(main.winId()), 0x11)]  # WDA_EXCLUDEFROMCAPTURE

    def missing(name: str) -> None:
        raise OSError("user32 not found")

    monkeypatch.setattr(ctypes, "WinDLL", missing, raising=False)
    assert exclude_from_capture(main) is False


def test_settings_apply_idle_and_clipboard_times(qtbot, main):
    settings = main.page("settings")
    settings.idle.setValue(12)
    settings.clip.setValue(45)
    settings.apply_preferences()
    assert main.session.preferences.idle_minutes == 12
    assert main.clipboard.timeout_ms == 45_000
    assert main.idle.timeout_ms == 12 * 60_000


def test_settings_change_passphrase_on_a_worker(qtbot, main, paths, policy):
    settings = main.page("settings")
    settings.old.setText(PASSPHRASE)
    settings.new_fields.new.setText("a whole new passphrase")
    settings.new_fields.confirm.setText("a whole new passphrase")
    assert settings.change_button.isEnabled()
    with qtbot.waitSignal(
        settings.message, check_params_cb=lambda text: "was changed" in text, timeout=10_000
    ):
        settings.change_button.click()
    main.close()
    open_vault(paths, bytearray(b"a whole new passphrase"), policy).close()


def test_settings_make_a_backup_on_a_worker(qtbot, main, tmp_path: Path):
    settings = main.page("settings")
    target = tmp_path / "b.advisorbackup"
    settings.choose_backup_path = lambda _parent: target
    with qtbot.waitSignal(
        settings.message, check_params_cb=lambda text: "Backup written" in text, timeout=10_000
    ):
        settings.make_backup()
    assert target.exists()


def test_settings_say_when_the_purge_list_cannot_be_loaded(qtbot, main):
    """A failed background load is said in the page, and Purge never acts on an old list."""
    settings = main.page("settings")
    qtbot.waitUntil(lambda: not main.runner.busy)
    settings._purge_ids = [1]
    settings.purge_button.setEnabled(True)
    settings._retention_failed(StorageError("The disk cannot be read."))
    assert not settings.purge_button.isEnabled()
    assert settings._purge_ids == []
    assert settings.retention.topLevelItemCount() == 0
    assert settings.retention_count.text() == (
        "The records due for purge could not be listed: The disk cannot be read."
    )
    settings._info_failed(StorageError("The disk cannot be read."))
    assert settings.info.rowCount() == 1


def test_a_failed_retention_count_is_logged_without_a_dialog(qtbot, main, caplog):
    page = main.page("notebook")
    with caplog.at_level("INFO", logger="advisor_desktop"):
        page._retention_failed(StorageError("The disk cannot be read."))
    assert "retention_count_failed kind=StorageError" in caplog.text
    assert QApplication.activeModalWidget() is None


def test_every_control_has_an_accessible_name(qtbot, main):
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QHeaderView,
        QLineEdit,
    )

    main.page("notebook").new_record()
    missing = []
    # Sections are built on their first visit: visit each, so every one is checked.
    for key in main.page_keys():
        main.show_page(key)
        for kind in (QLineEdit, QComboBox, QAbstractItemView):
            for widget in main.findChildren(kind):
                if widget.parent() is not None and type(widget.parent()).__name__ in {
                    "QComboBox",
                    "QDateEdit",
                    "QSpinBox",
                    "QCalendarWidget",
                }:
                    continue
                if isinstance(widget, QHeaderView):
                    continue  # a part of its item view, which carries the name
                if not widget.accessibleName() and widget.isVisibleTo(main):
                    missing.append(f"{key}: {type(widget).__name__}")
        for button in main.findChildren(QAbstractButton):
            if button.isVisibleTo(main) and not (button.accessibleName() or button.text()):
                missing.append(f"{key}: {type(button).__name__}")
    assert missing == [], missing
