"""The referral format's vocabulary: what may be shared, how precisely, how consent was given.

Both ends read these ids (the package's ``consent`` block); the advisor's consent code builds on
them, the desk only reads them.
"""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """What the visitor may allow to be shared. The CLI takes these ids."""

    CATEGORY = "category"
    ROLE = "role"
    POST = "post"
    REGION = "region"
    PERIOD = "period"
    SUMMARY = "summary"
    CONTACT = "contact"
    SECRETARY_GENERAL = "secretary-general"


class Granularity(StrEnum):
    """How precisely the period of the events may be shared."""

    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"


class ConsentMethod(StrEnum):
    """How consent was given."""

    ON_SCREEN = "on-screen"
    VERBAL = "verbal"
    WRITTEN = "written"
