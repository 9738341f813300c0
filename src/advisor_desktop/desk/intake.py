"""Receiving a package into the desk store: every check, then the replay check against the
store, then the package (exact bytes), its referral and its first status in one transaction.

The same referral id twice is a replay, except for ``import``'s one allowance: the very same
bytes again (the same file on a second stick) are "already received", and nothing is added.
A package whose advisor withdrew it before it arrived (a withdrawal from the same device in the
store) is refused, and nothing of it is stored. Refused packages are recorded by digest and
reason only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from advisor_desktop.desk.devices import Device, device_by_key_id, trusted_keys
from advisor_desktop.desk.identity import DeskIdentity
from advisor_desktop.desk.opener import OpenedReferral, verify_package
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import PackageError, PackageReplayed, PackageUnknownSigner
from advisor_desktop.protocol.keys import canonical_json
from advisor_desktop.protocol.receipt import package_sha256
from advisor_desktop.protocol.referral_package import PackageWithdrawn, ReferralContent
from advisor_desktop.protocol.referral_terms import ReferralState

log = logging.getLogger(__name__)

Source = Literal["file", "server"]


@dataclass(frozen=True)
class Received:
    """A package the store holds: just now (``new``) or already before, byte for byte."""

    content: ReferralContent
    signer: Device
    package_sha256: str
    received_at: str
    new: bool

    @property
    def referral_id(self) -> str:
        """The referral's id."""
        return self.content.referral_id


def receive_package(
    store: DeskStore,
    identity: DeskIdentity,
    data: bytes,
    *,
    source: Source,
    now: str,
    file_name: str | None = None,
    same_bytes_received: bool = True,
) -> Received:
    """Check ``data`` and store it. Raises a :class:`PackageError` (recorded as a refusal)
    when it does not decrypt for this desk, is not signed by an enrolled device, does not
    follow the format, or repeats a referral id (with other bytes, or at all when
    ``same_bytes_received`` is false, as ``open`` has always refused a second opening)."""
    digest = package_sha256(data)
    try:
        opened = verify_package(
            data, [identity.age_identity], trusted_keys(store), desk_name=identity.name
        )
        signer = device_by_key_id(store, opened.signer_key_id)
        if signer is None:  # enrolled a moment ago and gone: not possible with the lock held
            raise PackageUnknownSigner(_("The package's signing device is not enrolled."))
        with store.write() as conn:
            return _store(
                conn, opened, signer, data, digest, source, now, file_name, same_bytes_received
            )
    except PackageError as exc:
        _record_refusal(store, digest, len(data), source, now, exc)
        raise


def _store(
    conn: Any,
    opened: OpenedReferral,
    signer: Device,
    data: bytes,
    digest: str,
    source: Source,
    now: str,
    file_name: str | None,
    same_bytes_received: bool,
) -> Received:
    content = opened.content
    seen = conn.execute(
        "SELECT 1 FROM seen_ids WHERE referral_id = ?", (content.referral_id,)
    ).fetchone()
    if seen is not None:
        earlier = conn.execute(
            "SELECT p.sha256, p.received_at FROM referrals r JOIN packages p "
            "ON p.id = r.package_id WHERE r.id = ?",
            (content.referral_id,),
        ).fetchone()
        if same_bytes_received and earlier is not None and earlier[0] == digest:
            log.info("package_already_received id=%s", content.referral_id)
            return Received(content, signer, digest, str(earlier[1]), new=False)
        raise PackageReplayed(
            _("A referral with this id was already received at this desk: refused as a replay.")
        )
    withdrawn = conn.execute(
        "SELECT 1 FROM withdrawals WHERE referral_id = ? AND device_key_id = ?",
        (content.referral_id, opened.signer_key_id),
    ).fetchone()
    if withdrawn is not None:
        raise PackageWithdrawn(
            _(
                "The advisor withdrew this referral before its package arrived: refused, "
                "nothing of it was stored."
            )
        )
    cursor = conn.execute(
        "INSERT INTO packages (sha256, data, received_at, source, file_name) "
        "VALUES (?, ?, ?, ?, ?)",
        (digest, data, now, source, file_name),
    )
    conn.execute(
        "INSERT INTO seen_ids (referral_id, seen_at, origin) VALUES (?, ?, 'package')",
        (content.referral_id, now),
    )
    conn.execute(
        "INSERT INTO referrals (id, package_id, device_id, signer_key_id, payload, opened_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            content.referral_id,
            cursor.lastrowid,
            signer.id,
            opened.signer_key_id,
            canonical_json(content.raw).decode("utf-8"),
            now,
        ),
    )
    conn.execute(
        "INSERT INTO status_history (referral_id, state, set_at) VALUES (?, ?, ?)",
        (content.referral_id, ReferralState.RECEIVED.value, now),
    )
    log.info("package_received id=%s source=%s", content.referral_id, source)
    return Received(content, signer, digest, now, new=True)


def _record_refusal(
    store: DeskStore, digest: str, size: int, source: Source, now: str, exc: PackageError
) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO refusals (sha256, size, refused_at, source, reason) "
            "VALUES (?, ?, ?, ?, ?)",
            (digest, size, now, source, type(exc).__name__),
        )
    log.info("package_refused reason=%s", type(exc).__name__)
