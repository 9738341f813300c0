"""Backups: one encrypted file, restorable with the passphrase or the recovery code.

A backup is a zip archive (stored, not compressed) holding a manifest, the store's key file
and an encrypted copy of its database made with ``sqlcipher_export`` under the same raw key (a
consistent snapshot, never a plaintext temp file), and any files of the store's folder its
:class:`BackupFormat` names (the desk's identity files). Nothing in it is readable without the
passphrase or recovery code. The format is the vault's and the desk's alike; each has its own
:class:`BackupFormat` (manifest id, members, messages). :func:`make_backup` and
:func:`restore_backup` are the vault's; ``desk/backup.py`` is the desk's.

The manifest is authenticated: it lists the SHA-256 of every member and carries an HMAC under a
key derived from the store's database key (HKDF), so only someone who could open the store could
have written it. A restore checks the hashes while unpacking and the MAC once the copy opened
(:func:`check_snapshot`); an altered id, member or any other field is refused. A backup made
before manifests were authenticated (no ``mac``) is accepted only when its id agrees with its key
file and database, and never with a key file of version 2 (only written by versions that
authenticate manifests).

Restoring takes the store's lock (another process with the store open: :class:`VaultBusy`, exit
5, nothing changed), unpacks into the staging folder of ``storage/switch.py``, lets the caller
check that the copy opens and is intact, and only then switches it in as one step a crash cannot
split; the current store is moved aside (``<kind>-replaced-<time>/``, nothing is deleted).

Work folders a killed backup left (``.advisor-backup-*`` beside the backup file) and those older
versions left in the data folder (``.advisor-restore-*``) are removed at the next backup, restore
or open, unless a live process holds them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from advisor_desktop.platform.errors import BackupError
from advisor_desktop.platform.fsutil import fsync_dir, private_dir, storage_error
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage import switch
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
from advisor_desktop.storage.switch import WorkFolder, remove_stale_work

log = logging.getLogger(__name__)

BACKUP_FORMAT = "advisor-desktop-backup"
BACKUP_VERSION = 1
_MANIFEST = "manifest.json"
_MAX_MEMBER = 4 * 1024 * 1024 * 1024
_MAC_INFO = b"advisor-desktop-backup-manifest/1"
_ALTERED = N_("This backup was altered: {what} does not match. It was not restored.")


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
    atomically: never a partial file. Work folders a killed backup left beside ``out`` are
    removed first."""
    out = out.expanduser()
    folder = out.parent
    files = fmt.kind.files
    try:
        private_dir(folder)
        remove_stale_work(folder, (f"{fmt.temp_prefix}-backup-",))
        work = WorkFolder(folder, f"{fmt.temp_prefix}-backup-")
    except OSError as exc:
        raise storage_error(exc, _("the backup")) from None
    try:
        snapshot = work.path / files.db
        key_hex = store.raw_key_hex()
        with store.read() as conn:
            conn.execute(f"ATTACH DATABASE ? AS backup KEY \"x'{key_hex}'\"", (str(snapshot),))
            try:
                # A work copy: no journal, no fsync per statement (the finished file is fsync'd;
                # a killed backup leaves only a work folder, removed at the next run).
                conn.execute("PRAGMA backup.journal_mode = OFF")
                conn.execute("PRAGMA backup.synchronous = OFF")
                conn.execute("SELECT sqlcipher_export('backup')")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute(f"PRAGMA backup.user_version = {int(version)}")
            finally:
                conn.execute("DETACH DATABASE backup")
        members: dict[str, bytes | Path] = {files.keys: store.key_file_bytes(), files.db: snapshot}
        for name in sorted(fmt.extra_files):
            if (store.folder / name).exists():
                members[name] = (store.folder / name).read_bytes()
        manifest = {
            "format": fmt.format,
            "version": fmt.version,
            fmt.id_field: store.store_id,
            "created": created,
            "members": {name: _sha256(data) for name, data in sorted(members.items())},
        }
        manifest["mac"] = _manifest_mac(bytes.fromhex(key_hex), manifest)
        partial = work.path / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(_MANIFEST, json.dumps(manifest))
            for name, data in members.items():
                if isinstance(data, Path):
                    archive.write(data, name)
                else:
                    archive.writestr(name, data)
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
        work.remove()
    log.info("%s_written", fmt.event)
    return out


def _sha256(data: bytes | Path) -> str:
    digest = hashlib.sha256()
    if isinstance(data, Path):
        with data.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    else:
        digest.update(data)
    return digest.hexdigest()


def _manifest_mac(db_key: bytes, manifest: dict[str, object]) -> str:
    """HMAC-SHA256 of the manifest (its ``mac`` left out, keys sorted) under a key derived from
    the store's database key."""
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_MAC_INFO).derive(db_key)
    body = {k: v for k, v in manifest.items() if k != "mac"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(mac_key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


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
            raw_manifest = archive.read(_MANIFEST)
            manifest = json.loads(raw_manifest)
            if not isinstance(manifest, dict) or manifest.get("format") != fmt.format:
                raise damaged
            version = manifest.get("version")
            if not isinstance(version, int) or isinstance(version, bool):
                raise damaged
            if version > fmt.version:
                raise BackupError(_("This backup was made by a newer version of Advisor Desktop."))
            key_bytes = archive.read(fmt.kind.files.keys)
            slots = parse_key_file(fmt.kind, key_bytes)
            hashes_listed = _check_manifest(manifest, fmt, names, slots.vault_id, key_bytes)
            fd = os.open(target / _MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw_manifest)
            for name in names - {_MANIFEST}:
                digest = hashlib.sha256()
                fd = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with archive.open(name) as src, os.fdopen(fd, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        dst.write(chunk)
                if hashes_listed is not None and not hmac.compare_digest(
                    digest.hexdigest(), hashes_listed[name]
                ):
                    raise BackupError(_(_ALTERED).format(what=name))
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


def _check_manifest(
    manifest: dict[str, object], fmt: BackupFormat, names: set[str], key_id: str, key_bytes: bytes
) -> dict[str, str] | None:
    """What can be checked before the store opens: the id agrees with the key file, and an
    authenticated manifest lists exactly the members with well-formed hashes (returned)."""
    if manifest.get(fmt.id_field) != key_id:
        raise BackupError(_(_ALTERED).format(what=fmt.id_field))
    if "mac" not in manifest:
        # Written before manifests were authenticated; such versions wrote version-1 key files.
        if json.loads(key_bytes).get("version") != 1 or set(manifest) - {
            "format",
            "version",
            fmt.id_field,
            "created",
        }:
            raise BackupError(_(_ALTERED).format(what=_MANIFEST))
        return None
    listed = manifest.get("members")
    mac = manifest.get("mac")
    if (
        not isinstance(mac, str)
        or not isinstance(listed, dict)
        or set(listed) != names - {_MANIFEST}
        or not all(isinstance(v, str) and len(v) == 64 for v in listed.values())
    ):
        raise BackupError(_(_ALTERED).format(what=_MANIFEST))
    return {str(k): str(v) for k, v in listed.items()}


def check_snapshot(store: EncryptedDatabase, fmt: BackupFormat) -> None:
    """Check a restored copy that opened (``store``, in the staging folder): its manifest's
    MAC under the store's key and its id, then SQLite's ``quick_check``. Every restore's
    ``verify`` calls this."""
    path = store.folder / _MANIFEST
    try:
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError):
        raise BackupError(_(fmt.wording.damaged)) from None
    if manifest.get(fmt.id_field) != store.store_id:
        raise BackupError(_(_ALTERED).format(what=fmt.id_field))
    if "mac" in manifest:
        expected = _manifest_mac(bytes.fromhex(store.raw_key_hex()), manifest)
        if not hmac.compare_digest(expected, str(manifest["mac"])):
            raise BackupError(_(_ALTERED).format(what=_MANIFEST))
    with store.read() as conn:
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(_(fmt.wording.snapshot_damaged))
    _checked.add(store.folder)


_checked: set[Path] = set()  # staging folders whose copy check_snapshot accepted


def restore_files(
    path: Path,
    folder: Path,
    fmt: BackupFormat,
    verify: Callable[[Path], None],
    *,
    replace: bool,
    prepare: Callable[[], None] | None = None,
    hold_lock: bool = True,
) -> Path | None:
    """Install the backup ``path`` as the store in ``folder`` once ``verify`` (given the
    folder it was unpacked into; it must call :func:`check_snapshot`) accepts it. A store there
    is replaced only with ``replace`` and is then kept, with the extra files the backup brings
    other versions of, in ``<kind>-replaced-<time>/``; returns that folder, if any. ``prepare``
    makes the folder (by default: it and its parents, owner-only).

    The store's lock is held throughout (another process with the store open:
    :class:`VaultBusy`, nothing changed); the switch is one step a crash cannot split
    (``storage/switch.py``). ``hold_lock`` is kept for callers; the lock is always taken.
    """
    del hold_lock
    words = fmt.wording
    kind = fmt.kind
    if store_exists(kind, folder) and not replace:
        raise kind.exists_error(_(words.exists).format(folder=folder))
    try:
        if prepare is None:
            private_dir(folder)
        else:
            prepare()
    except OSError as exc:
        raise storage_error(exc, _(words.restored_what)) from None
    lock = ProcessLock(folder / kind.files.lock, kind.wording.in_use)
    lock.acquire()
    stage: Path | None = None
    try:
        switch.complete_pending(kind, folder)
        remove_stale_work(folder, (f"{fmt.temp_prefix}-restore-",))
        if store_exists(kind, folder) and not replace:
            raise kind.exists_error(_(words.exists).format(folder=folder))
        stage = switch.prepare(kind, folder)
        members = _unpack(path, stage, fmt)
        verify(stage)
        if stage not in _checked:
            raise BackupError(_(words.damaged))  # a verify that skipped the manifest's check
        _checked.discard(stage)
        moving = {
            name
            for name in members
            if name in kind.files.store_files
            or not (folder / name).exists()
            or (folder / name).read_bytes() != (stage / name).read_bytes()
        }
        old = [n for n in (*kind.files.store_files, *moving) if (folder / n).exists()]
        kept = _kept_folder(folder, kind) if old else None
        switch.commit(
            kind,
            folder,
            moving,
            drop=(kind.files.db + "-wal", kind.files.db + "-shm"),
            keep_in=kept,
        )
        stage = None
    except OSError as exc:
        raise storage_error(exc, _(words.restored_what)) from None
    finally:
        if stage is not None:
            _checked.discard(stage)
            shutil.rmtree(stage, ignore_errors=True)
        lock.release()
    log.info("%s_restored", fmt.event)
    return kept


def _kept_folder(folder: Path, kind: StoreKind) -> Path:
    """A new name ``<kind>-replaced-<time>[-n]`` for the files a restore replaces."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = folder / f"{kind.name}-replaced-{stamp}"
    suffix = 1
    while kept.exists():
        suffix += 1
        kept = folder / f"{kind.name}-replaced-{stamp}-{suffix}"
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
