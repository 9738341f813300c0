"""Key slots: the vault's random database key, wrapped under Argon2id-derived keys.

The slot file holds, per slot, the KDF parameters, a salt, a nonce and the AES-256-GCM
ciphertext of the 32-byte database key. The associated data binds each slot to its vault id
and kind, so a slot copied from another vault or relabelled fails to open. Nothing in the file
is secret without the passphrase or the recovery code.

The recovery slot is *sealed* (file version 2): Argon2id(recovery code) is an X25519 private
key whose public half is stored in the slot, and the database key is wrapped under an
ephemeral X25519 exchange with it. A new database key can then be sealed for the same
recovery code without knowing it, so changing the passphrase rekeys the database and keeps
the written-down code working. A version-1 recovery slot (wrapped like the passphrase slot)
still opens; the next rekey replaces it (with a new code, unless the code is at hand).

KDF settings read from a file are bounded (:meth:`KdfParams.validate`) to what
:func:`calibrate` can choose, with headroom: a tampered file cannot make an unlock run for
minutes or take gigabytes of memory.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import VaultCorrupt, VaultTooNew
from advisor_desktop.platform.i18n import _

SlotKind = Literal["passphrase", "recovery"]
SLOT_FORMAT = "advisor-desktop-keyslots"
SLOT_FILE_VERSION = 2  # 2: sealed recovery slot; files with symmetric slots only stay 1
_AAD_VERSION = 1  # the version named in every slot's associated data (unchanged since 1)
KEY_BYTES = 32
MIN_MEMORY_KIB = 64 * 1024
MAX_CALIBRATED_MEMORY_KIB = 256 * 1024
MAX_CALIBRATED_PASSES = 8
TARGET_SECONDS = 0.5
# What a file may ask for: calibration's ceiling with headroom (4× the memory, 2× the passes,
# 2× their product), so a machine slower or faster than today's still opens its own vault,
# while a tampered file asking for more is refused before Argon2id runs.
MIN_FILE_MEMORY_KIB = 8 * 1024
MAX_MEMORY_KIB = 4 * MAX_CALIBRATED_MEMORY_KIB  # 1 GiB
MAX_TIME_COST = 2 * MAX_CALIBRATED_PASSES  # 16
MAX_WORK_KIB_PASSES = 2 * MAX_CALIBRATED_MEMORY_KIB * MAX_CALIBRATED_PASSES  # 4 GiB-passes
MAX_LANES = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored with each slot so old slots stay openable."""

    time_cost: int
    memory_kib: int
    lanes: int = 4

    def validate(self) -> None:
        """Refuse parameters no vault of ours would write (a tampered or foreign file): more
        memory, passes or memory × passes than calibration chooses, with headroom."""
        if (
            not (1 <= self.time_cost <= MAX_TIME_COST)
            or not (MIN_FILE_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB)
            or self.memory_kib * self.time_cost > MAX_WORK_KIB_PASSES
            or not (1 <= self.lanes <= MAX_LANES)
        ):
            raise VaultCorrupt(_("The key file is damaged: invalid key-derivation settings."))


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
    number of passes (at most :data:`MAX_CALIBRATED_PASSES`). :meth:`KdfParams.validate`
    accepts every outcome with headroom.
    """
    salt = os.urandom(16)
    memory = MIN_MEMORY_KIB
    elapsed = _time_kdf(KdfParams(1, memory), salt)
    while elapsed * 2 <= target_seconds and memory < MAX_CALIBRATED_MEMORY_KIB:
        memory *= 2
        elapsed = _time_kdf(KdfParams(1, memory), salt)
    passes = max(1, min(MAX_CALIBRATED_PASSES, round(target_seconds / max(elapsed, 1e-3))))
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
    """One wrapped copy of the database key. A sealed slot (the recovery slot since file
    version 2) also holds the X25519 public key derived from its secret and the ephemeral
    public key of its wrapping."""

    kind: SlotKind
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    public: bytes = b""
    ephemeral: bytes = b""

    @property
    def sealed(self) -> bool:
        """True when a new key can be sealed into this slot without its secret."""
        return bool(self.public)


def secrets_equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a, b)


def _aad(vault_id: str, kind: str) -> bytes:
    return f"{SLOT_FORMAT}/{_AAD_VERSION}/{vault_id}/{kind}".encode()


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _sealing_key(shared: bytes, ephemeral: bytes, public: bytes, aad: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"seal/" + aad).derive(
        shared + ephemeral + public
    )


def seal_key(db_key: bytearray, template: KeySlot, vault_id: str) -> KeySlot:
    """``db_key`` sealed for the secret of the sealed slot ``template`` (same KDF, salt and
    public key), without that secret."""
    if not template.sealed:
        raise ValueError("not a sealed slot")
    ephemeral = X25519PrivateKey.generate()
    eph_public = _raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(template.public))
    aad = _aad(vault_id, template.kind)
    kek = _sealing_key(shared, eph_public, template.public, aad)
    nonce = os.urandom(12)
    wrapped = AESGCM(kek).encrypt(nonce, bytes(db_key), aad)
    return KeySlot(
        kind=template.kind,
        kdf=template.kdf,
        salt=template.salt,
        nonce=nonce,
        wrapped=wrapped,
        public=template.public,
        ephemeral=eph_public,
    )


def sealed_slot(
    db_key: bytearray, secret: bytearray | bytes, kind: SlotKind, vault_id: str, params: KdfParams
) -> KeySlot:
    """A new sealed slot: ``secret``'s X25519 key (Argon2id with a new salt), ``db_key``
    sealed for it."""
    salt = os.urandom(16)
    private = X25519PrivateKey.from_private_bytes(derive_key(secret, salt, params))
    template = KeySlot(
        kind=kind,
        kdf=params,
        salt=salt,
        nonce=b"",
        wrapped=b"",
        public=_raw_public(private.public_key()),
    )
    return seal_key(db_key, template, vault_id)


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
    aad = _aad(vault_id, slot.kind)
    kek = derive_key(secret, slot.salt, slot.kdf)
    if slot.sealed:
        private = X25519PrivateKey.from_private_bytes(kek)
        if not secrets_equal(_raw_public(private.public_key()), slot.public):
            return None
        try:
            shared = private.exchange(X25519PublicKey.from_public_bytes(slot.ephemeral))
        except ValueError:  # an all-zero (low-order) ephemeral key: a forged slot
            raise VaultCorrupt(_("The key file is damaged.")) from None
        kek = _sealing_key(shared, slot.ephemeral, slot.public, aad)
    try:
        plain = AESGCM(kek).decrypt(slot.nonce, slot.wrapped, aad)
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
        """Serialise as JSON (wrapped keys are base64). A file without sealed slots is
        written as version 1, which older versions of the app still open."""
        version = SLOT_FILE_VERSION if any(s.sealed for s in self.slots) else 1
        doc = {
            "format": SLOT_FORMAT,
            "version": version,
            "vault_id": self.vault_id,
            "slots": [_slot_doc(s) for s in self.slots],
        }
        return json.dumps(doc, indent=2).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> SlotFile:
        """Parse and validate; anything unexpected is :class:`VaultCorrupt`."""
        damaged = VaultCorrupt(_("The key file beside the vault is damaged or not ours."))
        try:
            doc = jsonio.loads(data.decode("utf-8"))
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


def _slot_doc(s: KeySlot) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": s.kind,
        "kdf": {"name": "argon2id", **asdict(s.kdf)},
        "salt": _b64(s.salt),
        "nonce": _b64(s.nonce),
        "wrapped": _b64(s.wrapped),
    }
    if s.sealed:
        doc["sealed"] = {"name": "x25519", "public": _b64(s.public), "ephemeral": _b64(s.ephemeral)}
    return doc


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
    public = ephemeral = b""
    if "sealed" in raw:
        sealed = raw["sealed"]
        if sealed["name"] != "x25519":
            raise ValueError("sealed")
        public, ephemeral = _unb64(sealed["public"]), _unb64(sealed["ephemeral"])
        if len(public) != 32 or len(ephemeral) != 32:
            raise ValueError("sizes")
    return KeySlot(
        kind=kind,
        kdf=params,
        salt=salt,
        nonce=nonce,
        wrapped=wrapped,
        public=public,
        ephemeral=ephemeral,
    )


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
