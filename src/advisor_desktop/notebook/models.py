"""Domain values of the notebook: conversation records and their coded fields."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType

from advisor_desktop.platform.errors import ValidationError
from advisor_desktop.platform.i18n import N_, _

RecordId = NewType("RecordId", int)


class ContactChannel(StrEnum):
    """How the visitor came to the advisor."""

    IN_PERSON = "in-person"
    PHONE = "phone"
    VIDEO = "video"
    MESSAGE = "message"


class VisitorRole(StrEnum):
    """The visitor's relation to the organisation (never their name)."""

    LOCALLY_EMPLOYED = "locally-employed"
    SECONDED = "seconded"
    HQ = "hq"
    EXTERNAL = "external"
    OTHER = "other"


class Status(StrEnum):
    """Whether the advisor still follows the case."""

    OPEN = "open"
    CLOSED = "closed"


# English labels, marked for translation; the UI shows _(label).
CHANNEL_LABELS: dict[str, str] = {
    ContactChannel.IN_PERSON: N_("In person"),
    ContactChannel.PHONE: N_("Phone"),
    ContactChannel.VIDEO: N_("Video call"),
    # TRANSLATORS: a contact channel: the visitor wrote (text message, chat, e-mail).
    ContactChannel.MESSAGE: N_("Message"),
}
ROLE_LABELS: dict[str, str] = {
    VisitorRole.LOCALLY_EMPLOYED: N_("Locally employed"),
    VisitorRole.SECONDED: N_("Seconded"),
    VisitorRole.HQ: N_("HQ"),
    VisitorRole.EXTERNAL: N_("External (e.g. NGO staff)"),
    VisitorRole.OTHER: N_("Other"),
}
STATUS_LABELS: dict[str, str] = {Status.OPEN: N_("Open"), Status.CLOSED: N_("Closed")}

_LANG = re.compile(r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
MAX_TEXT = 100_000


@dataclass(frozen=True)
class ConversationRecord:
    """One advisory conversation. No field asks for a name.

    ``alias`` and ``identifiers`` are optional and *identifying*: the alias helps the advisor
    recognise the case; identifiers (names of people involved) let the anonymiser remove them
    from anything that leaves the device.
    """

    conv_date: dt.date
    channel: ContactChannel
    role: VisitorRole
    categories: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    agreed: str = ""
    follow_up: dt.date | None = None
    notes: str = ""
    status: Status = Status.OPEN
    language: str = ""
    alias: str | None = None
    identifiers: tuple[str, ...] = ()
    id: RecordId | None = None
    created_at: dt.datetime | None = field(default=None, compare=False)
    updated_at: dt.datetime | None = field(default=None, compare=False)
    closed_at: dt.datetime | None = field(default=None, compare=False)

    def validate(self, categories: set[str], options: set[str]) -> None:
        """Raise :class:`ValidationError` for a value no profile or field allows."""
        for cat in self.categories:
            if cat not in categories:
                raise ValidationError(_("Unknown concern category: {id}").format(id=cat))
        for opt in self.options:
            if opt not in options:
                raise ValidationError(_("Unknown option for action: {id}").format(id=opt))
        if self.language and not _LANG.match(self.language):
            raise ValidationError(_("Unknown language code: {code}").format(code=self.language))
        for text in (self.notes, self.agreed, self.alias or ""):
            if len(text) > MAX_TEXT:
                raise ValidationError(_("A text field is too long (over 100,000 characters)."))
        if self.follow_up and self.follow_up < self.conv_date - dt.timedelta(days=3650):
            raise ValidationError(_("The follow-up date is not plausible."))


@dataclass(frozen=True)
class RecordSummary:
    """A row of the notebook list (no free text beyond a short preview)."""

    id: RecordId
    conv_date: dt.date
    role: VisitorRole
    categories: tuple[str, ...]
    status: Status
    follow_up: dt.date | None
    preview: str


@dataclass(frozen=True)
class SearchHit:
    """A search result: the record and a short excerpt around the match."""

    summary: RecordSummary
    snippet: str


@dataclass(frozen=True)
class RecordFilter:
    """Filters of the notebook list (all optional, combined with AND)."""

    status: Status | None = None
    category: str | None = None
    role: VisitorRole | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
