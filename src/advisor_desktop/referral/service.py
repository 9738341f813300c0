"""The referral service: consent + draft → confirmed payload → sealed package in the outbox.

States: ``draft`` (consent recorded, anonymisation under review) → ``confirmed`` (the advisor
confirmed the exact payload; it is signed, encrypted and queued in the outbox) → ``exported``
(written to a file) or ``sent`` (delivered: the outbox stored the desk's verified receipt;
``referral/outbox.py`` keeps the delivery's own states and history). ``withdrawn`` at any
point: the package leaves the outbox and the withdrawal is recorded with the consent; when
the package had already left the device (exported or sent), the device also signs a
withdrawal for the desk
(``protocol/withdrawal.py``), kept in the vault to be written to a file or sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import (
    KeyFormatError,
    ReferralError,
    ReferralNotFound,
    ReferralStateError,
)
from advisor_desktop.protocol.intake_api import build_withdrawal
from advisor_desktop.protocol.keys import canonical_json, decode_public_key
from advisor_desktop.protocol.profile import Desk, OrgProfile
from advisor_desktop.protocol.referral_package import (
    encrypt_to,
    recipient_key_id,
    sign_envelope,
    utc_stamp,
    validate_payload,
)
from advisor_desktop.protocol.referral_terms import ConsentMethod
from advisor_desktop.protocol.status_message import read_status_message, verify_status_message
from advisor_desktop.referral.anonymiser import RedactionDecision
from advisor_desktop.referral.consent import (
    ConsentRecord,
    ConsentStatement,
    parse_scopes,
    record_consent,
)
from advisor_desktop.referral.desk_status import (
    DeskStatus,
    DeskStatusBook,
    StatusImport,
    StatusNotForThisDevice,
    status_from_row,
)
from advisor_desktop.referral.device_key import DeviceKeyStore
from advisor_desktop.referral.draft import (
    DraftInputs,
    ReferralDraft,
    build_payload,
    draft_from_doc,
    draft_to_doc,
    new_draft,
)
from advisor_desktop.referral.outbox import Outbox, enqueue, stamp, withdraw_in
from advisor_desktop.storage.store import Vault

log = logging.getLogger(__name__)

STATES = ("draft", "confirmed", "exported", "sent", "withdrawn")


@dataclass(frozen=True)
class ReferralSummary:
    """A row of the referral list."""

    id: str
    record_id: int | None
    desk: str
    state: str
    scopes: str
    created_at: str
    updated_at: str
    desk_status: DeskStatus | None = None
    """What the desk last said about it (its latest status message), if anything."""


@dataclass(frozen=True)
class Referral:
    """A referral with its draft, consent and state."""

    summary: ReferralSummary
    draft: ReferralDraft
    consent: ConsentRecord
    payload_digest: str | None


def payload_digest(payload_bytes: bytes) -> str:
    """A short digest of the exact payload, shown in the preview and checked on confirm."""
    return hashlib.sha256(payload_bytes).hexdigest()[:16]


def render_preview(payload_bytes: bytes) -> str:
    """The payload exactly as the desk will read it, indented for reading (same content)."""
    return json.dumps(json.loads(payload_bytes), ensure_ascii=False, indent=2, sort_keys=True)


class ReferralService:
    """Creates, reviews, confirms, exports and withdraws referrals in the vault."""

    def __init__(self, vault: Vault, profile: OrgProfile, clock: Clock = utc_now) -> None:
        self._vault = vault
        self._profile = profile
        self._clock = clock
        self.device_keys = DeviceKeyStore(vault)
        self.statuses = DeskStatusBook(vault, clock)

    # -- desks -------------------------------------------------------------------------

    @property
    def profile(self) -> OrgProfile:
        """The organisation profile this service refers with (its desks and keys)."""
        return self._profile

    def desk(self, name: str) -> Desk:
        """The profile's desk called ``name``."""
        for desk in self._profile.desks:
            if desk.name == name:
                return desk
        if not self._profile.desks:
            raise ReferralError(
                _("The organisation profile names no desk; import the desk's key first.")
            )
        raise ReferralError(
            _("The organisation profile has no desk called {name}.").format(name=name[:80])
        )

    # -- creating and reviewing -----------------------------------------------------------

    def create(
        self,
        record: ConversationRecord,
        inputs: DraftInputs,
        statement: ConsentStatement,
        method: ConsentMethod | str,
    ) -> ReferralDraft:
        """Record the visitor's consent and a fresh draft; returns the draft."""
        self.desk(inputs.desk)
        now = self._clock()
        consent = record_consent(inputs.scopes, statement, method, now)
        draft = new_draft(record, inputs, statement.language, now)
        stamp = now.isoformat()
        with self._vault.write() as conn:
            conn.execute(
                "INSERT INTO referrals (id, record_id, desk, state, draft, created_at, "
                "updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?)",
                (
                    draft.referral_id,
                    record.id,
                    inputs.desk,
                    json.dumps(draft_to_doc(draft), ensure_ascii=False),
                    stamp,
                    stamp,
                ),
            )
            conn.execute(
                "INSERT INTO referral_consents (referral_id, scopes, language, "
                "statement_version, statement_text, method, given_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.referral_id,
                    consent.scopes.to_text(),
                    consent.language,
                    consent.statement_version,
                    consent.statement_text,
                    consent.method.value,
                    consent.given_at.isoformat(),
                ),
            )
        log.info("referral_created id=%s", draft.referral_id)
        return draft

    def get(self, referral_id: str) -> Referral:
        """One referral; :class:`ReferralNotFound` when there is none."""
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT r.id, r.record_id, r.desk, r.state, r.draft, r.payload_digest, "
                "r.created_at, r.updated_at, c.scopes, c.language, c.statement_version, "
                "c.statement_text, c.method, c.given_at, c.withdrawn_at "
                "FROM referrals r JOIN referral_consents c ON c.referral_id = r.id "
                "WHERE r.id = ?",
                (referral_id,),
            ).fetchone()
        if row is None:
            raise ReferralNotFound(
                _("No referral has the id {id}.").format(id=str(referral_id)[:40])
            )
        consent = ConsentRecord(
            scopes=parse_scopes(row[8]),
            language=row[9],
            statement_version=row[10],
            statement_text=row[11],
            method=ConsentMethod(row[12]),
            given_at=dt.datetime.fromisoformat(row[13]),
            withdrawn_at=dt.datetime.fromisoformat(row[14]) if row[14] else None,
        )
        summary = ReferralSummary(row[0], row[1], row[2], row[3], row[8], row[6], row[7])
        return Referral(summary, draft_from_doc(json.loads(row[4])), consent, row[5])

    def list_referrals(self, record_id: int | None = None) -> list[ReferralSummary]:
        """All referrals (or a record's), newest first, each with the desk's latest status."""
        sql = (
            "SELECT r.id, r.record_id, r.desk, r.state, c.scopes, r.created_at, r.updated_at, "
            "s.referral_id, s.sequence, s.state, s.outcome, s.text, s.set_at, s.desk_key_id, "
            "s.imported_at "
            "FROM referrals r JOIN referral_consents c ON c.referral_id = r.id "
            "LEFT JOIN referral_statuses s ON s.referral_id = r.id AND s.sequence = "
            "(SELECT max(sequence) FROM referral_statuses WHERE referral_id = r.id)"
        )
        args: tuple[Any, ...] = ()
        if record_id is not None:
            sql += " WHERE r.record_id = ?"
            args = (record_id,)
        with self._vault.read() as conn:
            rows = conn.execute(sql + " ORDER BY r.created_at DESC, r.id", args).fetchall()
        return [
            ReferralSummary(
                str(row[0]),
                row[1],
                str(row[2]),
                str(row[3]),
                str(row[4]),
                str(row[5]),
                str(row[6]),
                desk_status=None if row[7] is None else status_from_row(row[7:]),
            )
            for row in rows
        ]

    # -- what the desk says ---------------------------------------------------------------

    def import_status(self, data: bytes) -> StatusImport:
        """Take a status message file from the desk: decrypted with this device's age key,
        verified against the key of the referral's desk in the profile, and kept with the
        referral (a replayed older one never becomes its status again).

        Refused with a typed error: not for this device or damaged
        (:class:`~advisor_desktop.protocol.status_message.StatusUndecryptable`), not the
        format (``StatusMessageError``), not signed by that desk's key
        (``StatusBadSignature``), for a referral this device does not have
        (:class:`ReferralNotFound`), another message for a step already received
        (``StatusConflict``).
        """
        signed = read_status_message(data, self.device_keys.age_identity())
        message = signed.message
        if message.device_key_id != self.device_keys.public_key().key_id:
            raise StatusNotForThisDevice(
                _(
                    "This status message is about another advisor device's referral: it was "
                    "decrypted there and encrypted again to this device. Refused."
                )
            )
        ref = self.get(message.referral_id)
        desk = self.desk(ref.summary.desk)
        try:
            desk_key = decode_public_key(desk.signing_key)
        except KeyFormatError:  # the profile is validated; this is a damaged vault
            raise ReferralError(_("The desk's key in the profile cannot be read.")) from None
        verify_status_message(signed, desk_key)
        return self.statuses.record(message, signed.document)

    def payload_bytes(self, referral_id: str) -> bytes:
        """The canonical payload bytes the desk will read (what the preview shows)."""
        ref = self.get(referral_id)
        if ref.summary.state != "draft":
            with self._vault.read() as conn:
                row = conn.execute(
                    "SELECT payload FROM referrals WHERE id = ?", (referral_id,)
                ).fetchone()
            if row is not None and row[0] is not None:
                return bytes(row[0])
        return canonical_json(self._payload(ref))

    def _payload(self, ref: Referral) -> dict[str, Any]:
        """The payload of a draft, addressed to its desk's age key as the profile has it now
        (the key it is encrypted to when sealed)."""
        desk = self.desk(ref.draft.desk)
        return build_payload(
            ref.draft,
            ref.consent,
            self.device_keys.public_key().key_id,
            recipient_key_id(desk.age_recipient),
        )

    def decide(self, referral_id: str, decisions: Sequence[RedactionDecision]) -> ReferralDraft:
        """Apply the advisor's redaction decisions (added to earlier ones) to a draft."""
        ref = self._require(referral_id, ("draft",))
        draft = ref.draft.with_decisions([*ref.draft.decisions, *decisions])
        self._save_draft(referral_id, draft)
        return draft

    def reset_decisions(self, referral_id: str) -> ReferralDraft:
        """Back to the anonymiser's proposals (all accepted)."""
        ref = self._require(referral_id, ("draft",))
        draft = ref.draft.with_decisions([])
        self._save_draft(referral_id, draft)
        return draft

    def _save_draft(self, referral_id: str, draft: ReferralDraft) -> None:
        with self._vault.write() as conn:
            conn.execute(
                "UPDATE referrals SET draft = ?, updated_at = ? WHERE id = ?",
                (
                    json.dumps(draft_to_doc(draft), ensure_ascii=False),
                    self._clock().isoformat(),
                    referral_id,
                ),
            )

    # -- confirming, exporting, withdrawing ----------------------------------------------

    def confirm(self, referral_id: str, expected_digest: str | None = None) -> str:
        """The advisor confirms the previewed payload: sign, encrypt, queue. Returns the digest.

        ``expected_digest`` (from the preview) guards against confirming something other than
        what was looked at.
        """
        ref = self._require(referral_id, ("draft",))
        payload = self._payload(ref)
        validate_payload(payload)  # our own output must pass the desk's checks
        payload_bytes = canonical_json(payload)
        digest = payload_digest(payload_bytes)
        if expected_digest is not None and expected_digest.strip().lower() != digest:
            raise ReferralStateError(
                _("The referral changed since the preview; preview it again before confirming.")
            )
        envelope = sign_envelope(payload, self.device_keys.signing_key())
        package = encrypt_to(envelope, [self.desk(ref.draft.desk).age_recipient])
        now = self._clock().isoformat()
        with self._vault.write() as conn:
            conn.execute(
                "UPDATE referrals SET state = 'confirmed', payload = ?, payload_digest = ?, "
                "updated_at = ? WHERE id = ?",
                (payload_bytes, digest, now, referral_id),
            )
            enqueue(conn, referral_id, package, stamp(self._clock()))
        log.info("referral_confirmed id=%s", referral_id)
        return digest

    def package(self, referral_id: str) -> bytes:
        """The sealed package of a confirmed referral (marks it exported)."""
        self._require(referral_id, ("confirmed", "exported"))
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT package FROM outbox_items WHERE referral_id = ?", (referral_id,)
            ).fetchone()
        if row is None or row[0] is None:
            raise ReferralStateError(_("The referral has no sealed package."))
        return bytes(row[0])

    def mark_exported(self, referral_id: str) -> None:
        """Record that the package was written to a file (its outbox item then waits for a
        receipt, and stays retryable by network)."""
        with self._vault.write() as conn:
            conn.execute(
                "UPDATE referrals SET state = 'exported', updated_at = ? "
                "WHERE id = ? AND state IN ('confirmed', 'exported')",
                (self._clock().isoformat(), referral_id),
            )
        Outbox(self._vault, self._clock).mark_exported(referral_id)
        log.info("referral_exported id=%s", referral_id)

    def withdraw(self, referral_id: str) -> Referral:
        """The visitor withdraws consent: out of the outbox, withdrawal recorded. When the
        package had left the device (exported or sent), the device signs a withdrawal for the
        desk and keeps it (:meth:`withdrawal_document`). Returns the referral as it was."""
        ref = self._require(referral_id, ("draft", "confirmed", "exported", "sent"))
        when = self._clock()
        now = when.isoformat()
        document = None
        if ref.summary.state in ("exported", "sent") or self._may_have_left(referral_id):
            document = build_withdrawal(
                referral_id, utc_stamp(when), self.device_keys.signing_key()
            )
        with self._vault.write() as conn:
            if document is not None:
                conn.execute(
                    "INSERT INTO referral_withdrawals (referral_id, document, withdrawn_at) "
                    "VALUES (?, ?, ?)",
                    (referral_id, document, utc_stamp(when)),
                )
            withdraw_in(conn, referral_id, stamp(when))
            conn.execute(
                "UPDATE referrals SET state = 'withdrawn', payload = NULL, updated_at = ? "
                "WHERE id = ?",
                (now, referral_id),
            )
            conn.execute(
                "UPDATE referral_consents SET withdrawn_at = ? WHERE referral_id = ?",
                (now, referral_id),
            )
        log.info("referral_withdrawn id=%s notice=%s", referral_id, document is not None)
        return ref

    def withdrawal_document(self, referral_id: str) -> bytes | None:
        """The signed withdrawal of a referral withdrawn after it left the device (None: it
        was withdrawn before, or is not withdrawn)."""
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT document FROM referral_withdrawals WHERE referral_id = ?", (referral_id,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def outbox_ids(self) -> list[str]:
        """Referral ids with a package waiting in the outbox."""
        with self._vault.read() as conn:
            rows = conn.execute(
                "SELECT referral_id FROM outbox_items "
                "WHERE state IN ('queued', 'sending', 'failed') ORDER BY queued_at"
            ).fetchall()
        return [str(r[0]) for r in rows]

    def _may_have_left(self, referral_id: str) -> bool:
        """True when the outbox tried to send it: the desk's server may hold it (a withdrawal
        for the desk is made then, as after an export)."""
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT attempts FROM outbox_items WHERE referral_id = ?", (referral_id,)
            ).fetchone()
        return row is not None and int(row[0]) > 0

    def _require(self, referral_id: str, states: Sequence[str]) -> Referral:
        ref = self.get(referral_id)
        if ref.summary.state not in states:
            messages = {
                "draft": _("The referral is still a draft; confirm it after the preview."),
                "confirmed": _("The referral is already confirmed."),
                "exported": _("The referral was already exported."),
                "sent": _("The referral was already sent."),
                "withdrawn": _("Consent for this referral was withdrawn."),
            }
            raise ReferralStateError(messages.get(ref.summary.state, ref.summary.state))
        return ref
