"""Setting up the intake server from the workstation: its receipt key, the desk key's
certificate of it, the signed device list, and the desk's public file — written into a folder
to carry to the server. The desk's age identity never goes there.

The intake address and the certificate are recorded in the desk store (``meta``), so every
``desk-public.json`` the desk writes afterwards names them for the advisors.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.enrolment import ENROLMENT_FILE, export_enrolment
from advisor_desktop.desk.errors import DeskError
from advisor_desktop.desk.identity import DeskIdentity
from advisor_desktop.desk.server.folder import (
    CERTIFICATE_FILE,
    INTAKE_KEY_FILE,
    ServerFolderError,
    read_intake_key,
    refuse_desk_files,
    write_intake_key,
)
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.fsutil import atomic_write, private_dir
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE, DeskPublic, parse_intake_url
from advisor_desktop.protocol.intake_api import (
    IntakeCertificate,
    issue_certificate,
    verify_certificate,
)
from advisor_desktop.protocol.keys import key_id, raw_public

log = logging.getLogger(__name__)

URL_META = "intake_url"
CERTIFICATE_META = "intake_certificate"
DEFAULT_VALIDITY_DAYS = 730
CLOCK_SKEW = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ServerSetUp:
    """What ``server-setup`` wrote."""

    folder: Path
    intake_key_id: str
    new_key: bool
    certificate: IntakeCertificate
    devices: int


def record_intake_url(store: DeskStore, url: str) -> str:
    """Remember the intake server's public address (checked as advisors' apps check it)."""
    checked = parse_intake_url(url)
    _set_meta(store, URL_META, checked)
    return checked


def _set_meta(store: DeskStore, key: str, value: str) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def desk_public(identity: DeskIdentity, store: DeskStore) -> DeskPublic:
    """The desk's public half with what the store knows of its intake server."""
    keys = identity.public
    certificate = store.meta(CERTIFICATE_META)
    return DeskPublic(
        keys.name,
        keys.age_recipient,
        keys.signing_key,
        store.meta(URL_META),
        certificate.encode("utf-8") if certificate is not None else None,
    )


def write_public_file(path: Path, public: DeskPublic) -> None:
    """Write a ``desk-public.json`` (public by design: 0644)."""
    doc = json.dumps(public.to_doc(), indent=2, ensure_ascii=False)
    atomic_write(path, doc.encode("utf-8"), what=PUBLIC_FILE)


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def setup_server_folder(
    desk_folder: Path,
    store: DeskStore,
    identity: DeskIdentity,
    server_folder: Path,
    now: dt.datetime,
    *,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    new_key: bool = False,
) -> ServerSetUp:
    """Write (or renew) a server folder: a receipt key (kept when one is there, unless
    ``new_key``), its certificate valid from ``now`` for ``validity_days``, the signed device
    list, and ``desk-public.json``; the desk folder's own public file is rewritten with the
    certificate too."""
    if server_folder.resolve() == desk_folder.resolve():
        raise DeskError(_("The server folder must not be the desk folder."))
    if not 1 <= validity_days <= 3650:
        raise DeskError(_("The certificate's validity must be 1 to 3650 days."))
    private_dir(server_folder)
    try:
        refuse_desk_files(server_folder)
    except ServerFolderError as exc:
        raise DeskError(exc.message) from None
    created = new_key or not (server_folder / INTAKE_KEY_FILE).exists()
    if created:
        intake_key = Ed25519PrivateKey.generate()
        write_intake_key(server_folder, intake_key)
    else:
        intake_key = read_intake_key(server_folder)
    intake_public = raw_public(intake_key.public_key())
    # Valid from an hour back: the server's clock may be a little behind the workstation's.
    certificate = issue_certificate(
        intake_public,
        identity.signing_key,
        _stamp(now - CLOCK_SKEW),
        _stamp(now + dt.timedelta(days=validity_days)),
    )
    atomic_write(server_folder / CERTIFICATE_FILE, certificate, what=CERTIFICATE_FILE)
    _set_meta(store, CERTIFICATE_META, certificate.decode("utf-8"))
    enrolment = export_enrolment(store, identity.signing_key, _stamp(now))
    atomic_write(server_folder / ENROLMENT_FILE, enrolment, what=ENROLMENT_FILE)
    public = desk_public(identity, store)
    write_public_file(server_folder / PUBLIC_FILE, public)
    write_public_file(desk_folder / PUBLIC_FILE, public)
    signing = raw_public(identity.signing_key.public_key())
    cert = verify_certificate(certificate, {key_id(signing): signing})
    devices = json.loads(enrolment)["enrolment"]["devices"]
    log.info("server_folder_written new_key=%s devices=%s", created, len(devices))
    return ServerSetUp(server_folder, cert.intake_key_id, created, cert, len(devices))


def write_enrolment(store: DeskStore, identity: DeskIdentity, out: Path, now: dt.datetime) -> int:
    """Export the signed device list to ``out``; returns how many devices it names."""
    data = export_enrolment(store, identity.signing_key, _stamp(now))
    atomic_write(out, data, what=ENROLMENT_FILE)
    return len(json.loads(data)["enrolment"]["devices"])
