"""Fixtures for the GUI tests: a closed vault on disk, and the desktop app around it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault, open_vault
from advisor_desktop.ui.shell.application import DesktopApp
from advisor_desktop.ui.shell.main_window import MainWindow
from tests.conftest import PASSPHRASE
from tests.helpers.records import make_record

NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    """The fixed "now" of the GUI tests."""
    return NOW


@pytest.fixture
def recovery_code(paths: AppPaths, policy: KdfPolicy, profile: OrgProfile) -> str:
    """A vault on disk (closed) with three records; returns its recovery code."""
    vault, code = create_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    store_profile(vault, profile)
    notebook = Notebook(vault, profile, clock)
    notebook.add_many(
        [
            make_record(notes="Remarks in meetings about accent", categories=("bullying",)),
            make_record(notes="Harassment at the reception desk", follow_up=dt.date(2026, 3, 1)),
            make_record(notes="Question about confidentiality", categories=("other",)),
        ]
    )
    vault.close()
    return code


@pytest.fixture
def desktop(qtbot, paths: AppPaths, policy: KdfPolicy) -> Iterator[DesktopApp]:
    """The app's composition object (nothing shown yet)."""
    app = DesktopApp(paths, "en", policy, clock=clock)
    yield app
    # The main window may have been rebuilt (language switch, new profile): close the current
    # one; a replaced one is already gone.
    if app.main is not None and shiboken6.isValid(app.main):
        app.main.close()
    if app.first is not None:
        app.first.close()
    app.runner.wait()


@pytest.fixture
def main(qtbot, desktop: DesktopApp, recovery_code: str, paths: AppPaths, policy) -> MainWindow:
    """The main window over the unlocked three-record vault."""
    vault = open_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    window = desktop.open_main(vault)  # closed by the ``desktop`` fixture
    qtbot.waitUntil(lambda: not desktop.runner.busy)
    return window


def data_files(paths: AppPaths) -> list[Path]:
    """The vault files present in the data folder."""
    return [p for p in (paths.vault_db, paths.key_slots) if p.exists()]


@pytest.fixture(autouse=True)
def _drain_background_work(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Each GUI test ends with no worker still running and no deletion pending, so nothing
    from one test fires into the next (or into widgets already gone)."""
    yield
    from tests.conftest import _drain_qt

    _drain_qt(close_windows=False)


@pytest.fixture(autouse=True, scope="session")
def _designed(qapp) -> None:  # type: ignore[no-untyped-def]
    """The tests see the application as users do: the design system applied."""
    from advisor_desktop.ui.shell.design import LIGHT, apply_design

    apply_design(qapp, LIGHT)
