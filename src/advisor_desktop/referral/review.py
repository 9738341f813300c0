"""The review of a draft's redactions: every span with what it was, becomes, and its state.

Shared by the wizard's draft page and ``advisor referral redact``: a row is a span of the
draft's source text (Python indices), what it was, what it becomes and where the advisor's
review stands. Plain values; the skins only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.referral.anonymiser import (
    DecisionKind,
    Redaction,
    RedactionDecision,
    RedactionKind,
)
from advisor_desktop.referral.draft import ReferralDraft


class RowState(StrEnum):
    """Where the advisor's review of one span stands."""

    PROPOSED = "proposed"  # removed by the anonymiser, not yet reviewed
    ACCEPTED = "accepted"  # removed, the advisor accepted it
    ADDED = "added"  # removed because the advisor added it
    UNDONE = "undone"  # proposed, but the advisor keeps the original text


STATE_LABELS: dict[RowState, str] = {
    RowState.PROPOSED: N_("To check"),
    RowState.ACCEPTED: N_("Accepted"),
    RowState.ADDED: N_("Added"),
    RowState.UNDONE: N_("Kept"),
}

KIND_LABELS: dict[RedactionKind, str] = {
    RedactionKind.NAME: N_("Listed identifier"),
    RedactionKind.LIKELY_NAME: N_("Likely name"),
    RedactionKind.EMAIL: N_("E-mail address"),
    RedactionKind.URL: N_("Web address"),
    RedactionKind.HANDLE: N_("Social-media handle"),
    RedactionKind.IBAN: N_("Account number"),
    RedactionKind.PHONE: N_("Phone number"),
    RedactionKind.PERSONNEL_NUMBER: N_("Personnel number"),
    RedactionKind.DOCUMENT_NUMBER: N_("Passport or ID number"),
    RedactionKind.VEHICLE_PLATE: N_("Licence plate"),
    RedactionKind.ADDRESS: N_("Address or postcode"),
    RedactionKind.DATE: N_("Date (generalised)"),
    RedactionKind.PLACE: N_("Place"),
    RedactionKind.MANUAL: N_("Added by you"),
}


@dataclass(frozen=True)
class RedactionRow:
    """One line of the redaction review."""

    start: int
    end: int
    kind: RedactionKind
    original: str
    replacement: str
    state: RowState

    @property
    def removed(self) -> bool:
        """True when the span will not leave the device as written."""
        return self.state is not RowState.UNDONE

    def kind_label(self) -> str:
        """The kind, translated."""
        return _(KIND_LABELS.get(self.kind, self.kind.value))

    def state_label(self) -> str:
        """The state, translated."""
        return _(STATE_LABELS[self.state])


def _overlaps(a: Redaction, b: Redaction) -> bool:
    return a.start < b.end and b.start < a.end


def redaction_rows(draft: ReferralDraft) -> list[RedactionRow]:
    """Every current redaction and every undone proposal of ``draft``, in text order."""
    accepted = {(d.start, d.end) for d in draft.decisions if d.kind is DecisionKind.ACCEPT}
    proposed = {(r.start, r.end): r for r in draft.proposed}
    rows: list[RedactionRow] = []
    for r in draft.redactions:
        span = (r.start, r.end)
        origin = proposed.get(span)
        if span in accepted:
            state = RowState.ACCEPTED
        elif origin is None:
            state = RowState.ADDED
        else:
            state = RowState.PROPOSED
        kind = origin.original_kind if origin is not None else r.original_kind
        rows.append(
            RedactionRow(r.start, r.end, kind, draft.source[r.start : r.end], r.replacement, state)
        )
    for p in draft.proposed:
        if not any(_overlaps(p, r) for r in draft.redactions):
            rows.append(
                RedactionRow(
                    p.start,
                    p.end,
                    p.original_kind,
                    draft.source[p.start : p.end],
                    p.replacement,
                    RowState.UNDONE,
                )
            )
    return sorted(rows, key=lambda row: (row.start, row.end))


def pending_rows(rows: list[RedactionRow]) -> list[RedactionRow]:
    """The rows "Accept all" acts on: still to check, or undone."""
    return [r for r in rows if r.state in (RowState.PROPOSED, RowState.UNDONE)]


def accept_decisions(row: RedactionRow) -> list[RedactionDecision]:
    """The decisions that accept ``row``: an undone proposal is redacted again first, with
    its original replacement."""
    accept = RedactionDecision(DecisionKind.ACCEPT, row.start, row.end)
    if row.state is RowState.UNDONE:
        return [RedactionDecision(DecisionKind.ADD, row.start, row.end, row.replacement), accept]
    return [accept]
