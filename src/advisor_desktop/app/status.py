"""What the desk says about a referral: importing its status messages, and reading them back.

A status message comes from the desk as a file (on a USB stick; ``advisor-desk
status-export``) or, later, from the intake server; either way it is the bytes of
``protocol/status_message.py``. Importing it decrypts it with this device's age key, checks
the desk's signature with the key of the referral's desk in the organisation profile, and
keeps it with the referral in the vault (``referral/desk_status.py``). Both skins call these
functions; nothing here touches Qt.
"""

from __future__ import annotations

from pathlib import Path

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.platform.fsutil import read_limited
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.status_message import MAX_STATUS_BYTES, StatusUndecryptable
from advisor_desktop.referral.desk_status import DeskStatus, StatusImport


def import_status(workspace: Workspace, data: bytes) -> StatusImport:
    """Verify, decrypt and keep one status message (the bytes of a ``.status`` file).

    Returns the step as stored, whether it became the referral's status (a replayed older
    message does not), and the referral's status now. Raises the format's typed errors
    (``StatusUndecryptable`` — for another device or damaged, ``StatusMessageError``,
    ``StatusBadSignature``), ``ReferralNotFound`` for a referral this device does not have,
    ``StatusConflict`` for a second, different message for a step.
    """
    return workspace.referrals.import_status(data)


def read_status_file(path: Path) -> bytes:
    """The bytes of a status file (refused unread when larger than one can be)."""
    return read_limited(
        path,
        MAX_STATUS_BYTES,
        lambda: StatusUndecryptable(_("The file is too large to be a status message.")),
    )


def import_status_file(workspace: Workspace, path: Path) -> StatusImport:
    """:func:`import_status` of the file at ``path``."""
    return import_status(workspace, read_status_file(path))


def status_history(workspace: Workspace, referral_id: str) -> list[DeskStatus]:
    """Every step the desk reported for the referral, oldest first (it must exist here)."""
    workspace.referrals.get(referral_id)
    return workspace.referrals.statuses.history(referral_id)
