"""The intake server's folder: only what the server may hold, checked before it starts.

- ``desk-public.json``: the desk's public keys, the trust anchor of all below;
- ``intake-key.json``: the server's own Ed25519 receipt key (private, 0600);
- ``intake-certificate.json``: the desk key's certificate of that key;
- ``enrolment.json``: the enrolled device keys, signed by the desk key;
- ``intake.db`` (+ ``-wal``, ``-shm``): what arrived (ciphertext, receipts, metadata).

``advisor-desk server-setup`` writes the first four on the workstation (``export-enrolment`` a
new device list); the server writes only its store.

The desk's age identity (which reads referrals) is never here: a folder holding
``desk-identity.json`` or a desk store is refused, so the server cannot be started on the
workstation's desk folder by mistake.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from advisor_desktop.desk.enrolment import ENROLMENT_FILE, Enrolment, verify_enrolment
from advisor_desktop.desk.identity import IDENTITY_FILE
from advisor_desktop.desk.store import DB_FILE as DESK_DB_FILE
from advisor_desktop.desk.store import KEYS_FILE as DESK_KEYS_FILE
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import EXIT_VAULT, AdvisorError, ProfileError
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE, parse_desk_public
from advisor_desktop.protocol.intake_api import (
    IntakeCertificate,
    IntakeFormatError,
    verify_certificate,
)
from advisor_desktop.protocol.keys import decode_public_key, key_id, raw_public

INTAKE_KEY_FILE = "intake-key.json"
CERTIFICATE_FILE = "intake-certificate.json"
INTAKE_KEY_FORMAT = "advisor-desktop-intake-key"
NOT_ON_A_SERVER = (IDENTITY_FILE, DESK_DB_FILE, DESK_KEYS_FILE)
_MAX_FILE = 4 * 1024 * 1024


class ServerFolderError(AdvisorError):
    """The server folder is missing a file, holds one it must not, or a file does not verify
    against the desk key (exit 4)."""

    exit_code = EXIT_VAULT


@dataclass(frozen=True)
class ServerFolder:
    """A checked server folder."""

    path: Path
    desk_key: bytes
    intake_key: Ed25519PrivateKey
    certificate: bytes
    cert: IntakeCertificate
    enrolment: Enrolment

    @property
    def desk_key_id(self) -> str:
        """The desk key's id (the workstation signs its requests with it)."""
        return key_id(self.desk_key)

    @property
    def intake_key_id(self) -> str:
        """The id of the key that signs receipts."""
        return key_id(raw_public(self.intake_key.public_key()))


def refuse_desk_files(folder: Path) -> None:
    """Refuse a folder that holds the desk's private identity or its store."""
    for name in NOT_ON_A_SERVER:
        if (folder / name).exists():
            raise ServerFolderError(
                _(
                    "{folder} holds {file}: that is the desk workstation's folder. The intake "
                    "server's folder must hold only what advisor-desk server-setup writes."
                ).format(folder=folder, file=name)
            )


def _read(folder: Path, name: str) -> bytes:
    path = folder / name
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_FILE + 1)
    except FileNotFoundError:
        raise ServerFolderError(
            _("{file} is missing from {folder}: run advisor-desk server-setup.").format(
                file=name, folder=folder
            )
        ) from None
    except OSError as exc:
        raise ServerFolderError(
            _("{file} cannot be read: {reason}").format(file=name, reason=exc.strerror)
        ) from None
    if len(data) > _MAX_FILE:
        raise ServerFolderError(_("{file} is too large.").format(file=name))
    return data


def read_desk_key(folder: Path) -> bytes:
    """The desk's Ed25519 key (32 raw bytes) from the folder's ``desk-public.json``."""
    try:
        public = parse_desk_public(jsonio.loads(_read(folder, PUBLIC_FILE).decode("utf-8")))
    except (UnicodeDecodeError, ValueError, ProfileError):
        raise ServerFolderError(
            _("{file} in {folder} is not a desk's public key file.").format(
                file=PUBLIC_FILE, folder=folder
            )
        ) from None
    return decode_public_key(public.signing_key)


def write_intake_key(folder: Path, key: Ed25519PrivateKey) -> None:
    """Write the server's private receipt key (0600)."""
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    doc = {
        "format": INTAKE_KEY_FORMAT,
        "version": 1,
        "private_key": base64.b64encode(raw).decode("ascii"),
    }
    atomic_write(folder / INTAKE_KEY_FILE, json.dumps(doc).encode("ascii"), what=INTAKE_KEY_FILE)


def read_intake_key(folder: Path) -> Ed25519PrivateKey:
    """The server's private receipt key."""
    damaged = ServerFolderError(_("{file} is damaged.").format(file=INTAKE_KEY_FILE))
    try:
        doc = jsonio.loads(_read(folder, INTAKE_KEY_FILE).decode("ascii"))
        if doc["format"] != INTAKE_KEY_FORMAT or doc["version"] != 1:
            raise damaged
        return Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(doc["private_key"], validate=True)
        )
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error):
        raise damaged from None


def read_enrolment(folder: Path, desk_key: bytes) -> Enrolment:
    """The folder's device list, verified with the desk key (refused unsigned or forged)."""
    try:
        return verify_enrolment(_read(folder, ENROLMENT_FILE), desk_key)
    except IntakeFormatError as exc:
        raise ServerFolderError(
            _("{file} is refused: {reason}").format(file=ENROLMENT_FILE, reason=exc.message)
        ) from None


def load_server_folder(folder: Path, now: str) -> ServerFolder:
    """Check the folder and read it: the certificate and the device list must verify with the
    desk key, the certificate must name the folder's intake key and be valid ``now``."""
    if not folder.is_dir():
        raise ServerFolderError(
            _("The server folder {folder} does not exist.").format(folder=folder)
        )
    refuse_desk_files(folder)
    desk_key = read_desk_key(folder)
    intake_key = read_intake_key(folder)
    certificate = _read(folder, CERTIFICATE_FILE)
    try:
        cert = verify_certificate(certificate, {key_id(desk_key): desk_key})
    except IntakeFormatError as exc:
        raise ServerFolderError(
            _("{file} is refused: {reason}").format(file=CERTIFICATE_FILE, reason=exc.message)
        ) from None
    if cert.intake_key != raw_public(intake_key.public_key()):
        raise ServerFolderError(
            _("{file} certifies another key than {key}.").format(
                file=CERTIFICATE_FILE, key=INTAKE_KEY_FILE
            )
        )
    if not cert.covers(now):
        raise ServerFolderError(
            _("The intake certificate is not valid now (valid {start} to {end}).").format(
                start=cert.issued_at, end=cert.expires_at
            )
        )
    enrolment = read_enrolment(folder, desk_key)
    return ServerFolder(folder, desk_key, intake_key, certificate, cert, enrolment)
