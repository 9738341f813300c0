"""A vault on read-only media (a write-protected USB stick): it opens read-only, says so, and
refuses every change with one line and exit 10; nothing on the media is touched.

Two kinds of read-only media are used. A real one: the data folder bind-mounted read-only
(``mount -o bind,ro``, as root where the sandbox allows it; the kernel refuses every write
with EROFS, root's included). And permissions: folders 0500, files 0400, the command in a
child that permission bits apply to (without the capabilities that let root ignore them, see
``test_storage_errors.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import keygen
from advisor_desktop.platform.errors import EXIT_READ_ONLY, ReadOnlyMedia
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.store import open_vault

from .conftest import PASSPHRASE, TEST_KDF, CliRunner
from .test_storage_errors import ENV, _unprivileged, advisor

NEW = {"ADVISOR_NEW_PASSPHRASE": "another good passphrase"}
DESK = "Central desk"
SUMMARY = "A short fictional summary"


def _snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: mode, size and bytes (a read-only run must change none)."""
    found: dict[str, tuple[int, int, bytes]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            found[str(path.relative_to(folder))] = (st.st_mode, st.st_size, path.read_bytes())
    return found


def _fill(cli: CliRunner) -> tuple[str, str]:
    """A vault with records and a referral draft to a desk of its profile; returns a record
    id and the draft's id."""
    assert cli("init").code == 0
    assert cli("demo-data", "--count", "12").code == 0
    desk = cli.data_dir.parent / f"{cli.data_dir.name}-desk"
    keygen(desk, DESK, b"desk passphrase", TEST_KDF)
    imported = cli("profile", "import", str(desk / "desk-public.json"))
    assert imported.code == 0, imported.err
    listed = cli("list", "--json")
    assert listed.code == 0, listed.err
    record = str(json.loads(listed.out)[0]["id"])
    summary = cli.data_dir.parent / "summary.txt"
    summary.write_text(SUMMARY, encoding="utf-8")
    draft = cli(
        "referral", "new", record, "--desk", DESK, "--scopes", "summary",
        "--summary-file", str(summary),
    )  # fmt: skip
    assert draft.code == 0, draft.err
    # The first preview makes the device key (a write): a vault that was used has one.
    assert cli("referral", "preview", draft.out.strip()).code == 0
    return record, draft.out.strip()


def _can_bind_mount() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(tempfile.mkdtemp(prefix="advisor-ro-mount-probe-"))
    target = probe / "ro"
    target.mkdir()
    try:
        if not _mount_ro(probe, target):
            return False
        _umount(target)
        return True
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def _mount_ro(source: Path, target: Path) -> bool:
    first = subprocess.run(
        ["mount", "--bind", str(source), str(target)], capture_output=True, check=False
    )
    if first.returncode != 0:
        return False
    second = subprocess.run(
        ["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, check=False
    )
    if second.returncode != 0:
        _umount(target)
        return False
    return True


def _umount(target: Path) -> None:
    subprocess.run(["umount", str(target)], capture_output=True, check=False)


@pytest.fixture
def ro_mount(tmp_path: Path, policy: KdfPolicy) -> Iterator[tuple[CliRunner, Path, str, str]]:
    """A filled vault, and a CLI runner on the same folder mounted read-only."""
    if not _can_bind_mount():
        pytest.skip("no read-only bind mount here (needs root and mount)")
    source = tmp_path / "stick"
    writable = CliRunner(source, policy)
    record, draft = _fill(writable)
    target = tmp_path / "mounted"
    target.mkdir()
    assert _mount_ro(source, target)
    try:
        yield CliRunner(target, policy), source, record, draft
    finally:
        _umount(target)


def _one_read_only_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("read-only: "), err


def test_reading_commands_work_on_a_read_only_mount(
    ro_mount: tuple[CliRunner, Path, str, str],
) -> None:
    cli, source, record, draft = ro_mount
    before = _snapshot(source)
    listed = cli("list", "--json")
    assert listed.code == 0, listed.err
    _one_read_only_line(listed.err)
    assert len(json.loads(listed.out)) == 12
    shown = cli("show", record)
    assert shown.code == 0, shown.err
    assert record in shown.out
    _one_read_only_line(shown.err)
    notes = next(line for line in shown.out.splitlines() if line.strip().startswith("notes:"))
    word = max(notes.split(":", 1)[1].split(), key=len).strip(".,()#")
    found = cli("search", word)
    assert found.code == 0, found.err
    assert found.out.strip(), (word, found)
    _one_read_only_line(found.err)
    assert cli("follow-ups").code == 0
    guides = cli("guides", "list")
    assert guides.code == 0, guides.err
    assert guides.out.strip()
    preview = cli("referral", "preview", draft)
    assert preview.code == 0, preview.err
    assert SUMMARY in preview.out
    assert preview.err.startswith("read-only: "), preview.err  # then the digest line
    assert _snapshot(source) == before


@pytest.mark.parametrize(
    "args",
    [
        ("demo-data", "--count", "2"),
        ("close", "FIRST"),
        ("reopen", "FIRST"),
        ("passwd",),
        ("referral", "new", "FIRST", "--desk", DESK, "--scopes", "category"),
    ],
    ids=["demo-data", "close", "reopen", "passwd", "referral-new"],
)
def test_changes_are_refused_on_a_read_only_mount(
    ro_mount: tuple[CliRunner, Path, str, str], args: tuple[str, ...]
) -> None:
    cli, source, record, _draft = ro_mount
    args = tuple(record if a == "FIRST" else a for a in args)
    before = _snapshot(source)
    result = cli(*args, env=NEW)
    assert result.code == EXIT_READ_ONLY, (args, result)
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("read-only: "), result.err
    assert len(lines) == 2, result.err
    assert lines[1].startswith("advisor: "), result.err
    assert "read-only" in lines[1], result.err
    assert "damaged" not in result.err
    assert _snapshot(source) == before


def test_passwd_is_refused_before_a_new_passphrase_is_asked(
    ro_mount: tuple[CliRunner, Path, str, str],
) -> None:
    cli, _source, _record, _draft = ro_mount
    result = cli("passwd")  # no new passphrase given: it is not asked for
    assert result.code == EXIT_READ_ONLY, result
    assert "No passphrase given" not in result.err


def test_a_backup_of_a_read_only_vault_can_be_written_elsewhere(
    ro_mount: tuple[CliRunner, Path, str, str], tmp_path: Path, policy: KdfPolicy
) -> None:
    cli, source, _record, _draft = ro_mount
    before = _snapshot(source)
    out = tmp_path / "elsewhere" / "b.zip"
    made = cli("backup", "--out", str(out))
    assert made.code == 0, made.err
    assert _snapshot(source) == before
    restored = CliRunner(tmp_path / "restored", policy)
    assert restored("restore", str(out)).code == 0
    listed = restored("list", "--json")
    assert listed.code == 0
    assert len(json.loads(listed.out)) == 12


def test_the_open_vault_is_read_only(
    ro_mount: tuple[CliRunner, Path, str, str], policy: KdfPolicy
) -> None:
    cli, _source, _record, _draft = ro_mount
    with open_vault(resolve_paths(cli.data_dir), bytearray(PASSPHRASE.encode()), policy) as vault:
        assert vault.read_only
        with pytest.raises(ReadOnlyMedia):
            vault.change_passphrase(bytearray(b"another good passphrase"))
        with pytest.raises(ReadOnlyMedia), vault.write() as conn:
            conn.execute("DELETE FROM records")
        with vault.read() as conn:
            assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 12


_LEAVE_JOURNAL = """
import os, sys
from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import open_vault
from tests.helpers.records import make_record

policy = KdfPolicy.fixed(KdfParams(1, 8192, 1))
vault = open_vault(resolve_paths(sys.argv[1]), bytearray(sys.argv[2].encode()), policy)
Notebook(vault, load_vault_profile(vault)).add(make_record(notes="written last"))
os._exit(0)  # the stick pulled out: no close, no checkpoint
"""


@pytest.mark.parametrize("shm", [True, False], ids=["with-shm", "shm-lost"])
def test_a_vault_left_with_a_journal(tmp_path: Path, policy: KdfPolicy, shm: bool) -> None:
    """A stick pulled out while the vault was open keeps its -wal (and -shm): the read-only
    view reads the journal when the -shm is there, and says what to do when it is not (the
    journal cannot be read without writing one), never "damaged"."""
    if not _can_bind_mount():
        pytest.skip("no read-only bind mount here (needs root and mount)")
    source = tmp_path / "stick"
    _fill(CliRunner(source, policy))
    left = subprocess.run(
        [sys.executable, "-c", _LEAVE_JOURNAL, str(source), PASSPHRASE],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert left.returncode == 0, left.stderr
    assert (source / "vault.db-wal").stat().st_size > 0
    if not shm:
        (source / "vault.db-shm").unlink()
    target = tmp_path / "mounted"
    target.mkdir()
    assert _mount_ro(source, target)
    try:
        result = CliRunner(target, policy)("list", "--json")
    finally:
        _umount(target)
    if shm:
        assert result.code == 0, result
        assert len(json.loads(result.out)) == 13  # the record in the journal too
    else:
        assert result.code == EXIT_READ_ONLY, result
        assert "closed properly" in result.err, result.err
    assert "damaged" not in result.err


def test_a_vault_that_needs_a_migration_is_refused_clearly(
    tmp_path: Path, policy: KdfPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _can_bind_mount():
        pytest.skip("no read-only bind mount here (needs root and mount)")
    source = tmp_path / "stick"
    _fill(CliRunner(source, policy))
    target = tmp_path / "mounted"
    target.mkdir()
    assert _mount_ro(source, target)
    from advisor_desktop.storage import store

    newer = store.VAULT.__class__(
        **{**store.VAULT.__dict__, "migrations": [*store.VAULT.migrations, lambda conn: None]}
    )
    monkeypatch.setattr(store, "VAULT", newer)
    try:
        result = CliRunner(target, policy)("list")
    finally:
        _umount(target)
    assert result.code == EXIT_READ_ONLY, result
    assert "updated" in result.err, result.err
    assert "damaged" not in result.err


# -- permissions (a chmod'ed folder, an unprivileged child) ------------------------------


@pytest.fixture
def ro_folder() -> Iterator[Path]:
    """A data folder outside pytest's private temp tree (an unprivileged child must reach it)."""
    root = Path(tempfile.mkdtemp(prefix="advisor-ro-media-"))
    root.chmod(0o755)
    yield root / "data"
    for folder, dirs, _files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_a_write_protected_folder_opens_read_only(ro_folder: Path) -> None:
    how = _unprivileged()
    assert advisor(ro_folder, "init").returncode == 0
    assert advisor(ro_folder, "demo-data", "--count", "5").returncode == 0
    uid = how.get("user")
    if uid is not None:
        for path in [ro_folder.parent, *ro_folder.parent.rglob("*")]:
            os.chown(path, 65534, 65534)
    for path in ro_folder.rglob("*"):
        if path.is_file():
            path.chmod(0o400)
    for folder in (ro_folder / "logs", ro_folder / "config", ro_folder):
        if folder.exists():
            folder.chmod(0o500)
    before = _snapshot(ro_folder)
    kw = {k: v for k, v in how.items() if k != "preexec"}
    listed = advisor(ro_folder, "list", "--json", preexec=how.get("preexec"), **kw)  # type: ignore[arg-type]
    assert listed.returncode == 0, listed.stderr
    _one_read_only_line(listed.stderr)
    assert len(json.loads(listed.stdout)) == 5
    refused = advisor(
        ro_folder,
        "demo-data",
        "--count",
        "1",
        preexec=how.get("preexec"),  # type: ignore[arg-type]
        env={**ENV},
        **kw,
    )
    assert refused.returncode == EXIT_READ_ONLY, refused.stderr
    assert _snapshot(ro_folder) == before
