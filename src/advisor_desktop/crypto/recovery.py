"""Recovery codes: 8 groups of 4 base32 characters, easy to write down and type back.

Seven groups (140 bits) are random; the eighth is a checksum of the first seven, so a typo is
reported as a typo rather than as a wrong code.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from advisor_desktop.platform.errors import WrongRecoveryCode
from advisor_desktop.platform.i18n import _

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_GROUPS = 8
_GROUP_LEN = 4
_RANDOM_CHARS = (_GROUPS - 1) * _GROUP_LEN  # 28 chars = 140 bits
# Characters people write for base32 letters that base32 does not have.
_CONFUSABLES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def _checksum(body: str) -> str:
    digest = hashlib.sha256(body.encode("ascii")).digest()
    return base64.b32encode(digest).decode("ascii")[:_GROUP_LEN]


def generate_recovery_code() -> str:
    """A new random code, formatted ``ABCD-EFGH-…`` (8 groups)."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS))
    return format_code(body + _checksum(body))


def format_code(chars: str) -> str:
    """Insert dashes every four characters."""
    return "-".join(chars[i : i + _GROUP_LEN] for i in range(0, len(chars), _GROUP_LEN))


def normalize_recovery_code(typed: str) -> str:
    """Canonical form of a typed code: upper case, separators removed, look-alikes mapped.

    Raises :class:`WrongRecoveryCode` when the length or checksum is wrong (a typo).
    """
    chars = "".join(c for c in typed.upper() if c.isalnum()).translate(_CONFUSABLES)
    if len(chars) != _GROUPS * _GROUP_LEN or any(c not in _ALPHABET for c in chars):
        raise WrongRecoveryCode(
            _("A recovery code has 8 groups of 4 letters and digits. Please check what you typed.")
        )
    body, check = chars[:_RANDOM_CHARS], chars[_RANDOM_CHARS:]
    if not secrets.compare_digest(_checksum(body), check):
        raise WrongRecoveryCode(
            _("This recovery code contains a typing mistake. Please check each group.")
        )
    return format_code(chars)
