"""Backups: one encrypted file, restorable with the passphrase or the recovery code.

A backup is a zip archive (stored, not compressed) holding a manifest, the store's key file
and an encrypted copy of its database made with ``sqlcipher_export`` under the same raw key (a
consistent snapshot, never a plaintext temp file), and any files of the store's folder its
:class:`BackupFormat` names (the desk's identity files). Nothing in it is readable without the
passphrase or recovery code. The format is the vault's and the desk's alike; each has its own
:class:`BackupFormat` (manifest id, members, messages). :func:`make_backup` and
:func:`restore_backup` are the vault's; ``desk/backup.py`` is the desk's.

Restoring unpacks into a temporary folder beside the store, lets the caller check that the copy
opens and is intact, and only then moves the current store aside (``<kind>-replaced-<time>/``,
nothing is deleted) and the copy in.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from advisor_desktop.platform.errors import BackupError
from advisor_desktop.platform.fsutil import fsync_dir, storage_error
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.database import EncryptedDatabase
from advisor_desktop.storage.keyfile import parse_key_file
from advisor_desktop.storage.kind import Message, StoreKind, store_exists
from advisor_desktop.storage.lockfile import ProcessLock
from advisor_desktop.storage.store import (
    VAULT,
    Vault,
    open_vault,
    open_vault_with_recovery,
)

log = logging.getLogger(__name__)

BACKUP_FORMAT = "advisor-desktop-backup"
BACKUP_VERSION = 1
_MANIFEST = "manifest.json"
_MAX_MEMBER = 4 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class BackupWording:
    """The messages of a backup that name what it holds."""

    damaged: Message  # not a backup of this kind, or damaged
    write_failed: Message  # SQLite refused the snapshot; may use {reason}
    restored_what: Message  # what could not be saved while restoring ("the restored vault")
    exists: Message  # a store is there and --replace was not given; {folder}
    snapshot_damaged: Message  # the copy opens but fails quick_check


@dataclass(frozen=True)
class BackupFormat:
    """One kind of backup file: of the vault, or of the desk."""

    kind: StoreKind
    format: str  # the manifest's "format"
    version: int
    id_field: str  # the manifest's name for the store id
    temp_prefix: str  # ".advisor" → .advisor-backup-*, .advisor-restore-* work folders
    event: str  # "backup" → backup_written, backup_restored
    wording: BackupWording
    extra_files: tuple[str, ...] = ()  # files of the store's folder that go with it, if there

    @property
    def required(self) -> frozenset[str]:
        """The members every backup of this format has."""
        return frozenset({_MANIFEST, self.kind.files.keys, self.kind.files.db})


VAULT_BACKUP = BackupFormat(
    kind=VAULT,
    format=BACKUP_FORMAT,
    version=BACKUP_VERSION,
    id_field="vault_id",
    temp_prefix=".advisor",
    event="backup",
    wording=BackupWording(
        damaged=N_("This file is not an Advisor Desktop backup, or it is damaged."),
        write_failed=N_("The backup could not be written: {reason}"),
        restored_what=N_("the restored vault"),
        exists=N_(
            "A vault already exists in {folder}. Use --replace to restore over it "
            "(the current vault is kept aside)."
        ),
        snapshot_damaged=N_("The backup's database is damaged."),
    ),
)


def write_backup(store: EncryptedDatabase, out: Path, fmt: BackupFormat, created: str) -> Path:
    """Write a backup of the open ``store`` (and ``fmt``'s extra files beside it) to ``out``,
    atomically: never a partial file."""
    out = out.expanduser()
    folder = out.parent
    files = fmt.kind.files
    try:
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{fmt.temp_prefix}-backup-", dir=folder))
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    try:
        snapshot = work / files.db
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
            "format": fmt.format,
            "version": fmt.version,
            fmt.id_field: store.store_id,
            "created": created,
        }
        partial = work / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(_MANIFEST, json.dumps(manifest))
            archive.writestr(files.keys, store.key_file_bytes())
            archive.write(snapshot, files.db)
            for name in sorted(fmt.extra_files):
                if (store.folder / name).exists():
                    archive.write(store.folder / name, name)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, out)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    except sqlcipher3.OperationalError as exc:
        raise BackupError(_(fmt.wording.write_failed).format(reason=str(exc)[:80])) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s_written", fmt.event)
    return out


def _unpack(path: Path, target: Path, fmt: BackupFormat) -> set[str]:
    """Check the archive and unpack its members into ``target``; returns their names."""
    damaged = BackupError(_(fmt.wording.damaged))
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not names >= fmt.required or not names <= fmt.required | set(fmt.extra_files):
                raise damaged
            if any(info.file_size > _MAX_MEMBER for info in archive.infolist()):
                raise damaged
            manifest = json.loads(archive.read(_MANIFEST))
            if not isinstance(manifest, dict) or manifest.get("format") != fmt.format:
                raise damaged
            version = manifest.get("version")
            if not isinstance(version, int) or isinstance(version, bool):
                raise damaged
            if version > fmt.version:
                raise BackupError(_("This backup was made by a newer version of Advisor Desktop."))
            parse_key_file(fmt.kind, archive.read(fmt.kind.files.keys))
            for name in names - {_MANIFEST}:
                with archive.open(name) as src, (target / name).open("wb") as dst:
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
        raise storage_error(exc, _(fmt.wording.restored_what)) from None
    except BackupError:
        raise
    except Exception as exc:  # zipfile raises assorted errors on hostile archives
        if exc.__class__.__module__.startswith("advisor_desktop"):
            raise BackupError(str(exc)) from None
        raise damaged from None
    return names - {_MANIFEST}


def check_snapshot(store: EncryptedDatabase, fmt: BackupFormat) -> None:
    """Refuse a restored copy that opened but fails SQLite's ``quick_check``."""
    with store.read() as conn:
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(_(fmt.wording.snapshot_damaged))


def restore_files(
    path: Path,
    folder: Path,
    fmt: BackupFormat,
    verify: Callable[[Path], None],
    *,
    replace: bool,
    prepare: Callable[[], None] | None = None,
    hold_lock: bool = False,
) -> Path | None:
    """Install the backup ``path`` as the store in ``folder`` once ``verify`` (given the
    folder it was unpacked into) accepts it. A store there is replaced only with ``replace``
    and is then kept, with the extra files the backup brings other versions of, in
    ``<kind>-replaced-<time>/``; returns that folder, if any. ``prepare`` makes the folder (by
    default: it and its parents, owner-only); ``hold_lock`` holds the store's lock meanwhile.
    """
    words = fmt.wording
    if store_exists(fmt.kind, folder) and not replace:
        raise fmt.kind.exists_error(_(words.exists).format(folder=folder))
    try:
        if prepare is None:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            prepare()
        work = Path(tempfile.mkdtemp(prefix=f"{fmt.temp_prefix}-restore-", dir=folder))
    except OSError as exc:
        raise storage_error(exc, _(words.restored_what)) from None
    lock = ProcessLock(folder / fmt.kind.files.lock, fmt.kind.wording.in_use)
    try:
        if hold_lock:
            lock.acquire()
        members = _unpack(path, work, fmt)
        verify(work)
        kept = _set_aside(folder, work, members, fmt)
        for name in sorted(members):
            os.replace(work / name, folder / name)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error(exc, _(words.restored_what)) from None
    finally:
        lock.release()
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s_restored", fmt.event)
    return kept


def _set_aside(folder: Path, staged: Path, incoming: set[str], fmt: BackupFormat) -> Path | None:
    """Move the store files, and extra files the backup brings other versions of, into
    ``<kind>-replaced-<time>/`` (nothing is deleted)."""
    moving = [name for name in fmt.kind.files.store_files if (folder / name).exists()]
    for name in sorted(set(fmt.extra_files) & incoming):
        here = folder / name
        if here.exists() and here.read_bytes() != (staged / name).read_bytes():
            moving.append(name)
    if not moving:
        return None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = folder / f"{fmt.kind.name}-replaced-{stamp}"
    suffix = 1
    while kept.exists():
        suffix += 1
        kept = folder / f"{fmt.kind.name}-replaced-{stamp}-{suffix}"
    kept.mkdir(mode=0o700)
    for name in moving:
        with contextlib.suppress(FileNotFoundError):
            os.replace(folder / name, kept / name)
    return kept


# -- the vault's backup ------------------------------------------------------------------


def make_backup(vault: Vault, out: Path) -> Path:
    """Write a backup of the open ``vault`` to ``out`` (atomically; never a partial file)."""
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return write_backup(vault, out, VAULT_BACKUP, created)


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

    def verify(work: Path) -> None:
        staged = AppPaths(data=work, config=paths.config, logs=paths.logs)
        staged_vault = (
            open_vault_with_recovery(staged, recovery_code)
            if recovery_code is not None
            else open_vault(staged, passphrase or bytearray())
        )
        with staged_vault:
            check_snapshot(staged_vault, VAULT_BACKUP)

    return restore_files(
        path, paths.data, VAULT_BACKUP, verify, replace=replace, prepare=paths.ensure
    )
