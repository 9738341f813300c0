"""Where the active guides come from: the shipped ``resources/guides`` or an installed pack.

An installed pack lives in ``<data>/guides-pack/<version>/`` (its files plus the signed
manifest). ``<data>/guides-pack/current.json`` names the active version; writing that small
file atomically is the one step that switches guides, so a crash leaves the old or the new
set, never a mix. Packs are re-checked on every load, signature and file hashes: against the
vault profile's desk keys once the vault is open, before that against the desk keys of the
profile shipped with the application. A pack that fails, or that no key can verify, is never
served: the shipped guides are, and :attr:`GuideSource.withheld` says why.
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
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from advisor_desktop.guides.check import NOTICE_KINDS, check_guides
from advisor_desktop.guides.errors import PackMalformed, PackNotNewer
from advisor_desktop.guides.pack import (
    MANIFEST,
    SIGNATURE,
    VerifiedPack,
    read_pack,
    trusted_keys,
    verify_signature,
)
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.fsutil import (
    atomic_write,
    fsync_dir,
    open_private,
    private_dir,
    translate_os_errors,
)
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths, resources_dir
from advisor_desktop.protocol.profile import load_profile

log = logging.getLogger(__name__)

#: The pack version the shipped guides count as; a release that updates the shipped guides
#: past an issued pack raises this, so an older installed pack stops overriding them.
SHIPPED_PACK_VERSION = 0
PACK_FOLDER = "guides-pack"
POINTER = "current.json"


#: Why an installed pack was not served (:attr:`GuideSource.withheld_reason`).
WITHHELD_NO_KEY = "no-key"  # no trusted desk key to verify it with
WITHHELD_INVALID = "invalid"  # its signature or a file hash does not verify


@dataclass(frozen=True)
class GuideSource:
    """The folder guides are read from, and where it came from.

    ``withheld`` is the version of an installed pack that was not served (the shipped
    guides are, instead), with ``withheld_reason`` one of the ``WITHHELD_*`` values.
    """

    root: Path
    version: int
    origin: str  # "shipped" or "pack"
    withheld: int | None = None
    withheld_reason: str = ""


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


def _reverify(folder: Path, keys: list[Ed25519PublicKey]) -> bool:
    """True when the manifest of an installed pack verifies with one of ``keys`` and every
    file still matches it."""
    try:
        manifest = (folder / MANIFEST).read_bytes()
        doc = jsonio.loads(manifest.decode("utf-8"))
        files = doc["files"]
        for name, digest in files.items():
            if "\\" in name or ".." in name.split("/") or name.startswith("/"):
                return False
            if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
                return False
        signature = base64.b64decode((folder / SIGNATURE).read_bytes().strip(), validate=True)
        return verify_signature(keys, signature, manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def installed_version(paths: AppPaths) -> int:
    """The version of the installed pack (``SHIPPED_PACK_VERSION`` when none)."""
    version = _pointer_version(paths)
    return SHIPPED_PACK_VERSION if version is None else max(version, SHIPPED_PACK_VERSION)


def active_source(
    paths: AppPaths | None, keys: Iterable[Ed25519PublicKey] | None = None
) -> GuideSource:
    """The guides to show: an installed pack newer than the shipped guides whose signature
    and files verify, else the shipped guides.

    ``keys`` are the desk keys of the vault's profile; None (the vault is not open) verifies
    against the desk keys of the profile shipped with the application. An unverified pack is
    never served: the result is then the shipped guides, with ``withheld`` set.
    """
    shipped = GuideSource(shipped_root(), SHIPPED_PACK_VERSION, "shipped")
    version = None if paths is None else _pointer_version(paths)
    if paths is None or version is None or version <= SHIPPED_PACK_VERSION:
        return shipped
    trusted = trusted_keys(load_profile()) if keys is None else list(keys)
    if not trusted:
        log.warning("guides_pack_unverifiable version=%s", version)
        return replace(shipped, withheld=version, withheld_reason=WITHHELD_NO_KEY)
    if not _reverify(pack_folder(paths) / str(version), trusted):
        log.warning("guides_pack_invalid version=%s", version)
        return replace(shipped, withheld=version, withheld_reason=WITHHELD_INVALID)
    return GuideSource(pack_folder(paths) / str(version), version, "pack")


def withheld_note(source: GuideSource) -> str | None:
    """One line for the advisor when an installed pack was not served (None when none was)."""
    if source.withheld is None:
        return None
    if source.withheld_reason == WITHHELD_NO_KEY:
        return _(
            "The installed guide pack (version {version}) cannot be verified without the "
            "vault's profile (give the passphrase); showing the guides shipped with the "
            "application."
        ).format(version=source.withheld)
    return _(
        "The installed guide pack (version {version}) did not verify against the desk keys "
        "and is not shown; showing the guides shipped with the application."
    ).format(version=source.withheld)


def _write_tree(folder: Path, pack: VerifiedPack) -> None:
    for name, data in pack.files.items():
        lang, file_name = name.split("/")
        target = folder / lang
        private_dir(target)
        _write_durable(target / file_name, data)
    _write_durable(folder / MANIFEST, pack.manifest)
    _write_durable(folder / SIGNATURE, base64.b64encode(pack.signature))
    for sub in [p for p in folder.iterdir() if p.is_dir()] + [folder]:
        fsync_dir(sub)


def _write_durable(path: Path, data: bytes) -> None:
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "wb") as handle:
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
        private_dir(root)
        staging = root / f".staging-{uuid.uuid4().hex}"
        staging.mkdir(mode=0o700)
        staging.chmod(0o700)
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
