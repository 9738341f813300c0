"""What leaves the device besides the consented content: times at the consented period's
granularity or none, the languages only with their own scope, and a package size that says
nothing about the summary's length (payload version 3)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.opener import open_package
from advisor_desktop.desk.registry import AdvisorRegistry, SeenIds
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.protocol.errors import PackageSchemaError
from advisor_desktop.protocol.keys import canonical_json, key_id, raw_public
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.protocol.referral_package import (
    PADDING_BUCKETS,
    PAYLOAD_VERSION,
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
from tests.helpers.records import FakeClock, make_record
from tests.test_referral_package import DESK, add_desk, make_desk

# During the meeting: the consent and the draft are made at 10:22:33 on 14 March 2026.
MEETING = dt.datetime(2026, 3, 14, 10, 22, 33, tzinfo=dt.UTC)
# Anything that looks like a time of day, a day or a month, in any payload bytes.
STAMP = re.compile(rb"\d{2}:\d{2}")
DAY = re.compile(rb"\d{4}-\d{2}-\d{2}")
MONTH = re.compile(rb"\d{4}-\d{2}(?!\d)")


def without_ids(payload: bytes) -> bytes:
    """``payload`` with its random referral id blanked (a UUID's digits can look like a
    date), for the searches for times."""
    doc = json.loads(payload)
    doc["referral_id"] = "-"
    return canonical_json(doc)


class Env:
    """A vault whose clock stands in the meeting, a desk that enrolled the device."""

    def __init__(self, vault: Vault, profile: OrgProfile, tmp_path: Path) -> None:
        self.desk = make_desk(tmp_path / "desk")
        prof = add_desk(profile, self.desk)
        store_profile(vault, prof)
        self.clock = FakeClock(MEETING)
        self.service = ReferralService(vault, prof, clock=self.clock)
        self.notebook = Notebook(vault, prof)
        self.registry = AdvisorRegistry(tmp_path / "desk")
        self.registry.enrol("advisor", self.service.device_keys.public_key().text, MEETING)

    def referral(self, scopes: str, notes: str = "It happened at work.", **kw: Any) -> str:
        record = make_record(notes=notes, language="nl", conv_date=MEETING.date())
        rid = self.notebook.add(record)
        draft = self.service.create(
            self.notebook.get(rid),
            DraftInputs(desk=DESK, scopes=parse_scopes(scopes), **kw),
            load_statement("nl", DESK),
            "on-screen",
        )
        return draft.referral_id

    def payload(self, scopes: str, **kw: Any) -> bytes:
        return self.service.payload_bytes(self.referral(scopes, **kw))

    def sealed(self, scopes: str, **kw: Any) -> bytes:
        ref = self.referral(scopes, **kw)
        self.service.confirm(ref)
        return self.service.package(ref)

    def open(self, package: bytes) -> Any:
        return open_package(
            package, [self.desk.age_identity], self.registry.trusted(), SeenIds(None)
        )


@pytest.fixture
def env(vault: Vault, profile: OrgProfile, tmp_path: Path) -> Env:
    return Env(vault, profile, tmp_path)


def test_only_category_carries_no_time_and_no_language(env: Env) -> None:
    raw = without_ids(env.payload("category"))
    doc = json.loads(raw)
    assert doc["schema_version"] == PAYLOAD_VERSION == 3
    assert "created" not in doc
    assert "language" not in doc
    assert set(doc["consent"]) == {"scopes", "statement_version", "method"}
    assert not STAMP.search(raw)
    assert not DAY.search(raw)
    assert not MONTH.search(raw)
    assert not re.search(rb"(?<![0-9a-f])2026", raw)  # no year either
    assert b'"nl"' not in raw
    # And so the desk reads it: no time, no language.
    content = env.open(env.sealed("category")).content
    assert content.created is None
    assert content.language is None


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [("quarter", "2026-Q1"), ("month", "2026-03"), ("day", "2026-03-14")],
)
def test_every_time_at_the_period_granularity(env: Env, granularity: str, expected: str) -> None:
    raw = without_ids(env.payload(f"category,period={granularity},summary"))
    doc = json.loads(raw)
    assert doc["created"] == expected
    assert doc["consent"]["given"] == expected
    assert doc["content"]["period"] == {"granularity": granularity, "value": expected}
    assert not STAMP.search(raw), "a time of day travels"
    if granularity != "day":
        assert not DAY.search(raw), "a day travels"
    if granularity == "quarter":
        assert not MONTH.search(raw), "a month travels"
    content = env.open(env.sealed(f"category,period={granularity}")).content
    assert content.created == expected
    assert content.period_granularity is not None
    assert content.period_granularity.value == granularity


def test_the_language_is_a_scope_of_its_own(env: Env) -> None:
    doc = json.loads(env.payload("category,language"))
    assert doc["language"] == "nl"
    assert doc["consent"]["language"] == "nl"
    assert "language" in doc["consent"]["scopes"]
    assert "language" not in doc["content"]
    assert env.open(env.sealed("category,language")).content.language == "nl"


def _signed_v3(env: Env, mutate: Any) -> bytes:
    """A version 3 payload the device signs after ``mutate`` changed it (the app would not)."""
    doc = json.loads(env.payload("category,period=month,language"))
    mutate(doc)
    key = env.service.device_keys.signing_key()
    return encrypt_to(sign_envelope(doc, key), [env.desk.public.age_recipient])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.__setitem__("created", "2026-03-14T10:22:33Z"),  # to the second
        lambda d: d.__setitem__("created", "2026-03-14"),  # finer than the month
        lambda d: d.__setitem__("created", "2026-Q1"),  # not the consented granularity
        lambda d: d.pop("created"),
        lambda d: d["consent"].__setitem__("given", "2026-03-14T10:22:33Z"),
        lambda d: d["consent"].pop("given"),
        lambda d: d["consent"]["scopes"].remove("period=month"),  # times without the period
        lambda d: d["consent"]["scopes"].remove("language"),  # languages without the scope
        lambda d: d.pop("language"),
        lambda d: d["consent"].pop("language"),
        lambda d: d["content"].__setitem__("language", "nl"),
        lambda d: d.__setitem__("created", None),
    ],
)
def test_the_desk_refuses_what_the_consent_does_not_allow(env: Env, mutate: Any) -> None:
    with pytest.raises(PackageSchemaError):
        env.open(_signed_v3(env, mutate))


def test_version_2_is_still_read_but_knows_no_language_scope(env: Env) -> None:
    signing = env.service.device_keys.signing_key()
    doc = json.loads(env.payload("category"))
    v2 = {
        **doc,
        "schema_version": 2,
        "created": "2026-03-14T10:22:33Z",
        "language": "nl",
        "consent": {**doc["consent"], "language": "nl", "given": "2026-03-14T10:22:33Z"},
    }
    package = encrypt_to(sign_envelope(v2, signing), [env.desk.public.age_recipient])
    content = env.open(package).content
    assert content.version == 2
    assert content.created == "2026-03-14T10:22:33Z"
    assert "padding" not in canonical_json(content.raw).decode()
    # What a desk stored of a version 2 package validates again as it is.
    assert validate_payload(json.loads(canonical_json(content.raw))).raw == content.raw
    with_language = {**v2, "consent": {**v2["consent"], "scopes": ["category", "language"]}}
    with pytest.raises(PackageSchemaError):
        validate_payload(with_language)


# -- size ----------------------------------------------------------------------------------


def test_summaries_of_1_and_1900_characters_give_packages_of_one_size(env: Env) -> None:
    scopes = "category,role,period=month,language,summary,contact"
    short = env.sealed(scopes, notes="x")
    long = env.sealed(scopes, notes="y" * 1900)
    assert len(short) == len(long)
    for package in (short, long):
        plain = pyrage.decrypt(package, [env.desk.age_identity])
        assert len(plain) == PADDING_BUCKETS[0] == 4096
    # Only the category, and every scope with a long summary: the same size too.
    assert len(env.sealed("category")) == len(short)


def test_a_longer_summary_moves_to_the_next_bucket_only(env: Env) -> None:
    sizes = {len(env.sealed("summary", notes="z" * n)) for n in (3500, 4000, 7000)}
    assert len(sizes) == 1
    plain = pyrage.decrypt(env.sealed("summary", notes="z" * 3500), [env.desk.age_identity])
    assert len(plain) == PADDING_BUCKETS[1]


def test_the_padding_is_signed_checked_and_dropped(env: Env) -> None:
    package = env.sealed("category,summary", notes="short")
    plain = pyrage.decrypt(package, [env.desk.age_identity])
    envelope = parse_envelope(plain)
    assert set(envelope.payload["padding"]) == {"0"}
    opened = env.open(package)
    assert "padding" not in opened.content.raw
    # What the desk stores (the payload without its padding) validates again when read.
    stored = json.loads(canonical_json(opened.content.raw))
    assert validate_payload(stored).raw == opened.content.raw
    key = env.service.device_keys.signing_key()
    recipient = [env.desk.public.age_recipient]
    unpadded = {k: v for k, v in envelope.payload.items() if k != "padding"}
    # The device's own key signing a payload without padding, or a size off the buckets,
    # or padding that is not zeros: refused.
    for payload in (
        {**unpadded, "padding": "0" * 10},
        {**unpadded, "padding": "A" * len(envelope.payload["padding"])},
    ):
        forged = encrypt_to(_raw_signed(payload, key), recipient)
        with pytest.raises(PackageSchemaError):
            env.open(forged)
    forged = encrypt_to(_raw_signed(unpadded, key), recipient)
    with pytest.raises(PackageSchemaError):
        env.open(forged)
    # A padded payload signed again is refused before it is padded twice.
    with pytest.raises(PackageSchemaError):
        sign_envelope(envelope.payload, key)


def _raw_signed(payload: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """``payload`` signed as it is, without the padding step (as a forger would)."""
    from advisor_desktop.protocol.referral_package import (
        ENVELOPE_FORMAT,
        ENVELOPE_VERSION,
        SIGNATURE_CONTEXT,
    )
    from advisor_desktop.protocol.signed_document import build_signed

    return build_signed(
        ENVELOPE_FORMAT, ENVELOPE_VERSION, "payload", payload, SIGNATURE_CONTEXT, key
    )


def test_nothing_outside_the_payload_dates_the_meeting(env: Env) -> None:
    """The envelope holds format, version, payload and signature; the age file its header
    and ciphertext: no time anywhere but in the payload, so only-category consent travels
    without a time."""
    package = env.sealed("category")
    assert not STAMP.search(package.split(b"\n---", 1)[0])  # the age header
    envelope = json.loads(pyrage.decrypt(package, [env.desk.age_identity]))
    assert set(envelope) == {"format", "version", "payload", "signature"}
    outside = canonical_json({k: v for k, v in envelope.items() if k != "payload"})
    assert not STAMP.search(outside)
    assert set(envelope["signature"]) == {"algorithm", "key_id", "value"}
    assert not DAY.search(without_ids(canonical_json(envelope["payload"])))


def test_forged_v3_from_an_unknown_id_shape_still_refused() -> None:
    """A version 3 payload with a referral id that is not a UUID v4 is refused as before."""
    key = Ed25519PrivateKey.generate()
    doc = {
        "schema": "advisor-desktop-referral-payload",
        "schema_version": 3,
        "referral_id": str(uuid.uuid1()),
        "requested_action": "assess",
        "advisor_key_id": key_id(raw_public(key.public_key())),
        "desk": DESK,
        "desk_age_key_id": "0" * 32,
        "consent": {"scopes": ["category"], "statement_version": "1", "method": "verbal"},
        "content": {"category": ["bullying"]},
    }
    with pytest.raises(PackageSchemaError):
        validate_payload(doc)
    doc["referral_id"] = str(uuid.uuid4())
    assert validate_payload(doc).created is None


def test_invisible_characters_never_travel_in_the_typed_fields(env: Env) -> None:
    """A zero-width space or soft hyphen typed into the post, region or contact looks like
    nothing on screen; it is removed from what leaves the device, as in the summary."""
    doc = json.loads(
        env.payload(
            "category,post,region,contact",
            post="La\u200bgos",
            region="West\u00ad Africa",
            contact="+234\u2060 555 0100",
        )
    )
    content = doc["content"]
    assert content["post"] == "Lagos"
    assert content["region"] == "West Africa"
    assert content["contact"] == {"via": "visitor", "text": "+234 555 0100"}
