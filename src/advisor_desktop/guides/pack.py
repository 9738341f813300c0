"""Signed guide packs: the central desk publishes newer guides as one signed file.

A pack is a zip archive with exactly these members:

- ``manifest.json``: ``{"format": "advisor-desktop-guides-pack", "pack_version": N,
  "created": ISO-8601, "files": {"<lang>/<NN-name>.md": "<sha-256 hex>", ...}}``;
- ``manifest.sig``: base64 of the Ed25519 signature over the exact bytes of ``manifest.json``,
  made with a desk's key (its public half is ``desks[].signing_key`` in the profile);
- ``guides/<lang>/<NN-name>.md`` for every file the manifest lists, and nothing else.

Nothing is extracted with zipfile's own path handling: every member name is matched against
a strict pattern first, so ``../`` or absolute names cannot escape the target folder.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from advisor_desktop.guides.errors import PackMalformed, PackNoTrustedKey, PackSignatureInvalid
from advisor_desktop.guides.model import MAX_FILE_BYTES, SECTION_FILES, discover_languages
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import OrgProfile

PACK_FORMAT = "advisor-desktop-guides-pack"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_PACK_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 2000
_MEMBER = re.compile(r"^guides/([a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-[A-Z]{2})?)/(\d\d-[a-z-]+\.md)$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_ED25519_PREFIX = "ed25519:"


@dataclass(frozen=True)
class VerifiedPack:
    """A pack whose signature, manifest and every file hash checked out."""

    version: int
    created: str
    files: dict[str, bytes]  # "<lang>/<name>.md" -> content
    manifest: bytes
    signature: bytes


def _malformed(what: str) -> PackMalformed:
    return PackMalformed(_("This is not a valid guide pack: {what}.").format(what=what))


def decode_signing_key(text: str) -> Ed25519PublicKey:
    """A desk's public key from the profile: ``ed25519:BASE64`` or bare base64 of 32 bytes."""
    body = text.strip().removeprefix(_ED25519_PREFIX)
    try:
        raw = base64.b64decode(body, validate=True)
        if len(raw) != 32:
            raise ValueError("length")
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise PackNoTrustedKey(
            _("A desk key in the organisation profile is not a valid Ed25519 public key.")
        ) from None


def trusted_keys(profile: OrgProfile) -> list[Ed25519PublicKey]:
    """The desk keys of ``profile`` that may sign guide packs (invalid ones are skipped)."""
    keys = []
    for desk in profile.desks:
        try:
            keys.append(decode_signing_key(desk.signing_key))
        except PackNoTrustedKey:
            continue
    return keys


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_pack(
    source_dir: Path,
    version: int,
    signing_private_key: Ed25519PrivateKey,
    *,
    created: dt.datetime | None = None,
) -> bytes:
    """A signed pack of every guide file under ``source_dir`` (``<lang>/<NN-name>.md``).

    Used by the tests and the desk's command line. The zip is deterministic for the same
    input and ``created``.
    """
    if not isinstance(version, int) or version < 1:
        raise _malformed(_("the pack version must be a whole number of at least 1"))
    files: dict[str, bytes] = {}
    for lang in discover_languages(source_dir):
        for name in SECTION_FILES.values():
            path = source_dir / lang / name
            if path.is_file():
                files[f"{lang}/{name}"] = path.read_bytes()
    stamp = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    manifest_doc = {
        "format": PACK_FORMAT,
        "pack_version": version,
        "created": stamp,
        "files": {name: _hash(data) for name, data in sorted(files.items())},
    }
    manifest = json.dumps(manifest_doc, sort_keys=True, indent=1, ensure_ascii=False).encode()
    signature = base64.b64encode(signing_private_key.sign(manifest))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(MANIFEST, manifest), (SIGNATURE, signature)] + [
            (f"guides/{n}", d) for n, d in sorted(files.items())
        ]:
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), data)
    return buffer.getvalue()


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise _malformed(_("a file in it is too large"))
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError):
        raise _malformed(_("a file in it is damaged")) from None
    if len(data) > limit:
        raise _malformed(_("a file in it is too large"))
    return data


def _parse_manifest(raw: bytes) -> tuple[int, str, dict[str, str]]:
    try:
        doc: Any = jsonio.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _malformed(_("its manifest is not valid JSON")) from None
    if not isinstance(doc, dict) or doc.get("format") != PACK_FORMAT:
        raise _malformed(_("its manifest is not a guide-pack manifest"))
    version, created, files = doc.get("pack_version"), doc.get("created"), doc.get("files")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _malformed(_("its version is not a whole number of at least 1"))
    if not isinstance(created, str) or len(created) > 64:
        raise _malformed(_("its creation date is missing"))
    if not isinstance(files, dict) or not files:
        raise _malformed(_("it lists no files"))
    for name, digest in files.items():
        if not _MEMBER.match(f"guides/{name}") or not isinstance(digest, str):
            raise _malformed(_("it lists a file with a forbidden name"))
        if not _SHA256_HEX.match(digest):
            raise _malformed(_("it lists a file without a valid SHA-256 hash"))
    return version, created, files


def read_pack(data: bytes, keys: Iterable[Ed25519PublicKey]) -> VerifiedPack:
    """Verify a pack completely (signature first, then names, sizes and hashes).

    Raises :class:`PackNoTrustedKey`, :class:`PackSignatureInvalid` or :class:`PackMalformed`.
    """
    keys = list(keys)
    if not keys:
        raise PackNoTrustedKey(
            _("The organisation profile has no desk key, so guide packs cannot be verified.")
        )
    if len(data) > MAX_PACK_BYTES:
        raise _malformed(_("the file is too large"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _malformed(_("it is not a zip archive")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _malformed(_("it has too many files"))
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise _malformed(_("a file name appears twice"))
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.filename in (MANIFEST, SIGNATURE):
                continue
            if not _MEMBER.match(info.filename) or info.is_dir():
                raise _malformed(_("it contains a file with a forbidden name"))
            members[info.filename.removeprefix("guides/")] = info
        if MANIFEST not in names or SIGNATURE not in names:
            raise _malformed(_("its manifest or signature is missing"))
        manifest = _read_member(archive, archive.getinfo(MANIFEST), 1024 * 1024)
        sig_text = _read_member(archive, archive.getinfo(SIGNATURE), 1024)
        try:
            signature = base64.b64decode(sig_text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise PackSignatureInvalid(_("The guide pack's signature is damaged.")) from None
        if not verify_signature(keys, signature, manifest):
            raise PackSignatureInvalid(
                _(
                    "The guide pack's signature does not match the desk key in the organisation "
                    "profile. It was not installed."
                )
            )
        version, created, listed = _parse_manifest(manifest)
        if set(listed) != set(members):
            raise _malformed(_("its files do not match its manifest"))
        files: dict[str, bytes] = {}
        for name, info in sorted(members.items()):
            content = _read_member(archive, info, MAX_FILE_BYTES)
            if _hash(content) != listed[name]:
                raise _malformed(_("the file {name} was changed after signing").format(name=name))
            files[name] = content
    return VerifiedPack(version, created, files, manifest, signature)


def verify_signature(keys: list[Ed25519PublicKey], signature: bytes, manifest: bytes) -> bool:
    """True when ``signature`` over ``manifest`` verifies with any of ``keys``."""
    for key in keys:
        try:
            key.verify(signature, manifest)
        except InvalidSignature:
            continue
        return True
    return False
