"""Replace a store's files (database, key file, …) in one step a crash cannot split.

A rekey (a passphrase change) and a restore both put a new database *and* a new key file in
place of the old ones; a crash between two renames would leave a database without the key file
that opens it. So the new files are first written into a staging folder beside the store
(``.<kind>-switch/``) and made durable; then a commit marker (``.<kind>-switch.commit``,
written atomically) records what moves where. That marker is the single step:

- no marker: the switch did not happen; a staging folder left by a crash is removed
  (roll back — the old files are untouched);
- marker: the switch happened; its moves are (re)done until none is left, then the marker and
  the staging folder are removed (roll forward — every step can be repeated).

Whoever holds the store's lock completes or rolls back a pending switch before reading the key
file (:func:`complete_pending`, called by every open, backup and restore). Old files the marker
names are moved into a kept folder (restore: ``<kind>-replaced-<time>/``) or deleted (rekey:
the superseded database and its journal files).

Work folders of a killed backup or restore (``.advisor-backup-*``, ``.advisor-restore-*``)
hold a lock file while in use (:class:`WorkFolder`); :func:`remove_stale_work` removes those
whose lock nobody holds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.platform.errors import VaultBusy
from advisor_desktop.platform.fsutil import atomic_write, fsync_dir, remove_stale_temps
from advisor_desktop.storage.kind import StoreKind
from advisor_desktop.storage.lockfile import ProcessLock

log = logging.getLogger(__name__)

_WORK_LOCK = ".in-use"


def staging_folder(kind: StoreKind, folder: Path) -> Path:
    """Where the new files of a switch are written."""
    return folder / f".{kind.name}-switch"


def _marker(kind: StoreKind, folder: Path) -> Path:
    return folder / f".{kind.name}-switch.commit"


def pending(kind: StoreKind, folder: Path) -> bool:
    """True when a switch was started (and maybe committed) but not finished."""
    return staging_folder(kind, folder).exists() or _marker(kind, folder).exists()


def prepare(kind: StoreKind, folder: Path) -> Path:
    """An empty staging folder (owner-only); the caller holds the store's lock."""
    stage = staging_folder(kind, folder)
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(mode=0o700)
    return stage


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def commit(
    kind: StoreKind,
    folder: Path,
    names: Iterable[str],
    *,
    drop: Iterable[str] = (),
    keep_in: Path | None = None,
) -> None:
    """Switch the staged files ``names`` in (the caller holds the lock and has closed the
    store's connection). Old files of those names, and the files ``drop``, are moved into
    ``keep_in`` when given, else deleted. Durable when this returns; a crash at any point
    before the marker is written changes nothing, after it the next :func:`complete_pending`
    finishes the switch."""
    stage = staging_folder(kind, folder)
    names = sorted(names)
    for name in names:
        _fsync_file(stage / name)
    fsync_dir(stage)
    plan = _Plan(names, sorted(drop), keep_in.name if keep_in is not None else None)
    atomic_write(_marker(kind, folder), plan.to_bytes(), what=kind.name)
    _apply(kind, folder, plan)


def complete_pending(kind: StoreKind, folder: Path) -> None:
    """Finish a committed switch or roll back an uncommitted one (the caller holds the
    store's lock). Nothing to do when no switch is pending."""
    remove_stale_temps(folder, _marker(kind, folder).name[1:])
    marker = _marker(kind, folder)
    if marker.exists():
        try:
            plan = _Plan.from_bytes(marker.read_bytes())
        except (ValueError, TypeError, KeyError):
            # Written atomically, so never torn; one not ours is ignored, never obeyed.
            log.warning("store_switch_marker_unreadable")
            return
        _apply(kind, folder, plan)
        log.info("store_switch_completed")
    elif staging_folder(kind, folder).exists():
        shutil.rmtree(staging_folder(kind, folder), ignore_errors=True)
        fsync_dir(folder)
        log.info("store_switch_rolled_back")


@dataclass(frozen=True)
class _Plan:
    """What a committed switch moves: file names in the store's folder (no paths)."""

    move: list[str]
    drop: list[str]
    keep_in: str | None

    def to_bytes(self) -> bytes:
        return json.dumps({"move": self.move, "drop": self.drop, "keep_in": self.keep_in}).encode(
            "utf-8"
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> _Plan:
        doc = json.loads(data)
        plan = cls(list(doc["move"]), list(doc["drop"]), doc["keep_in"])
        for name in [*plan.move, *plan.drop, *([plan.keep_in] if plan.keep_in else [])]:
            if not isinstance(name, str) or not name or "/" in name or "\\" in name:
                raise ValueError("name")
            if name[0] == ".":
                raise ValueError("name")
        return plan


def _apply(kind: StoreKind, folder: Path, plan: _Plan) -> None:
    """Do the moves ``plan`` names that are not done yet (each step can be repeated)."""
    stage = staging_folder(kind, folder)
    moves, drops = plan.move, plan.drop
    keep = folder / plan.keep_in if plan.keep_in else None
    if keep is not None:
        keep.mkdir(mode=0o700, exist_ok=True)
    # The old files go first, while their replacements are still staged (a staged file still
    # there means the file of that name in the folder is the old one).
    old = [name for name in drops if any((stage / m).exists() for m in moves)]
    old += [name for name in moves if (stage / name).exists()]
    for name in old:
        here = folder / name
        if not here.exists():
            continue
        if keep is not None:
            os.replace(here, keep / name)
        elif name in drops:
            here.unlink()  # a superseded journal file (those moved in replace theirs)
    if keep is not None:
        fsync_dir(keep)
    fsync_dir(folder)
    for name in moves:
        if (stage / name).exists():
            os.replace(stage / name, folder / name)
    fsync_dir(folder)
    shutil.rmtree(stage, ignore_errors=True)
    _marker(kind, folder).unlink(missing_ok=True)
    fsync_dir(folder)


# -- work folders ------------------------------------------------------------------------


class WorkFolder:
    """A temporary folder for a backup or restore, with a lock file held while in use, so a
    later run can tell a folder a killed process left (stale) from one in use."""

    def __init__(self, parent: Path, prefix: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        self._lock = ProcessLock(self.path / _WORK_LOCK)
        self._lock.acquire()

    def remove(self) -> None:
        """Delete the folder and release its lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.release()


def remove_stale_work(parent: Path, prefixes: Iterable[str]) -> int:
    """Remove the work folders in ``parent`` starting with one of ``prefixes`` that no live
    process holds (their lock is free, or they have none: made before locks were kept);
    returns how many were removed."""
    removed = 0
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith(tuple(prefixes))]
    except OSError:
        return 0
    for path in candidates:
        if not path.is_dir() or path.is_symlink():
            continue
        lock = ProcessLock(path / _WORK_LOCK)
        try:
            lock.acquire()
        except VaultBusy:
            continue  # a live backup or restore
        except OSError:
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        finally:
            lock.release()
    if removed:
        with contextlib.suppress(OSError):
            fsync_dir(parent)
        log.info("stale_work_folders_removed count=%d", removed)
    return removed
