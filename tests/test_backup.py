"""Backup and restore: round trips (CLI and API), recovery, --replace, and bad backup files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.errors import (
    BackupError,
    VaultExists,
    WrongPassphrase,
    WrongRecoveryCode,
)
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.backup import make_backup, restore_backup
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import Vault, open_vault

from .conftest import PASSPHRASE, CliRunner
from .helpers.records import make_record

NEW_PASSPHRASE = "a new passphrase after recovery"


def pw(text: str = PASSPHRASE) -> bytearray:
    return bytearray(text.encode())


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → content), logs and the lock file excluded."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.relative_to(folder).parts and p.name != "vault.lock"
    }


# -- API ---------------------------------------------------------------------------------


def test_api_round_trip_with_passphrase_and_recovery(
    vault_and_code: tuple[Vault, str], tmp_path: Path, policy: KdfPolicy, profile: OrgProfile
) -> None:
    vault, code = vault_and_code
    notebook = Notebook(vault, profile)
    ids = notebook.add_many(
        [make_record(notes=f"pangolin {i}", identifiers=(f"P{i}",)) for i in range(25)]
    )
    notebook.save_draft("new", {"notes": "draft in backup"})
    out = make_backup(vault, tmp_path / "out" / "backup.advisor")
    assert out.is_file()
    assert (out.stat().st_mode & 0o777) == 0o600
    assert not list(out.parent.glob(".advisor-backup-*"))  # work folder cleaned up
    notebook.add(make_record(notes="after the backup"))

    for how in ("passphrase", "recovery"):
        target = AppPaths(data=tmp_path / how, config=tmp_path / how / "c", logs=tmp_path / "l")
        if how == "passphrase":
            assert restore_backup(out, target, passphrase=pw()) is None
        else:
            assert restore_backup(out, target, recovery_code=code.lower()) is None
        assert not list(target.data.glob(".advisor-restore-*"))
        with open_vault(target, pw(), policy) as restored:
            nb = Notebook(restored, load_vault_profile(restored))
            assert nb.count() == 25
            assert [h.summary.id for h in nb.search("pangolin", limit=100)] != []
            assert {h.summary.id for h in nb.search("pangolin", limit=100)} == set(ids)
            assert nb.search("after the backup") == []
            assert nb.get(ids[3]).identifiers == ("P3",)
            assert nb.load_draft("new") == {"notes": "draft in backup"}
            assert restored.vault_id == vault.vault_id
            with restored.read() as conn:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []


def test_api_wrong_secrets(
    vault_and_code: tuple[Vault, str], tmp_path: Path, paths: AppPaths
) -> None:
    vault, _code = vault_and_code
    out = make_backup(vault, tmp_path / "b.zip")
    target = AppPaths(data=tmp_path / "t", config=tmp_path / "t" / "c", logs=tmp_path / "t" / "l")
    with pytest.raises(WrongPassphrase):
        restore_backup(out, target, passphrase=pw("not the right one"))
    from advisor_desktop.crypto.recovery import generate_recovery_code

    with pytest.raises(WrongRecoveryCode):
        restore_backup(out, target, recovery_code=generate_recovery_code())
    assert not (target.data / "vault.db").exists()
    assert not (target.data / "vault.keys").exists()
    assert [p.name for p in target.data.iterdir() if p.name.startswith(".")] == []


def test_api_refuses_existing_vault(vault: Vault, tmp_path: Path, paths: AppPaths) -> None:
    out = make_backup(vault, tmp_path / "b.zip")
    with pytest.raises(VaultExists, match="--replace"):
        restore_backup(out, paths, passphrase=pw())


# -- CLI ---------------------------------------------------------------------------------


@pytest.fixture
def filled(cli: CliRunner) -> tuple[CliRunner, str]:
    """An initialised CLI data folder with demo records; returns it and the recovery code."""
    r = cli("init")
    assert r.code == 0, r.err
    code = next(line.strip() for line in r.out.splitlines() if line.count("-") == 7)
    assert cli("demo-data", "--count", "40", "--seed", "9").code == 0
    return cli, code


def _listing(cli: CliRunner, **env: str) -> list[dict[str, object]]:
    r = cli("list", "--json", env=env or None)
    assert r.code == 0, r.err
    return json.loads(r.out)  # type: ignore[no-any-return]


def test_cli_round_trip_with_passphrase(
    filled: tuple[CliRunner, str], tmp_path: Path, policy: KdfPolicy
) -> None:
    cli, _code = filled
    before = _listing(cli)
    backup = tmp_path / "backup.advisor"
    r = cli("backup", "--out", str(backup))
    assert r.code == 0, r.err
    assert str(backup) in r.out
    other = CliRunner(tmp_path / "elsewhere", policy)
    r = other("restore", str(backup))
    assert r.code == 0, r.err
    assert _listing(other) == before
    hits = json.loads(other("search", "насмешк", "--json").out)
    assert hits == json.loads(cli("search", "насмешк", "--json").out)  # the same notes
    assert len(hits) >= 1


def test_cli_restore_refuses_without_replace_then_replace_keeps_old(
    filled: tuple[CliRunner, str], tmp_path: Path
) -> None:
    cli, _code = filled
    backup = tmp_path / "backup.advisor"
    assert cli("backup", "--out", str(backup)).code == 0
    assert cli("demo-data", "--count", "5", "--seed", "1").code == 0
    data = cli.data_dir
    old_files = {n: (data / n).read_bytes() for n in ("vault.db", "vault.keys")}

    r = cli("restore", str(backup))
    assert r.code == 1
    assert "--replace" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert len(_listing(cli)) == 45  # unchanged

    old_files = {n: (data / n).read_bytes() for n in ("vault.db", "vault.keys")}
    r = cli("restore", "--replace", str(backup))
    assert r.code == 0, r.err
    assert len(_listing(cli)) == 40
    (kept,) = data.glob("vault-replaced-*")
    assert str(kept) in r.out
    assert (kept / "vault.keys").read_bytes() == old_files["vault.keys"]
    # The kept vault still opens and still has its 45 records.
    kept_cli = CliRunner(kept, cli.policy)
    assert len(_listing(kept_cli)) == 45


def test_cli_restore_with_recovery_code_sets_new_passphrase(
    filled: tuple[CliRunner, str], tmp_path: Path, policy: KdfPolicy
) -> None:
    cli, code = filled
    backup = tmp_path / "b.advisor"
    assert cli("backup", "--out", str(backup)).code == 0
    before = _listing(cli)
    other = CliRunner(tmp_path / "lost-laptop", policy)
    lost = {"ADVISOR_PASSPHRASE": "", "ADVISOR_RECOVERY_CODE": code}

    # Without a new passphrase: usage error and nothing restored.
    r = other("restore", "--recovery", str(backup), env=lost)
    assert r.code == 2
    assert not (other.data_dir / "vault.db").exists()
    # A too short new passphrase: refused before anything is restored.
    r = other("restore", "--recovery", str(backup), env={**lost, "ADVISOR_NEW_PASSPHRASE": "short"})
    assert r.code == 1
    assert "at least 8 characters" in r.err
    assert not (other.data_dir / "vault.db").exists()
    # A wrong recovery code.
    from advisor_desktop.crypto.recovery import generate_recovery_code

    r = other(
        "restore",
        "--recovery",
        str(backup),
        env={
            **lost,
            "ADVISOR_RECOVERY_CODE": generate_recovery_code(),
            "ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE,
        },
    )
    assert r.code == 3
    assert not (other.data_dir / "vault.db").exists()

    r = other(
        "restore", "--recovery", str(backup), env={**lost, "ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE}
    )
    assert r.code == 0, r.err
    assert _listing(other, ADVISOR_PASSPHRASE=NEW_PASSPHRASE) == before
    assert other("list").code == 3  # the old passphrase no longer opens it


def test_cli_restore_with_recovery_code_and_new_passphrase_file(
    filled: tuple[CliRunner, str], tmp_path: Path, policy: KdfPolicy
) -> None:
    cli, code = filled
    backup = tmp_path / "b.advisor"
    assert cli("backup", "--out", str(backup)).code == 0
    code_file = tmp_path / "code.txt"
    code_file.write_text(code.lower().replace("-", " ") + "\n")
    new_file = tmp_path / "new.txt"
    new_file.write_text(NEW_PASSPHRASE + "\n")
    other = CliRunner(tmp_path / "other", policy)
    r = other(
        "restore",
        str(backup),
        "--recovery",
        "--recovery-code-file",
        str(code_file),
        "--new-passphrase-file",
        str(new_file),
        env={"ADVISOR_PASSPHRASE": ""},
    )
    assert r.code == 0, r.err
    assert len(_listing(other, ADVISOR_PASSPHRASE=NEW_PASSPHRASE)) == 40


def test_cli_restore_wrong_passphrase(filled: tuple[CliRunner, str], tmp_path: Path) -> None:
    cli, _code = filled
    backup = tmp_path / "b.advisor"
    assert cli("backup", "--out", str(backup)).code == 0
    before = snapshot(cli.data_dir)
    r = cli("restore", "--replace", str(backup), env={"ADVISOR_PASSPHRASE": "wrong passphrase"})
    assert r.code == 3
    assert "Traceback" not in r.err
    assert snapshot(cli.data_dir) == before


def test_cli_backup_out_is_folder(filled: tuple[CliRunner, str], tmp_path: Path) -> None:
    cli, _code = filled
    assert cli("backup", "--out", str(tmp_path)).code == 2


def test_cli_backup_overwrites_atomically(filled: tuple[CliRunner, str], tmp_path: Path) -> None:
    cli, _code = filled
    backup = tmp_path / "b.advisor"
    backup.write_bytes(b"old content")
    assert cli("backup", "--out", str(backup)).code == 0
    assert zipfile.is_zipfile(backup)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".advisor")) == []


# -- bad backup files --------------------------------------------------------------------


def _zip(members: dict[str, bytes], **kw: object) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", **kw) as archive:  # type: ignore[arg-type]
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _members(backup: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(backup)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _huge_declared_size(good: bytes) -> bytes:
    """The backup with its vault.db member claiming 1 TiB uncompressed in the central
    directory (a zip bomb's header; the data itself is small)."""
    members = _members(good)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for info in archive.filelist:
            if info.filename == "vault.db":
                info.file_size = 1 << 40  # written into the zip64 central-directory entry
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as check:
        assert check.getinfo("vault.db").file_size == 1 << 40
    return buf.getvalue()


BAD_BACKUPS = [
    "empty",
    "text",
    "random",
    "truncated_half",
    "truncated_tail",
    "flipped_db_bytes",
    "foreign_zip",
    "extra_member",
    "wrong_manifest_format",
    "manifest_not_json",
    "manifest_newer",
    "keys_garbage",
    "db_garbage",
    "db_truncated",
    "db_plain_sqlite",
    "compressed_bomb",
    "huge_declared_size",
]


def _bad_backup(kind: str, good: bytes) -> bytes:
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    if kind == "empty":
        return b""
    if kind == "text":
        return b"date,notes\n2026-01-01,hello\n"
    if kind == "random":
        return bytes(range(256)) * 40
    if kind == "truncated_half":
        return good[: len(good) // 2]
    if kind == "truncated_tail":
        return good[:-30]
    if kind == "flipped_db_bytes":
        raw = bytearray(good)
        start = good.find(members["vault.db"][:64])
        for i in range(start + 5000, start + 6000):
            raw[i] ^= 0x5A
        return bytes(raw)
    if kind == "foreign_zip":
        return _zip({"document.xml": b"<x/>", "mimetype": b"application/foo"})
    if kind == "extra_member":
        return _zip({**members, "../../evil.sh": b"rm -rf /"})
    if kind == "wrong_manifest_format":
        return _zip({**members, "manifest.json": json.dumps({**manifest, "format": "x"}).encode()})
    if kind == "manifest_not_json":
        return _zip({**members, "manifest.json": b"\xff\xfe not json"})
    if kind == "manifest_newer":
        return _zip({**members, "manifest.json": json.dumps({**manifest, "version": 99}).encode()})
    if kind == "keys_garbage":
        return _zip({**members, "vault.keys": b'{"format": 1}'})
    if kind == "db_garbage":
        return _zip({**members, "vault.db": bytes(range(256)) * 64})
    if kind == "db_truncated":
        return _zip({**members, "vault.db": members["vault.db"][:5000]})
    if kind == "db_plain_sqlite":
        return _zip({**members, "vault.db": b"SQLite format 3\x00" + bytes(4080)})
    if kind == "compressed_bomb":
        bomb = bytes(64 * 1024 * 1024)  # 64 MiB of zeros, ~64 KiB compressed
        return _zip({**members, "vault.db": bomb}, compression=zipfile.ZIP_DEFLATED)
    if kind == "huge_declared_size":
        return _huge_declared_size(good)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", BAD_BACKUPS)
@pytest.mark.parametrize("existing", [False, True], ids=["empty-dir", "over-vault"])
def test_bad_backup_files(
    filled: tuple[CliRunner, str], tmp_path: Path, kind: str, existing: bool
) -> None:
    cli, _code = filled
    good_path = tmp_path / "good.advisor"
    assert cli("backup", "--out", str(good_path)).code == 0
    bad = tmp_path / "bad.advisor"
    bad.write_bytes(_bad_backup(kind, good_path.read_bytes()))
    target = cli if existing else CliRunner(tmp_path / "fresh", cli.policy)
    if not existing:
        target.data_dir.mkdir()
    before = snapshot(target.data_dir)
    r = target("restore", "--replace", str(bad))
    assert r.code == 4, (r.code, r.err)
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert "Traceback" not in r.err
    assert snapshot(target.data_dir) == before
    assert not [
        p for p in target.data_dir.iterdir() if p.name.startswith((".advisor", "vault-", ".vault"))
    ]
    assert not (tmp_path / "evil.sh").exists()
    if existing:
        assert len(_listing(cli)) == 40


def test_bad_backup_api_errors(vault: Vault, tmp_path: Path) -> None:
    good = make_backup(vault, tmp_path / "good.zip").read_bytes()
    target = AppPaths(data=tmp_path / "t", config=tmp_path / "t" / "c", logs=tmp_path / "t" / "l")
    for kind in ("foreign_zip", "truncated_half", "huge_declared_size", "manifest_newer"):
        bad = tmp_path / f"{kind}.zip"
        bad.write_bytes(_bad_backup(kind, good))
        with pytest.raises(BackupError):
            restore_backup(bad, target, passphrase=pw())
    with pytest.raises(BackupError, match="not found"):
        restore_backup(tmp_path / "missing.zip", target, passphrase=pw())


def test_backup_of_missing_vault_is_exit_4(cli: CliRunner, tmp_path: Path) -> None:
    r = cli("backup", "--out", str(tmp_path / "b.zip"))
    assert r.code == 4
    assert not (tmp_path / "b.zip").exists()
    assert resolve_paths(cli.data_dir).vault_db.exists() is False


# -- the manifest is authenticated ---------------------------------------------------------


def _with_manifest(good: bytes, change: dict[str, object] | None, drop: str | None = None) -> bytes:
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    manifest.update(change or {})
    if drop is not None:
        manifest.pop(drop)
    return _zip({**members, "manifest.json": json.dumps(manifest).encode()})


ALTERED_MANIFESTS = {
    "vault_id": lambda m: {"vault_id": "00000000-0000-4000-8000-000000000000"},
    "vault_id_of_key_file_kept_mac_recomputed_wrongly": lambda m: {"mac": "0" * 64},
    "created": lambda m: {"created": "2020-01-01T00:00:00+00:00"},
    "member_hash": lambda m: {"members": {**m["members"], "vault.keys": "0" * 64}},
    "extra_field": lambda m: {"restore_into": "/etc"},
}


@pytest.mark.parametrize("field", [*ALTERED_MANIFESTS, "mac_stripped", "members_stripped"])
def test_altered_manifest_refused(
    filled: tuple[CliRunner, str], tmp_path: Path, field: str
) -> None:
    cli, _code = filled
    good_path = tmp_path / "good.advisor"
    assert cli("backup", "--out", str(good_path)).code == 0
    good = good_path.read_bytes()
    manifest = json.loads(_members(good)["manifest.json"])
    if field == "mac_stripped":
        bad_bytes = _with_manifest(good, None, drop="mac")
    elif field == "members_stripped":
        bad_bytes = _with_manifest(good, None, drop="members")
    else:
        bad_bytes = _with_manifest(good, ALTERED_MANIFESTS[field](manifest))
    bad = tmp_path / "bad.advisor"
    bad.write_bytes(bad_bytes)
    fresh = CliRunner(tmp_path / "fresh", cli.policy)
    r = fresh("restore", str(bad))
    assert r.code == 4, (r.code, r.err)
    assert "altered" in r.err
    assert not (fresh.data_dir / "vault.db").exists()
    assert not (fresh.data_dir / "vault.keys").exists()
    # The untouched backup restores.
    assert fresh("restore", str(good_path)).code == 0


def test_altered_member_refused(vault: Vault, tmp_path: Path) -> None:
    """A member changed after the manifest was written (even one SQLCipher would not notice
    until read, such as a page appended to the database) is refused by its hash."""
    good = make_backup(vault, tmp_path / "good.zip").read_bytes()
    members = _members(good)
    members["vault.db"] = members["vault.db"] + bytes(4096)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip(members))
    target = AppPaths(data=tmp_path / "t", config=tmp_path / "t" / "c", logs=tmp_path / "t" / "l")
    with pytest.raises(BackupError, match="altered"):
        restore_backup(bad, target, passphrase=pw())


def test_manifest_mac_is_keyed_by_the_vault(
    vault: Vault, tmp_path: Path, paths: AppPaths, policy: KdfPolicy
) -> None:
    """A manifest recomputed by someone without the vault key (hashes right, MAC under another
    key) is refused."""
    import hashlib
    import hmac

    good = make_backup(vault, tmp_path / "good.zip").read_bytes()
    members = _members(good)
    manifest = json.loads(members["manifest.json"])
    manifest["created"] = "2020-01-01T00:00:00+00:00"
    body = json.dumps(
        {k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True, separators=(",", ":")
    )
    manifest["mac"] = hmac.new(b"\x00" * 32, body.encode(), hashlib.sha256).hexdigest()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip({**members, "manifest.json": json.dumps(manifest).encode()}))
    target = AppPaths(data=tmp_path / "t", config=tmp_path / "t" / "c", logs=tmp_path / "t" / "l")
    with pytest.raises(BackupError, match="altered"):
        restore_backup(bad, target, passphrase=pw())
    assert not target.vault_db.exists()


def test_legacy_unauthenticated_manifest_still_restores(
    vault_and_code: tuple[Vault, str], tmp_path: Path, policy: KdfPolicy
) -> None:
    """A backup from before manifests were authenticated (no members, no MAC; a version-1 key
    file) restores when its id agrees with its key file and database."""
    from advisor_desktop.crypto.keyslots import SlotFile, wrap_key

    vault, code = vault_and_code
    key = bytearray.fromhex(vault.raw_key_hex())
    params = policy.params()
    legacy_keys = SlotFile(
        vault.vault_id,
        (
            wrap_key(key, pw(), "passphrase", vault.vault_id, params),
            wrap_key(key, code.encode("ascii"), "recovery", vault.vault_id, params),
        ),
    ).to_bytes()
    members = _members(make_backup(vault, tmp_path / "good.zip").read_bytes())
    manifest = json.loads(members["manifest.json"])
    old_manifest = {k: manifest[k] for k in ("format", "version", "vault_id", "created")}
    legacy = tmp_path / "legacy.zip"
    legacy.write_bytes(
        _zip(
            {
                "manifest.json": json.dumps(old_manifest).encode(),
                "vault.keys": legacy_keys,
                "vault.db": members["vault.db"],
            }
        )
    )
    target = AppPaths(data=tmp_path / "t", config=tmp_path / "t" / "c", logs=tmp_path / "t" / "l")
    restore_backup(legacy, target, passphrase=pw())
    open_vault(target, pw(), policy).close()
    # … but not with another id in its manifest.
    other = AppPaths(data=tmp_path / "o", config=tmp_path / "o" / "c", logs=tmp_path / "o" / "l")
    forged = tmp_path / "forged.zip"
    forged.write_bytes(
        _zip(
            {
                "manifest.json": json.dumps({**old_manifest, "vault_id": "x"}).encode(),
                "vault.keys": legacy_keys,
                "vault.db": members["vault.db"],
            }
        )
    )
    with pytest.raises(BackupError, match="altered"):
        restore_backup(forged, other, passphrase=pw())


# -- the lock, and what killed runs leave ---------------------------------------------------

HOLDER = Path(__file__).parent / "helpers" / "hold_vault.py"


@pytest.mark.skipif(os.name != "posix", reason="flock across processes")
def test_restore_refused_while_another_process_holds_the_vault(
    filled: tuple[CliRunner, str], tmp_path: Path
) -> None:
    cli, _code = filled
    backup = tmp_path / "b.advisor"
    assert cli("backup", "--out", str(backup)).code == 0
    holder = subprocess.Popen(
        [sys.executable, str(HOLDER), str(cli.data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "ADVISOR_PASSPHRASE": PASSPHRASE},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"open\n"
        before = snapshot(cli.data_dir)
        r = cli("restore", "--replace", str(backup))
        assert r.code == 5, (r.code, r.err)
        assert "already open" in r.err
        assert snapshot(cli.data_dir) == before
        assert not list(cli.data_dir.glob("vault-replaced-*"))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert cli("restore", "--replace", str(backup)).code == 0


def test_stale_work_folders_removed_live_ones_kept(
    filled: tuple[CliRunner, str], tmp_path: Path
) -> None:
    from advisor_desktop.storage.switch import WorkFolder

    cli, _code = filled
    out_dir = tmp_path / "backups"
    out_dir.mkdir()
    stale_backup = out_dir / ".advisor-backup-killed1"
    stale_backup.mkdir()
    (stale_backup / "vault.db").write_bytes(bytes(1 << 20))
    live = WorkFolder(out_dir, ".advisor-backup-")  # a backup running right now
    stale_restore = cli.data_dir / ".advisor-restore-killed2"
    stale_restore.mkdir()
    (stale_restore / "vault.db").write_bytes(bytes(1 << 20))
    try:
        assert cli("backup", "--out", str(out_dir / "b.advisor")).code == 0
        assert not stale_backup.exists()
        assert live.path.exists()
        # The next open removes the killed restore's folder in the data folder.
        assert cli("list").code == 0
        assert not stale_restore.exists()
        stale_restore.mkdir()
        (stale_restore / "x").write_bytes(b"x")
        assert cli("restore", "--replace", str(out_dir / "b.advisor")).code == 0
        assert not stale_restore.exists()
    finally:
        live.remove()
    leftovers = [p.name for p in out_dir.iterdir() if p.name.startswith(".advisor")]
    assert leftovers == []
