"""Shared fixtures: isolated folders, a fast KDF, a real vault, and an in-process CLI runner."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from advisor_desktop.cli.common import Console
from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile, load_profile
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import Vault, create_vault

# Cheap Argon2id for tests only; real vaults are calibrated to ~0.5 s with >= 64 MiB.
TEST_KDF = KdfParams(time_cost=1, memory_kib=8192, lanes=1)
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point platformdirs (XDG) and HOME at a fresh folder for every test."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ADVISOR_LANG", raising=False)
    return home


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A command run in-process activates its --lang for the process: every test starts and
    ends in English, so no language leaks into the next test."""
    from advisor_desktop.platform.i18n import activate

    activate("en")
    yield
    activate("en")


@pytest.fixture
def policy() -> KdfPolicy:
    """A fixed, fast KDF policy."""
    return KdfPolicy.fixed(TEST_KDF)


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    """An empty data folder."""
    root = tmp_path / "data"
    return AppPaths(data=root, config=root / "config", logs=root / "logs")


@pytest.fixture
def profile() -> OrgProfile:
    """The shipped organisation profile."""
    return load_profile()


@pytest.fixture
def vault_and_code(
    paths: AppPaths, policy: KdfPolicy, profile: OrgProfile
) -> Iterator[tuple[Vault, str]]:
    """A new, open vault and its recovery code."""
    vault, code = create_vault(paths, bytearray(PASSPHRASE.encode()), policy)
    store_profile(vault, profile)
    yield vault, code
    vault.close()


@pytest.fixture
def vault(vault_and_code: tuple[Vault, str]) -> Vault:
    """A new, open vault."""
    return vault_and_code[0]


@pytest.fixture
def notebook(vault: Vault, profile: OrgProfile) -> Notebook:
    """The notebook over a new vault."""
    return Notebook(vault, profile)


@dataclass
class CliResult:
    """What a CLI run returned and printed."""

    code: int
    out: str
    err: str


class CliRunner:
    """Runs ``advisor`` in-process with a fast KDF and a given environment."""

    def __init__(self, data_dir: Path, policy: KdfPolicy) -> None:
        self.data_dir = data_dir
        self.policy = policy
        self.env: dict[str, str] = {"ADVISOR_PASSPHRASE": PASSPHRASE}

    def __call__(self, *argv: str, env: dict[str, str] | None = None, stdin: str = "") -> CliResult:
        from advisor_desktop.cli.advisor.main import main

        out, err = io.StringIO(), io.StringIO()
        console = Console(
            stdin=io.StringIO(stdin), stdout=out, stderr=err, env={**self.env, **(env or {})}
        )
        code = main(["--data-dir", str(self.data_dir), *argv], console=console, policy=self.policy)
        return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(tmp_path: Path, policy: KdfPolicy) -> CliRunner:
    """An ``advisor`` runner on a fresh data folder."""
    return CliRunner(tmp_path / "cli-data", policy)


def _drain_qt(close_windows: bool) -> None:
    """Finish background Qt work and deferred deletions while the QApplication still exists."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    QThreadPool.globalInstance().waitForDone(10_000)
    if close_windows:
        for widget in QApplication.topLevelWidgets():
            widget.close()
            widget.deleteLater()
    for _round in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        gc.collect()


@pytest.fixture(scope="session", autouse=True)
def _qt_teardown_before_exit() -> Iterator[None]:
    """Destroy every widget before the interpreter exits.

    Left to interpreter shutdown, Python-owned widgets can be destroyed after the QApplication,
    which crashes the process after all tests passed.
    """
    yield
    import sys

    if "PySide6.QtWidgets" in sys.modules:
        _drain_qt(close_windows=True)
