"""The files an older desk kept its state in: ``advisors.json`` and ``seen-ids``.

``advisors.json`` lists enrolled advisor keys (public keys only, names chosen by the desk).
``seen-ids`` holds one referral id per line; a package whose id is listed is refused as a
replay.

Neither file is protected: anyone who can write to the desk folder could add a key under an
existing name or empty the list of seen ids. The desk store (``desk/store.py``) replaces both;
a desk that still has them imports them once into the store and removes them
(``desk/legacy.py``). These classes remain for that import and for code that opens packages
without a store (``desk/opener.py``'s :func:`open_package`, tests and benchmarks).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import VaultCorrupt
from advisor_desktop.platform.fsutil import atomic_write, open_private, private_dir, storage_error
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import KeyFormatError
from advisor_desktop.protocol.keys import decode_public_key, encode_public_key, key_id

ADVISORS_FILE = "advisors.json"
SEEN_FILE = "seen-ids"
ADVISORS_FORMAT = "advisor-desktop-desk-advisors"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class EnrolledAdvisor:
    """A trusted advisor device."""

    name: str
    public_key: bytes
    enrolled_at: str

    @property
    def key_id(self) -> str:
        """The id packages name their signer by."""
        return key_id(self.public_key)


class AdvisorRegistry:
    """The enrolled advisor keys of one desk folder."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / ADVISORS_FILE

    def load(self) -> list[EnrolledAdvisor]:
        """Every enrolled advisor (none when the file does not exist yet)."""
        if not self._path.exists():
            return []
        damaged = VaultCorrupt(_("The desk's list of enrolled advisors is damaged."))
        try:
            doc = jsonio.loads(self._path.read_text(encoding="utf-8"))
            if doc.get("format") != ADVISORS_FORMAT:
                raise damaged
            return [
                EnrolledAdvisor(
                    str(a["name"]), decode_public_key(a["public_key"]), str(a["enrolled_at"])
                )
                for a in doc["advisors"]
            ]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, KeyFormatError):
            raise damaged from None

    def trusted(self) -> dict[str, bytes]:
        """Key id → raw public key, for signature checks."""
        return {a.key_id: a.public_key for a in self.load()}

    def enrol(self, name: str, public_key_text: str, now: dt.datetime) -> EnrolledAdvisor:
        """Trust the advisor device key ``public_key_text`` under ``name`` (replaces a same key)."""
        raw = decode_public_key(public_key_text)
        name = name.strip()
        if not name or len(name) > 200:
            raise KeyFormatError(_("The advisor needs a name (up to 200 characters)."))
        entry = EnrolledAdvisor(name, raw, now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        advisors = [a for a in self.load() if a.public_key != raw] + [entry]
        doc: dict[str, Any] = {
            "format": ADVISORS_FORMAT,
            "version": 1,
            "advisors": [
                {
                    "name": a.name,
                    "public_key": encode_public_key(a.public_key),
                    "key_id": a.key_id,
                    "enrolled_at": a.enrolled_at,
                }
                for a in advisors
            ],
        }
        private_dir(self._path.parent)
        atomic_write(
            self._path, json.dumps(doc, indent=2, ensure_ascii=False).encode(), what=ADVISORS_FILE
        )
        return entry


class SeenIds:
    """Referral ids already opened at this desk (replay refusal). Kept in memory per run."""

    def __init__(self, folder: Path | None) -> None:
        self._path = folder / SEEN_FILE if folder is not None else None
        self._ids: set[str] = set()
        if self._path is not None and self._path.exists():
            try:
                lines = self._path.read_text(encoding="ascii").splitlines()
            except (OSError, UnicodeDecodeError):
                raise VaultCorrupt(_("The desk's list of seen referrals is damaged.")) from None
            self._ids = {line.strip() for line in lines if _UUID.match(line.strip())}

    def __contains__(self, referral_id: object) -> bool:
        return referral_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._ids))

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, referral_id: str) -> None:
        """Remember ``referral_id`` (appended and fsynced before the package is shown)."""
        if not _UUID.match(referral_id):
            raise ValueError("not a referral id")
        self._ids.add(referral_id)
        if self._path is None:
            return
        try:
            private_dir(self._path.parent)
            fd = open_private(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            with os.fdopen(fd, "a", encoding="ascii") as handle:
                handle.write(referral_id + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise storage_error(exc, SEEN_FILE) from None
