"""What makes a store the vault or the desk store: a :class:`StoreKind`.

``storage/database.py`` is the one implementation of an encrypted store; a kind gives it the
store's file names, its schema (a list of migration steps, the current version being its
length), the id its key file records, the typed errors and the messages that name it ("vault"
or "desk store"), and the checks it adds at open. The vault's kind is ``storage/store.py``'s
``VAULT``, the desk store's ``desk/store.py``'s ``DESK``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.platform.errors import AdvisorError, VaultCorrupt, VaultMissing
from advisor_desktop.platform.i18n import _
from advisor_desktop.storage.migrations import Migration

Message = str
"""A msgid marked with ``N_``: translated with ``_`` where the error is raised, so in the
language then active."""


@dataclass(frozen=True)
class StoreFiles:
    """The names of a store's files in its folder."""

    db: str
    keys: str
    lock: str

    @property
    def store_files(self) -> tuple[str, ...]:
        """Every file that is part of the store (the lock file is not)."""
        return (self.db, self.keys, self.db + "-wal", self.db + "-shm")


@dataclass(frozen=True)
class StoreWording:
    """The messages that name the store ("vault" / "desk store"), each a :data:`Message`.

    Placeholders: ``{folder}`` in :attr:`missing` and :attr:`exists`, ``{reason}`` in
    :attr:`folder_unusable`.
    """

    what: Message  # "the vault": what could not be saved (storage_error)
    key_file_what: Message  # "the vault's key file"
    exists: Message
    missing: Message
    keys_missing: Message
    db_missing: Message
    keys_unreadable: Message
    key_file_other_kind: Message  # the key file records another kind of store
    db_unreadable: Message
    not_encrypted: Message
    truncated: Message
    cannot_open: Message
    read_only: Message
    disk_failed: Message
    not_ours: Message  # the key does not open the database, or it is not of this kind
    no_journal: Message
    wrong_passphrase: Message
    wrong_recovery_code: Message
    too_new: Message
    altered: Message  # cipher_integrity_check found a page that fails its HMAC
    foreign_database: Message  # the database names another key file's id
    read_only_unsaved: Message
    busy: Message
    damaged: Message
    closed: Message
    in_use: Message  # another process holds the lock
    # The key-slot format's own message (None) or this one, when the key file does not parse.
    key_file_damaged: Message | None = None
    # The lock file cannot be opened at open: a VaultCorrupt with this message, or (None) the
    # StorageError of a failed write (as always at creation).
    folder_unusable: Message | None = None


@dataclass(frozen=True)
class StoreKind:
    """One kind of store: the vault, or the desk store."""

    name: str  # recorded in the key file
    event: str  # the prefix of log events: "vault" → vault_opened
    files: StoreFiles
    migrations: Sequence[Migration]
    wording: StoreWording
    missing_error: type[VaultMissing]
    corrupt_error: type[VaultCorrupt]
    exists_error: type[AdvisorError]
    # PRAGMA cipher_integrity_check at open: every page's HMAC, not only those read later.
    check_integrity: bool = False
    # The database's meta table holds the key file's id (``store_id``), checked at open; a
    # kind without it checks that there is none.
    records_store_id: bool = False

    @property
    def schema_version(self) -> int:
        """The current schema version: the number of migration steps."""
        return len(self.migrations)

    def corrupt(self, message: Message) -> VaultCorrupt:
        """This kind's error for a damaged or foreign file, with ``message`` translated."""
        return self.corrupt_error(_(message))


def store_exists(kind: StoreKind, folder: Path) -> bool:
    """True when a store of ``kind`` (its database or its key file) is in ``folder``."""
    return (folder / kind.files.db).exists() or (folder / kind.files.keys).exists()
