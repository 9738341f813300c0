"""``open`` and ``import``: every check, stored byte for byte, replays refused from the store,
and each command's bad input with its documented exit code."""

from __future__ import annotations

import json
from pathlib import Path

from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.store import open_store
from advisor_desktop.protocol.referral_package import decrypt_package, encrypt_to
from tests.desk.conftest import DESK_PASS, Advisor, DeskRunner


def reencrypted(desk: DeskRunner, package: Path, out: Path) -> Path:
    """The same signed envelope encrypted again: other bytes, the same referral (a replay)."""
    identity = unlock(desk.folder, DESK_PASS.encode())
    envelope = decrypt_package(package.read_bytes(), [identity.age_identity])
    out.write_bytes(encrypt_to(envelope, [desk.public()["age_recipient"]]))
    return out


def stored(desk: DeskRunner, sql: str) -> list[tuple[object, ...]]:
    with open_store(desk.folder, bytearray(DESK_PASS.encode())) as store, store.read() as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def test_open_stores_what_it_opened(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    package = tmp_path / "p.referral"
    ref = advisor.package(package)
    opened = desk("open", str(package), "--json")
    assert opened.code == 0, opened.err
    doc = json.loads(opened.out)
    assert doc["signer"] == "Advisor Kyiv"
    assert doc["payload"]["referral_id"] == ref
    rows = stored(desk, "SELECT data, source, file_name FROM packages")
    assert rows == [(package.read_bytes(), "file", "p.referral")]
    assert stored(desk, "SELECT state FROM status_history") == [("received",)]
    # The second opening is a replay, as it always was; import of the same bytes is not.
    assert desk("open", str(package)).code == 9
    again = desk("import", str(package))
    assert again.code == 0, again.err
    assert "already received" in again.out
    assert len(stored(desk, "SELECT id FROM packages")) == 1


def test_import_dedupes_by_referral_id(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    package = tmp_path / "p.referral"
    ref = advisor.package(package)
    first = desk("import", str(package))
    assert first.code == 0, first.err
    assert f"received referral {ref} from Advisor Kyiv" in first.out
    # The same referral in other bytes: refused as a replay, nothing stored, no receipt.
    replay = reencrypted(desk, package, tmp_path / "replay.referral")
    refused = desk("import", str(replay))
    assert refused.code == 9
    assert "replay" in refused.err
    assert not (tmp_path / "replay.receipt").exists()
    assert desk("open", str(replay)).code == 9
    assert len(stored(desk, "SELECT id FROM packages")) == 1
    reasons = [r[0] for r in stored(desk, "SELECT reason FROM refusals")]
    assert reasons == ["PackageReplayed", "PackageReplayed"]


def test_a_batch_goes_on_after_a_refusal(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    good = [tmp_path / f"{n}.referral" for n in ("a", "b")]
    refs = [advisor.package(p) for p in good]
    truncated = tmp_path / "t.referral"
    truncated.write_bytes(good[0].read_bytes()[:200])
    batch = desk("import", str(truncated), str(good[0]), str(tmp_path / "missing"), str(good[1]))
    assert batch.code == 6  # the first refusal's code
    assert "t.referral: refused" in batch.err
    assert "missing: refused" in batch.err
    listed = json.loads(desk("list", "--json").out)
    assert sorted(r["referral_id"] for r in listed) == sorted(refs)
    assert all((tmp_path / f"{n}.receipt").exists() for n in ("a", "b"))


def test_refusals_and_their_exit_codes(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    package = tmp_path / "p.referral"
    advisor.package(package)
    data = package.read_bytes()
    cases = {
        "truncated": (data[: len(data) // 2], 6),
        "flipped": (data[:-5] + bytes([data[-5] ^ 1]) + data[-4:], 6),
        "garbage": (b"\x00" * 100, 6),
        "empty": (b"", 6),
        "huge": (b"age-encryption.org/v1\n" + b"x" * (1024 * 1024), 6),
        "not json": (encrypt_to(b"hello", [desk.public()["age_recipient"]]), 8),
    }
    for name, (content, code) in cases.items():
        path = tmp_path / f"{name}.referral"
        path.write_bytes(content)
        for command in ("open", "import"):
            result = desk(command, str(path))
            assert result.code == code, (name, command, result.err)
            assert result.out == ""
    # A package for another desk.
    other = DeskRunner(tmp_path / "other", desk.policy)
    assert other("init", "--name", "Other desk").code == 0
    assert other("open", str(package)).code == 6
    assert other("import", str(package)).code == 6
    # Files that are not there, and no file at all.
    assert desk("open", str(tmp_path / "missing")).code == 2
    assert desk("import").code == 2
    # Wrong passphrase: 3, and the package is not touched.
    wrong = desk("import", str(package), env={"ADVISOR_DESK_PASSPHRASE": "not the one"})
    assert wrong.code == 3
    assert not (tmp_path / "p.receipt").exists()
    assert json.loads(desk("list", "--json").out) == []
