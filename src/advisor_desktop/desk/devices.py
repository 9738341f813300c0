"""The advisor devices a desk trusts, kept in the desk store.

A device is enrolled under a name the desk chooses ("Advisor Kyiv"); the name is what the desk
shows as the signer of a package, so it must say one thing only:

- two devices never share a name: names are compared folded (NFKC, case, runs of spaces,
  zero-width joiners), so "advisor  KYIV" is the name "Advisor Kyiv" already has;
- a name holds nothing a terminal would act on or reorder (controls, bidi overrides and
  isolates, other invisible format characters), so the name shown is the name stored;
- one key is enrolled once.

A device is enrolled with two public keys: its Ed25519 key (it signs packages and withdrawals)
and its age recipient (the desk encrypts its status messages to it). A device enrolled with the
Ed25519 key only (as before the age key existed) still sends packages, but no status message
can be sent to it until its age recipient is added (:func:`add_age_recipient`).

Enrolling needs the desk store open, that is the desk passphrase.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlcipher3

from advisor_desktop.desk.errors import DeviceError
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import is_unsafe
from advisor_desktop.protocol.errors import KeyFormatError
from advisor_desktop.protocol.keys import (
    key_id,
    parse_recipient,
    public_key_fingerprint,
    recipient_fingerprint,
)

MAX_NAME_CHARS = 100
# Zero-width non-joiner and joiner belong in Persian, Indic and other names; they are kept in
# the name but ignored when names are compared.
_JOINERS = "\u200c\u200d"
_SPACES = re.compile(r"\s+")
_COLUMNS = "id, name, public_key, key_id, enrolled_at, origin, age_recipient"


@dataclass(frozen=True)
class Device:
    """An enrolled advisor device."""

    id: int
    name: str
    public_key: bytes
    key_id: str
    enrolled_at: str
    origin: str
    age_recipient: str | None = None
    """The device's age recipient (``age1…``), for status messages; None: enrolled without."""

    @property
    def fingerprint(self) -> str:
        """The key's fingerprint, to compare by phone (``ABCD 1234 …``)."""
        return public_key_fingerprint(self.public_key)

    @property
    def age_fingerprint(self) -> str | None:
        """The age recipient's fingerprint, also compared by phone (None: no age key)."""
        return None if self.age_recipient is None else recipient_fingerprint(self.age_recipient)


def _device(row: Any) -> Device:
    return Device(
        int(row[0]),
        str(row[1]),
        bytes(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        None if row[6] is None else str(row[6]),
    )


def age_recipient(text: str) -> str:
    """``text`` as a device's age recipient (``age1…``), or :class:`DeviceError`."""
    try:
        parse_recipient(text)
    except KeyFormatError:
        raise DeviceError(_("This is not an age recipient (age1…).")) from None
    return text.strip()


def device_name(text: str) -> str:
    """``text`` as a device name (NFC, surrounding spaces removed, inner runs of spaces as one),
    or :class:`DeviceError` when it is empty, too long or holds characters a terminal would
    not show as they are."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise DeviceError(_("A device name needs 1 to {n} characters.").format(n=MAX_NAME_CHARS))
    for char in name:
        if is_unsafe(char) or (unicodedata.category(char) == "Cf" and char not in _JOINERS):
            raise DeviceError(
                _(
                    "A device name cannot contain control, direction or invisible characters "
                    "(found U+{code:04X})."
                ).format(code=ord(char))
            )
    return name


def name_key(name: str) -> str:
    """The form two names are compared in: NFKC, case-folded, joiners and extra spaces gone."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = "".join(c for c in folded if c not in _JOINERS)
    return _SPACES.sub(" ", folded).strip()


def list_devices(store: DeskStore) -> list[Device]:
    """Every enrolled device, by name."""
    with store.read() as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM devices ORDER BY name_key").fetchall()  # noqa: S608
    return [_device(r) for r in rows]


def trusted_keys(store: DeskStore) -> dict[str, bytes]:
    """Key id → raw public key of every enrolled device, for signature checks."""
    return {d.key_id: d.public_key for d in list_devices(store)}


def device_by_key_id(store: DeskStore, wanted: str) -> Device | None:
    """The enrolled device with key id ``wanted``, if any."""
    with store.read() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM devices WHERE key_id = ?",  # noqa: S608
            (wanted,),
        ).fetchone()
    return None if row is None else _device(row)


def _refusal(conn: Any, name: str, public_key: bytes) -> DeviceError | None:
    row = conn.execute("SELECT name FROM devices WHERE public_key = ?", (public_key,)).fetchone()
    if row is not None:
        return DeviceError(_("This device key is already enrolled, as {name}.").format(name=row[0]))
    row = conn.execute("SELECT name FROM devices WHERE name_key = ?", (name_key(name),)).fetchone()
    if row is not None:
        return DeviceError(
            _(
                "Another device is already enrolled as {name}: choose a name that tells them apart."
            ).format(name=row[0])
        )
    return None


def check_enrolment(store: DeskStore, name: str, public_key: bytes) -> None:
    """Raise :class:`DeviceError` when ``public_key`` cannot be enrolled as ``name`` (the name
    is taken, or the key is enrolled already); checked before asking for confirmation."""
    with store.read() as conn:
        refusal = _refusal(conn, name, public_key)
    if refusal is not None:
        raise refusal


def insert_device(
    conn: Any,
    name: str,
    public_key: bytes,
    enrolled_at: str,
    origin: str,
    recipient: str | None = None,
) -> Device:
    """Add a device inside the caller's transaction (refused as in :func:`check_enrolment`)."""
    refusal = _refusal(conn, name, public_key)
    if refusal is not None:
        raise refusal
    try:
        cursor = conn.execute(
            "INSERT INTO devices (name, name_key, public_key, key_id, enrolled_at, origin, "
            "age_recipient) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, name_key(name), public_key, key_id(public_key), enrolled_at, origin, recipient),
        )
    except sqlcipher3.IntegrityError:
        raise DeviceError(_("This device or this name is enrolled already.")) from None
    return Device(
        int(cursor.lastrowid),
        name,
        public_key,
        key_id(public_key),
        enrolled_at,
        origin,
        recipient,
    )


def enrol_device(
    store: DeskStore,
    name: str,
    public_key: bytes,
    enrolled_at: str,
    recipient: str | None = None,
) -> Device:
    """Trust ``public_key`` (32 raw bytes) as the device ``name`` (see :func:`device_name`),
    with its age recipient ``recipient`` (see :func:`age_recipient`) when given."""
    name = device_name(name)
    recipient = None if recipient is None else age_recipient(recipient)
    with store.write() as conn:
        return insert_device(conn, name, public_key, enrolled_at, "enrol", recipient)


def device_by_key(store: DeskStore, public_key: bytes) -> Device | None:
    """The enrolled device with the Ed25519 key ``public_key``, if any."""
    return device_by_key_id(store, key_id(public_key))


def can_add_age_recipient(store: DeskStore, name: str, public_key: bytes) -> Device | None:
    """The device that ``enrol PUBKEY AGE_RECIPIENT --name NAME`` completes: ``public_key`` is
    enrolled as ``name`` (compared folded) without an age recipient. None: it is not enrolled
    at all (an ordinary enrolment)."""
    device = device_by_key(store, public_key)
    if device is None:
        return None
    if device.age_recipient is not None:
        raise DeviceError(
            _("This device key is already enrolled, as {name}, with its age key.").format(
                name=device.name
            )
        )
    if name_key(device.name) != name_key(name):
        raise DeviceError(
            _("This device key is already enrolled, as {name}.").format(name=device.name)
        )
    return device


def add_age_recipient(store: DeskStore, device: Device, recipient: str) -> Device:
    """Give an enrolled device without an age key its age recipient (status messages can be
    sent to it from now on). The Ed25519 key, name and enrolment time stay."""
    recipient = age_recipient(recipient)
    with store.write() as conn:
        changed = conn.execute(
            "UPDATE devices SET age_recipient = ? WHERE id = ? AND age_recipient IS NULL",
            (recipient, device.id),
        ).rowcount
    if changed != 1:
        raise DeviceError(_("This device's age key was enrolled already."))
    return Device(
        device.id,
        device.name,
        device.public_key,
        device.key_id,
        device.enrolled_at,
        device.origin,
        recipient,
    )


def device_of_referral(store: DeskStore, referral_id: str) -> Device:
    """The enrolled device a stored referral came from."""
    with store.read() as conn:
        row = conn.execute(
            f"SELECT {', '.join('d.' + c.strip() for c in _COLUMNS.split(','))} "  # noqa: S608
            "FROM referrals r JOIN devices d ON d.id = r.device_id WHERE r.id = ?",
            (referral_id,),
        ).fetchone()
    if row is None:
        raise DeviceError(_("No referral in the desk store has this id."))
    return _device(row)
