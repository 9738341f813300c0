"""Withdrawal after delivery: the advisor's ``referral withdraw REF_ID --out DIR`` writes the
withdrawal signed by the device key (encrypted to the desk); the workstation's ``import`` takes
it, shows it and erases the referral's content, keeping that it was received and withdrawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor_desktop.desk.identity import unlock
from advisor_desktop.protocol.intake_api import build_withdrawal, parse_withdrawal
from advisor_desktop.protocol.withdrawal import (
    WithdrawalUndecryptable,
    open_withdrawal_file,
    seal_withdrawal,
    withdrawal_in,
)
from tests.desk.conftest import DESK_PASS, Advisor, DeskRunner, Forger, payload
from tests.desk.test_packages import stored
from tests.desk.test_status_messages import enrol_both


@pytest.fixture
def both(new_desk: DeskRunner, advisor: Advisor) -> tuple[DeskRunner, Advisor]:
    """A desk that enrolled the advisor's device with both its keys."""
    advisor.join(new_desk)
    enrol_both(new_desk, advisor)
    return new_desk, advisor


def withdraw(advisor: Advisor, ref: str, out: Path) -> Path:
    out.mkdir(exist_ok=True)
    done = advisor.cli("referral", "withdraw", ref, "--out", str(out))
    assert done.code == 0, done.err
    path = Path(done.out.strip().splitlines()[-1])
    assert path.parent == out
    assert path.suffix == ".withdrawal"
    assert ref not in path.name
    return path


def test_withdrawal_erases_the_content(both: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = both
    package = tmp_path / "p.referral"
    ref = advisor.package(package)
    assert desk("import", str(package)).code == 0
    note = tmp_path / "note.txt"
    note.write_text("Spoke with the manager of the post.", encoding="utf-8")
    assert desk("status", ref, "--set", "in-assessment", "--message-file", str(note)).code == 0

    notice = withdraw(advisor, ref, tmp_path / "stick")
    data = notice.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")  # nothing readable on the stick
    assert ref.encode() not in data
    imported = desk("import", str(notice))
    assert imported.code == 0, imported.err
    assert f"withdrawal of referral {ref} by Advisor Kyiv" in imported.out
    assert "its content was erased" in imported.out

    # What stays: that it was received (digest, signer, times) and withdrawn.
    assert stored(desk, "SELECT payload FROM referrals") == [("",)]
    assert stored(desk, "SELECT length(data), sha256 != '' FROM packages") == [(0, 1)]
    assert stored(desk, "SELECT message FROM status_history WHERE message IS NOT NULL") == []
    steps = stored(desk, "SELECT state, outcome FROM status_history ORDER BY id")
    assert steps == [
        ("received", None),
        ("in-assessment", None),
        ("closed", "withdrawn-by-reporter"),
    ]
    summary = desk("list").out
    assert "withdrawn" in summary
    (listed,) = json.loads(desk("list", "--json").out)
    assert listed["erased"] is True
    assert listed["withdrawn_at"] is not None
    shown = desk("show", ref[:8])
    assert shown.code == 0, shown.err
    assert "Withdrawn by the advisor" in shown.out
    assert "Spoke with the manager" not in shown.out
    doc = json.loads(desk("show", ref, "--json").out)
    assert doc["payload"] is None
    assert "Spoke with" not in json.dumps(doc)
    # The desk can no longer weigh it, the same package is no way back in.
    assert desk("status", ref, "--set", "referred-on").code == 1
    again = desk("import", str(package))
    assert again.code == 0
    assert "already received" in again.out
    assert stored(desk, "SELECT payload FROM referrals") == [("",)]
    assert desk("open", str(package)).code == 9
    # The same withdrawal again changes nothing.
    repeat = desk("import", str(notice))
    assert repeat.code == 0
    assert "already received: withdrawal" in repeat.out
    assert len(stored(desk, "SELECT id FROM status_history")) == 3

    # The advisor hears that it was closed as withdrawn: the last step's message.
    outbox = stored(desk, "SELECT referral_id FROM status_outbox WHERE pushed_at IS NULL")
    assert outbox == [(ref,)]  # the in-assessment message with the desk's words went
    exported = desk("status-export", ref, "--out", str(tmp_path / "w.status"))
    assert exported.code == 0, exported.err
    told = advisor.cli("status", "import", str(tmp_path / "w.status"))
    assert told.code == 0, told.err
    assert "closed (withdrawn-by-reporter)" in told.out


def test_undelivered_status_messages_are_erased_too(
    both: tuple[DeskRunner, Advisor], tmp_path: Path
) -> None:
    desk, advisor = both
    package = tmp_path / "p.referral"
    ref = advisor.package(package)
    assert desk("import", str(package)).code == 0
    note = tmp_path / "note.txt"
    note.write_text("desk words", encoding="utf-8")
    assert desk("status", ref, "--set", "in-assessment", "--message-file", str(note)).code == 0
    assert len(stored(desk, "SELECT id FROM status_outbox")) == 1
    assert desk("import", str(withdraw(advisor, ref, tmp_path / "stick"))).code == 0
    # The message with the desk's words is gone; the one left is the closing step's.
    (only,) = stored(desk, "SELECT blob FROM status_outbox WHERE pushed_at IS NULL")
    from advisor_desktop.protocol.status_message import open_status_message
    from tests.desk.test_status_messages import advisor_identity

    identity = unlock(desk.folder, DESK_PASS.encode())
    blob = only[0]
    assert isinstance(blob, bytes)
    message = open_status_message(
        blob, advisor_identity(advisor), identity.signing_key.public_key().public_bytes_raw()
    )
    assert message.state.value == "closed"
    assert message.outcome is not None
    assert message.outcome.value == "withdrawn-by-reporter"
    assert message.text is None


def test_a_withdrawal_before_its_package(both: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    """In one batch the withdrawal is applied after the packages, whatever their order; a
    package that comes after its withdrawal is refused and nothing of it stored."""
    desk, advisor = both
    first, second = tmp_path / "1.referral", tmp_path / "2.referral"
    ref1 = advisor.package(first)
    ref2 = advisor.package(second)
    gone1 = withdraw(advisor, ref1, tmp_path / "stick")
    batch = desk("import", str(gone1), str(first))
    assert batch.code == 0, batch.err
    assert batch.out.index("received referral") < batch.out.index("withdrawal of referral")
    assert stored(desk, f"SELECT payload FROM referrals WHERE id = '{ref1}'") == [("",)]

    gone2 = withdraw(advisor, ref2, tmp_path / "stick")
    early = desk("import", str(gone2))
    assert early.code == 0, early.err
    assert "No package of it was received here" in early.out
    late = desk("import", str(second))
    assert late.code == 9
    assert "withdrew this referral before its package arrived" in late.err
    assert stored(desk, f"SELECT id FROM referrals WHERE id = '{ref2}'") == []
    assert not (tmp_path / "2.receipt").exists()
    assert ("PackageWithdrawn",) in stored(desk, "SELECT reason FROM refusals")


def test_withdrawals_that_are_refused(
    both: tuple[DeskRunner, Advisor], forger: Forger, tmp_path: Path
) -> None:
    desk, advisor = both
    package = tmp_path / "p.referral"
    ref = advisor.package(package)
    assert desk("import", str(package)).code == 0
    recipient = desk.public()["age_recipient"]
    # Signed by another enrolled device: refused, nothing erased.
    assert desk("enrol", forger.public_text, "--name", "Someone else", "--yes").code == 0
    other = tmp_path / "other.withdrawal"
    other.write_bytes(
        seal_withdrawal(build_withdrawal(ref, "2026-04-02T10:00:00Z", forger.key), recipient)
    )
    refused = desk("import", str(other))
    assert refused.code == 7, refused.err
    assert "another device" in refused.err
    # Signed by a device the desk never enrolled.
    stranger = Forger()
    unknown = tmp_path / "unknown.withdrawal"
    unknown.write_bytes(
        seal_withdrawal(build_withdrawal(ref, "2026-04-02T10:00:00Z", stranger.key), recipient)
    )
    assert desk("import", str(unknown)).code == 7
    # Altered on the way: it no longer decrypts, so it is refused like a damaged package.
    notice = withdraw(advisor, ref, tmp_path / "stick")
    data = bytearray(notice.read_bytes())
    data[-3] ^= 1
    damaged = tmp_path / "damaged.withdrawal"
    damaged.write_bytes(bytes(data))
    assert desk("import", str(damaged)).code == 6
    # For another desk: not this desk's file at all.
    other_desk = DeskRunner(tmp_path / "other-desk", desk.policy)
    assert other_desk("init", "--name", "Other desk").code == 0
    assert other_desk("import", str(notice)).code == 6
    assert stored(desk, "SELECT payload != '' FROM referrals") == [(1,)]
    # The genuine one, after all that, erases it.
    assert desk("import", str(notice)).code == 0
    assert stored(desk, "SELECT payload FROM referrals") == [("",)]


def test_the_advisor_side(both: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = both
    cli = advisor.cli
    # Withdrawn before it left the device: nothing to tell the desk, no file.
    made = cli(
        "referral", "new", str(advisor.record_id), "--desk", "Central desk", "--scopes", "category"
    )
    draft = made.out.strip()
    quiet = cli("referral", "withdraw", draft, "--out", str(tmp_path))
    assert quiet.code == 0, quiet.err
    assert not list(tmp_path.glob("*.withdrawal"))
    assert cli("referral", "withdraw", draft, "--out", str(tmp_path)).code == 1
    # Exported, then withdrawn without --out: it says how to write the file; later it can.
    ref = advisor.package(tmp_path / "p.referral")
    later = cli("referral", "withdraw", ref)
    assert later.code == 0, later.err
    assert "take the signed withdrawal to the desk" in later.err
    assert "destroy that file" in later.err
    stick = tmp_path / "stick"
    first = withdraw(advisor, ref, stick)
    second = withdraw(advisor, ref, stick)
    assert first != second
    # Both are the same signed withdrawal (encrypted anew each time).
    identity = unlock(desk.folder, DESK_PASS.encode())
    documents = {
        open_withdrawal_file(p.read_bytes(), [identity.age_identity]) for p in (first, second)
    }
    assert len(documents) == 1
    (document,) = documents
    withdrawal, _signature = parse_withdrawal(document)
    assert withdrawal.referral_id == ref
    keys = json.loads(cli("device-key", "--json").out)
    assert withdrawal.device_key_id == keys["key_id"]
    assert json.loads(cli("referral", "list", "--json").out)[0]["state"] == "withdrawn"


def test_the_withdrawal_file_format(forger: Forger, tmp_path: Path) -> None:
    import pyrage

    desk = pyrage.x25519.Identity.generate()
    document = build_withdrawal(
        payload(forger.key)["referral_id"], "2026-04-02T10:00:00Z", forger.key
    )
    sealed = seal_withdrawal(document, str(desk.to_public()))
    assert withdrawal_in(sealed, [desk]) == document
    assert open_withdrawal_file(sealed, [desk]) == document
    other = pyrage.x25519.Identity.generate()
    assert withdrawal_in(sealed, [other]) is None
    with pytest.raises(WithdrawalUndecryptable):
        open_withdrawal_file(sealed, [other])
    # A package is no withdrawal: withdrawal_in leaves it to the package checks.
    package = pyrage.encrypt(b'{"format": "advisor-desktop-referral"}', [desk.to_public()])
    assert withdrawal_in(package, [desk]) is None
    with pytest.raises(ValueError, match="age recipient"):
        seal_withdrawal(document, "not-a-recipient")
