"""The key file of a store: its key slots (``crypto/keyslots.py``) with its kind recorded.

The slots wrap the store's random database key under Argon2id(passphrase) and Argon2id(recovery
code); their associated data binds each to the store id and the slot kind. Beside them the file
records the kind of store (``"store": "vault"`` or ``"desk"``), so a desk's key file never
opens as a vault, nor a vault's as a desk store.
"""

from __future__ import annotations

import json
from pathlib import Path

from advisor_desktop.crypto.keyslots import SlotFile, SlotKind, unwrap_key
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import VaultCorrupt
from advisor_desktop.platform.fsutil import remove_stale_temps
from advisor_desktop.platform.i18n import _
from advisor_desktop.storage.kind import StoreKind

_KIND_FIELD = "store"


def key_file_bytes(kind: StoreKind, slots: SlotFile) -> bytes:
    """The key file of a store of ``kind``: the key-slot format with the kind recorded."""
    doc = json.loads(slots.to_bytes())
    marked = {"format": doc.pop("format"), "version": doc.pop("version"), _KIND_FIELD: kind.name}
    return json.dumps({**marked, **doc}, indent=2).encode("utf-8")


def parse_key_file(kind: StoreKind, data: bytes) -> SlotFile:
    """The key slots of a key file of ``kind``; a file recording another kind is refused.

    A key file written before the kind was recorded has none and is read as either kind: the
    database's own check refuses a mix-up of those (the store id it names, or does not).
    """
    try:
        slots = SlotFile.from_bytes(data)
    except VaultCorrupt:
        if kind.wording.key_file_damaged is None:
            raise
        raise kind.corrupt(kind.wording.key_file_damaged) from None
    recorded = jsonio.loads(data.decode("utf-8")).get(_KIND_FIELD)  # parsed above already
    if recorded is not None and recorded != kind.name:
        raise kind.corrupt(kind.wording.key_file_other_kind)
    return slots


def read_key_file(kind: StoreKind, folder: Path) -> SlotFile:
    """The key slots of the store in ``folder``; both of its files must be there."""
    keys, db = folder / kind.files.keys, folder / kind.files.db
    words = kind.wording
    remove_stale_temps(folder, kind.files.keys)
    if not keys.exists() and not db.exists():
        raise kind.missing_error(_(words.missing).format(folder=folder))
    if not keys.exists():
        raise kind.corrupt(words.keys_missing)
    if not db.exists():
        raise kind.corrupt(words.db_missing)
    try:
        data = keys.read_bytes()
    except OSError:
        raise kind.corrupt(words.keys_unreadable) from None
    return parse_key_file(kind, data)


def unwrap_first(
    slots: SlotFile, slot: SlotKind, forms: tuple[bytes | bytearray, ...]
) -> tuple[bytearray, int] | None:
    """The database key and the index of the first of ``forms`` that opens the slot."""
    for index, form in enumerate(forms):
        key = unwrap_key(slots.slot(slot), form, slots.vault_id)
        if key is not None:
            return key, index
    return None
