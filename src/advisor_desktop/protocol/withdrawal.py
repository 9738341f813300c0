"""The advisor's withdrawal of a referral that left the device, as a file for the desk.

The visitor may withdraw consent after the package was exported or sent. The device then signs
a **withdrawal**: one document, the same whichever way it travels — to the intake server
(``POST /v1/withdrawals``) or as a file on a USB stick. The document is defined in
:mod:`advisor_desktop.protocol.intake_api` (:func:`build_withdrawal`,
:func:`verify_withdrawal`), exactly its canonical bytes::

    {"format": "advisor-desktop-withdrawal", "version": 1,
     "withdrawal": {"referral_id": "<uuid v4>", "device_key_id": "<32 hex>",
                    "withdrawn_at": "YYYY-MM-DDTHH:MM:SSZ"},
     "signature": {"algorithm": "ed25519", "key_id": "<device key id>", "value": "<base64>"}}

signed by the device's Ed25519 key over ``b"advisor-desktop-withdrawal/v1\\x00" +
canonical_json(withdrawal)``.

**The file** (``<16 random hex>.withdrawal``, this module) is that document encrypted with
age v1 (binary) to the desk's age recipient, as a package is: the document names the device by
its key id, and nothing outside the encryption may tell whose file it is. The desk's
``advisor-desk import`` recognises it by what it decrypts to.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyrage

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import EXIT_UNDECRYPTABLE, KeyFormatError
from advisor_desktop.protocol.intake_api import (
    MAX_DOCUMENT_BYTES,
    WITHDRAWAL_FORMAT,
    IntakeFormatError,
    IntakeSignatureError,
    Withdrawal,
    build_withdrawal,
    parse_withdrawal,
    verify_withdrawal,
)
from advisor_desktop.protocol.keys import parse_recipient
from advisor_desktop.protocol.referral_package import AGE_HEADER, age_decrypt

__all__ = [
    "MAX_WITHDRAWAL_FILE_BYTES",
    "WITHDRAWAL_SUFFIX",
    "IntakeFormatError",
    "IntakeSignatureError",
    "Withdrawal",
    "WithdrawalUndecryptable",
    "build_withdrawal",
    "is_withdrawal_document",
    "open_withdrawal_file",
    "parse_withdrawal",
    "seal_withdrawal",
    "verify_withdrawal",
    "withdrawal_in",
]

WITHDRAWAL_SUFFIX = ".withdrawal"
#: The largest withdrawal file a reader looks at (the document is at most 4 KiB).
MAX_WITHDRAWAL_FILE_BYTES = 16 * 1024


class WithdrawalUndecryptable(IntakeFormatError):
    """A withdrawal file does not decrypt for this desk, or it is truncated or altered
    (exit 6)."""

    exit_code = EXIT_UNDECRYPTABLE


def seal_withdrawal(document: bytes, desk_recipient: str) -> bytes:
    """The withdrawal file: the signed ``document`` encrypted to the desk (``age1…``)."""
    parse_withdrawal(document)  # only a withdrawal in its exact form is sealed
    try:
        recipient = parse_recipient(desk_recipient)
    except KeyFormatError:
        raise ValueError("not an age recipient") from None
    return bytes(pyrage.encrypt(document, [recipient]))


def is_withdrawal_document(plain: bytes) -> bool:
    """True when ``plain`` claims to be a withdrawal document (it may still be invalid)."""
    if len(plain) > MAX_DOCUMENT_BYTES:
        return False
    try:
        doc = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(doc, dict) and doc.get("format") == WITHDRAWAL_FORMAT


def withdrawal_in(data: bytes, identities: Sequence[pyrage.x25519.Identity]) -> bytes | None:
    """The withdrawal document inside the file ``data``, or None when ``data`` is not a
    withdrawal file for these identities (a referral package, another desk's file, damage):
    the caller then reads it as a package, with that format's checks and errors."""
    if len(data) > MAX_WITHDRAWAL_FILE_BYTES or not data.startswith(AGE_HEADER):
        return None
    plain = age_decrypt(data, identities)
    if plain is None or not is_withdrawal_document(plain):
        return None
    return plain


def open_withdrawal_file(data: bytes, identities: Sequence[pyrage.x25519.Identity]) -> bytes:
    """The withdrawal document inside a withdrawal file (not verified yet: see
    :func:`verify_withdrawal`), or :class:`WithdrawalUndecryptable` / ``IntakeFormatError``."""
    if len(data) > MAX_WITHDRAWAL_FILE_BYTES or not data.startswith(AGE_HEADER):
        raise WithdrawalUndecryptable(_("The file is not an encrypted withdrawal."))
    plain = age_decrypt(data, identities)
    if plain is None:
        raise WithdrawalUndecryptable(
            _("The withdrawal does not decrypt with this desk's key, or it is damaged.")
        )
    if not is_withdrawal_document(plain):
        raise IntakeFormatError(_("The file is not a withdrawal."))
    parse_withdrawal(plain)
    return plain
