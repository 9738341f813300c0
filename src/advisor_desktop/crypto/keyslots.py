"""Key slots: the vault's random database key, wrapped under Argon2id-derived keys.

The slot file holds, per slot, the KDF parameters, a salt, a nonce and the AES-256-GCM
ciphertext of the 32-byte database key. The associated data binds each slot to its vault id
and kind, so a slot copied from another vault or relabelled fails to open. Nothing in the file
is secret without the passphrase or the recovery code.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from advisor_desktop.platform.errors import VaultCorrupt, VaultTooNew
from advisor_desktop.platform.i18n import _

SlotKind = Literal["passphrase", "recovery"]
SLOT_FORMAT = "advisor-desktop-keyslots"
SLOT_FILE_VERSION = 1
KEY_BYTES = 32
MIN_MEMORY_KIB = 64 * 1024
TARGET_SECONDS = 0.5


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with each slot so old slots stay openable."""

    time_cost: int
    memory_kib: int
    lanes: int = 4

    def validate(self) -> None:
        """Refuse parameters no vault of ours would write (a tampered or foreign file)."""
        if not (1 <= self.time_cost <= 64):
            raise VaultCorrupt(_("The key file has invalid key-derivation settings."))
        if not (8 * 1024 <= self.memory_kib <= 4 * 1024 * 1024):
            raise VaultCorrupt(_("The key file has invalid key-derivation settings."))
        if not (1 <= self.lanes <= 16):
            raise VaultCorrupt(_("The key file has invalid key-derivation settings."))


class KdfPolicy:
    """Chooses Argon2id parameters for new slots.

    The default calibrates on this machine to about :data:`TARGET_SECONDS` with at least 64 MiB.
    Tests and benchmarks pass :meth:`fixed` parameters instead.
    """

    def __init__(self, fixed: KdfParams | None = None, target_seconds: float = TARGET_SECONDS):
        self._fixed = fixed
        self._target = target_seconds
        self._cached: KdfParams | None = None

    @classmethod
    def fixed(cls, params: KdfParams) -> KdfPolicy:
        """A policy that always returns ``params`` (no calibration)."""
        return cls(fixed=params)

    def params(self) -> KdfParams:
        """Parameters for a new slot (calibrated once per policy object)."""
        if self._fixed is not None:
            return self._fixed
        if self._cached is None:
            self._cached = calibrate(self._target)
        return self._cached


def calibrate(target_seconds: float = TARGET_SECONDS) -> KdfParams:
    """Find Argon2id parameters that take about ``target_seconds`` here, memory ≥ 64 MiB.

    Memory is raised first (up to 256 MiB: memory-hardness is what costs an attacker), then the
    number of passes.
    """
    salt = os.urandom(16)
    memory = MIN_MEMORY_KIB
    elapsed = _time_kdf(KdfParams(1, memory), salt)
    while elapsed * 2 <= target_seconds and memory < 256 * 1024:
        memory *= 2
        elapsed = _time_kdf(KdfParams(1, memory), salt)
    passes = max(1, min(64, round(target_seconds / max(elapsed, 1e-3))))
    return KdfParams(time_cost=passes, memory_kib=memory)


def _time_kdf(params: KdfParams, salt: bytes) -> float:
    start = time.perf_counter()
    derive_key(bytearray(b"calibration"), salt, params)
    return time.perf_counter() - start


def derive_key(secret: bytearray | bytes, salt: bytes, params: KdfParams) -> bytes:
    """Argon2id(secret, salt) → 32 bytes."""
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.time_cost,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(bytes(secret))


@dataclass(frozen=True)
class KeySlot:
    """One wrapped copy of the database key."""

    kind: SlotKind
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes


def _aad(vault_id: str, kind: str) -> bytes:
    return f"{SLOT_FORMAT}/{SLOT_FILE_VERSION}/{vault_id}/{kind}".encode()


def wrap_key(
    db_key: bytearray, secret: bytearray | bytes, kind: SlotKind, vault_id: str, params: KdfParams
) -> KeySlot:
    """Wrap ``db_key`` under a key derived from ``secret``."""
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = derive_key(secret, salt, params)
    wrapped = AESGCM(kek).encrypt(nonce, bytes(db_key), _aad(vault_id, kind))
    return KeySlot(kind=kind, kdf=params, salt=salt, nonce=nonce, wrapped=wrapped)


def unwrap_key(slot: KeySlot, secret: bytearray | bytes, vault_id: str) -> bytearray | None:
    """The database key, or None when ``secret`` does not open this slot."""
    kek = derive_key(secret, slot.salt, slot.kdf)
    try:
        plain = AESGCM(kek).decrypt(slot.nonce, slot.wrapped, _aad(vault_id, slot.kind))
    except InvalidTag:
        return None
    if len(plain) != KEY_BYTES:
        raise VaultCorrupt(_("The key file is damaged."))
    return bytearray(plain)


@dataclass(frozen=True)
class SlotFile:
    """The parsed key-slot file."""

    vault_id: str
    slots: tuple[KeySlot, ...]

    def slot(self, kind: SlotKind) -> KeySlot:
        """The slot of ``kind``; a file without it is damaged."""
        for slot in self.slots:
            if slot.kind == kind:
                return slot
        raise VaultCorrupt(_("The key file is damaged."))

    def replace(self, new: KeySlot) -> SlotFile:
        """A copy with the slot of ``new.kind`` replaced."""
        return SlotFile(self.vault_id, tuple(new if s.kind == new.kind else s for s in self.slots))

    def to_bytes(self) -> bytes:
        """Serialise as JSON (wrapped keys are base64)."""
        doc = {
            "format": SLOT_FORMAT,
            "version": SLOT_FILE_VERSION,
            "vault_id": self.vault_id,
            "slots": [
                {
                    "kind": s.kind,
                    "kdf": {"name": "argon2id", **asdict(s.kdf)},
                    "salt": _b64(s.salt),
                    "nonce": _b64(s.nonce),
                    "wrapped": _b64(s.wrapped),
                }
                for s in self.slots
            ],
        }
        return json.dumps(doc, indent=2).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> SlotFile:
        """Parse and validate; anything unexpected is :class:`VaultCorrupt`."""
        damaged = VaultCorrupt(_("The key file beside the vault is damaged or not ours."))
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise damaged from None
        if not isinstance(doc, dict) or doc.get("format") != SLOT_FORMAT:
            raise damaged
        version = doc.get("version")
        if not isinstance(version, int):
            raise damaged
        if version > SLOT_FILE_VERSION:
            raise VaultTooNew(
                _("This vault was made by a newer version of Advisor Desktop. Please update.")
            )
        try:
            vault_id = _str(doc["vault_id"])
            slots = tuple(_parse_slot(raw) for raw in doc["slots"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise damaged from None
        kinds = [s.kind for s in slots]
        if sorted(kinds) != ["passphrase", "recovery"]:
            raise damaged
        return cls(vault_id=vault_id, slots=slots)


def _parse_slot(raw: Any) -> KeySlot:
    kind = raw["kind"]
    if kind not in ("passphrase", "recovery"):
        raise ValueError(kind)
    kdf = raw["kdf"]
    if kdf["name"] != "argon2id":
        raise ValueError("kdf")
    params = KdfParams(
        time_cost=_int(kdf["time_cost"]),
        memory_kib=_int(kdf["memory_kib"]),
        lanes=_int(kdf["lanes"]),
    )
    params.validate()
    salt, nonce, wrapped = (_unb64(raw[k]) for k in ("salt", "nonce", "wrapped"))
    if len(salt) != 16 or len(nonce) != 12 or len(wrapped) != KEY_BYTES + 16:
        raise ValueError("sizes")
    return KeySlot(kind=kind, kdf=params, salt=salt, nonce=nonce, wrapped=wrapped)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("int")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str) or not (1 <= len(value) <= 64):
        raise TypeError("str")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError("b64")
    return base64.b64decode(text, validate=True)
