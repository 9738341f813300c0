"""Backups: one encrypted file, restorable with the passphrase or the recovery code.

A backup is a zip archive holding a manifest, the key-slot file and an encrypted copy of the
database made with ``sqlcipher_export`` under the same raw key (a consistent snapshot, never a
plaintext temp file). Nothing in it is readable without the passphrase or recovery code.
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

from advisor_desktop.crypto.keyslots import SlotFile
from advisor_desktop.platform.errors import BackupError, VaultExists
from advisor_desktop.platform.fsutil import fsync_dir, storage_error
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import (
    Vault,
    open_vault,
    open_vault_with_recovery,
    vault_exists,
)

log = logging.getLogger(__name__)

BACKUP_FORMAT = "advisor-desktop-backup"
BACKUP_VERSION = 1
_MAX_MEMBER = 4 * 1024 * 1024 * 1024


def make_backup(vault: Vault, out: Path) -> Path:
    """Write a backup of the open ``vault`` to ``out`` (atomically; never a partial file)."""
    out = out.expanduser()
    folder = out.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".advisor-backup-", dir=folder))
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    try:
        snapshot = work / "vault.db"
        key_hex = vault.raw_key_hex()
        with vault.read() as conn:
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
            "vault_id": vault.vault_id,
            "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        }
        partial = work / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest))
            archive.writestr("vault.keys", vault.slot_file.to_bytes())
            archive.write(snapshot, "vault.db")
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, out)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    except sqlcipher3.OperationalError as exc:
        raise BackupError(
            _("The backup could not be written: {reason}").format(reason=str(exc)[:80])
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("backup_written")
    return out


def _read_backup(path: Path, target: Path) -> SlotFile:
    """Check the archive and unpack its two files into ``target``; returns the key slots."""
    damaged = BackupError(_("This file is not an Advisor Desktop backup, or it is damaged."))
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if names != {"manifest.json", "vault.keys", "vault.db"}:
                raise damaged
            if any(info.file_size > _MAX_MEMBER for info in archive.infolist()):
                raise damaged
            manifest = json.loads(archive.read("manifest.json"))
            if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
                raise damaged
            if not isinstance(manifest.get("version"), int) or manifest["version"] > BACKUP_VERSION:
                raise BackupError(_("This backup was made by a newer version of Advisor Desktop."))
            slots = SlotFile.from_bytes(archive.read("vault.keys"))
            (target / "vault.keys").write_bytes(archive.read("vault.keys"))
            with archive.open("vault.db") as src, (target / "vault.db").open("wb") as dst:
                shutil.copyfileobj(src, dst)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        json.JSONDecodeError,
        UnicodeDecodeError,
        KeyError,
        EOFError,
    ):
        raise damaged from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise BackupError(_("The backup file was not found.")) from None
        raise storage_error(exc, _("the restored vault")) from None
    except BackupError:
        raise
    except Exception as exc:  # zipfile raises assorted errors on hostile archives
        if exc.__class__.__module__.startswith("advisor_desktop"):
            raise BackupError(str(exc)) from None
        raise damaged from None
    return slots


def restore_backup(
    path: Path,
    paths: AppPaths,
    *,
    passphrase: bytearray | None = None,
    recovery_code: str | None = None,
    replace: bool = False,
) -> Path | None:
    """Check a backup opens (passphrase or recovery code) and install it as the vault.

    An existing vault is only replaced with ``replace``; it is then kept beside the new one as
    ``vault-replaced-<time>/`` (nothing is lost). Returns that folder, if any.
    """
    if vault_exists(paths) and not replace:
        raise VaultExists(
            _(
                "A vault already exists in {folder}. Use --replace to restore over it "
                "(the current vault is kept aside)."
            ).format(folder=paths.data)
        )
    try:
        paths.ensure()
        work = Path(tempfile.mkdtemp(prefix=".advisor-restore-", dir=paths.data))
    except OSError as exc:
        raise storage_error(exc, _("the restored vault")) from None
    try:
        _read_backup(path, work)
        staged = AppPaths(data=work, config=paths.config, logs=paths.logs)
        staged_vault = (
            open_vault_with_recovery(staged, recovery_code)
            if recovery_code is not None
            else open_vault(staged, passphrase or bytearray())
        )
        with staged_vault, staged_vault.read() as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                raise BackupError(_("The backup's database is damaged."))
        kept: Path | None = None
        if vault_exists(paths):
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = paths.data / f"vault-replaced-{stamp}"
            kept.mkdir()
            for name in ("vault.db", "vault.keys", "vault.db-wal", "vault.db-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.replace(paths.data / name, kept / name)
        os.replace(work / "vault.db", paths.vault_db)
        os.replace(work / "vault.keys", paths.key_slots)
        fsync_dir(paths.data)
    except OSError as exc:
        raise storage_error(exc, _("the restored vault")) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("backup_restored")
    return kept
