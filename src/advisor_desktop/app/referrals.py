"""Referring a record to a desk: the one flow behind the referral wizard and ``advisor referral``.

One function per step the advisor takes: record the visitor's consent and a draft, review the
redactions, preview exactly what the desk will read, seal it (sign and encrypt), export the
sealed package as a file, withdraw (and, when the package had left, write the signed
withdrawal as a file for the desk). Every service comes from the workspace
(``workspace.referrals``, ``workspace.notebook``); the skins only collect input and show
results. Errors are the core's typed ones (:class:`ReferralError` and its subclasses,
:class:`StorageError` for a refused write), each with a translated message.

Sealing and exporting are slow enough (signing, encryption, a durable file write) that the
desktop runs them on a worker; nothing here touches Qt, and each call is complete on its own.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.notebook.models import RecordId
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.protocol.errors import ConsentError, PackageSchemaError, ReferralStateError
from advisor_desktop.protocol.readable import readable_lines
from advisor_desktop.protocol.referral_package import (
    FILE_SUFFIX,
    MAX_CONTACT_CHARS,
    MAX_FIELD_CHARS,
    check_typed_field,
    period_start,
    validate_payload,
)
from advisor_desktop.protocol.referral_terms import ConsentMethod, Scope
from advisor_desktop.protocol.withdrawal import WITHDRAWAL_SUFFIX, seal_withdrawal
from advisor_desktop.referral.anonymiser import RedactionDecision
from advisor_desktop.referral.consent import load_statement
from advisor_desktop.referral.device_key import DevicePublicKey
from advisor_desktop.referral.draft import DraftInputs, ReferralDraft
from advisor_desktop.referral.service import payload_digest, render_preview

log = logging.getLogger(__name__)

#: The mode of an exported package: only the advisor's account may read it.
EXPORT_MODE = 0o600


@dataclass(frozen=True)
class ReferralPreview:
    """Exactly what the desk will read, as bytes, as indented JSON and as the desk prints it."""

    referral_id: str
    payload: bytes
    digest: str
    text: str
    readable: str


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawn referral; ``was_exported`` when a file of it may still exist somewhere."""

    referral_id: str
    was_exported: bool
    notice: bool = False
    """The package had left the device: a signed withdrawal for the desk was made (write it
    with :func:`write_withdrawal`, or the outbox sends it)."""
    file: Path | None = None
    """Where the withdrawal file was written, when a destination was given."""
    again: bool = False
    """It was withdrawn before: only its withdrawal file was written again."""


def neutral_file_name(suffix: str = FILE_SUFFIX) -> str:
    """A file name for a package (or a withdrawal) that says nothing about it: 16 random hex
    digits and the suffix (nothing identifying outside the encryption, not even the name)."""
    return secrets.token_hex(8) + suffix


def export_target(destination: Path, suffix: str = FILE_SUFFIX) -> Path:
    """The file an export to ``destination`` writes: the path itself, or a neutral name inside
    it when it is a folder."""
    return destination / neutral_file_name(suffix) if destination.is_dir() else destination


def device_public_key(workspace: Workspace) -> DevicePublicKey:
    """This device's public signing key (made on first use), for enrolment at the desk."""
    return workspace.referrals.device_keys.public_key()


def draft_referral(
    workspace: Workspace,
    record_id: int,
    inputs: DraftInputs,
    statement_language: str | None,
    method: ConsentMethod | str,
) -> ReferralDraft:
    """Record the visitor's consent and a fresh draft of a referral of record ``record_id``.

    ``statement_language`` is the language of the consent statement the visitor read (None:
    the record's language, else English); the statement is stored word for word with the
    consent. Raises the core's typed errors: no such record or desk, no statement in that
    language, a broken draft rule (:class:`~advisor_desktop.referral.draft.DraftRuleError`).
    """
    check_typed_fields(inputs)
    record = workspace.notebook.get(RecordId(record_id))
    desk = workspace.referrals.desk(inputs.desk)
    statement = load_statement(statement_language or record.language or "en", desk.name)
    return workspace.referrals.create(record, inputs, statement, method)


def check_typed_fields(inputs: DraftInputs) -> None:
    """Refuse (:class:`ConsentError`, nothing recorded) a typed post, region or contact that
    sealing would refuse later: the package format's own check on each, at the edge."""
    typed = (
        (Scope.POST, inputs.post, MAX_FIELD_CHARS,
         N_("The post contains a control character or is longer than {limit} characters; "
            "nothing was recorded.")),
        (Scope.REGION, inputs.region, MAX_FIELD_CHARS,
         N_("The region contains a control character or is longer than {limit} characters; "
            "nothing was recorded.")),
        (Scope.CONTACT, inputs.contact, MAX_CONTACT_CHARS,
         N_("The visitor's contact contains a control character or is longer than {limit} "
            "characters; nothing was recorded.")),
    )  # fmt: skip
    for scope, text, limit, message in typed:
        if scope not in inputs.scopes or text is None or not text.strip():
            continue  # the draft rules report a missing or unconsented value
        try:
            check_typed_field(scope, text.strip())
        except PackageSchemaError:
            raise ConsentError(_(message).format(limit=limit)) from None


def referral_draft(workspace: Workspace, referral_id: str) -> ReferralDraft:
    """The draft of a referral as stored (with the advisor's decisions so far)."""
    return workspace.referrals.get(referral_id).draft


def decide_redactions(
    workspace: Workspace, referral_id: str, decisions: Sequence[RedactionDecision]
) -> ReferralDraft:
    """Accept, undo or add redactions (added to the earlier decisions); returns the draft.

    Undoing the removal of a listed identifier is refused (``RedactionLocked``).
    """
    return workspace.referrals.decide(referral_id, decisions)


def reset_redactions(workspace: Workspace, referral_id: str) -> ReferralDraft:
    """Drop every decision: back to the anonymiser's proposals, all accepted."""
    return workspace.referrals.reset_decisions(referral_id)


def referral_preview(workspace: Workspace, referral_id: str) -> ReferralPreview:
    """The payload exactly as it will be signed, its digest (to seal with), the indented JSON
    and the desk's own readable rendering of it."""
    payload = workspace.referrals.payload_bytes(referral_id)
    readable = "\n".join(readable_lines(validate_payload(json.loads(payload))))
    return ReferralPreview(
        referral_id=referral_id,
        payload=payload,
        digest=payload_digest(payload),
        text=render_preview(payload),
        readable=readable,
    )


def seal_referral(workspace: Workspace, referral_id: str, digest: str | None) -> str:
    """Seal the previewed payload: sign it with the device key, encrypt it to the desk, queue
    it in the outbox. Returns its digest.

    ``digest`` is the one the preview showed; when the draft changed since, nothing is sealed
    (``ReferralStateError``). None seals the payload as it stands (the CLI without
    ``--digest``).
    """
    return workspace.referrals.confirm(referral_id, digest)


def date_as_consented(workspace: Workspace, referral_id: str, path: Path) -> None:
    """Set the modification and access times of ``path``, a package file of ``referral_id``
    just written, to the start of the consented period its draft falls in (1980-01-01 without
    a period): the file dates nothing more finely than the payload may
    (``protocol.referral_package.period_start``). A file system that keeps no such times
    leaves them as they are."""
    draft = workspace.referrals.get(referral_id).draft
    stamp = period_start(draft.created, draft.scopes.granularity).timestamp()
    try:
        os.utime(path, (stamp, stamp))
    except OSError:
        log.info("referral_export_times_kept")


def export_referral(workspace: Workspace, referral_id: str, destination: Path) -> Path:
    """Write the sealed package of ``referral_id`` to ``destination`` and mark it exported.

    ``destination`` is a file, or a folder (a neutral random name is chosen inside it). The
    write is atomic (a reader sees the old file or the whole new one) and the file is readable
    by the advisor only (0600). The bytes are the sealed package exactly, the same at every
    export. Returns the path written.

    Raises ``ReferralStateError`` when the referral is not sealed (a draft, withdrawn) and
    :class:`StorageError` when the disk refuses the write; nothing is marked then.
    """
    package = workspace.referrals.package(referral_id)
    path = export_target(destination)
    atomic_write(path, package, what=path.name, mode=EXPORT_MODE)
    date_as_consented(workspace, referral_id, path)
    workspace.referrals.mark_exported(referral_id)
    log.info("referral_export_written id=%s", referral_id)
    return path


def withdraw_referral(
    workspace: Workspace, referral_id: str, destination: Path | None = None
) -> Withdrawal:
    """The visitor withdraws consent: the package leaves the outbox, the withdrawal is recorded.

    When the package had left the device (exported or sent), the device signs a withdrawal for
    the desk (``notice``); with ``destination`` it is written there as a file at once (see
    :func:`write_withdrawal`). A referral withdrawn already is refused
    (``ReferralStateError``), except that its withdrawal file is written again when one exists
    and ``destination`` is given. ``was_exported`` says that a package file was written: the
    advisor should destroy it, and take the withdrawal to the desk.
    """
    ref = workspace.referrals.get(referral_id)
    if (
        destination is not None
        and ref.summary.state == "withdrawn"
        and workspace.referrals.withdrawal_document(referral_id) is not None
    ):
        again = write_withdrawal(workspace, referral_id, destination)
        return Withdrawal(referral_id, was_exported=False, notice=True, file=again, again=True)
    before = workspace.referrals.withdraw(referral_id)
    notice = workspace.referrals.withdrawal_document(referral_id) is not None
    written: Path | None = None
    if notice and destination is not None:
        written = write_withdrawal(workspace, referral_id, destination)
    return Withdrawal(
        referral_id,
        was_exported=before.summary.state == "exported",
        notice=notice,
        file=written,
    )


def write_withdrawal(workspace: Workspace, referral_id: str, destination: Path) -> Path:
    """Write the signed withdrawal of ``referral_id``, encrypted to its desk, to
    ``destination`` (a file, or a folder: a neutral ``<16 hex>.withdrawal`` inside it),
    atomically and readable by the advisor only. Returns the path written.

    Raises ``ReferralStateError`` when there is no withdrawal to write (the referral is not
    withdrawn, or was withdrawn before it left the device) and :class:`StorageError` when the
    disk refuses the write.
    """
    document = workspace.referrals.withdrawal_document(referral_id)
    if document is None:
        raise ReferralStateError(
            _("There is no withdrawal to give the desk: the referral never left this device.")
        )
    desk = workspace.referrals.desk(workspace.referrals.get(referral_id).summary.desk)
    data = seal_withdrawal(document, desk.age_recipient)
    path = export_target(destination, WITHDRAWAL_SUFFIX)
    atomic_write(path, data, what=path.name, mode=EXPORT_MODE)
    log.info("referral_withdrawal_written id=%s", referral_id)
    return path
