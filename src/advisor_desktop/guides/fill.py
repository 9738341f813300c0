"""Placeholders in guide text, filled from the organisation profile.

``{{contact:<channel-id>}}`` becomes the channel's name and description in the guide's
language and every non-empty contact field. Field values are shown without labels (an email
address, a phone number and a web address speak for themselves in every language); in a
right-to-left guide each value is isolated as left-to-right so a phone number is not reversed.
"""

from __future__ import annotations

import re

from advisor_desktop.guides.model import PLACEHOLDER
from advisor_desktop.platform.languages import is_rtl
from advisor_desktop.protocol.profile import OrgProfile

#: Order in which contact fields are shown; unknown fields follow alphabetically.
CONTACT_ORDER = ("email", "phone", "web", "address", "hours")
_LRI, _PDI = "\u2066", "\u2069"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*\d*)([#+\-=.)])")


def escape_markdown(text: str) -> str:
    """``text`` with every Markdown-significant character escaped (profile values are data)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    # A leading "#", "-", "+" or "1." would start a heading or a list.
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def contact_lines(profile: OrgProfile, channel_id: str, lang: str) -> list[str]:
    """The plain-text lines of a channel's contact block, in ``lang`` where the profile has it.

    The first line is the channel's name, then its description (when any), then each contact
    field that is filled in. An unknown channel gives no lines.
    """
    try:
        channel = profile.channel(channel_id)
    except KeyError:
        return []
    lines = [channel.label(lang)]
    description = channel.description(lang)
    if description.strip():
        lines.append(description.strip())
    keys = [k for k in CONTACT_ORDER if k in channel.contact]
    keys += sorted(k for k in channel.contact if k not in CONTACT_ORDER)
    rtl = is_rtl(lang)
    for key in keys:
        value = " ".join(channel.contact[key].split())
        if value:
            lines.append(f"{_LRI}{value}{_PDI}" if rtl else value)
    return lines


def has_contact_details(profile: OrgProfile, channel_id: str) -> bool:
    """True when the channel has at least one contact field that is not blank.

    A channel without one is shown in a guide by its name and description only, so a visitor
    has no way to reach it. An unknown channel has none.
    """
    try:
        channel = profile.channel(channel_id)
    except KeyError:
        return False
    return any(value.strip() for value in channel.contact.values())


def _block(profile: OrgProfile, channel_id: str, lang: str) -> str:
    lines = contact_lines(profile, channel_id, lang)
    if not lines:
        return ""
    escaped = [escape_markdown(line) for line in lines]
    escaped[0] = f"**{escaped[0]}**"
    # A trailing backslash is a hard line break: one compact block per channel.
    return "\\\n".join(escaped)


def fill_placeholders(body: str, profile: OrgProfile, lang: str) -> str:
    """The Markdown ``body`` with every placeholder replaced by its contact block."""

    def replace(match: re.Match[str]) -> str:
        kind, ident = match.group(1), match.group(2)
        if kind != "contact":
            return ""
        return _block(profile, ident, lang)

    return PLACEHOLDER.sub(replace, body)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]<>()#+\-.!|~])")


def markdown_to_text(markdown: str) -> str:
    """Plain text for a terminal: emphasis markers and escapes removed, headings kept."""
    out = []
    for line in markdown.splitlines():
        line = line.removesuffix("\\")
        line = _BOLD.sub(r"\1", line)
        out.append(_ESCAPE.sub(r"\1", line).replace(_LRI, "").replace(_PDI, ""))
    return "\n".join(out).rstrip("\n") + "\n"
