"""The desktop over a vault on read-only media: a banner says so, the records and guides are
shown, and a change is refused with a message (the text stays in the editor); nothing on the
media changes.

The media is a read-only bind mount of the data folder where the sandbox allows it (root);
elsewhere the folder is reported as not writable (``folder_read_only``), which opens the same
read-only connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage import database
from advisor_desktop.storage.store import open_vault
from advisor_desktop.ui.notebook.page import NotebookPage
from advisor_desktop.ui.shell.application import DesktopApp
from advisor_desktop.ui.shell.main_window import MainWindow, read_only_banner_text
from tests.conftest import PASSPHRASE
from tests.test_read_only_media import _can_bind_mount, _mount_ro, _snapshot, _umount

from .conftest import clock


@pytest.fixture
def read_only_paths(
    recovery_code: str, paths: AppPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppPaths]:
    """The three-record vault, seen through read-only media."""
    if not _can_bind_mount():
        monkeypatch.setattr(database, "folder_read_only", lambda _folder, _db: True)
        yield paths
        return
    target = tmp_path / "mounted"
    target.mkdir()
    assert _mount_ro(paths.data, target)
    try:
        yield AppPaths(data=target, config=target / "config", logs=target / "logs")
    finally:
        _umount(target)


@pytest.fixture
def read_only_main(
    qtbot, read_only_paths: AppPaths, policy: KdfPolicy
) -> Iterator[tuple[MainWindow, DesktopApp]]:
    desktop = DesktopApp(read_only_paths, "en", policy, clock=clock)
    vault = open_vault(read_only_paths, bytearray(PASSPHRASE.encode()), policy)
    assert vault.read_only
    window = desktop.open_main(vault)
    qtbot.waitUntil(lambda: not desktop.runner.busy)
    yield window, desktop
    window.close()
    desktop.runner.wait()


def test_the_banner_says_read_only_and_records_are_shown(
    qtbot, read_only_main: tuple[MainWindow, DesktopApp], paths: AppPaths
) -> None:
    window, _desktop = read_only_main
    window.show()
    qtbot.waitExposed(window)
    assert window.read_only
    assert window.read_only_banner.isVisible()
    assert window.read_only_banner.text.text() == read_only_banner_text()
    page = window.page("notebook")
    assert isinstance(page, NotebookPage)
    assert page.model.total == 3
    guides = window.page("guides")
    assert guides is not None


def test_a_change_is_refused_with_a_message_and_the_text_stays(
    qtbot, read_only_main: tuple[MainWindow, DesktopApp], paths: AppPaths
) -> None:
    window, _desktop = read_only_main
    before = _snapshot(paths.data)
    page = window.page("notebook")
    assert isinstance(page, NotebookPage)
    page.new_record()
    form = page.editor.form
    assert form is not None
    form.notes.setPlainText("typed on a write-protected stick")
    shown: list[str] = []

    def dismiss() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()

    QTimer.singleShot(0, dismiss)
    assert not page.editor.save()
    assert shown, "no message was shown"
    assert "read-only" in shown[0]
    assert form.notes.toPlainText() == "typed on a write-protected stick"
    assert page.editor.record_id is None
    # The draft cannot be kept either: said in the editor, not a crash.
    assert not page.editor.autosave()
    assert "read-only" in page.editor.state.text()
    window.lock()
    assert window.is_locked
    assert _snapshot(paths.data) == before


def test_a_writable_vault_shows_no_banner(qtbot, main: MainWindow) -> None:
    main.show()
    qtbot.waitExposed(main)
    assert not main.read_only
    assert not main.read_only_banner.isVisible()
