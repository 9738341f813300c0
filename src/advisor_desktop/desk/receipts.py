"""Receipt files: the signed "received" the desk writes for each package it stores.

The format is ``protocol/receipt.py``'s. A receipt is written beside the package file
(``<name>.receipt`` for ``<name>.referral``) or into a folder given for them; importing the same
package again writes the same receipt again (same digest, same time of receipt).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from advisor_desktop.desk.identity import DeskIdentity
from advisor_desktop.desk.intake import Received
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.receipt import (
    RECEIPT_SUFFIX,
    ReceiptError,
    issue_receipt,
    parse_receipt,
)


def receipt_path(package: Path, folder: Path | None, referral_id: str) -> Path:
    """Where the receipt for ``package`` goes: ``<stem>.receipt`` beside it, or in ``folder``.

    A file of that name holding a receipt for another referral is never overwritten: the
    receipt is then named by the referral id.
    """
    target = (folder or package.parent) / (package.stem + RECEIPT_SUFFIX)
    if target.exists():
        other = True
        with contextlib.suppress(OSError, ReceiptError):
            other = parse_receipt(target.read_bytes()).receipt.referral_id != referral_id
        if other:
            target = target.with_name(referral_id + RECEIPT_SUFFIX)
    return target


def write_receipt(identity: DeskIdentity, received: Received, package: bytes, path: Path) -> Path:
    """Sign and write the receipt for ``received`` (whose bytes are ``package``) to ``path``."""
    data = issue_receipt(received.referral_id, package, received.received_at, identity.signing_key)
    atomic_write(path, data, what=_("the receipt"))
    return path
