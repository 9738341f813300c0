"""The one-time import of an older desk's ``advisors.json`` and ``seen-ids`` into the store.

The files are read (and a damaged one refused) before the store is created; they are imported
in the store's first transaction and removed once the identity is bound to the store.

``advisors.json`` had no integrity protection and allowed one name for several keys, so what it
says is not taken on trust: names that fold to the same name are all renamed with their key's
fingerprint (neither device is shown under the bare name), names with control or direction
characters are imported with those characters escaped, and the import lists every device with
its fingerprint for the desk to compare with the advisors.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor_desktop.desk.devices import (
    MAX_NAME_CHARS,
    Device,
    device_name,
    insert_device,
    name_key,
)
from advisor_desktop.desk.errors import DeviceError
from advisor_desktop.desk.registry import (
    ADVISORS_FILE,
    SEEN_FILE,
    AdvisorRegistry,
    EnrolledAdvisor,
    SeenIds,
)
from advisor_desktop.platform.fsutil import fsync_dir
from advisor_desktop.platform.terminal import safe_for_terminal
from advisor_desktop.protocol.keys import public_key_fingerprint

LEGACY_FILES = (ADVISORS_FILE, SEEN_FILE)
IMPORTED_META = "legacy_imported_at"
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@dataclass(frozen=True)
class LegacyState:
    """What an older desk's files hold."""

    advisors: tuple[EnrolledAdvisor, ...]
    seen_ids: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class LegacyImport:
    """What was imported: the devices (with the name each now has) and the number of ids."""

    devices: tuple[Device, ...]
    renamed: tuple[tuple[str, Device], ...]
    seen_ids: int
    files: tuple[str, ...]


def legacy_files(folder: Path) -> tuple[str, ...]:
    """The older desk files present in ``folder``."""
    return tuple(name for name in LEGACY_FILES if (folder / name).exists())


def read_legacy(folder: Path) -> LegacyState | None:
    """The older desk files of ``folder`` (None when there are none); a damaged one raises
    ``VaultCorrupt`` so nothing is created from half a list."""
    files = legacy_files(folder)
    if not files:
        return None
    advisors = tuple(AdvisorRegistry(folder).load())
    seen = tuple(SeenIds(folder))
    return LegacyState(advisors, seen, files)


def _printable_name(text: str) -> str:
    try:
        return device_name(text)
    except DeviceError:
        pass
    escaped = safe_for_terminal(text)
    cleaned = "".join(c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in escaped)
    return device_name(cleaned[:MAX_NAME_CHARS] or "?")


def import_legacy(conn: Any, legacy: LegacyState, now: str) -> LegacyImport:
    """Insert the older desk's devices and seen ids inside the caller's transaction."""
    unique: dict[bytes, EnrolledAdvisor] = {}
    for advisor in legacy.advisors:
        unique.setdefault(advisor.public_key, advisor)
    names = {key: _printable_name(a.name) for key, a in unique.items()}
    groups: dict[str, list[bytes]] = defaultdict(list)
    for key, name in names.items():
        groups[name_key(name)].append(key)
    devices: list[Device] = []
    renamed: list[tuple[str, Device]] = []
    for key, advisor in unique.items():
        name = names[key]
        shared = len(groups[name_key(name)]) > 1
        if shared:
            suffix = " [" + public_key_fingerprint(key)[:19] + "]"
            name = device_name(name[: MAX_NAME_CHARS - len(suffix)] + suffix)
        when = advisor.enrolled_at if _STAMP.match(advisor.enrolled_at) else now
        device = insert_device(conn, name, key, when, "advisors.json")
        devices.append(device)
        if shared or name != advisor.name:
            renamed.append((advisor.name, device))
    for referral_id in legacy.seen_ids:
        conn.execute(
            "INSERT OR IGNORE INTO seen_ids (referral_id, seen_at, origin) "
            "VALUES (?, ?, 'seen-ids')",
            (referral_id, now),
        )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (IMPORTED_META, now),
    )
    return LegacyImport(tuple(devices), tuple(renamed), len(legacy.seen_ids), legacy.files)


def remove_legacy(folder: Path) -> None:
    """Delete the older desk files (their content is in the store)."""
    for name in LEGACY_FILES:
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    with contextlib.suppress(OSError):
        fsync_dir(folder)
