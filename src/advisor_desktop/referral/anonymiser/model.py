"""What the anonymiser proposes and what the advisor decides: redactions, decisions, and the
operations on lists of them (apply, merge, join the parts of one name)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from advisor_desktop.protocol.errors import ReferralError
from advisor_desktop.referral.anonymiser.normalise import strip_invisible
from advisor_desktop.referral.names import NAME_PARTICLES


class RedactionKind(StrEnum):
    """What a redacted span was."""

    NAME = "name"
    LIKELY_NAME = "likely-name"
    EMAIL = "email"
    URL = "url"
    HANDLE = "handle"
    IBAN = "iban"
    PHONE = "phone"
    PERSONNEL_NUMBER = "personnel-number"
    DOCUMENT_NUMBER = "document-number"
    VEHICLE_PLATE = "vehicle-plate"
    ADDRESS = "address"
    DATE = "date"
    PLACE = "place"
    MANUAL = "manual"


# Lower number wins when spans overlap (the merged span keeps that kind and replacement).
PRIORITY = {
    RedactionKind.MANUAL: 0,
    RedactionKind.EMAIL: 1,
    RedactionKind.URL: 2,
    RedactionKind.HANDLE: 3,
    RedactionKind.IBAN: 4,
    RedactionKind.NAME: 5,
    RedactionKind.PHONE: 6,
    RedactionKind.DOCUMENT_NUMBER: 7,
    RedactionKind.PERSONNEL_NUMBER: 8,
    RedactionKind.VEHICLE_PLATE: 9,
    RedactionKind.ADDRESS: 10,
    RedactionKind.DATE: 11,
    RedactionKind.PLACE: 12,
    RedactionKind.LIKELY_NAME: 13,
}

MANUAL_REPLACEMENT = "[REDACTED]"


@dataclass(frozen=True)
class Redaction:
    """Replace ``text[start:end]`` (a ``original_kind`` identifier) by ``replacement``."""

    start: int
    end: int
    original_kind: RedactionKind
    replacement: str


class DecisionKind(StrEnum):
    """What the advisor decided about a redaction."""

    ACCEPT = "accept"
    UNDO = "undo"
    ADD = "add"


@dataclass(frozen=True)
class RedactionDecision:
    """Accept or undo the proposed redaction at ``start``–``end``, or add a new one there."""

    kind: DecisionKind
    start: int
    end: int
    replacement: str = MANUAL_REPLACEMENT


class RedactionLocked(ReferralError):
    """The advisor tried to undo the removal of a listed identifier."""


def apply_redactions(text: str, redactions: Iterable[Redaction]) -> str:
    """``text`` with every redaction applied (redactions must not overlap), and without the
    invisible characters that never travel (see :func:`~.normalise.strip_invisible`)."""
    out: list[str] = []
    pos = 0
    for r in sorted(redactions, key=lambda r: r.start):
        if r.start < pos:
            raise ValueError("overlapping redactions")
        out.append(text[pos : r.start])
        out.append(r.replacement)
        pos = r.end
    out.append(text[pos:])
    return strip_invisible("".join(out))


def merge_redactions(found: Iterable[Redaction]) -> list[Redaction]:
    """Overlapping spans become one span (the highest-priority kind names it)."""
    ordered = sorted(found, key=lambda r: (r.start, -r.end))
    merged: list[Redaction] = []
    for r in ordered:
        if merged and r.start < merged[-1].end:
            last = merged[-1]
            best = last if PRIORITY[last.original_kind] <= PRIORITY[r.original_kind] else r
            merged[-1] = Redaction(
                last.start, max(last.end, r.end), best.original_kind, best.replacement
            )
        else:
            merged.append(r)
    return merged


def join_name_parts(text: str, redactions: Sequence[Redaction]) -> list[Redaction]:
    """``[PERSON-A] [PERSON-A]`` → ``[PERSON-A]``: join parts of one name split by spaces."""
    out: list[Redaction] = []
    for r in redactions:
        gap = text[out[-1].end : r.start] if out else ""
        if (
            out
            and len(gap) <= 40
            and r.original_kind in (RedactionKind.NAME, RedactionKind.LIKELY_NAME)
            and out[-1].original_kind is r.original_kind
            and out[-1].replacement == r.replacement
            and all(w.casefold() in NAME_PARTICLES for w in gap.split())
        ):
            out[-1] = Redaction(out[-1].start, r.end, r.original_kind, r.replacement)
        else:
            out.append(r)
    return out
