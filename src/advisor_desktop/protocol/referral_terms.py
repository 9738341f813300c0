"""The referral format's vocabulary: what may be shared, how precisely, how consent was given,
and where a referral stands at the desk.

Both ends read these ids: the package's ``consent`` block (the advisor's consent code builds on
them, the desk only reads them), and the states and outcomes the desk records and sends back in
its status messages (the desk sets them, the advisor only reads them).
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
    LANGUAGE = "language"
    """The language of the conversation and of the statement the visitor read (payload
    version 3; before, both always travelled)."""
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


class ReferralState(StrEnum):
    """Where a referral stands at the desk: what the desk records and what its status messages
    tell the advisor (``protocol/status_message.py``)."""

    RECEIVED = "received"
    IN_ASSESSMENT = "in-assessment"
    REFERRED_ON = "referred-on"
    CLOSED = "closed"


class Outcome(StrEnum):
    """Why a referral was closed (the reporting point's instruments, and the ends a case can
    have without one). Only a closed referral has one."""

    ADVICE_GIVEN = "advice-given"
    MEDIATION = "mediation"
    INVESTIGATION = "investigation"
    SECRETARY_GENERAL = "brought-to-secretary-general"
    NO_FURTHER_ACTION = "no-further-action"
    WITHDRAWN = "withdrawn-by-reporter"
    OTHER = "other"
