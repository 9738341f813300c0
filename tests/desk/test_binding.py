"""A package's desk is bound: its signed payload names the desk's age key, and a desk opens
only a package addressed to it. The forwarding attack: desk A decrypts a package and encrypts
the same signed envelope again to desk B, which must refuse it although the signature is good."""

from __future__ import annotations

import json
from pathlib import Path

import pyrage
import pytest

from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.opener import verify_package
from advisor_desktop.protocol.keys import group_fingerprint, recipient_fingerprint
from advisor_desktop.protocol.referral_package import (
    PackageWrongDesk,
    ReferralContent,
    check_addressed,
    parse_envelope,
    recipient_key_id,
    validate_payload,
)
from tests.desk.conftest import DESK_PASS, Advisor, DeskRunner, Forger, payload
from tests.desk.test_packages import stored


def other_desk(tmp_path: Path, desk: DeskRunner, name: str = "Other desk") -> DeskRunner:
    made = DeskRunner(tmp_path / "other-desk", desk.policy)
    assert made("init", "--name", name).code == 0
    return made


def forwarded(package: Path, from_desk: DeskRunner, to_desk: DeskRunner, out: Path) -> Path:
    """What desk A can do with a package it received: decrypt it with its own age identity and
    encrypt the very same signed envelope to desk B's recipient (with pyrage, not our code)."""
    identity = unlock(from_desk.folder, DESK_PASS.encode())
    envelope = pyrage.decrypt(package.read_bytes(), [identity.age_identity])
    recipient = pyrage.x25519.Recipient.from_str(to_desk.public()["age_recipient"])
    out.write_bytes(pyrage.encrypt(envelope, [recipient]))
    return out


def test_the_payload_names_the_desk_age_key(
    ready: tuple[DeskRunner, Advisor], tmp_path: Path
) -> None:
    desk, advisor = ready
    package = tmp_path / "p.referral"
    advisor.package(package)
    identity = unlock(desk.folder, DESK_PASS.encode())
    doc = parse_envelope(pyrage.decrypt(package.read_bytes(), [identity.age_identity])).payload
    assert doc["schema_version"] == 3
    recipient = desk.public()["age_recipient"]
    assert doc["desk_age_key_id"] == recipient_key_id(recipient)
    # Grouped, it is the fingerprint the desk's public file shows for its age key.
    assert group_fingerprint(doc["desk_age_key_id"]) == recipient_fingerprint(recipient)
    assert desk.public()["fingerprints"]["age_recipient"] == recipient_fingerprint(recipient)


def test_a_forwarded_package_is_refused(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk_a, advisor = ready
    desk_b = other_desk(tmp_path, desk_a)
    key = json.loads(advisor.cli("device-key", "--json").out)["public_key"]
    assert desk_b("enrol", key, "--name", "Advisor Kyiv", "--yes").code == 0
    package = tmp_path / "for-a.referral"
    advisor.package(package)
    sent_on = forwarded(package, desk_a, desk_b, tmp_path / "for-b.referral")

    for command in ("open", "import"):
        refused = desk_b(command, str(sent_on))
        assert refused.code == 6, (command, refused.err)
        assert "made for another desk" in refused.err
        assert refused.out == ""
    assert stored(desk_b, "SELECT id FROM referrals") == []
    assert stored(desk_b, "SELECT id FROM packages") == []
    assert [r[0] for r in stored(desk_b, "SELECT reason FROM refusals")] == [
        "PackageWrongDesk",
        "PackageWrongDesk",
    ]
    assert not (tmp_path / "for-b.receipt").exists()
    # Desk A, to which it was addressed, opens it.
    assert desk_a("import", str(package)).code == 0


def test_version_1_packages_are_bound_by_the_desk_name(
    new_desk: DeskRunner, forger: Forger, tmp_path: Path
) -> None:
    """A package made before the binding (payload version 1) names its desk by name only: the
    desk of that name opens it, another desk does not, also when it is forwarded there."""
    desk_b = other_desk(tmp_path, new_desk)
    for desk in (new_desk, desk_b):
        assert desk("enrol", forger.public_text, "--name", "Old advisor", "--yes").code == 0
    old = payload(forger.key, category=["bullying"])
    assert old["schema_version"] == 1
    for_a = forger.seal(new_desk, old, tmp_path / "old-a.referral")
    assert new_desk("import", str(for_a)).code == 0
    sent_on = forwarded(for_a, new_desk, desk_b, tmp_path / "old-b.referral")
    assert desk_b("import", str(sent_on)).code == 6
    # A version 1 package that names desk B by name is B's.
    for_b = forger.seal(
        desk_b,
        {**payload(forger.key, category=["bullying"]), "desk": "Other desk"},
        tmp_path / "b.ref",
    )
    assert desk_b("open", str(for_b)).code == 0


def test_a_version_2_package_for_another_key(
    new_desk: DeskRunner, forger: Forger, tmp_path: Path
) -> None:
    """Signed by an enrolled device, encrypted to this desk, but naming another desk's key."""
    assert new_desk("enrol", forger.public_text, "--name", "Advisor", "--yes").code == 0
    doc = {
        **payload(forger.key, category=["bullying"]),
        "schema_version": 2,
        "desk_age_key_id": "0" * 32,
    }
    refused = new_desk("open", str(forger.seal(new_desk, doc, tmp_path / "x.referral")))
    assert refused.code == 6
    mine = recipient_key_id(new_desk.public()["age_recipient"])
    doc = {
        **doc,
        "referral_id": payload(forger.key, category=["bullying"])["referral_id"],
        "desk_age_key_id": mine,
    }
    assert new_desk("open", str(forger.seal(new_desk, doc, tmp_path / "y.referral"))).code == 0


def _content(doc: dict[str, object]) -> ReferralContent:
    return validate_payload(doc)


def test_check_addressed(forger: Forger) -> None:
    identity = pyrage.x25519.Identity.generate()
    mine = recipient_key_id(str(identity.to_public()))
    v2 = _content(
        {**payload(forger.key, category=["bullying"]), "schema_version": 2, "desk_age_key_id": mine}
    )
    check_addressed(v2, {mine})
    check_addressed(v2, {"1" * 32, mine}, "Another name")  # v2: the name does not count
    with pytest.raises(PackageWrongDesk):
        check_addressed(v2, {"1" * 32}, "Central desk")
    v1 = _content(payload(forger.key, category=["bullying"]))
    check_addressed(v1, {mine}, "Central desk")
    for name in (None, "central desk", "Other desk"):
        with pytest.raises(PackageWrongDesk):
            check_addressed(v1, {mine}, name)
    assert PackageWrongDesk("x").exit_code == 6


def test_verify_package_checks_the_address(forger: Forger) -> None:
    from advisor_desktop.protocol.keys import key_id, raw_public
    from advisor_desktop.protocol.referral_package import encrypt_to, sign_envelope

    a, b = pyrage.x25519.Identity.generate(), pyrage.x25519.Identity.generate()
    raw = raw_public(forger.key.public_key())
    trusted = {key_id(raw): raw}
    doc = {
        **payload(forger.key, category=["bullying"]),
        "schema_version": 2,
        "desk_age_key_id": recipient_key_id(str(a.to_public())),
    }
    envelope = sign_envelope(doc, forger.key)
    assert verify_package(encrypt_to(envelope, [str(a.to_public())]), [a], trusted)
    # B holds both identities' packages only when it is A: the same envelope to B is refused.
    with pytest.raises(PackageWrongDesk):
        verify_package(encrypt_to(envelope, [str(b.to_public())]), [b], trusted)
    # A desk with two age keys (one retired) opens packages for either.
    assert verify_package(encrypt_to(envelope, [str(a.to_public())]), [b, a], trusted)
