"""The status message format (protocol/status_message.py): signed by the desk, encrypted to
the device; every changed byte, another key or another device is refused with a typed error."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from typing import Any

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.protocol.keys import canonical_json, key_id, raw_public
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.status_message import (
    MAX_TEXT_CHARS,
    StatusBadSignature,
    StatusMessage,
    StatusMessageError,
    StatusUndecryptable,
    build_status_message,
    open_status_message,
    parse_status_document,
    read_status_message,
    sign_status_message,
)

DESK = Ed25519PrivateKey.generate()
DESK_RAW = raw_public(DESK.public_key())
DEVICE = pyrage.x25519.Identity.generate()
DEVICE_RECIPIENT = str(DEVICE.to_public())


def message(**changes: Any) -> StatusMessage:
    base = StatusMessage(
        referral_id=str(uuid.uuid4()),
        sequence=2,
        state=ReferralState.CLOSED,
        outcome=Outcome.ADVICE_GIVEN,
        text="We advised the reporter.\nThank you.",
        set_at="2026-04-03T10:00:00Z",
        desk_key_id=key_id(DESK_RAW),
        device_key_id="ab" * 16,
    )
    return dataclasses.replace(base, **changes)


def test_round_trip() -> None:
    sent = message()
    data = build_status_message(sent, DESK, DEVICE_RECIPIENT)
    assert data.startswith(b"age-encryption.org/v1\n")
    assert b"advised" not in data  # encrypted
    assert open_status_message(data, DEVICE, DESK_RAW) == sent
    # Without text, not closed.
    quiet = message(state=ReferralState.IN_ASSESSMENT, outcome=None, text=None, sequence=1)
    assert (
        open_status_message(build_status_message(quiet, DESK, DEVICE_RECIPIENT), DEVICE, DESK_RAW)
        == quiet
    )
    # The standard age tool reads it too (with the device's identity).
    plain = pyrage.decrypt(data, [DEVICE])
    assert json.loads(plain)["status"]["referral_id"] == sent.referral_id


def test_another_desk_key_is_refused() -> None:
    data = build_status_message(message(), DESK, DEVICE_RECIPIENT)
    other = raw_public(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(StatusBadSignature):
        open_status_message(data, DEVICE, other)
    # Another key that signs in the desk's name (its key id in the body): still refused.
    forger = Ed25519PrivateKey.generate()
    forged = message(desk_key_id=key_id(raw_public(forger.public_key())))
    with pytest.raises(StatusBadSignature):
        open_status_message(
            build_status_message(forged, forger, DEVICE_RECIPIENT), DEVICE, DESK_RAW
        )


def test_another_device_cannot_read_it() -> None:
    data = build_status_message(message(), DESK, DEVICE_RECIPIENT)
    with pytest.raises(StatusUndecryptable) as err:
        open_status_message(data, pyrage.x25519.Identity.generate(), DESK_RAW)
    assert err.value.exit_code == 6


def test_every_changed_byte_is_refused() -> None:
    data = build_status_message(message(), DESK, DEVICE_RECIPIENT)
    for index in range(0, len(data), 7):
        changed = bytearray(data)
        changed[index] ^= 0x01
        with pytest.raises(StatusMessageError):
            open_status_message(bytes(changed), DEVICE, DESK_RAW)
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        with pytest.raises(StatusUndecryptable):
            open_status_message(data[:cut], DEVICE, DESK_RAW)


def _signed_doc() -> dict[str, Any]:
    return dict(json.loads(sign_status_message(message(), DESK)))


def _encrypt(plain: bytes) -> bytes:
    return bytes(pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(DEVICE_RECIPIENT)]))


def test_a_changed_body_fails_the_signature() -> None:
    doc = _signed_doc()
    doc["status"]["outcome"] = "investigation"
    with pytest.raises(StatusBadSignature):
        open_status_message(_encrypt(canonical_json(doc)), DEVICE, DESK_RAW)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(extra=1),
        lambda d: d.update(version=2),
        lambda d: d.update(format="advisor-desktop-receipt"),
        lambda d: d["status"].update(extra=1),
        lambda d: d["status"].update(sequence=0),
        lambda d: d["status"].update(sequence=True),
        lambda d: d["status"].update(sequence="3"),
        lambda d: d["status"].update(state="lost"),
        lambda d: d["status"].update(outcome=None),  # closed without outcome
        lambda d: d["status"].update(state="in-assessment"),  # outcome without closed
        lambda d: d["status"].update(text=""),
        lambda d: d["status"].update(text="x" * (MAX_TEXT_CHARS + 1)),
        lambda d: d["status"].update(text="look \x1b[2J here"),
        lambda d: d["status"].update(text="abc\u202edef"),
        lambda d: d["status"].update(text="a\rb"),
        lambda d: d["status"].update(set_at="yesterday"),
        lambda d: d["status"].update(referral_id="not-a-uuid"),
        lambda d: d["status"].update(device_key_id="XYZ"),
        lambda d: d["signature"].update(key_id="0" * 32),
        lambda d: d["signature"].update(algorithm="rsa"),
        lambda d: d["signature"].update(value="AAAA"),
    ],
)
def test_malformed_documents(change: Any) -> None:
    doc = _signed_doc()
    change(doc)
    with pytest.raises(StatusMessageError) as err:
        read_status_message(_encrypt(canonical_json(doc)), DEVICE)
    assert type(err.value) is StatusMessageError
    assert err.value.exit_code == 8


def test_only_the_canonical_bytes() -> None:
    document = sign_status_message(message(), DESK)
    assert parse_status_document(document).document == document
    spaced = json.dumps(json.loads(document), indent=1).encode()
    with pytest.raises(StatusMessageError):
        parse_status_document(spaced)
    # The one base64 spelling of the signature.
    doc = json.loads(document)
    raw = base64.b64decode(doc["signature"]["value"])
    doc["signature"]["value"] = base64.b64encode(raw).decode()[:-2] + "B="
    with pytest.raises(StatusMessageError):
        parse_status_document(canonical_json(doc))
    for data in (b"", b"[]", b"{", b"\xff", b'{"x": 1.5}', b"[" * 100_000):
        with pytest.raises(StatusMessageError):
            parse_status_document(data)


def test_files_that_are_no_status_message() -> None:
    for data in (b"", b"hello", b"age-encryption.org/v1\n", b"x" * 70_000):
        with pytest.raises(StatusUndecryptable):
            read_status_message(data, DEVICE)
    with pytest.raises(StatusMessageError):
        read_status_message(_encrypt(b"not json"), DEVICE)


def test_the_builder_refuses_what_a_reader_would() -> None:
    with pytest.raises(StatusMessageError):
        build_status_message(message(outcome=None), DESK, DEVICE_RECIPIENT)
    with pytest.raises(StatusMessageError):
        build_status_message(message(text="\x00"), DESK, DEVICE_RECIPIENT)
    with pytest.raises(ValueError, match="another desk key"):
        build_status_message(message(desk_key_id="0" * 32), DESK, DEVICE_RECIPIENT)
    with pytest.raises(ValueError, match="age recipient"):
        build_status_message(message(), DESK, "ed25519:nope")
