"""Drafting a referral from a conversation record, and the payload built from the draft.

A draft holds the source summary (NFC), the anonymiser's proposals and the advisor's
decisions; the payload is a pure function of the draft, the consent record, the device key id
and the key id of the desk's age key, so the preview is byte for byte what gets signed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from advisor_desktop.notebook.models import ConversationRecord
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.protocol.errors import ConsentError
from advisor_desktop.protocol.referral_package import (
    ACTION_ASSESS,
    ACTION_SECRETARY_GENERAL,
    MAX_SUMMARY_CHARS,
    PAYLOAD_SCHEMA,
    PAYLOAD_VERSION,
    coarse_time,
    period_value,
)
from advisor_desktop.protocol.referral_terms import Scope
from advisor_desktop.referral.anonymiser import (
    Anonymiser,
    DecisionKind,
    Redaction,
    RedactionDecision,
    RedactionKind,
    apply_redactions,
    normalize_text,
    strip_invisible,
)
from advisor_desktop.referral.consent import ConsentRecord, ConsentScopes

PLACE_PLACEHOLDER = "[PLACE]"


@dataclass(frozen=True)
class DraftInputs:
    """What the advisor and visitor add to the record for this referral."""

    desk: str
    scopes: ConsentScopes
    summary: str | None = None  # None: the record's notes
    post: str = ""
    region: str = ""
    contact: str | None = None  # None: contact only through the advisor
    personnel_pattern: str | None = None


@dataclass(frozen=True)
class ReferralDraft:
    """A referral before it is sealed. ``redactions`` are the resolved ones."""

    referral_id: str
    created: dt.datetime
    desk: str
    record_id: int | None
    scopes: ConsentScopes
    language: str
    categories: tuple[str, ...]
    role: str
    conv_date: dt.date
    post: str
    region: str
    contact: str | None
    identifiers: tuple[str, ...]
    source: str
    proposed: tuple[Redaction, ...]
    decisions: tuple[RedactionDecision, ...] = ()
    redactions: tuple[Redaction, ...] = field(default=())

    def summary_text(self) -> str:
        """The anonymised summary, as it will travel."""
        return apply_redactions(self.source, self.redactions)

    def anonymiser(self) -> Anonymiser:
        """The anonymiser configured for this draft (listed identifiers, the post)."""
        return make_anonymiser(self.identifiers, self.scopes, self.post, self.region)

    def with_decisions(self, decisions: Sequence[RedactionDecision]) -> ReferralDraft:
        """A copy with the advisor's decisions (all of them, in order) applied to the proposals."""
        resolved = self.anonymiser().resolve(self.source, self.proposed, decisions)
        return replace(self, decisions=tuple(decisions), redactions=tuple(resolved))


def make_anonymiser(
    identifiers: Sequence[str],
    scopes: ConsentScopes,
    post: str,
    region: str,
    personnel_pattern: str | None = None,
) -> Anonymiser:
    """The anonymiser for a record's identifiers, hiding the post unless it is consented."""
    places: dict[str, str] = {}
    if post and Scope.POST not in scopes:
        places[post] = f"[{region}]" if region and Scope.REGION in scopes else PLACE_PLACEHOLDER
    if personnel_pattern:
        return Anonymiser(identifiers, places=places, personnel_pattern=personnel_pattern)
    return Anonymiser(identifiers, places=places)


class DraftProblem(StrEnum):
    """A draft rule the inputs break (what :func:`draft_problems` reports)."""

    NO_SCOPE = "no-scope"
    POST_MISSING = "post-missing"
    REGION_MISSING = "region-missing"
    CONTACT_NOT_CONSENTED = "contact-not-consented"
    CONTACT_MISSING = "contact-missing"
    SUMMARY_TOO_LONG = "summary-too-long"


PROBLEM_MESSAGES: dict[DraftProblem, str] = {
    DraftProblem.NO_SCOPE: N_("Choose at least one scope to share."),
    DraftProblem.POST_MISSING: N_("The post is to be shared, but no post was given."),
    DraftProblem.REGION_MISSING: N_("The region is to be shared, but no region was given."),
    DraftProblem.CONTACT_NOT_CONSENTED: N_(
        "A contact was given, but the visitor did not consent to share it."
    ),
    DraftProblem.CONTACT_MISSING: N_(
        "The visitor's own contact is to be shared, but none was typed."
    ),
    DraftProblem.SUMMARY_TOO_LONG: N_("The summary is too long (over 20,000 characters)."),
}


def problem_message(problem: DraftProblem) -> str:
    """What ``problem`` means, translated (one sentence for the page or the console)."""
    return _(PROBLEM_MESSAGES[problem])


class DraftRuleError(ConsentError):
    """The inputs break draft rules; ``problems`` lists them, the message is the first's."""

    def __init__(self, problems: Sequence[DraftProblem]) -> None:
        if not problems:
            raise ValueError("a DraftRuleError needs at least one problem")
        super().__init__(problem_message(problems[0]))
        self.problems = tuple(problems)


def draft_problems(inputs: DraftInputs, notes: str) -> tuple[DraftProblem, ...]:
    """Every draft rule ``inputs`` break, for a record whose notes are ``notes`` (the summary
    when ``inputs.summary`` is None); empty when a draft can be made. Fixed order.

    The one statement of the rules: :func:`new_draft` enforces them, the wizard's consent page
    asks them before offering "Record consent".
    """
    scopes = inputs.scopes
    found: list[DraftProblem] = []
    if not scopes.scopes:
        found.append(DraftProblem.NO_SCOPE)
    if Scope.POST in scopes and not inputs.post.strip():
        found.append(DraftProblem.POST_MISSING)
    if Scope.REGION in scopes and not inputs.region.strip():
        found.append(DraftProblem.REGION_MISSING)
    if inputs.contact is not None:
        if Scope.CONTACT not in scopes:
            found.append(DraftProblem.CONTACT_NOT_CONSENTED)
        elif not inputs.contact.strip():
            found.append(DraftProblem.CONTACT_MISSING)
    summary = inputs.summary if inputs.summary is not None else notes
    if len(normalize_text(summary)) > MAX_SUMMARY_CHARS:
        found.append(DraftProblem.SUMMARY_TOO_LONG)
    return tuple(found)


def check_draft_inputs(inputs: DraftInputs, notes: str) -> None:
    """Raise :class:`DraftRuleError` when ``inputs`` break a draft rule (see
    :func:`draft_problems`)."""
    problems = draft_problems(inputs, notes)
    if problems:
        raise DraftRuleError(problems)


def new_draft(
    record: ConversationRecord, inputs: DraftInputs, consent_language: str, now: dt.datetime
) -> ReferralDraft:
    """A fresh draft from ``record``; every proposed redaction starts accepted.

    Raises :class:`DraftRuleError` when the inputs break a draft rule.
    """
    check_draft_inputs(inputs, record.notes)
    scopes = inputs.scopes
    source = normalize_text(inputs.summary if inputs.summary is not None else record.notes)
    identifiers = tuple(record.identifiers) + ((record.alias,) if record.alias else ())
    anonymiser = make_anonymiser(
        identifiers, scopes, inputs.post.strip(), inputs.region.strip(), inputs.personnel_pattern
    )
    period = scopes.period if Scope.PERIOD in scopes else None
    proposed = tuple(anonymiser.propose(source, period))
    return ReferralDraft(
        referral_id=str(uuid.uuid4()),
        created=now,
        desk=inputs.desk,
        record_id=record.id,
        scopes=scopes,
        language=record.language or consent_language,
        categories=tuple(record.categories),
        role=record.role.value,
        conv_date=record.conv_date,
        post=inputs.post.strip(),
        region=inputs.region.strip(),
        contact=inputs.contact.strip() if inputs.contact is not None else None,
        identifiers=identifiers,
        source=source,
        proposed=proposed,
        redactions=proposed,
    )


def build_payload(
    draft: ReferralDraft, consent: ConsentRecord, advisor_key_id: str, desk_age_key_id: str
) -> dict[str, Any]:
    """The payload the desk will read: only consented scopes, summary anonymised, addressed
    to the desk whose age recipient has the key id ``desk_age_key_id``
    (:func:`~advisor_desktop.protocol.referral_package.recipient_key_id`)."""
    scopes = draft.scopes
    content: dict[str, Any] = {}
    if Scope.CATEGORY in scopes:
        content[Scope.CATEGORY.value] = list(draft.categories)
    if Scope.ROLE in scopes:
        content[Scope.ROLE.value] = draft.role
    if Scope.POST in scopes:
        content[Scope.POST.value] = strip_invisible(draft.post)
    if Scope.REGION in scopes:
        content[Scope.REGION.value] = strip_invisible(draft.region)
    if Scope.PERIOD in scopes:
        content[Scope.PERIOD.value] = {
            "granularity": scopes.period.value,
            "value": period_value(draft.conv_date, scopes.period),
        }
    if Scope.SUMMARY in scopes:
        content[Scope.SUMMARY.value] = draft.summary_text()
    if Scope.CONTACT in scopes:
        content[Scope.CONTACT.value] = (
            {"via": "advisor"}
            if draft.contact is None
            else {"via": "visitor", "text": strip_invisible(draft.contact)}
        )
    if Scope.SECRETARY_GENERAL in scopes:
        content[Scope.SECRETARY_GENERAL.value] = True
    payload: dict[str, Any] = {
        "schema": PAYLOAD_SCHEMA,
        "schema_version": PAYLOAD_VERSION,
        "referral_id": draft.referral_id,
        "requested_action": ACTION_SECRETARY_GENERAL
        if Scope.SECRETARY_GENERAL in scopes
        else ACTION_ASSESS,
        "advisor_key_id": advisor_key_id,
        "desk": draft.desk,
        "desk_age_key_id": desk_age_key_id,
        "consent": consent.summary(),
        "content": content,
    }
    # No time finer than the consented period, none without it; the language only with its
    # own scope (version 3 of the payload).
    created = coarse_time(draft.created, scopes.granularity)
    if created is not None:
        payload["created"] = created
    if Scope.LANGUAGE in scopes:
        payload["language"] = draft.language
    return payload


# -- storage form (JSON inside the vault) --------------------------------------------------


def _redaction_doc(r: Redaction) -> list[Any]:
    return [r.start, r.end, r.original_kind.value, r.replacement]


def _redaction(doc: list[Any]) -> Redaction:
    return Redaction(int(doc[0]), int(doc[1]), RedactionKind(doc[2]), str(doc[3]))


def draft_to_doc(draft: ReferralDraft) -> dict[str, Any]:
    """The draft as JSON-ready values (stored encrypted in the vault)."""
    return {
        "referral_id": draft.referral_id,
        "created": draft.created.isoformat(),
        "desk": draft.desk,
        "record_id": draft.record_id,
        "scopes": draft.scopes.to_list(),
        "language": draft.language,
        "categories": list(draft.categories),
        "role": draft.role,
        "conv_date": draft.conv_date.isoformat(),
        "post": draft.post,
        "region": draft.region,
        "contact": draft.contact,
        "identifiers": list(draft.identifiers),
        "source": draft.source,
        "proposed": [_redaction_doc(r) for r in draft.proposed],
        "decisions": [[d.kind.value, d.start, d.end, d.replacement] for d in draft.decisions],
        "redactions": [_redaction_doc(r) for r in draft.redactions],
    }


def draft_from_doc(doc: dict[str, Any]) -> ReferralDraft:
    """Inverse of :func:`draft_to_doc`."""
    from advisor_desktop.referral.consent import parse_scopes

    return ReferralDraft(
        referral_id=doc["referral_id"],
        created=dt.datetime.fromisoformat(doc["created"]),
        desk=doc["desk"],
        record_id=doc["record_id"],
        scopes=parse_scopes(doc["scopes"]),
        language=doc["language"],
        categories=tuple(doc["categories"]),
        role=doc["role"],
        conv_date=dt.date.fromisoformat(doc["conv_date"]),
        post=doc["post"],
        region=doc["region"],
        contact=doc["contact"],
        identifiers=tuple(doc["identifiers"]),
        source=doc["source"],
        proposed=tuple(_redaction(r) for r in doc["proposed"]),
        decisions=tuple(
            RedactionDecision(DecisionKind(k), int(s), int(e), str(r))
            for k, s, e, r in doc["decisions"]
        ),
        redactions=tuple(_redaction(r) for r in doc["redactions"]),
    )
