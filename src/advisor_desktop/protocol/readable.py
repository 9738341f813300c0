"""A referral as readable lines: what the desk's ``open`` prints, and the advisor's preview.

The same function serves both sides, so the advisor reads the referral exactly as the desk
will read it (the exact JSON is shown beside it).
"""

from __future__ import annotations

from typing import Any

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.referral_package import ReferralContent


def readable_lines(content: ReferralContent) -> list[str]:
    """The validated referral ``content`` as lines of text (one field a line)."""
    consent = content.consent
    # Version 3 leaves out what the visitor did not consent to: the times without the period
    # scope, the languages without the language scope.
    not_shared = _("not shared")
    lines = [
        _("Referral {id}").format(id=content.referral_id),
        _("Created: {when}").format(when=content.created or not_shared),
        _("Requested action: {action}").format(action=content.requested_action),
        _("Language: {code}").format(code=content.language or not_shared),
        _("Consent: {scopes} ({method}, {language}, statement v{version}, {given})").format(
            scopes=", ".join(consent["scopes"]),
            method=consent["method"],
            language=consent.get("language") or not_shared,
            version=consent["statement_version"],
            given=consent.get("given") or not_shared,
        ),
    ]
    for key, value in content.content.items():
        lines.append(f"{key}: {_render_value(value)}")
    return lines


def _render_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if value is True:
        return _("yes")
    return str(value)
