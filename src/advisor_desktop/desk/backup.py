"""The desk's backup: one file that restores the whole workstation half of the desk.

A zip archive (stored, not compressed) holding ``manifest.json``, the store's key file
(``desk.keys``), an encrypted copy of the database made with ``sqlcipher_export`` under the
same raw key (a consistent snapshot, never a plaintext temp file), and the identity files
(``desk-identity.json``, private parts under the passphrase; ``desk-public.json``). Nothing in
it is readable without the desk passphrase (or, for the store, the recovery code).

Restoring checks that the store opens with the passphrase and passes ``quick_check``, and that
the identity opens and belongs to that store, before anything in the desk folder changes; a
store that is replaced (``--replace``) is kept aside in ``desk-replaced-<time>/``.

A restored desk is the desk of the backup's moment: packages received after it are unknown to
it again, so import them again (docs/desk.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import sqlcipher3

from advisor_desktop.desk.errors import DeskError
from advisor_desktop.desk.identity import IDENTITY_FILE, unlock
from advisor_desktop.desk.store import (
    DB_FILE,
    KEYS_FILE,
    LOCK_FILE,
    STORE_FILES,
    DeskStore,
    open_store,
    store_exists,
)
from advisor_desktop.platform.errors import BackupError, VaultError
from advisor_desktop.platform.fsutil import fsync_dir, storage_error
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE
from advisor_desktop.storage.lockfile import VaultProcessLock

log = logging.getLogger(__name__)

BACKUP_FORMAT = "advisor-desktop-desk-backup"
BACKUP_VERSION = 1
_MEMBERS = {"manifest.json", KEYS_FILE, DB_FILE}
_OPTIONAL = {IDENTITY_FILE, PUBLIC_FILE}
_MAX_MEMBER = 4 * 1024 * 1024 * 1024


def make_backup(store: DeskStore, out: Path, created: str) -> Path:
    """Write a backup of the open ``store`` and the identity files beside it to ``out``
    (atomically: never a partial file)."""
    out = out.expanduser()
    folder = out.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".desk-backup-", dir=folder))
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    try:
        snapshot = work / DB_FILE
        key_hex = store.raw_key_hex()
        with store.read() as conn:
            conn.execute(f"ATTACH DATABASE ? AS backup KEY \"x'{key_hex}'\"", (str(snapshot),))
            try:
                conn.execute("SELECT sqlcipher_export('backup')")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute(f"PRAGMA backup.user_version = {int(version)}")
            finally:
                conn.execute("DETACH DATABASE backup")
        manifest = {
            "format": BACKUP_FORMAT,
            "version": BACKUP_VERSION,
            "store_id": store.store_id,
            "created": created,
        }
        partial = work / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest))
            archive.writestr(KEYS_FILE, store.slot_file.to_bytes())
            archive.write(snapshot, DB_FILE)
            for name in sorted(_OPTIONAL):
                if (store.folder / name).exists():
                    archive.write(store.folder / name, name)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, out)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    except sqlcipher3.OperationalError:
        raise BackupError(_("The backup could not be written.")) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("desk_backup_written")
    return out


def _unpack(path: Path, target: Path) -> set[str]:
    damaged = BackupError(_("This file is not a desk backup, or it is damaged."))
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not names >= _MEMBERS or not names <= _MEMBERS | _OPTIONAL:
                raise damaged
            if any(info.file_size > _MAX_MEMBER for info in archive.infolist()):
                raise damaged
            manifest = json.loads(archive.read("manifest.json"))
            if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
                raise damaged
            version = manifest.get("version")
            if not isinstance(version, int) or isinstance(version, bool):
                raise damaged
            if version > BACKUP_VERSION:
                raise BackupError(_("This backup was made by a newer version of Advisor Desktop."))
            for name in names - {"manifest.json"}:
                with archive.open(name) as src, (target / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except FileNotFoundError:
        raise BackupError(_("The backup file was not found.")) from None
    except BackupError:
        raise
    except OSError as exc:
        raise storage_error(exc, _("the restored desk")) from None
    except Exception:  # zipfile and json raise assorted errors on hostile archives
        raise damaged from None
    return names - {"manifest.json"}


def _verify(staged: Path, passphrase: bytearray) -> None:
    try:
        with open_store(staged, passphrase) as store, store.read() as conn:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(_("The backup's desk store is damaged."))
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
    if store_exists(folder) and not replace:
        raise DeskError(
            _(
                "A desk store already exists in {folder}. Use --replace to restore over it "
                "(the current one is kept aside)."
            ).format(folder=folder)
        )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        work = Path(tempfile.mkdtemp(prefix=".desk-restore-", dir=folder))
    except OSError as exc:
        raise storage_error(exc, _("the restored desk")) from None
    lock = VaultProcessLock(folder / LOCK_FILE)
    try:
        lock.acquire()
        members = _unpack(path, work)
        _verify(work, passphrase)
        kept = _set_aside(folder, work, members)
        for name in sorted(members):
            os.replace(work / name, folder / name)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error(exc, _("the restored desk")) from None
    finally:
        lock.release()
        shutil.rmtree(work, ignore_errors=True)
    log.info("desk_backup_restored")
    return kept


def _set_aside(folder: Path, staged: Path, incoming: set[str]) -> Path | None:
    """Move the store files, and identity files the backup brings other versions of, into
    ``desk-replaced-<time>/`` (nothing is deleted)."""
    moving = [name for name in STORE_FILES if (folder / name).exists()]
    for name in sorted(_OPTIONAL & incoming):
        here = folder / name
        if here.exists() and here.read_bytes() != (staged / name).read_bytes():
            moving.append(name)
    if not moving:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = folder / f"desk-replaced-{stamp}"
    suffix = 1
    while kept.exists():
        suffix += 1
        kept = folder / f"desk-replaced-{stamp}-{suffix}"
    kept.mkdir(mode=0o700)
    for name in moving:
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder / name, kept / name)
    return kept
