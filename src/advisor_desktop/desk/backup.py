"""The desk's backup: one file that restores the whole workstation half of the desk.

The backup file of ``storage/backup.py`` (a zip archive: ``manifest.json``, the store's key
file ``desk.keys``, an encrypted copy of the database made with ``sqlcipher_export`` under the
same raw key) with the identity files beside it (``desk-identity.json``, private parts under
the passphrase; ``desk-public.json``). Nothing in it is readable without the desk passphrase
(or, for the store, the recovery code).

Restoring checks that the store opens with the passphrase and passes ``quick_check``, and that
the identity opens and belongs to that store, before anything in the desk folder changes; a
store that is replaced (``--replace``) is kept aside in ``desk-replaced-<time>/``.

A restored desk is the desk of the backup's moment: packages received after it are unknown to
it again, so import them again (docs/desk.md).
"""

from __future__ import annotations

from pathlib import Path

from advisor_desktop.desk.identity import IDENTITY_FILE, unlock
from advisor_desktop.desk.store import DESK, DeskStore, open_store
from advisor_desktop.platform.errors import BackupError, VaultError
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE
from advisor_desktop.storage.backup import (
    BackupFormat,
    BackupWording,
    check_snapshot,
    restore_files,
    write_backup,
)

BACKUP_FORMAT = "advisor-desktop-desk-backup"
BACKUP_VERSION = 1

DESK_BACKUP = BackupFormat(
    kind=DESK,
    format=BACKUP_FORMAT,
    version=BACKUP_VERSION,
    id_field="store_id",
    temp_prefix=".desk",
    event="desk_backup",
    extra_files=(IDENTITY_FILE, PUBLIC_FILE),
    wording=BackupWording(
        damaged=N_("This file is not a desk backup, or it is damaged."),
        write_failed=N_("The backup could not be written."),
        restored_what=N_("the restored desk"),
        exists=N_(
            "A desk store already exists in {folder}. Use --replace to restore over it "
            "(the current one is kept aside)."
        ),
        snapshot_damaged=N_("The backup's desk store is damaged."),
    ),
)


def make_backup(store: DeskStore, out: Path, created: str) -> Path:
    """Write a backup of the open ``store`` and the identity files beside it to ``out``
    (atomically: never a partial file)."""
    return write_backup(store, out, DESK_BACKUP, created)


def _verify(staged: Path, passphrase: bytearray) -> None:
    try:
        with open_store(staged, passphrase) as store:
            check_snapshot(store, DESK_BACKUP)
            store_id = store.store_id
    except VaultError as exc:
        raise BackupError(
            _("The backup's desk store does not open: {reason}").format(reason=exc.message)
        ) from None
    if (staged / IDENTITY_FILE).exists():
        try:
            identity = unlock(staged, passphrase)
        except VaultError as exc:
            raise BackupError(
                _("The backup's desk identity does not open: {reason}").format(reason=exc.message)
            ) from None
        if identity.store_id not in (None, store_id):
            raise BackupError(_("The backup's desk identity belongs to another desk store."))


def restore_backup(
    path: Path, folder: Path, passphrase: bytearray, *, replace: bool = False
) -> Path | None:
    """Check that the backup opens with ``passphrase`` and install it as the desk in
    ``folder``. A store there is replaced only with ``replace``, and kept aside with the
    identity files it had in ``desk-replaced-<time>/``; returns that folder, if any."""
    return restore_files(
        path,
        folder,
        DESK_BACKUP,
        lambda staged: _verify(staged, passphrase),
        replace=replace,
        hold_lock=True,
    )
