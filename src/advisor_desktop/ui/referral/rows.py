"""What the draft page lists: every redaction with its state, and text-offset conversions.

Plain Python (no widgets), so the rules are easy to read and test: a row is a span of the
draft's source text, what it was, what it becomes and where the advisor's review stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.referral.anonymiser import DecisionKind, Redaction, RedactionKind
from advisor_desktop.referral.draft import ReferralDraft


class RowState(StrEnum):
    """Where the advisor's review of one span stands."""

    PROPOSED = "proposed"  # removed by the anonymiser, not yet reviewed
    ACCEPTED = "accepted"  # removed, the advisor accepted it
    ADDED = "added"  # removed because the advisor added it
    UNDONE = "undone"  # proposed, but the advisor keeps the original text


STATE_LABELS: dict[str, str] = {
    RowState.PROPOSED: N_("To check"),
    RowState.ACCEPTED: N_("Accepted"),
    RowState.ADDED: N_("Added"),
    RowState.UNDONE: N_("Kept"),
}

KIND_LABELS: dict[str, str] = {
    RedactionKind.NAME: N_("Listed identifier"),
    RedactionKind.LIKELY_NAME: N_("Likely name"),
    RedactionKind.EMAIL: N_("E-mail address"),
    RedactionKind.URL: N_("Web address"),
    RedactionKind.IBAN: N_("Account number"),
    RedactionKind.PHONE: N_("Phone number"),
    RedactionKind.PERSONNEL_NUMBER: N_("Personnel number"),
    RedactionKind.DATE: N_("Date (generalised)"),
    RedactionKind.PLACE: N_("Place"),
    RedactionKind.MANUAL: N_("Added by you"),
}


@dataclass(frozen=True)
class RedactionRow:
    """One line of the redaction list."""

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
        return _(KIND_LABELS.get(self.kind, self.kind))

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


def display_text(source: str) -> str:
    """``source`` as shown in a text view, one character per character.

    A text view turns ``\\r\\n`` into one line break, which would shift every offset after it;
    the ``\\r`` is shown as a space instead so the offsets stay the same.
    """
    return source.replace("\r\n", " \n")


def to_view_offset(text: str, index: int) -> int:
    """A Python index into ``text`` as a text-view position (UTF-16 code units)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def from_view_offset(text: str, position: int) -> int:
    """A text-view position (UTF-16 code units) as a Python index into ``text``."""
    units = 0
    for index, ch in enumerate(text):
        if units >= position:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)
