"""A read-only data folder and a full disk: a clear one-line error, and the vault unchanged.

Tests run as root in CI, where permission bits do not stop writes. The read-only case therefore
runs the command in a child process without the capabilities that let root ignore them
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER are dropped from its bounding set before
exec), or as an unprivileged user where the interpreter allows that. The full-disk case runs
the command in a child with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored): writes past it
fail exactly like writes to a full disk.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.errors import EXIT_READ_ONLY, StorageError
from advisor_desktop.platform.fsutil import atomic_write, storage_error

from .conftest import PASSPHRASE

RUN_CLI = Path(__file__).parent / "helpers" / "run_cli.py"
PR_CAPBSET_DROP = 24
DAC_CAPS = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
ENV = {**os.environ, "ADVISOR_PASSPHRASE": PASSPHRASE}


def _drop_dac_caps() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in DAC_CAPS:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def advisor(
    data: Path, *args: str, preexec: Callable[[], None] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    """Run ``advisor --data-dir DATA ARGS`` in a child process."""
    env = kw.pop("env", ENV)
    return subprocess.run(
        [sys.executable, str(RUN_CLI), "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,  # type: ignore[arg-type]
        preexec_fn=preexec,
        timeout=120,
        check=False,
        **kw,  # type: ignore[arg-type]
    )


def _unprivileged() -> dict[str, object]:
    """How to run a child that permission bits apply to; skips when there is no way."""
    if os.name != "posix":
        pytest.skip("POSIX permission test")
    if os.geteuid() != 0:
        return {}
    probe_dir = Path(tempfile.mkdtemp(prefix="advisor-ro-probe-"))
    try:
        probe_dir.chmod(0o500)
        code = f"open({str(probe_dir / 'x')!r}, 'w')"
        for how in (
            {"preexec": _drop_dac_caps},
            {"user": 65534, "group": 65534, "extra_groups": []},
        ):
            try:
                result = subprocess.run(
                    [sys.executable, "-c", f"import advisor_desktop\n{code}"],
                    capture_output=True,
                    text=True,
                    preexec_fn=how.get("preexec"),  # type: ignore[arg-type]
                    user=how.get("user"),  # type: ignore[arg-type]
                    group=how.get("group"),  # type: ignore[arg-type]
                    extra_groups=how.get("extra_groups"),  # type: ignore[arg-type]
                    check=False,
                )
            except (OSError, subprocess.SubprocessError):
                continue
            if "PermissionError" in result.stderr:
                return how
    finally:
        probe_dir.chmod(0o700)
        shutil.rmtree(probe_dir)
    pytest.skip("running as root and no way to start a child that respects permission bits")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder outside pytest's private temp tree (an unprivileged child must reach it)."""
    root = Path(tempfile.mkdtemp(prefix="advisor-storage-test-"))
    root.chmod(0o755)
    yield root / "data"
    for folder, dirs, _files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o700)
    shutil.rmtree(root, ignore_errors=True)


def _make_vault(data: Path, records: int = 30) -> None:
    assert advisor(data, "init").returncode == 0
    result = advisor(data, "demo-data", "--count", str(records))
    assert result.returncode == 0, result.stderr


def _state(data: Path) -> tuple[bytes, list[object]]:
    """The key file and the record list, read through a normal (privileged) command."""
    listed = advisor(data, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return (data / "vault.keys").read_bytes(), json.loads(listed.stdout)


def _integrity_ok(data: Path, policy: KdfPolicy) -> None:
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.storage.store import open_vault

    secret = bytearray(PASSPHRASE.encode())
    with open_vault(resolve_paths(data), secret, policy) as vault, vault.read() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []


def _assert_one_line(result: subprocess.CompletedProcess[str]) -> str:
    err = result.stderr.strip()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(err.splitlines()) == 1, result.stderr
    assert err.startswith("advisor: ")
    return err


CSV_ROW = "2026-01-01,phone,hq,fraud,,,,,en,{text}"


def _csv(path: Path, rows: int) -> Path:
    header = "date,channel,role,categories,options,agreed,follow_up,status,language,notes"
    body = "\n".join(CSV_ROW.format(text=f"row {i} " + "note text " * 80) for i in range(rows))
    path.write_text(header + "\n" + body + "\n", encoding="utf-8")
    return path


# -- read-only data folder ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("files_writable", [False, True], ids=["all-read-only", "folder-read-only"])
def test_read_only_data_folder(data_dir: Path, policy: KdfPolicy, files_writable: bool) -> None:
    how = _unprivileged()
    _make_vault(data_dir)
    extra = data_dir.parent / "in.csv"
    _csv(extra, 3)
    backup_dir = data_dir.parent / "backups"
    backup_dir.mkdir()
    before = _state(data_dir)
    uid = how.get("user")
    for folder, dirs, files in os.walk(data_dir.parent):
        for name in [*dirs, *files]:
            if uid is not None:
                os.chown(os.path.join(folder, name), 65534, 65534)
    if uid is not None:
        os.chown(data_dir.parent, 65534, 65534)
    for path in data_dir.rglob("*"):
        if path.is_file():
            path.chmod(0o600 if files_writable else 0o400)
    for folder in (data_dir / "logs", data_dir / "config", data_dir):
        if folder.exists():
            folder.chmod(0o500)
    kw: dict[str, object] = {k: v for k, v in how.items() if k != "preexec"}
    preexec = how.get("preexec")
    # Write-protected media opens read-only (test_read_only_media.py): reading works, with one
    # "read-only:" line; every change is refused with exit 10 and a second line saying so.
    for args in (("list",), ("purge", "--dry-run")):
        result = advisor(data_dir, *args, preexec=preexec, **kw)  # type: ignore[arg-type]
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr.startswith("read-only: "), (args, result.stderr)
    for args in (
        ("import", str(extra)),
        ("demo-data", "--count", "3"),
        ("passwd",),
        ("close", "1"),
    ):
        result = advisor(
            data_dir,
            *args,
            preexec=preexec,  # type: ignore[arg-type]
            **kw,
            env={**ENV, "ADVISOR_NEW_PASSPHRASE": "another good passphrase"},
        )
        assert result.returncode == EXIT_READ_ONLY, (args, result.stderr)
        notice, err = result.stderr.strip().splitlines()
        assert notice.startswith("read-only: "), (args, result.stderr)
        assert err.startswith("advisor: "), (args, err)
        assert "read-only" in err, (args, err)
        assert "damaged" not in err, (args, err)
    # A backup only reads the vault: written to a folder that can be written, it works.
    out = backup_dir / "b.zip"
    result = advisor(data_dir, "backup", "--out", str(out), preexec=preexec, **kw)  # type: ignore[arg-type]
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    assert _state(data_dir) == before
    _integrity_ok(data_dir, policy)


# -- full disk ---------------------------------------------------------------------------


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_during_big_import(data_dir: Path, policy: KdfPolicy, tmp_path: Path) -> None:
    _make_vault(data_dir)
    big = _csv(tmp_path / "big.csv", 2000)  # ~1.6 MB of notes
    before = _state(data_dir)
    result = advisor(data_dir, "import", str(big), preexec=_file_size_limit(300 * 1024 + 123))
    err = _assert_one_line(result)
    assert result.returncode == 1
    # SQLite reports ENOSPC as "full" but other write errors (EFBIG here) as a disk I/O error,
    # without the errno: both read as a disk problem and "not saved".
    assert "disk" in err, err
    assert "not saved" in err, err
    assert _state(data_dir) == before
    _integrity_ok(data_dir, policy)
    # And once there is room again, the same import works.
    assert advisor(data_dir, "import", str(big)).returncode == 0


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("stage", ["snapshot", "archive"])
def test_disk_full_during_backup(data_dir: Path, policy: KdfPolicy, stage: str) -> None:
    _make_vault(data_dir, records=200)
    out_dir = data_dir.parent / "backups"
    db_size = (data_dir / "vault.db").stat().st_size
    # The snapshot is about the database's size; the archive adds the key file and manifest.
    limit = db_size // 3 + 77 if stage == "snapshot" else db_size + 300
    before = _state(data_dir)
    result = advisor(
        data_dir, "backup", "--out", str(out_dir / "b.zip"), preexec=_file_size_limit(limit)
    )
    err = _assert_one_line(result)
    assert "disk is full" in err or "disk reported an error" in err, err
    assert list(out_dir.iterdir()) == []  # no partial backup, no work folder left
    assert _state(data_dir) == before
    _integrity_ok(data_dir, policy)


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_during_passphrase_change(data_dir: Path, policy: KdfPolicy) -> None:
    _make_vault(data_dir, records=3)
    before = _state(data_dir)
    result = advisor(
        data_dir,
        "passwd",
        env={**ENV, "ADVISOR_NEW_PASSPHRASE": "another good passphrase"},
        preexec=_file_size_limit(200),  # the key file is ~800 bytes
    )
    err = _assert_one_line(result)
    # Opening already needs room for the WAL index, so this may fail before the key file.
    assert "disk is full" in err, err
    assert "damaged" not in err, err
    assert not list(data_dir.glob(".vault.keys.*"))
    assert _state(data_dir) == before  # the old passphrase still opens it
    _integrity_ok(data_dir, policy)


# -- unit level --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("errno_", "fragment"),
    [
        (28, "disk is full"),  # ENOSPC
        (27, "disk is full"),  # EFBIG
        (30, "read-only"),  # EROFS
        (13, "read-only"),  # EACCES
        (5, "could not be saved"),  # EIO
    ],
)
def test_storage_error_messages(errno_: int, fragment: str) -> None:
    error = storage_error(OSError(errno_, os.strerror(errno_)), "the thing")
    assert isinstance(error, StorageError)
    assert fragment in str(error)
    assert "the thing" in str(error)
    assert "\n" not in str(error)


def test_atomic_write_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        atomic_write(tmp_path / "nope" / "file", b"x", what="the file")


def test_atomic_write_mode(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"data", what="the file")
    assert target.read_bytes() == b"data"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


_CHANGE_WHEN_FULL = """
import resource, signal, sys
from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
from advisor_desktop.platform.errors import EXIT_READ_ONLY, StorageError
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.store import open_vault

policy = KdfPolicy.fixed(KdfParams(1, 8192, 1))
vault = open_vault(resolve_paths(sys.argv[1]), bytearray(sys.argv[2].encode()), policy)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))  # the key file is ~800 bytes
try:
    vault.change_passphrase(bytearray(b"another good passphrase"))
except StorageError as exc:
    print(exc)
vault.close()
"""


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_while_writing_the_key_file(data_dir: Path, policy: KdfPolicy) -> None:
    """The vault is open; only the new key file finds no room: the old passphrase stays."""
    _make_vault(data_dir, records=3)
    before = _state(data_dir)
    result = subprocess.run(
        [sys.executable, "-c", _CHANGE_WHEN_FULL, str(data_dir), PASSPHRASE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "disk is full" in result.stdout
    assert "new passphrase" in result.stdout
    assert not list(data_dir.glob(".vault.keys.*"))
    assert _state(data_dir) == before
    _integrity_ok(data_dir, policy)
