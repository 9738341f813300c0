"""What the desk prints of referrals: readable lines and JSON documents.

Every piece of a package is text the sender chose. Besides the console's escaping of control and
bidi characters (``SafeConsole``), a value that holds newlines is printed with its continuation
lines indented under its field, so no value can print a line that poses as one of the desk's
own ("Signed by: …"); the signer line comes from the store, right below the referral's id.
"""

from __future__ import annotations

from typing import Any

from advisor_desktop.desk.intake import Received
from advisor_desktop.desk.referrals import ReferralRecord, ReferralSummary, StatusEntry
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import safe_lines
from advisor_desktop.protocol.readable import readable_lines
from advisor_desktop.protocol.referral_package import ReferralContent

INDENT = "    "


def _indented(line: str, indent: str = INDENT) -> list[str]:
    first, *rest = safe_lines(line)
    return [first, *(indent + piece for piece in rest)]


def referral_lines(content: ReferralContent, signer_name: str, signer_key_id: str) -> list[str]:
    """A verified referral as readable lines (as the advisor previewed it), with its signer."""
    lines: list[str] = []
    for line in readable_lines(content):
        lines.extend(_indented(line))
    lines.insert(1, _("Signed by: {name} ({key})").format(name=signer_name, key=signer_key_id))
    return lines


def history_lines(history: tuple[StatusEntry, ...]) -> list[str]:
    """A referral's status history, oldest first."""
    lines = [_("Status history:")]
    for entry in history:
        state = entry.state.value
        if entry.outcome is not None:
            state = _("{state} ({outcome})").format(state=state, outcome=entry.outcome.value)
        lines.append(f"  {entry.set_at}  {state}")
        if entry.message:
            lines.extend(INDENT + "  " + piece for piece in safe_lines(entry.message))
    return lines


def record_lines(record: ReferralRecord) -> list[str]:
    """``advisor-desk show``: the referral, where it came from, its history."""
    summary = record.summary
    lines = referral_lines(record.content, summary.signer_name, summary.signer_key_id)
    lines.append("")
    lines.append(
        _("Received: {when} ({source}); package SHA-256 {digest}").format(
            when=summary.received_at, source=source_label(record), digest=record.package_sha256
        )
    )
    lines.extend(history_lines(record.history))
    return lines


def source_label(record: ReferralRecord) -> str:
    """Where a package came from, for people."""
    if record.summary.source == "server":
        return _("from the intake server")
    if record.file_name:
        return _("from the file {name}").format(name=record.file_name)
    return _("from a file")


def summary_line(summary: ReferralSummary) -> str:
    """One line of ``advisor-desk list``."""
    return "  ".join(
        (
            summary.referral_id,
            summary.received_at,
            summary.state.value,
            summary.signer_name,
            summary.requested_action,
        )
    )


def summary_doc(summary: ReferralSummary) -> dict[str, Any]:
    """One referral of ``advisor-desk list --json``."""
    return {
        "referral_id": summary.referral_id,
        "received_at": summary.received_at,
        "state": summary.state.value,
        "signer": summary.signer_name,
        "signer_key_id": summary.signer_key_id,
        "requested_action": summary.requested_action,
        "source": summary.source,
    }


def history_doc(history: tuple[StatusEntry, ...]) -> list[dict[str, Any]]:
    """A status history as JSON."""
    return [
        {
            "state": e.state.value,
            "outcome": None if e.outcome is None else e.outcome.value,
            "message": e.message,
            "at": e.set_at,
        }
        for e in history
    ]


def record_doc(record: ReferralRecord) -> dict[str, Any]:
    """``advisor-desk show --json``."""
    return {
        **summary_doc(record.summary),
        "opened_at": record.opened_at,
        "file_name": record.file_name,
        "package_sha256": record.package_sha256,
        "history": history_doc(record.history),
        "payload": record.content.raw,
    }


def opened_doc(received: Received) -> dict[str, Any]:
    """``advisor-desk open --json`` (its fields since the first desk, plus the receipt's)."""
    return {
        "signer": received.signer.name,
        "signer_key_id": received.signer.key_id,
        "received_at": received.received_at,
        "package_sha256": received.package_sha256,
        "payload": received.content.raw,
    }
