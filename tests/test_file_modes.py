"""Every file the application writes is owner-only (0600) and every folder it creates is
owner-only (0700), whatever the umask.

Each command runs under umask 0o022 (the usual default, which would leave files 0644 and
folders 0755) in a fresh HOME with its XDG folders, then the whole tree is walked: the data,
config and state (log) folders, a ``--data-dir`` vault and a restored one, the desk folder, the
intake server's folder, and every output (backups, packages, withdrawal and status files,
receipts, PDFs, the desk's exports). SQLite's ``-wal``/``-shm`` files are looked at while a
vault is open, when they exist.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import keygen
from advisor_desktop.guides.pack import build_pack
from advisor_desktop.guides.store import shipped_root
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.store import open_vault

from .conftest import PASSPHRASE, TEST_KDF, CliRunner
from .desk.conftest import DESK_PASS, DeskRunner

DESK = "Central desk"
NEW_PASSPHRASE = "a new passphrase for the vault"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def wrong_modes(*roots: Path) -> list[str]:
    """Every folder under ``roots`` that is not 0700 and every file that is not 0600 (the
    roots included, when they exist)."""
    found: list[str] = []
    for root in roots:
        if not root.exists():
            continue
        for path in [root, *root.rglob("*")]:
            if path.is_symlink():
                continue
            mode = stat.S_IMODE(path.stat().st_mode)
            expected = 0o700 if path.is_dir() else 0o600
            if mode != expected:
                found.append(f"{path} {mode:o}")
    return found


class Advisor(CliRunner):
    """``advisor`` in-process on the per-user (XDG) folders: no ``--data-dir``."""

    def __call__(self, *argv: str, env: dict[str, str] | None = None, stdin: str = ""):  # type: ignore[no-untyped-def]
        import io

        from advisor_desktop.cli.advisor.main import main
        from advisor_desktop.cli.common import Console

        from .conftest import CliResult

        out, err = io.StringIO(), io.StringIO()
        console = Console(
            stdin=io.StringIO(stdin), stdout=out, stderr=err, env={**self.env, **(env or {})}
        )
        code = main(list(argv), console=console, policy=self.policy)
        return CliResult(code, out.getvalue(), err.getvalue())


def ok(result: object) -> None:
    code = getattr(result, "code", None)
    assert code == 0, result


@pytest.mark.usefixtures("umask_022")
def test_every_command_writes_owner_only_files(
    isolated_dirs: Path, tmp_path: Path, policy: KdfPolicy
) -> None:
    home = isolated_dirs
    inputs = tmp_path / "inputs"  # the test's own files: not walked
    inputs.mkdir()
    out = tmp_path / "out"  # outputs: files in it, and folders the commands create
    out.mkdir(mode=0o700)
    advisor = Advisor(tmp_path / "unused", policy)

    # The desk: its identity (made here, to sign a guide pack with), then its store.
    desk_dir = tmp_path / "desk"
    identity = keygen(desk_dir, DESK, DESK_PASS.encode(), TEST_KDF)
    desk = DeskRunner(desk_dir, policy)
    ok(desk("init"))

    # The vault in the per-user folders: init, records, the desk's profile, preferences.
    ok(advisor("init"))
    ok(advisor("demo-data", "--count", "5"))
    ok(advisor("profile", "import", str(desk_dir / "desk-public.json")))
    paths = resolve_paths()
    from advisor_desktop.app.preferences import write_language

    write_language(paths.config, "nl")
    with open_vault(paths, bytearray(PASSPHRASE.encode()), policy) as vault:
        # While it is open: the -wal and -shm files SQLite makes beside it.
        assert (paths.data / "vault.db-wal").exists()
        assert (paths.data / "vault.db-shm").exists()
        assert wrong_modes(paths.data) == []
        with vault.read() as conn:
            record = str(conn.execute("SELECT min(id) FROM records").fetchone()[0])

    # Guide packs: installed, then updated.
    pack = inputs / "guides-3.pack"
    pack.write_bytes(build_pack(shipped_root(), 3, identity.signing_key))
    ok(advisor("guides", "import", str(pack)))
    pack.write_bytes(build_pack(shipped_root(), 4, identity.signing_key))
    ok(advisor("guides", "import", str(pack)))
    ok(advisor("guides", "pdf", "--lang", "en", "--out", str(out / "guide.pdf")))

    # A referral to the desk: enrolment, export, receipt, status, withdrawal.
    keys = json.loads(advisor("device-key", "--json").out)
    ok(desk("enrol", keys["public_key"], keys["age_recipient"], "--name", "Kyiv", "--yes"))
    made = advisor("referral", "new", record, "--desk", DESK, "--scopes", "category,summary")
    ok(made)
    ref = made.out.strip()
    ok(advisor("referral", "confirm", ref))
    packages = out / "packages"
    packages.mkdir(parents=True, mode=0o700)
    packages.chmod(0o700)
    ok(advisor("referral", "export", ref, "--out", str(packages)))
    (package,) = packages.iterdir()
    (out / "receipts").mkdir(mode=0o700)
    ok(desk("import", str(package), "--receipts", str(out / "receipts")))
    assert list((out / "receipts").iterdir())
    ok(desk("status", ref[:8], "--set", "in-assessment"))
    ok(desk("status-export", ref[:8], "--out", str(out / "status.status")))
    ok(advisor("status", "import", str(out / "status.status")))
    ok(advisor("referral", "withdraw", ref, "--out", str(out / "withdrawal.withdrawal")))
    ok(desk("import", str(out / "withdrawal.withdrawal")))

    # The desk's own outputs: the intake server's folder, the device list, the age identity,
    # a desk backup.
    ok(desk("server-setup", "--server-dir", str(out / "server")))
    from advisor_desktop.desk.server.store import SqliteIntakeStore

    intake = SqliteIntakeStore(out / "server")  # what `serve` opens there
    try:
        assert wrong_modes(out / "server") == []  # intake.db and its -wal/-shm, while open
    finally:
        intake.close()
    ok(desk("export-enrolment", "--out", str(out / "enrolment.json")))
    ok(desk("export-age-identity", "--out", str(out / "age-identity.txt")))
    ok(desk("backup", "--out", str(out / "desk-backup" / "desk.zip")))
    restored_desk = tmp_path / "restored-desk" / "desk"
    ok(DeskRunner(restored_desk, policy)("restore", str(out / "desk-backup" / "desk.zip")))

    # Backup, restore elsewhere (--data-dir) and over the vault (--replace), the passphrase.
    ok(advisor("backup", "--out", str(out / "backups" / "vault.zip")))
    restored = tmp_path / "restored"
    ok(advisor("restore", str(out / "backups" / "vault.zip"), "--data-dir", str(restored)))
    ok(advisor("restore", str(out / "backups" / "vault.zip"), "--replace"))
    ok(advisor("passwd", env={"ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE}))
    advisor.env["ADVISOR_PASSPHRASE"] = NEW_PASSPHRASE
    ok(advisor("list"))

    roots = [home / "data", home / "config", home / "state", restored, desk_dir, out]
    roots.append(restored_desk.parent)
    wrong = wrong_modes(*roots)
    assert wrong == [], "\n".join(wrong)
    # And the log really is among them (the state folder).
    assert list((home / "state").rglob("*.log")), list(home.rglob("*"))


@pytest.mark.usefixtures("umask_022")
def test_a_data_dir_and_its_parents_are_owner_only(tmp_path: Path, policy: KdfPolicy) -> None:
    """``--data-dir`` on a folder that does not exist yet (a new one on a USB stick): it, the
    missing parents, the logs and config folders inside: 0700; the files 0600."""
    stick = tmp_path / "stick"
    stick.mkdir(mode=0o700)
    cli = CliRunner(stick / "advisor" / "vault", policy)
    ok(cli("init"))
    ok(cli("demo-data", "--count", "2"))
    ok(cli("backup", "--out", str(stick / "backups" / "one" / "b.zip")))
    restored = CliRunner(stick / "copies" / "restored" / "vault", policy)
    ok(restored("restore", str(stick / "backups" / "one" / "b.zip")))
    ok(restored("list"))
    assert wrong_modes(stick) == []


@pytest.mark.usefixtures("umask_022")
def test_wider_modes_from_an_older_version_are_tightened(tmp_path: Path, policy: KdfPolicy) -> None:
    """A data folder left 0755, a lock file and a log 0644 (as an older version wrote them
    under this umask): the next run makes them owner-only."""
    data = tmp_path / "data"
    cli = CliRunner(data, policy)
    ok(cli("init"))
    data.chmod(0o755)
    for name in ("vault.lock", "logs/advisor-desktop.log"):
        (data / name).chmod(0o644)
    (data / "logs" / "advisor-desktop.log.1").write_text("old\n")
    (data / "logs" / "advisor-desktop.log.1").chmod(0o644)
    ok(cli("list"))
    assert wrong_modes(data) == []


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o000, 0o277], ids=oct)
def test_the_helpers_ignore_the_umask(tmp_path: Path, umask: int) -> None:
    """A umask that widens nothing (022), one that would leave group write (002) or world
    write (000), and one that would take the owner's own write bit (277): the same modes."""
    from advisor_desktop.platform.fsutil import (
        atomic_write,
        create_private,
        make_private,
        open_private,
        private_dir,
    )

    old = os.umask(umask)
    try:
        folder = private_dir(tmp_path / "a" / "b" / "c")
        os.close(open_private(folder / "opened"))
        with create_private(folder / "created") as handle:
            handle.write(b"x")
        atomic_write(folder / "atomic", b"x", what="the file")
        (folder / "copied").write_bytes(b"x")
        make_private(folder / "copied")
    finally:
        os.umask(old)
    assert wrong_modes(tmp_path / "a") == []
    assert sorted(p.name for p in folder.iterdir()) == ["atomic", "copied", "created", "opened"]
