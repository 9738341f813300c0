"""Where the active guides come from: the shipped ``resources/guides`` or an installed pack.

An installed pack lives in ``<data>/guides-pack/<version>/`` (its files plus the signed
manifest). ``<data>/guides-pack/current.json`` names the active version; writing that small
file atomically is the one step that switches guides, so a crash leaves the old or the new
set, never a mix. Packs are re-checked on every load (file hashes always, the signature
whenever the caller knows the trusted desk keys); a pack that fails falls back to the shipped
guides.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from advisor_desktop.guides.check import NOTICE_KINDS, check_guides
from advisor_desktop.guides.errors import PackMalformed, PackNotNewer
from advisor_desktop.guides.pack import (
    MANIFEST,
    SIGNATURE,
    VerifiedPack,
    read_pack,
    verify_signature,
)
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.fsutil import atomic_write, fsync_dir, translate_os_errors
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths, resources_dir

log = logging.getLogger(__name__)

#: The pack version the shipped guides count as; a release that updates the shipped guides
#: past an issued pack raises this, so an older installed pack stops overriding them.
SHIPPED_PACK_VERSION = 0
PACK_FOLDER = "guides-pack"
POINTER = "current.json"


@dataclass(frozen=True)
class GuideSource:
    """The folder guides are read from, and where it came from."""

    root: Path
    version: int
    origin: str  # "shipped" or "pack"


def shipped_root() -> Path:
    """The guides shipped with the application."""
    return resources_dir() / "guides"


def pack_folder(paths: AppPaths) -> Path:
    """The folder installed packs live in."""
    return paths.data / PACK_FOLDER


def _pointer_version(paths: AppPaths) -> int | None:
    try:
        doc = jsonio.loads((pack_folder(paths) / POINTER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    version = doc.get("version") if isinstance(doc, dict) else None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return None
    return version


def _reverify(folder: Path, keys: list[Ed25519PublicKey] | None) -> bool:
    """True when every file of an installed pack still matches its signed manifest."""
    try:
        manifest = (folder / MANIFEST).read_bytes()
        doc = jsonio.loads(manifest.decode("utf-8"))
        files = doc["files"]
        for name, digest in files.items():
            if "\\" in name or ".." in name.split("/") or name.startswith("/"):
                return False
            if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
                return False
        if keys is not None:
            signature = base64.b64decode((folder / SIGNATURE).read_bytes().strip())
            return verify_signature(keys, signature, manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def installed_version(paths: AppPaths) -> int:
    """The version of the installed pack (``SHIPPED_PACK_VERSION`` when none)."""
    version = _pointer_version(paths)
    return SHIPPED_PACK_VERSION if version is None else max(version, SHIPPED_PACK_VERSION)


def active_source(
    paths: AppPaths | None, keys: Iterable[Ed25519PublicKey] | None = None
) -> GuideSource:
    """The guides to show: a valid installed pack newer than the shipped guides, else shipped.

    ``keys`` (the profile's desk keys) re-verifies the pack's signature; without them only
    the file hashes are checked (before the vault is unlocked the trusted keys are unknown).
    """
    shipped = GuideSource(shipped_root(), SHIPPED_PACK_VERSION, "shipped")
    version = None if paths is None else _pointer_version(paths)
    if paths is None or version is None or version <= SHIPPED_PACK_VERSION:
        return shipped
    folder = pack_folder(paths) / str(version)
    if not _reverify(folder, None if keys is None else list(keys)):
        log.warning("guides_pack_invalid version=%s", version)
        return shipped
    return GuideSource(folder, version, "pack")


def _write_tree(folder: Path, pack: VerifiedPack) -> None:
    for name, data in pack.files.items():
        lang, file_name = name.split("/")
        target = folder / lang
        target.mkdir(exist_ok=True, mode=0o700)
        _write_durable(target / file_name, data)
    _write_durable(folder / MANIFEST, pack.manifest)
    _write_durable(folder / SIGNATURE, base64.b64encode(pack.signature))
    for sub in [p for p in folder.iterdir() if p.is_dir()] + [folder]:
        fsync_dir(sub)


def _write_durable(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def install_pack(paths: AppPaths, data: bytes, keys: Iterable[Ed25519PublicKey]) -> int:
    """Verify ``data`` as a guide pack and make it the active guides; returns its version.

    Refused (typed error, installed guides unchanged): no trusted key, bad signature,
    malformed or unsafe archive, incomplete guides, or a version not newer than installed.
    """
    pack = read_pack(data, keys)
    current = installed_version(paths)
    if pack.version <= current:
        raise PackNotNewer(
            _(
                "This guide pack has version {new}; the installed guides are version {old}. "
                "Only a newer pack can be installed."
            ).format(new=pack.version, old=current)
        )
    root = pack_folder(paths)
    what = _("the guide pack")
    with translate_os_errors(what):
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = root / f".staging-{uuid.uuid4().hex}"
        staging.mkdir(mode=0o700)
    try:
        with translate_os_errors(what):
            _write_tree(staging, pack)
        tolerated = NOTICE_KINDS | {"stale"}
        problems = [p for p in check_guides(staging) if p.kind not in tolerated]
        if problems:
            raise PackMalformed(
                _("The guide pack is incomplete: {problem}").format(problem=str(problems[0]))
            )
        final = root / str(pack.version)
        with translate_os_errors(what):
            if final.exists():  # left by an install that crashed before switching
                shutil.rmtree(final)
            os.replace(staging, final)
            fsync_dir(root)
            pointer = json.dumps({"version": pack.version}).encode()
            atomic_write(root / POINTER, pointer, what=what)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("guides_pack_installed version=%s", pack.version)
    _remove_old(root, keep=pack.version)
    return pack.version


def _remove_old(root: Path, keep: int) -> None:
    """Delete older pack folders and stray staging folders (best effort)."""
    for child in root.iterdir():
        if child.is_dir() and child.name != str(keep):
            with contextlib.suppress(OSError):
                shutil.rmtree(child)
