"""A passphrase change rekeys the vault: the old passphrase, even with an old copy of the key
file, opens nothing written after the change; the recovery code survives it (or is rotated on
request); an interrupted switch leaves exactly one passphrase working and nothing lost."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy, SlotFile, wrap_key
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.errors import (
    AdvisorError,
    StorageError,
    VaultCorrupt,
    WrongPassphrase,
    WrongRecoveryCode,
)
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage import switch
from advisor_desktop.storage.store import VAULT, Vault, open_vault, open_vault_with_recovery

from .conftest import PASSPHRASE, CliRunner
from .helpers.records import make_record

NEW = "the new passphrase after the change"


def pw(text: str = PASSPHRASE) -> bytearray:
    return bytearray(text.encode())


def _notes(paths: AppPaths, secret: str, policy: KdfPolicy, profile: OrgProfile) -> set[str]:
    with open_vault(paths, pw(secret), policy) as vault:
        notebook = Notebook(vault, profile)
        return {notebook.get(s.id).notes for s in notebook.list_records()}


def _refused(paths: AppPaths, secret: str, policy: KdfPolicy) -> bool:
    try:
        open_vault(paths, pw(secret), policy).close()
    except (WrongPassphrase, VaultCorrupt):
        return True
    return False


def test_old_key_file_and_old_passphrase_open_nothing_after_the_change(
    vault_and_code: tuple[Vault, str],
    paths: AppPaths,
    policy: KdfPolicy,
    profile: OrgProfile,
    tmp_path: Path,
) -> None:
    vault, _code = vault_and_code
    notebook = Notebook(vault, profile)
    notebook.add(make_record(notes="written before the change"))
    old_keys = paths.key_slots.read_bytes()
    old_db_key = vault.raw_key_hex()
    assert vault.change_passphrase(pw(NEW)) is None  # the recovery code is kept
    assert vault.raw_key_hex() != old_db_key  # the database itself was rekeyed
    notebook.add(make_record(notes="written after the change"))
    vault.close()

    assert _notes(paths, NEW, policy, profile) == {
        "written before the change",
        "written after the change",
    }
    assert _refused(paths, PASSPHRASE, policy)
    # An old copy of the key file beside the current database: the old passphrase unwraps the
    # old key, which does not open the current database; the new passphrase does not open it.
    copy = AppPaths(data=tmp_path / "copy", config=paths.config, logs=paths.logs)
    copy.data.mkdir()
    shutil.copy2(paths.vault_db, copy.vault_db)
    copy.key_slots.write_bytes(old_keys)
    assert _refused(copy, PASSPHRASE, policy)
    assert _refused(copy, NEW, policy)
    # Copying the old key file back over the current one does not bring the old one back.
    paths.key_slots.write_bytes(old_keys)
    assert _refused(paths, PASSPHRASE, policy)


def test_recovery_code_survives_a_change_and_can_be_rotated(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, code = vault_and_code
    old_keys = paths.key_slots.read_bytes()
    vault.change_passphrase(pw(NEW))
    vault.close()
    with open_vault_with_recovery(paths, code, policy) as recovered:
        new_code = recovered.change_passphrase(pw(NEW), new_recovery_code=True)
    assert new_code is not None
    assert new_code != code
    with pytest.raises(WrongRecoveryCode):
        open_vault_with_recovery(paths, code, policy)
    open_vault_with_recovery(paths, new_code, policy).close()
    # The old code with the first key file opens a database key the current file is not under.
    paths.key_slots.write_bytes(old_keys)
    with pytest.raises(VaultCorrupt):
        open_vault_with_recovery(paths, code, policy)


def test_legacy_recovery_slot_is_replaced_on_change(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    """A key file of version 1 (recovery slot wrapped, not sealed): the change cannot seal the
    new key for a code it does not know, so it issues a new one; given the code, it keeps it."""
    vault, code = vault_and_code
    key = bytearray.fromhex(vault.raw_key_hex())
    params = policy.params()
    legacy = SlotFile(
        vault.vault_id,
        (
            wrap_key(key, pw(), "passphrase", vault.vault_id, params),
            wrap_key(key, code.encode("ascii"), "recovery", vault.vault_id, params),
        ),
    )
    vault.close()
    paths.key_slots.write_bytes(legacy.to_bytes())
    assert json.loads(paths.key_slots.read_bytes())["version"] == 1
    with open_vault_with_recovery(paths, code, policy) as recovered:
        assert recovered.change_passphrase(pw(NEW), recovery_code=code) is None
    assert json.loads(paths.key_slots.read_bytes())["version"] == 2
    open_vault_with_recovery(paths, code, policy).close()

    # Version-1 slots again, under the current key: without the code, a new one is issued.
    with open_vault(paths, pw(NEW), policy) as current:
        key = bytearray.fromhex(current.raw_key_hex())
    paths.key_slots.write_bytes(
        SlotFile(
            legacy.vault_id,
            (
                wrap_key(key, pw(NEW), "passphrase", legacy.vault_id, params),
                wrap_key(key, code.encode("ascii"), "recovery", legacy.vault_id, params),
            ),
        ).to_bytes()
    )
    with open_vault(paths, pw(NEW), policy) as current:
        issued = current.change_passphrase(pw(PASSPHRASE))
    assert issued is not None
    assert issued != code
    with pytest.raises(WrongRecoveryCode):
        open_vault_with_recovery(paths, code, policy)
    open_vault_with_recovery(paths, issued, policy).close()


def test_rekey_leaves_only_the_vault_files_owner_only(
    vault_and_code: tuple[Vault, str], paths: AppPaths
) -> None:
    vault, _ = vault_and_code
    vault.change_passphrase(pw(NEW))
    vault.close()
    names = {p.name for p in paths.data.iterdir()} - {"config", "logs"}
    assert names <= {"vault.db", "vault.keys", "vault.lock", "vault.db-wal", "vault.db-shm"}
    for name in ("vault.db", "vault.keys"):
        assert stat.S_IMODE((paths.data / name).stat().st_mode) == 0o600


def test_rekey_reports_progress(
    vault_and_code: tuple[Vault, str], profile: OrgProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor_desktop.storage import rekey

    monkeypatch.setattr(rekey, "_PROGRESS_EVERY", 0.0)
    vault, _ = vault_and_code
    Notebook(vault, profile).add_many(make_record(notes="x" * 2000) for _ in range(200))
    seen: list[float] = []
    vault.change_passphrase(pw(NEW), progress=seen.append)
    assert seen[-1] == 1.0
    assert len(seen) >= 2
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)


@pytest.mark.parametrize("fail_at", range(1, 7))
def test_switch_interrupted_at_each_step(
    vault_and_code: tuple[Vault, str],
    paths: AppPaths,
    policy: KdfPolicy,
    profile: OrgProfile,
    monkeypatch: pytest.MonkeyPatch,
    fail_at: int,
) -> None:
    """The n-th file operation of the switch fails (a crash there, as far as the files go):
    exactly one passphrase opens the vault afterwards, with every record."""
    vault, _ = vault_and_code
    notebook = Notebook(vault, profile)
    notebook.add_many(make_record(notes=f"record {i}") for i in range(20))
    expected = {f"record {i}" for i in range(20)}
    real_replace, real_unlink = os.replace, Path.unlink
    calls = [0]

    def step() -> None:
        calls[0] += 1
        if calls[0] == fail_at:
            raise OSError(5, "simulated crash")

    def replace(src: object, dst: object) -> None:
        step()
        real_replace(src, dst)  # type: ignore[arg-type]

    def unlink(self: Path, missing_ok: bool = False) -> None:
        step()
        real_unlink(self, missing_ok=missing_ok)

    real_atomic_write = switch.atomic_write

    def atomic_write(path: Path, data: bytes, **kw: object) -> None:
        step()  # the commit marker
        real_atomic_write(path, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(switch.os, "replace", replace)
    monkeypatch.setattr(switch.Path, "unlink", unlink)
    monkeypatch.setattr(switch, "atomic_write", atomic_write)
    raised = False
    try:
        vault.change_passphrase(pw(NEW))
    except AdvisorError:
        raised = True
    finally:
        monkeypatch.undo()
    if not raised:  # the change says it happened: the vault is open under the new key
        assert Notebook(vault, profile).count() == 20
    vault.close()
    assert calls[0] >= fail_at, "the switch has fewer steps than tested"
    old_works, new_works = not _refused(paths, PASSPHRASE, policy), not _refused(paths, NEW, policy)
    assert old_works != new_works
    assert raised == old_works  # what the change reported is what happened
    assert _notes(paths, PASSPHRASE if old_works else NEW, policy, profile) == expected
    assert not switch.pending(VAULT, paths.data)


def test_uncommitted_staging_is_rolled_back_and_committed_one_finished(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, _ = vault_and_code
    vault.close()
    stage = switch.prepare(VAULT, paths.data)
    (stage / "vault.db").write_bytes(b"half a copy")
    open_vault(paths, pw(), policy).close()  # rolled back: the copy was never committed
    assert not stage.exists()


def test_change_on_full_disk_keeps_old_passphrase(
    vault_and_code: tuple[Vault, str],
    paths: AppPaths,
    policy: KdfPolicy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from advisor_desktop.storage import rekey

    def full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    vault, _ = vault_and_code
    monkeypatch.setattr(rekey, "export_copy", full)
    with pytest.raises(StorageError):
        vault.change_passphrase(pw(NEW))
    monkeypatch.undo()
    with vault.read() as conn:  # still open, under the old key
        assert conn.execute("SELECT count(*) FROM meta").fetchone()[0] >= 1
    vault.close()
    assert not switch.pending(VAULT, paths.data)
    open_vault(paths, pw(), policy).close()


def test_cli_passwd_new_recovery_code(cli: CliRunner, tmp_path: Path) -> None:
    made = cli("init")
    assert made.code == 0
    old_code = made.out.split("somewhere safe, away from this laptop):")[1].split()[0]
    r = cli("passwd", "--new-recovery-code")
    assert r.code == 0, r.err
    new_code = next(w for w in r.out.split() if w.count("-") == 7)
    assert new_code != old_code
    assert PASSPHRASE not in r.out
    code_file = tmp_path / "code.txt"
    code_file.write_text(old_code)
    refused = cli(
        "passwd",
        "--recovery",
        "--recovery-code-file",
        str(code_file),
        env={"ADVISOR_NEW_PASSPHRASE": NEW},
    )
    assert refused.code == 3, refused.err
    code_file.write_text(new_code)
    ok = cli(
        "passwd",
        "--recovery",
        "--recovery-code-file",
        str(code_file),
        env={"ADVISOR_NEW_PASSPHRASE": NEW},
    )
    assert ok.code == 0, ok.err
    assert cli("list", env={"ADVISOR_PASSPHRASE": NEW}).code == 0
    assert cli("list").code == 3


def test_hostile_commit_marker_is_not_obeyed(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy, tmp_path: Path
) -> None:
    """A marker naming paths outside the data folder (planted, never written by us) is
    ignored: nothing outside is moved or deleted, the vault opens as it is."""
    vault, _ = vault_and_code
    vault.close()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    stage = switch.prepare(VAULT, paths.data)
    (stage / "vault.db").write_bytes(b"planted")
    marker = paths.data / ".vault-switch.commit"
    marker.write_text(json.dumps({"move": ["vault.db"], "drop": [str(victim)], "keep_in": None}))
    open_vault(paths, pw(), policy).close()
    assert victim.read_text() == "keep me"
    assert paths.vault_db.read_bytes() != b"planted"
    marker.write_text(json.dumps({"move": ["../victim.txt"], "drop": [], "keep_in": ".."}))
    open_vault(paths, pw(), policy).close()
    assert victim.read_text() == "keep me"
