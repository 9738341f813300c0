"""Create, open and close the encrypted vault.

Files in the data folder:

- ``vault.db``   — SQLCipher 4 database, keyed with a random 256-bit *raw* key;
- ``vault.keys`` — that key, wrapped under Argon2id(passphrase) and Argon2id(recovery code);
- ``vault.lock`` — an advisory lock so only one process opens the vault.

The vault is one kind of store (:data:`VAULT`): its file names, its schema
(``storage/schema.py``) and its messages; creating, opening, the key slots, the PRAGMAs and
the lock are ``storage/database.py``'s, which the desk store uses as well.

A passphrase comes as typed text (``crypto.secret_text.SecretText``: its NFC form, then the
form as typed, which versions before normalisation derived from) or as bytes used exactly as
given. A vault that opens only from the form as typed is re-wrapped under the NFC form.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy, SlotFile
from advisor_desktop.crypto.recovery import normalize_recovery_code
from advisor_desktop.crypto.secret_text import Passphrase, candidate_forms, require_passphrase
from advisor_desktop.platform.errors import (
    StorageError,
    VaultCorrupt,
    VaultExists,
    VaultMissing,
)
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import N_
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.database import (
    Connection,
    EncryptedDatabase,
    Unlocked,
    create_database,
    open_database,
)
from advisor_desktop.storage.keyfile import read_key_file, unwrap_first
from advisor_desktop.storage.kind import StoreFiles, StoreKind, StoreWording, store_exists
from advisor_desktop.storage.lockfile import ProcessLock
from advisor_desktop.storage.rekey import Progress, rekey_store
from advisor_desktop.storage.schema import MIGRATIONS
from advisor_desktop.storage.switch import remove_stale_work

log = logging.getLogger(__name__)

VAULT_WORDING = StoreWording(
    what=N_("the vault"),
    key_file_what=N_("the vault's key file"),
    exists=N_("A vault already exists in {folder}."),
    missing=N_("No vault was found in {folder}."),
    keys_missing=N_("The vault's key file is missing; restore it from a backup."),
    db_missing=N_("The vault's database file is missing; restore it from a backup."),
    keys_unreadable=N_("The vault's key file cannot be read."),
    key_file_other_kind=N_("The key file beside the vault is damaged or not ours."),
    db_unreadable=N_("The vault file cannot be read."),
    not_encrypted=N_("The vault file is not encrypted; it is not an Advisor Desktop vault."),
    truncated=N_("The vault file is empty or truncated."),
    cannot_open=N_("The vault file cannot be opened."),
    read_only=N_("The data folder is read-only or not writable: the vault cannot be opened."),
    disk_failed=N_("The disk is full or reported an error: the vault cannot be opened."),
    not_ours=N_("The vault file is damaged or is not an Advisor Desktop vault."),
    no_journal=N_("The vault's journal could not be set up in the data folder."),
    wrong_passphrase=N_("The passphrase is not correct."),
    wrong_recovery_code=N_("The recovery code does not open this vault."),
    too_new=N_("This vault was made by a newer version of Advisor Desktop. Please update."),
    altered=N_("The vault file is damaged. Restore it from a backup."),
    foreign_database=N_("The vault file is damaged or is not an Advisor Desktop vault."),
    read_only_unsaved=N_("The data folder is read-only: the change was not saved."),
    busy=N_("The vault is busy; please try again."),
    damaged=N_("The vault file is damaged. Restore it from a backup."),
    closed=N_("The vault is locked. Unlock it to continue."),
    in_use=N_("This vault is already open in another Advisor Desktop window or command."),
    folder_unusable=N_("The data folder cannot be used: {reason}"),
)

# The file names are AppPaths' (vault_db, key_slots, lock_file); tests check they agree.
VAULT = StoreKind(
    name="vault",
    event="vault",
    files=StoreFiles(db="vault.db", keys="vault.keys", lock="vault.lock"),
    migrations=MIGRATIONS,
    wording=VAULT_WORDING,
    missing_error=VaultMissing,
    corrupt_error=VaultCorrupt,
    exists_error=VaultExists,
)


@dataclass(frozen=True)
class VaultSettings:
    """Settings read back from the open database (shown by ``advisor selftest``)."""

    sqlcipher_version: str
    sqlite_version: str
    cipher_settings: str
    temp_store: int
    secure_delete: int
    journal_mode: str
    synchronous: int
    foreign_keys: int
    schema_version: int
    kdf: KdfParams


# Work folders of the vault's backups and restores (``storage/backup.py``).
STALE_WORK_PREFIXES = (".advisor-restore-", ".advisor-backup-")


def vault_exists(paths: AppPaths) -> bool:
    """True when a vault (database or key file) is in the data folder."""
    return store_exists(VAULT, paths.data)


class Vault(EncryptedDatabase):
    """An open vault: a keyed SQLCipher connection guarded by a lock, plus its key slots.

    Every read or write goes through :meth:`read` or :meth:`write`, which serialise access
    across threads and turn SQLite errors into typed errors.
    """

    kind = VAULT

    def __init__(
        self,
        paths: AppPaths,
        conn: Connection,
        key: bytearray,
        slots: SlotFile,
        process_lock: ProcessLock,
        policy: KdfPolicy,
        *,
        needs_new_passphrase: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__(paths.data, conn, key, slots, process_lock, policy, read_only=read_only)
        self.paths = paths
        self.needs_new_passphrase = needs_new_passphrase
        # The recovery code that unlocked this vault (canonical form), kept until the new
        # passphrase is set, so an old recovery slot is sealed anew for the same code.
        self._unlocked_with_code: str | None = None

    @property
    def vault_id(self) -> str:
        """Random id of this vault (not secret; binds the key slots to it)."""
        return self.store_id

    def settings(self) -> VaultSettings:
        """PRAGMAs as read back from the open database."""
        with self.read() as conn:

            def one(sql: str) -> Any:
                row = conn.execute(sql).fetchone()
                return row[0] if row else ""

            return VaultSettings(
                sqlcipher_version=str(one("PRAGMA cipher_version")),
                sqlite_version=str(one("SELECT sqlite_version()")),
                cipher_settings=", ".join(
                    str(r[0]) for r in conn.execute("PRAGMA cipher_settings").fetchall()
                ),
                temp_store=int(one("PRAGMA temp_store")),
                secure_delete=int(one("PRAGMA secure_delete")),
                journal_mode=str(one("PRAGMA journal_mode")),
                synchronous=int(one("PRAGMA synchronous")),
                foreign_keys=int(one("PRAGMA foreign_keys")),
                schema_version=int(one("PRAGMA user_version")),
                kdf=self._slots.slot("passphrase").kdf,
            )

    def change_passphrase(
        self,
        new_passphrase: Passphrase,
        *,
        new_recovery_code: bool = False,
        recovery_code: str | None = None,
        progress: Progress | None = None,
    ) -> str | None:
        """Set ``new_passphrase`` (typed text in its normal form) and **rekey** the database
        (``storage/rekey.py``): a new random key, both slots wrapped for it, so an old copy of
        the key file and the old passphrase open nothing written from now on.

        The recovery code stays the same unless ``new_recovery_code`` (or the vault's recovery
        slot predates sealing and ``recovery_code``, the code just typed, is not given);
        returns the new code to show once, or None. Crash-safe: afterwards exactly one of the
        old and the new passphrase opens the vault. Slow (a copy of the database): call it
        from a worker; ``progress`` is given the fraction done.
        """
        require_passphrase(new_passphrase)
        self.require_writable()
        issued = rekey_store(
            self,
            candidate_forms(new_passphrase)[0],
            recovery_code=recovery_code or self._unlocked_with_code,
            new_recovery_code=new_recovery_code,
            progress=progress,
        )
        self._unlocked_with_code = None
        self.needs_new_passphrase = False
        log.info("passphrase_changed")
        return issued

    def passphrase_matches(self, passphrase: Passphrase) -> bool:
        """True when one of ``passphrase``'s forms opens this vault's passphrase slot (two
        Argon2id runs at most: call it from a worker). Nothing is written."""
        with self._mutex:
            slots = self._slots
        return unwrap_first(slots, "passphrase", candidate_forms(passphrase)) is not None

    def _renormalise_passphrase_slot(self, canonical: bytes | bytearray) -> None:
        """The slot opened only from the typed bytes (a vault made before passphrases were
        normalised): wrap it under the normal form, so every input method opens it from now on.
        A failure to write leaves the old slot, which still opens; the next unlock tries again.
        """
        try:
            self._rewrap_passphrase_slot(canonical)
        except StorageError:
            log.warning("passphrase_slot_renormalise_failed")
            return
        log.info("passphrase_slot_renormalised")


def create_vault(
    paths: AppPaths, passphrase: Passphrase, policy: KdfPolicy | None = None
) -> tuple[Vault, str]:
    """Create a new vault; returns it (open) and the one-time recovery code to show.

    Typed text is wrapped in its normal form; bytes exactly as given. Nothing is left behind if
    creation fails half-way.
    """
    policy = policy or KdfPolicy()
    require_passphrase(passphrase)
    unlocked, recovery = create_database(
        VAULT, paths.data, passphrase, policy, prepare=paths.ensure
    )
    return _vault(paths, unlocked, policy), recovery


def _vault(
    paths: AppPaths, unlocked: Unlocked, policy: KdfPolicy, *, recovered: bool = False
) -> Vault:
    return Vault(
        paths,
        unlocked.conn,
        unlocked.key,
        unlocked.slots,
        unlocked.lock,
        policy,
        needs_new_passphrase=recovered,
        read_only=unlocked.read_only,
    )


def open_vault(paths: AppPaths, passphrase: Passphrase, policy: KdfPolicy | None = None) -> Vault:
    """Unlock with the passphrase. Raises WrongPassphrase, VaultMissing, VaultCorrupt, …

    Typed text (``SecretText``) is tried in its normal form first, then as typed; a vault
    that opens only as typed (made before passphrases were normalised) has its passphrase slot
    re-wrapped under the normal form. Bytes are tried exactly as given. The caller wipes
    ``passphrase``.

    A vault on read-only media (its folder or database not writable) opens read-only
    (``vault.read_only``): reading, searching and showing work, every change raises
    :class:`~advisor_desktop.platform.errors.ReadOnlyMedia`, no lock is taken, and an old
    slot is not re-wrapped.
    """
    forms = candidate_forms(passphrase)
    unlocked = open_database(VAULT, paths.data, forms, "passphrase", allow_read_only=True)
    vault = _vault(paths, unlocked, policy or KdfPolicy())
    if not vault.read_only:
        # Work folders a killed restore or backup left in the data folder (the lock is ours).
        remove_stale_work(paths.data, STALE_WORK_PREFIXES)
    if unlocked.form_used > 0 and not vault.read_only:
        try:
            vault._renormalise_passphrase_slot(forms[0])
        except BaseException:
            vault.close()
            raise
    return vault


def open_vault_with_recovery(paths: AppPaths, code: str, policy: KdfPolicy | None = None) -> Vault:
    """Unlock with the recovery code. The returned vault has ``needs_new_passphrase`` set:
    callers must make the advisor choose a new passphrase before anything else."""
    canonical = normalize_recovery_code(code)
    # Not read-only: a recovery must set a new passphrase, which needs a writable folder.
    unlocked = open_database(VAULT, paths.data, (canonical.encode("ascii"),), "recovery")
    vault = _vault(paths, unlocked, policy or KdfPolicy(), recovered=True)
    vault._unlocked_with_code = canonical
    return vault


def passphrase_opens(paths: AppPaths, passphrase: Passphrase) -> bool:
    """True when one of ``passphrase``'s forms unwraps this vault's key (the database is not
    touched, nothing is written).

    Safe to call from a worker thread while the vault is open elsewhere in the process, e.g.
    to let the advisor leave the visitor view. It never re-wraps an old slot: the open
    :class:`Vault` owns the slot file, and only unlocking (:func:`open_vault`) re-wraps.
    """
    slots = read_key_file(VAULT, paths.data)
    unwrapped = unwrap_first(slots, "passphrase", candidate_forms(passphrase))
    if unwrapped is None:
        return False
    wipe(unwrapped[0])
    return True
