"""The enrolled device list as the intake server holds it: exported from the desk store and
signed by the desk key, so a server that was given a list it cannot verify refuses to start.

``enrolment.json`` is exactly the canonical JSON of::

    {"format": "advisor-desktop-enrolment", "version": 1,
     "enrolment": {"desk_key_id": "<32 hex>", "serial": <n ≥ 1>, "issued_at": "<UTC stamp>",
                   "devices": [{"key_id": "<32 hex>", "public_key": "ed25519:<base64>"}, …]},
     "signature": {"algorithm": "ed25519", "key_id": "<desk key id>", "value": "<base64>"}}

signed over ``b"advisor-desktop-enrolment/v1\\x00" + canonical_json(enrolment)``. Devices are
sorted by key id and carry no names: the server needs to know keys, not who holds them.
``serial`` grows with every export (the desk store counts), so a server keeps the highest it has
accepted and refuses an older list — one that still names a device the desk has since removed.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.devices import list_devices
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import KeyFormatError
from advisor_desktop.protocol.intake_api import (
    IntakeFormatError,
    IntakeSignatureError,
    check_signature,
    is_key_id,
    is_utc_stamp,
    parse_signed,
)
from advisor_desktop.protocol.keys import (
    canonical_json,
    decode_public_key,
    encode_public_key,
    key_id,
    raw_public,
)

ENROLMENT_FILE = "enrolment.json"
ENROLMENT_FORMAT = "advisor-desktop-enrolment"
ENROLMENT_CONTEXT = b"advisor-desktop-enrolment/v1\x00"
MAX_ENROLMENT_BYTES = 4 * 1024 * 1024
SERIAL_META = "enrolment_serial"


@dataclass(frozen=True)
class Enrolment:
    """A verified device list: key id → 32 raw bytes of each enrolled device's key."""

    desk_key_id: str
    serial: int
    issued_at: str
    devices: Mapping[str, bytes]


def build_enrolment(
    devices: Sequence[bytes], desk_key: Ed25519PrivateKey, serial: int, issued_at: str
) -> bytes:
    """The signed list (canonical bytes) of the device keys ``devices`` (32 raw bytes each)."""
    desk_id = key_id(raw_public(desk_key.public_key()))
    body = {
        "desk_key_id": desk_id,
        "serial": serial,
        "issued_at": issued_at,
        "devices": [
            {"key_id": key_id(raw), "public_key": encode_public_key(raw)}
            for raw in sorted(set(devices), key=key_id)
        ],
    }
    _check_body(body)
    signature = desk_key.sign(ENROLMENT_CONTEXT + canonical_json(body))
    return canonical_json(
        {
            "format": ENROLMENT_FORMAT,
            "version": 1,
            "enrolment": body,
            "signature": {
                "algorithm": "ed25519",
                "key_id": desk_id,
                "value": base64.b64encode(signature).decode("ascii"),
            },
        }
    )


def _bad(what: str) -> IntakeFormatError:
    return IntakeFormatError(_("The enrolled device list is not valid ({what}).").format(what=what))


def _check_body(body: dict[str, object]) -> Enrolment:
    if set(body) != {"desk_key_id", "serial", "issued_at", "devices"}:
        raise _bad("fields")
    serial, devices = body["serial"], body["devices"]
    if not is_key_id(body["desk_key_id"]) or not is_utc_stamp(body["issued_at"]):
        raise _bad("desk key id or time")
    if not isinstance(serial, int) or isinstance(serial, bool) or serial < 1:
        raise _bad("serial")
    if not isinstance(devices, list):
        raise _bad("devices")
    keys: dict[str, bytes] = {}
    previous = ""
    for item in devices:
        if not isinstance(item, dict) or set(item) != {"key_id", "public_key"}:
            raise _bad("device")
        try:
            raw = decode_public_key(item["public_key"])
        except KeyFormatError:
            raise _bad("device key") from None
        if encode_public_key(raw) != item["public_key"] or key_id(raw) != item["key_id"]:
            raise _bad("device key id")
        if item["key_id"] <= previous:
            raise _bad("device order")
        previous = item["key_id"]
        keys[previous] = raw
    return Enrolment(str(body["desk_key_id"]), serial, str(body["issued_at"]), keys)


def verify_enrolment(data: bytes, desk_public_key: bytes) -> Enrolment:
    """Parse a device list and check it was signed by the desk key (32 raw bytes)."""
    body, signer, signature = parse_signed(data, ENROLMENT_FORMAT, "enrolment", MAX_ENROLMENT_BYTES)
    enrolment = _check_body(body)
    if signer != enrolment.desk_key_id or signer != key_id(desk_public_key):
        raise IntakeSignatureError(_("The enrolled device list was not signed by this desk."))
    check_signature(
        desk_public_key,
        signature,
        ENROLMENT_CONTEXT + canonical_json(body),
        _("enrolled device list"),
    )
    return enrolment


def export_enrolment(store: DeskStore, desk_key: Ed25519PrivateKey, now: str) -> bytes:
    """The signed list of every device enrolled in ``store``, with the next serial (counted in
    the store, so every export is newer than the last)."""
    with store.write() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (SERIAL_META,)).fetchone()
        serial = int(row[0]) + 1 if row is not None else 1
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (SERIAL_META, str(serial)),
        )
    return build_enrolment([d.public_key for d in list_devices(store)], desk_key, serial, now)
