"""protocol/signed_document.py: the one signed-document mechanism that receipts, status
messages, intake certificates, withdrawals and the enrolled device list share. A document is
built in its canonical form, read back only in exactly that form, and every refusal goes through
the format's own error factory and words."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.protocol.keys import canonical_json, key_id, raw_public
from advisor_desktop.protocol.signed_document import (
    SignedFormat,
    Wording,
    build_signed,
    is_key_id,
    is_referral_id,
    is_utc_stamp,
    load_json,
    signed_message,
    verify_ed25519,
)

CONTEXT = b"advisor-desktop-test/v1\x00"
# A fixed key, so that the bytes below are the bytes on the wire (Ed25519 is deterministic).
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RAW = raw_public(KEY.public_key())
BODY = {"b": "é", "a": 1, "c": [True, None]}


class FormatError(Exception):
    """The test format's error: carries what was wrong."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


FORM = SignedFormat("advisor-desktop-test", 2, "thing", 1024, FormatError)


def document() -> bytes:
    return FORM.build(BODY, CONTEXT, KEY)


def altered(change: Any) -> bytes:
    doc = json.loads(document())
    change(doc)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def refused(data: bytes, form: SignedFormat = FORM) -> str:
    with pytest.raises(FormatError) as caught:
        form.parse(data)
    return caught.value.what


def test_build_is_canonical_and_signed_over_context_and_body() -> None:
    data = document()
    doc = json.loads(data)
    assert data == canonical_json(doc)
    assert doc["format"] == "advisor-desktop-test"
    assert doc["version"] == 2
    assert doc["thing"] == BODY
    assert doc["signature"]["algorithm"] == "ed25519"
    assert doc["signature"]["key_id"] == key_id(RAW)
    signature = base64.b64decode(doc["signature"]["value"])
    KEY.public_key().verify(signature, CONTEXT + canonical_json(BODY))
    assert signed_message(CONTEXT, BODY) == CONTEXT + canonical_json(BODY)
    assert data == build_signed("advisor-desktop-test", 2, "thing", BODY, CONTEXT, KEY)


def test_parse_returns_body_signer_and_signature() -> None:
    signed = FORM.parse(document())
    assert signed.body == BODY
    assert signed.key_id == key_id(RAW)
    verify_ed25519(RAW, signed.signature, signed_message(CONTEXT, signed.body), AssertionError)


def test_build_refuses_a_body_naming_another_desk_key() -> None:
    with pytest.raises(ValueError, match="another desk key"):
        FORM.build(BODY, CONTEXT, KEY, desk_key_id="0" * 32)
    assert FORM.build(BODY, CONTEXT, KEY, desk_key_id=key_id(RAW)) == document()


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"{", "not JSON"),
        (b"\xff{}", "not JSON"),
        (b'{"a":1.5}', "not JSON"),
        (b'{"a":NaN}', "not JSON"),
        (b"[]", "fields"),
        (b" " * 1025, "size"),
    ],
)
def test_what_is_not_a_document(data: bytes, what: str) -> None:
    assert refused(data) == what


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda d: d.__setitem__("extra", 1), "fields"),
        (lambda d: d.__setitem__("format", "other"), "format"),
        (lambda d: d.__setitem__("version", 1), "version"),
        (lambda d: d.__setitem__("version", True), "version"),
        (lambda d: d.__setitem__("signature", []), "signature fields"),
        (lambda d: d["signature"].__setitem__("extra", 1), "signature fields"),
        (lambda d: d["signature"].__setitem__("algorithm", "rsa"), "signature algorithm"),
        (lambda d: d["signature"].__setitem__("key_id", 7), "signature key id"),
        (lambda d: d["signature"].__setitem__("key_id", "A" * 32), "signature key id"),
        (lambda d: d["signature"].__setitem__("value", 7), "signature encoding"),
        (lambda d: d["signature"].__setitem__("value", "A" * 101), "signature encoding"),
        (lambda d: d["signature"].__setitem__("value", "!!!!"), "signature encoding"),
        (
            lambda d: d["signature"].__setitem__("value", base64.b64encode(b"x" * 63).decode()),
            "signature encoding",
        ),
        (lambda d: d.__setitem__("thing", []), "fields"),
    ],
)
def test_each_part_of_the_envelope_is_checked(change: Any, what: str) -> None:
    assert refused(altered(change)) == what


def test_only_the_one_spelling_of_the_signature() -> None:
    value = json.loads(document())["signature"]["value"]
    # The last character before the padding carries spare bits: another one decodes the same.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    spare = value[:-3] + alphabet[alphabet.index(value[-3]) ^ 1] + value[-2:]
    assert base64.b64decode(spare) == base64.b64decode(value)
    assert refused(altered(lambda d: d["signature"].__setitem__("value", spare))) == (
        "signature encoding"
    )


def test_only_the_exact_canonical_bytes() -> None:
    data = document()
    assert refused(data + b" ") == "not in canonical form"
    assert refused(json.dumps(json.loads(data), sort_keys=True).encode()) == "not in canonical form"
    assert refused(data.replace("é".encode(), b"\\u00e9")) == "not in canonical form"
    assert refused(data.replace(b'"b":"\xc3\xa9"', b'"b":"\\ud800"')) == "not in canonical form"


def test_the_format_words_its_own_refusals() -> None:
    words = Wording(format="format or version", version="format or version", body="thing fields")
    form = SignedFormat("advisor-desktop-test", 2, "thing", 1024, FormatError, words)
    assert refused(altered(lambda d: d.__setitem__("version", 3)), form) == "format or version"
    assert refused(altered(lambda d: d.__setitem__("thing", "x")), form) == "thing fields"


def test_check_first_sees_the_body_before_the_signature() -> None:
    seen: list[Any] = []

    def check(body: Any) -> None:
        seen.append(body)
        raise FormatError("body first")

    bad = altered(lambda d: d["signature"].__setitem__("algorithm", "rsa"))
    with pytest.raises(FormatError, match="body first"):
        FORM.parse(bad, check_first=check)
    assert seen == [BODY]


def test_verify_refuses_another_key_another_context_and_a_bad_key() -> None:
    signed = FORM.parse(document())
    other = raw_public(Ed25519PrivateKey.generate().public_key())
    message = signed_message(CONTEXT, signed.body)
    for raw, what in ((other, message), (RAW, b"other/v1\x00" + message[len(CONTEXT) :])):
        with pytest.raises(FormatError, match="forged"):
            verify_ed25519(raw, signed.signature, what, lambda: FormatError("forged"))
    with pytest.raises(FormatError, match="forged"):
        verify_ed25519(RAW[:31], signed.signature, message, lambda: FormatError("forged"))


def test_load_json_without_limit_and_field_checks() -> None:
    assert load_json(b' {"a": [1, "x"]} ', FormatError) == {"a": [1, "x"]}
    with pytest.raises(FormatError, match="size"):
        load_json(b"{}  ", FormatError, limit=3)
    assert is_referral_id("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert not is_referral_id("0F8FAD5B-D9CB-469F-A165-70867728950E")
    assert not is_referral_id("0f8fad5b-d9cb-169f-a165-70867728950e")  # version 1
    assert not is_referral_id(7)
    assert is_key_id("0" * 32)
    assert not is_key_id("0" * 31)
    assert not is_key_id("G" * 32)
    assert is_utc_stamp("2026-04-02T09:30:00Z")
    assert not is_utc_stamp("2026-04-02 09:30:00")


# SHA-256 of the bytes each format built with these keys and values before the formats shared
# this module: the bytes on the wire, and so documents already issued, stay exactly the same.
WIRE = {
    "receipt v1": "17a3936d03dabb80f9f7c014d0e645cb251be64a62de0a4ea7beb6bc7ec86a0e",
    "receipt v2": "ac6f13a9c790979a27bdf3f32984f4427722d2afc1558e3fa10414ded6d629e7",
    "certificate": "fd1a40fe27105b0dd2de306d120c8cb32b0518540f01fbb31db2fa58a00aab2c",
    "withdrawal": "1af0ca0f319c7e47d5491e147c01d170b43f0794120fa7182d204cfadbd73d80",
    "enrolment": "f996834115612e7aed6b58f0a04987487813e6446ea5c206c302717896e6a0ff",
    "status": "e37c7a37d7d0df1aaacbc1c95dd5c0a428ab6069df2d76c3a3009e84211a184d",
    "referral envelope": "1c6ef2c9fbf376eed11128db85a22bac0368d0bb29a10faa90e3629167287f92",
}


def test_every_format_builds_the_same_bytes_as_before() -> None:
    from advisor_desktop.desk.enrolment import build_enrolment, verify_enrolment
    from advisor_desktop.protocol import intake_api, receipt, referral_package, status_message
    from advisor_desktop.protocol.referral_terms import Outcome, ReferralState

    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    raw2 = raw_public(other.public_key())
    ref, stamp = "0f8fad5b-d9cb-469f-a165-70867728950e", "2026-04-02T09:30:00Z"
    closed = (ReferralState.CLOSED, Outcome.ADVICE_GIVEN)
    message = status_message.StatusMessage(
        ref, 3, *closed, "hi\nthere", stamp, key_id(RAW), key_id(raw2)
    )
    validity = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    certificate = intake_api.issue_certificate(raw2, KEY, *validity)
    built = {
        "receipt v1": receipt.issue_receipt(ref, b"pkg", stamp, KEY),
        "receipt v2": receipt.issue_intake_receipt(ref, b"pkg", stamp, other),
        "certificate": certificate,
        "withdrawal": intake_api.build_withdrawal(ref, stamp, other),
        "enrolment": build_enrolment([raw2, RAW], KEY, 3, stamp),
        "status": status_message.sign_status_message(message, KEY),
        "referral envelope": referral_package.sign_envelope(
            {"a": 1, "advisor_key_id": key_id(raw2), "z": "é"}, other
        ),
    }
    assert {name: hashlib.sha256(data).hexdigest() for name, data in built.items()} == WIRE
    desk, device = {key_id(RAW): RAW}, {key_id(raw2): raw2}
    assert receipt.verify_receipt(built["receipt v1"], desk).referral_id == ref
    assert intake_api.verify_intake_receipt(built["receipt v2"], certificate, desk).referral_id
    assert intake_api.verify_withdrawal(built["withdrawal"], device).referral_id == ref
    assert verify_enrolment(built["enrolment"], RAW).serial == 3
    parsed = status_message.parse_status_document(built["status"])
    assert status_message.verify_status_message(parsed, RAW) == message
    envelope = referral_package.parse_envelope(built["referral envelope"])
    assert referral_package.verify_envelope(envelope, device) == key_id(raw2)
