"""Referral packages: build → open round trip, and every way a package is refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk import identity as desk_identity
from advisor_desktop.desk.opener import open_package
from advisor_desktop.desk.registry import AdvisorRegistry, SeenIds
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.protocol.errors import (
    PackageBadSignature,
    PackageError,
    PackageReplayed,
    PackageSchemaError,
    PackageUndecryptable,
    PackageUnknownSigner,
    ReferralStateError,
)
from advisor_desktop.protocol.keys import canonical_json
from advisor_desktop.protocol.profile import Desk, OrgProfile, with_desk
from advisor_desktop.protocol.referral_package import (
    encrypt_to,
    parse_envelope,
    sign_envelope,
    validate_payload,
)
from advisor_desktop.referral.consent import load_statement, parse_scopes
from advisor_desktop.referral.draft import DraftInputs
from advisor_desktop.referral.service import ReferralService
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import Vault
from tests.conftest import TEST_KDF
from tests.helpers.records import make_record

DESK = "Central reporting desk"
NOTES = (
    "Maria Jansen told me that her manager Piet de Boer shouted at her on 14 March 2026. "
    "Call her on +31 6 12345678 or mail maria.jansen@example.org."
)


@dataclass
class Setup:
    """A vault with a desk in its profile, the desk's unlocked identity and folder."""

    vault: Vault
    service: ReferralService
    notebook: Notebook
    desk: desk_identity.DeskIdentity
    desk_dir: Path
    registry: AdvisorRegistry


def make_desk(folder: Path, name: str = DESK) -> desk_identity.DeskIdentity:
    """A desk identity with a fast KDF."""
    return desk_identity.keygen(folder, name, b"desk passphrase", TEST_KDF)


def add_desk(profile: OrgProfile, desk: desk_identity.DeskIdentity) -> OrgProfile:
    """``profile`` with ``desk`` added."""
    pub = desk.public
    return with_desk(profile, Desk(pub.name, pub.age_recipient, pub.signing_key))


@pytest.fixture
def setup(vault: Vault, profile: OrgProfile, tmp_path: Path) -> Setup:
    desk = make_desk(tmp_path / "desk")
    prof = add_desk(profile, desk)
    store_profile(vault, prof)
    service = ReferralService(vault, prof)
    registry = AdvisorRegistry(tmp_path / "desk")
    registry.enrol("advisor", service.device_keys.public_key().text, dt.datetime.now(dt.UTC))
    return Setup(vault, service, Notebook(vault, prof), desk, tmp_path / "desk", registry)


def new_referral(s: Setup, scopes: str = "category,role,period,summary,contact", **kw: str) -> str:
    rid = s.notebook.add(make_record(notes=NOTES, identifiers=("Maria Jansen",)))
    draft = s.service.create(
        s.notebook.get(rid),
        DraftInputs(desk=DESK, scopes=parse_scopes(scopes), **kw),  # type: ignore[arg-type]
        load_statement("en", DESK),
        "on-screen",
    )
    return draft.referral_id


def sealed(s: Setup, **kw: str) -> tuple[str, bytes]:
    ref = new_referral(s, **kw)
    s.service.confirm(ref)
    return ref, s.service.package(ref)


def test_round_trip(setup: Setup) -> None:
    ref, package = sealed(setup)
    opened = open_package(
        package, [setup.desk.age_identity], setup.registry.trusted(), SeenIds(setup.desk_dir)
    )
    content = opened.content
    assert content.referral_id == ref
    assert content.content["period"] == {"granularity": "month", "value": "2026-03"}
    assert content.content["contact"] == {"via": "advisor"}
    summary = content.content["summary"]
    for secret in ("Maria", "Jansen", "Piet", "Boer", "12345678", "example.org", "14 March"):
        assert secret not in summary
    for marker in ("[PERSON-A]", "[PHONE]", "[EMAIL]"):
        assert marker in summary
    assert opened.signer_key_id == setup.service.device_keys.public_key().key_id


def test_preview_is_exactly_the_signed_payload(setup: Setup) -> None:
    ref = new_referral(setup)
    previewed = setup.service.payload_bytes(ref)
    setup.service.confirm(ref)
    plain = pyrage.decrypt(setup.service.package(ref), [setup.desk.age_identity])
    signed = parse_envelope(plain).payload
    # What is signed is the previewed payload and its padding (a run of zeros), nothing else.
    padding = signed.pop("padding")
    assert set(padding) <= {"0"}
    assert canonical_json(signed) == previewed
    assert setup.service.payload_bytes(ref) == previewed


def test_confirm_checks_the_preview_digest(setup: Setup) -> None:
    ref = new_referral(setup)
    with pytest.raises(ReferralStateError):
        setup.service.confirm(ref, expected_digest="0" * 16)
    with pytest.raises(ReferralStateError):
        setup.service.package(ref)  # not confirmed yet


def test_scopes_outside_consent_are_absent(setup: Setup) -> None:
    ref = new_referral(setup, scopes="category", post="Nairobi", region="East Africa")
    payload = json.loads(setup.service.payload_bytes(ref))
    assert set(payload["content"]) == {"category"}
    raw = setup.service.payload_bytes(ref)
    for absent in (b"Nairobi", b"East Africa", b"shouted", b"locally-employed", b"2026-03"):
        assert absent not in raw


def test_post_hidden_in_summary_when_only_region_shared(setup: Setup) -> None:
    rid = setup.notebook.add(make_record(notes="It happened at the embassy in Nairobi."))
    draft = setup.service.create(
        setup.notebook.get(rid),
        DraftInputs(
            desk=DESK, scopes=parse_scopes("region,summary"), post="Nairobi", region="East Africa"
        ),
        load_statement("en", DESK),
        "verbal",
    )
    assert draft.summary_text() == "It happened at the embassy in [East Africa]."


def test_withdraw_removes_from_outbox_and_records(setup: Setup) -> None:
    ref, _package = sealed(setup)
    assert setup.service.outbox_ids() == [ref]
    setup.service.withdraw(ref)
    assert setup.service.outbox_ids() == []
    got = setup.service.get(ref)
    assert got.summary.state == "withdrawn"
    assert got.consent.withdrawn_at is not None
    with pytest.raises(ReferralStateError):
        setup.service.package(ref)
    with pytest.raises(ReferralStateError):
        setup.service.withdraw(ref)


def test_consent_record_keeps_statement(setup: Setup) -> None:
    rid = setup.notebook.add(make_record(notes="x"))
    draft = setup.service.create(
        setup.notebook.get(rid),
        DraftInputs(desk=DESK, scopes=parse_scopes("category")),
        load_statement("ar", DESK),
        "written",
    )
    consent = setup.service.get(draft.referral_id).consent
    assert consent.language == "ar"
    assert DESK in consent.statement_text
    assert consent.method.value == "written"


def test_wrong_desk_key(setup: Setup, tmp_path: Path) -> None:
    _ref, package = sealed(setup)
    other = make_desk(tmp_path / "other")
    with pytest.raises(PackageUndecryptable):
        open_package(package, [other.age_identity], setup.registry.trusted(), SeenIds(None))


def test_unknown_signer(setup: Setup) -> None:
    _ref, package = sealed(setup)
    with pytest.raises(PackageUnknownSigner):
        open_package(package, [setup.desk.age_identity], {}, SeenIds(None))


def _reseal(setup: Setup, package: bytes, mutate: object) -> bytes:
    envelope = json.loads(pyrage.decrypt(package, [setup.desk.age_identity]))
    mutate(envelope)  # type: ignore[operator]
    return encrypt_to(canonical_json(envelope), [setup.desk.public.age_recipient])


def test_bad_signature(setup: Setup) -> None:
    _ref, package = sealed(setup)

    def tamper(env: dict[str, object]) -> None:
        env["payload"]["content"]["category"] = ["fraud"]  # type: ignore[index]

    forged = _reseal(setup, package, tamper)
    with pytest.raises(PackageBadSignature):
        open_package(forged, [setup.desk.age_identity], setup.registry.trusted(), SeenIds(None))


def test_valid_signature_wrong_schema(setup: Setup) -> None:
    """A trusted key signing something that is not a referral is still refused."""
    key = setup.service.device_keys.signing_key()
    good = json.loads(setup.service.payload_bytes(new_referral(setup)))
    for bad in (
        {**good, "extra": 1},
        {**good, "schema_version": 4},
        {**good, "schema_version": 1},  # version 1 has no desk_age_key_id
        {k: v for k, v in good.items() if k != "desk_age_key_id"},
        {**good, "desk_age_key_id": "not a key id"},
        {**good, "referral_id": "not-a-uuid"},
        {**good, "content": {**good["content"], "post": "Nairobi"}},  # not consented
        {**good, "requested_action": "assess-and-bring-to-secretary-general"},
        {**good, "created": "yesterday"},
    ):
        env = sign_envelope(bad, key)
        package = encrypt_to(env, [setup.desk.public.age_recipient])
        with pytest.raises(PackageSchemaError):
            open_package(
                package, [setup.desk.age_identity], setup.registry.trusted(), SeenIds(None)
            )


def test_envelope_schema_errors() -> None:
    for data in (b"", b"[]", b"{}", b"\xff", b'{"format": 1.5}', b"[" * 100000):
        with pytest.raises(PackageSchemaError):
            parse_envelope(data)


def test_float_payload_refused() -> None:
    key = Ed25519PrivateKey.generate()
    with pytest.raises(TypeError):
        sign_envelope({"x": 1.5}, key)
    with pytest.raises(PackageSchemaError):
        validate_payload({"schema": "advisor-desktop-referral-payload"})


def test_replay_refused_across_runs(setup: Setup) -> None:
    _ref, package = sealed(setup)
    args = ([setup.desk.age_identity], setup.registry.trusted())
    open_package(package, *args, SeenIds(setup.desk_dir))
    with pytest.raises(PackageReplayed):
        open_package(package, *args, SeenIds(setup.desk_dir))


def test_truncated_files(setup: Setup) -> None:
    _ref, package = sealed(setup)
    args = ([setup.desk.age_identity], setup.registry.trusted())
    for cut in range(0, len(package), max(1, len(package) // 97)):
        with pytest.raises(PackageError):
            open_package(package[:cut], *args, SeenIds(None))


@pytest.mark.slow
def test_fuzz_mutations_only_typed_errors(setup: Setup) -> None:
    """Thousands of bit flips, byte changes, splices and truncations: never anything but a
    typed refusal (and never a success: age authenticates every byte)."""
    _ref, package = sealed(setup)
    args = ([setup.desk.age_identity], setup.registry.trusted())
    rng = random.Random(5)
    for _i in range(5000):
        data = bytearray(package)
        op = rng.randrange(4)
        if op == 0:
            pos = rng.randrange(len(data) * 8)
            data[pos // 8] ^= 1 << (pos % 8)
        elif op == 1:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 2:
            start = rng.randrange(len(data))
            del data[start : start + rng.randrange(1, 64)]
        else:
            pos = rng.randrange(len(data))
            data[pos:pos] = rng.randbytes(rng.randrange(1, 32))
        if bytes(data) == package:
            continue  # a byte set to the value it had
        with pytest.raises(PackageError):
            open_package(bytes(data), *args, SeenIds(None))


def test_hostile_plaintext_inside_valid_age(setup: Setup) -> None:
    """Garbage that decrypts fine (an attacker knows the desk's public key) is refused."""
    recipient = [setup.desk.public.age_recipient]
    args = ([setup.desk.age_identity], setup.registry.trusted())
    rng = random.Random(9)
    samples = [b"", b"null", b'{"format":"advisor-desktop-referral"}', rng.randbytes(300)]
    good = json.loads(pyrage.decrypt(sealed(setup)[1], [setup.desk.age_identity]))
    sig = good["signature"]
    samples.append(canonical_json({**good, "signature": {**sig, "value": "!!"}}))
    short = base64.b64encode(b"x" * 10).decode()
    samples.append(canonical_json({**good, "signature": {**sig, "value": short}}))
    samples.append(canonical_json({**good, "signature": {**sig, "key_id": "A" * 32}}))
    for plain in samples:
        with pytest.raises(PackageError):
            open_package(encrypt_to(plain, recipient), *args, SeenIds(None))


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("summary", "looks harmless \u202e gnirts desrever"),  # a bidi override
        ("summary", "a terminal escape \x1b[2J here"),
        ("summary", "a C1 control \x9b2J here"),
        ("summary", "a DEL \x7f here"),
        ("region", "West \u2066Africa\u2069"),  # isolates outside free text
        ("region", "West \u202eAfrica"),
    ],
)
def test_characters_with_no_business_in_a_field_are_refused(
    setup: Setup, field: str, text: str
) -> None:
    """Both ends refuse them (the desk also shows any that arrive escaped)."""
    key = setup.service.device_keys.signing_key()
    referral = new_referral(setup, "category,region,summary", region="West Africa")
    good = json.loads(setup.service.payload_bytes(referral))
    bad = {**good, "content": {**good["content"], field: text}}
    package = encrypt_to(sign_envelope(bad, key), [setup.desk.public.age_recipient])
    with pytest.raises(PackageSchemaError):
        open_package(package, [setup.desk.age_identity], setup.registry.trusted(), SeenIds(None))


def test_isolates_are_allowed_in_the_summary(setup: Setup) -> None:
    """Right-to-left free text may carry bidi isolates around a number; they stay readable."""
    key = setup.service.device_keys.signing_key()
    good = json.loads(setup.service.payload_bytes(new_referral(setup)))
    text = "اتصل على \u2066+31 70 123 4567\u2069 غداً"
    fine = {**good, "content": {**good["content"], "summary": text}}
    package = encrypt_to(sign_envelope(fine, key), [setup.desk.public.age_recipient])
    opened = open_package(
        package, [setup.desk.age_identity], setup.registry.trusted(), SeenIds(None)
    )
    assert opened.content.raw["content"]["summary"] == text
