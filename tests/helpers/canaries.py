"""Canary strings and a scanner that looks for them in files (UTF-8, UTF-16-LE/BE).

Each canary is unique per test run (a random token inside), in several scripts, so a hit can
only come from the test's own data.
"""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.platform.textnorm import fold, normalize_for_index

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


def make_canaries(field: str) -> list[str]:
    """Canaries for one field, one per script (Latin, accented Latin, Cyrillic, Arabic, CJK,
    Japanese kana); each contains a fresh random token."""
    tok = secrets.token_hex(4)
    tag = field.replace("_", "")
    return [
        f"zqcanary{tag}{tok}latin",
        f"Überprüfungcanary{tag}{tok}été",
        f"канарейка{tag}{tok}заметка",
        f"كناري{tag}{tok}ملاحظة",
        f"金丝雀{tag}{tok}备注内容",
        f"カナリア{tag}{tok}めもです",
    ]


def patterns(canaries: Iterable[str]) -> dict[bytes, str]:
    """Byte patterns to look for → the canary they come from: the text as typed, case- and
    accent-folded, and as the search index would normalise it; each in every encoding."""
    found: dict[bytes, str] = {}
    for canary in canaries:
        forms = {canary, fold(canary), normalize_for_index(canary).strip()}
        for form in forms:
            for encoding in ENCODINGS:
                found[form.encode(encoding)] = canary
    return found


@dataclass(frozen=True)
class Hit:
    """A canary found in a file."""

    path: Path
    canary: str
    where: str = ""


def scan_bytes(data: bytes, pats: dict[bytes, str]) -> list[str]:
    """Canaries whose patterns occur in ``data``."""
    return sorted({canary for pat, canary in pats.items() if pat in data})


def scan_file(path: Path, pats: dict[bytes, str]) -> list[Hit]:
    """Hits in one file (and inside it, if it is a zip archive). Vanished files give none."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, PermissionError, IsADirectoryError, OSError):
        return []
    hits = [Hit(path, c) for c in scan_bytes(data, pats)]
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    hits += [Hit(path, c, name) for c in scan_bytes(archive.read(name), pats)]
        except zipfile.BadZipFile:
            pass
    return hits


def all_files(root: Path, exclude: Iterable[Path] = ()) -> dict[Path, tuple[int, int]]:
    """Every regular file under ``root`` → (size, mtime_ns), skipping ``exclude`` subtrees."""
    skip = [str(p) for p in exclude]
    result: dict[Path, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(root, onerror=lambda _e: None):
        if any(folder == s or folder.startswith(s + os.sep) for s in skip):
            dirs[:] = []
            continue
        for name in files:
            path = Path(folder, name)
            try:
                st = path.lstat()
            except OSError:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            result[path] = (st.st_size, st.st_mtime_ns)
    return result
