"""The anonymiser: proposes redactions of direct identifiers in free text (see :mod:`.core`).

The public names live here, whatever module of the package defines them.
"""

from __future__ import annotations

from advisor_desktop.referral.anonymiser.core import (
    DEFAULT_PERSONNEL_PATTERN,
    DEFAULT_PHONE_REGIONS,
    Anonymiser,
    normalize_text,
)
from advisor_desktop.referral.anonymiser.detectors import generalise_date
from advisor_desktop.referral.anonymiser.model import (
    MANUAL_REPLACEMENT,
    DecisionKind,
    Redaction,
    RedactionDecision,
    RedactionKind,
    RedactionLocked,
    apply_redactions,
    join_name_parts,
    merge_redactions,
)
from advisor_desktop.referral.anonymiser.normalise import (
    marker,
    reveal_invisible,
    strip_invisible,
)

__all__ = [
    "DEFAULT_PERSONNEL_PATTERN",
    "DEFAULT_PHONE_REGIONS",
    "MANUAL_REPLACEMENT",
    "Anonymiser",
    "DecisionKind",
    "Redaction",
    "RedactionDecision",
    "RedactionKind",
    "RedactionLocked",
    "apply_redactions",
    "generalise_date",
    "join_name_parts",
    "marker",
    "merge_redactions",
    "normalize_text",
    "reveal_invisible",
    "strip_invisible",
]
