"""The intake documents on their own: certificates, intake receipts, withdrawals and device
lists verify only unchanged and only with the right key; a desk receipt never passes for an
intake receipt; desk-public's intake fields are parsed strictly."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.enrolment import build_enrolment, verify_enrolment
from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.protocol.desk_public import parse_desk_public, parse_intake_url
from advisor_desktop.protocol.intake_api import (
    IntakeFormatError,
    build_withdrawal,
    issue_certificate,
    verify_certificate,
    verify_intake_receipt,
    verify_withdrawal,
)
from advisor_desktop.protocol.keys import encode_public_key, key_id, raw_public
from advisor_desktop.protocol.receipt import (
    ReceiptError,
    issue_intake_receipt,
    issue_receipt,
    parse_intake_receipt,
    parse_receipt,
)

T0, T1, T2 = "2026-04-01T00:00:00Z", "2026-04-02T09:30:00Z", "2028-04-01T00:00:00Z"
PACKAGE = b"age-encryption.org/v1\n-> X25519 a\n--- b\n" + bytes(range(64))


def keys() -> tuple[Ed25519PrivateKey, dict[str, bytes]]:
    key = Ed25519PrivateKey.generate()
    raw = raw_public(key.public_key())
    return key, {key_id(raw): raw}


def flipped(data: bytes) -> list[bytes]:
    return [data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :] for i in range(0, len(data), 7)]


def test_an_intake_receipt_verifies_through_its_certificate_and_not_otherwise() -> None:
    desk, trusted = keys()
    intake = Ed25519PrivateKey.generate()
    certificate = issue_certificate(raw_public(intake.public_key()), desk, T0, T2)
    receipt = issue_intake_receipt(str(uuid.uuid4()), PACKAGE, T1, intake)
    assert verify_intake_receipt(receipt, certificate, trusted).matches(PACKAGE)
    for changed in flipped(receipt):
        with pytest.raises(ReceiptError):
            verify_intake_receipt(changed, certificate, trusted)
    for changed in flipped(certificate):
        with pytest.raises((IntakeFormatError, ReceiptError)):
            verify_intake_receipt(receipt, changed, trusted)
    _other, other_trusted = keys()
    with pytest.raises(IntakeFormatError):
        verify_certificate(certificate, other_trusted)
    late = issue_intake_receipt(str(uuid.uuid4()), PACKAGE, "2029-01-01T00:00:00Z", intake)
    with pytest.raises(ReceiptError, match="validity"):
        verify_intake_receipt(late, certificate, trusted)
    # A certificate of another intake key does not vouch for this one's receipts.
    stranger = issue_certificate(
        raw_public(Ed25519PrivateKey.generate().public_key()), desk, T0, T2
    )
    with pytest.raises(ReceiptError):
        verify_intake_receipt(receipt, stranger, trusted)


def test_desk_and_intake_receipts_never_pass_for_each_other() -> None:
    key = Ed25519PrivateKey.generate()
    desk_receipt = issue_receipt(str(uuid.uuid4()), PACKAGE, T1, key)
    intake_receipt = issue_intake_receipt(str(uuid.uuid4()), PACKAGE, T1, key)
    with pytest.raises(ReceiptError):
        parse_intake_receipt(desk_receipt)
    with pytest.raises(ReceiptError):
        parse_receipt(intake_receipt)


def test_a_withdrawal_verifies_only_with_its_device() -> None:
    device, trusted = keys()
    _other, other_trusted = keys()
    document = build_withdrawal(str(uuid.uuid4()), T1, device)
    assert verify_withdrawal(document, trusted).withdrawn_at == T1
    with pytest.raises(IntakeFormatError):
        verify_withdrawal(document, other_trusted)
    for changed in flipped(document):
        with pytest.raises(IntakeFormatError):
            verify_withdrawal(changed, trusted)


def test_a_device_list_verifies_only_unchanged_and_from_the_desk() -> None:
    desk, _trusted = keys()
    devices = [raw_public(Ed25519PrivateKey.generate().public_key()) for _ in range(3)]
    data = build_enrolment(devices, desk, 4, T1)
    enrolment = verify_enrolment(data, raw_public(desk.public_key()))
    assert enrolment.serial == 4
    assert set(enrolment.devices.values()) == set(devices)
    for changed in flipped(data):
        with pytest.raises(IntakeFormatError):
            verify_enrolment(changed, raw_public(desk.public_key()))
    with pytest.raises(IntakeFormatError):
        verify_enrolment(data, raw_public(Ed25519PrivateKey.generate().public_key()))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://intake.example.org", True),
        ("https://intake.example.org:8443/desk/", True),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:8080", True),
        ("http://intake.example.org", False),
        ("ftp://intake.example.org", False),
        ("https://user:pw@intake.example.org", False),
        ("https://intake.example.org/?q=1", False),
        ("https://intake.example.org/\u202e", False),
        ("https://", False),
        ("https://intake.example.org:0", False),
        ("", False),
    ],
)
def test_intake_urls(url: str, ok: bool) -> None:
    if ok:
        assert parse_intake_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ProfileError):
            parse_intake_url(url)


def test_desk_public_intake_fields_are_strict() -> None:
    desk = Ed25519PrivateKey.generate()
    base = {
        "format": "advisor-desktop-desk-public",
        "version": 1,
        "name": "Central desk",
        "age_recipient": "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        "signing_key": encode_public_key(raw_public(desk.public_key())),
    }
    assert parse_desk_public(base).intake_url is None
    intake = raw_public(Ed25519PrivateKey.generate().public_key())
    own = json.loads(issue_certificate(intake, desk, T0, T2))
    foreign = json.loads(issue_certificate(intake, Ed25519PrivateKey.generate(), T0, T2))
    parsed = parse_desk_public(
        {**base, "intake_url": "https://x.example", "intake_certificate": own}
    )
    assert parsed.intake_url == "https://x.example"
    assert parse_desk_public(parsed.to_doc()) == parsed
    for bad in (
        {"intake_url": 42},
        {"intake_url": "http://x.example"},
        {"intake_certificate": foreign},
        {"intake_certificate": "not an object"},
        {"intake_certificate": {**own, "version": 2}},
    ):
        with pytest.raises(ProfileError):
            parse_desk_public({**base, **bad})


def test_a_refusal_body_is_read_bounded_by_both_clients() -> None:
    """The workstation's and the advisor's clients read a refusal with one function: the
    code and reason of an error document, cut to size; anything else is 'unknown'."""
    from advisor_desktop.protocol.intake_api import error_doc, read_error_doc

    body = json.dumps(error_doc("rate-limited", "Slow down.")).encode()
    assert read_error_doc(body, "Too Many Requests") == ("rate-limited", "Slow down.")
    long = json.dumps(error_doc("x" * 100, "y" * 1000)).encode()
    assert read_error_doc(long, "") == ("x" * 64, "y" * 300)
    for hostile in (b"<html>", b"[1, 2]", b'{"error": 5}', b"[" * 100_000, b"\xff\xfe\x00"):
        assert read_error_doc(hostile, "Bad Gateway") == ("unknown", "Bad Gateway")
