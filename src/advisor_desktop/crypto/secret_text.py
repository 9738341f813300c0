"""Typed secret text → secret bytes: the one normal form and the one minimum length.

Input methods do not agree on how to spell the same character: most send "ế" as one code point
(NFC), some (Vietnamese and Korean input methods among them, macOS file names and pasted text)
as a letter followed by combining marks (NFD). A passphrase is therefore NFC-normalised before
it becomes the UTF-8 bytes that Argon2id stretches, in every entry point (CLI prompt, file and
environment, the unlock form, settings, the first-run wizard, the visitor view). Without that
the same phrase unlocks in one and fails in the other.

Vaults made before the desktop normalised were wrapped from the typed bytes as they came.
:class:`SecretText` carries both forms, normal form first, so the vault can try them in order
and re-wrap an old slot under the normal form (see ``storage.store.open_vault``).

Secret bytes are ``bytearray``s so they can be wiped; the typed ``str`` cannot be, and stays
the caller's (a line edit, ``getpass``, the environment).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final, TypeAlias

from advisor_desktop.platform.errors import ValidationError
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import ngettext

MIN_PASSPHRASE_LENGTH = 8
"""Characters (code points of the normal form), surrounding spaces not counted."""

_NORMAL_FORM: Final = "NFC"
# The length is counted on the UTF-8 bytes in place (no decoded str, no stripped copy of the
# secret left unwiped): a code point is a byte that is not a continuation byte (10xxxxxx).
_ASCII_SPACE = frozenset(b" \t\n\r\x0b\x0c")
_CONTINUATION_MASK, _CONTINUATION = 0b1100_0000, 0b1000_0000


def normal_form(text: str) -> str:
    """``text`` in the normal form secrets are compared and derived in (NFC)."""
    return unicodedata.normalize(_NORMAL_FORM, text)


def secret_bytes(text: str) -> bytearray:
    """Typed secret text as the bytes to derive a key from: NFC, UTF-8, in a ``bytearray``
    (wipe it after use)."""
    return bytearray(normal_form(text).encode("utf-8"))


def same_secret(first: str, second: str) -> bool:
    """True when two typed entries are the same secret (e.g. a passphrase and its repetition
    typed with different input methods)."""
    return normal_form(first) == normal_form(second)


def passphrase_length(secret: bytes | bytearray) -> int:
    """The length that the minimum applies to: code points of the UTF-8 ``secret``, leading and
    trailing ASCII whitespace not counted."""
    start, end = 0, len(secret)
    while start < end and secret[start] in _ASCII_SPACE:
        start += 1
    while end > start and secret[end - 1] in _ASCII_SPACE:
        end -= 1
    return sum(1 for i in range(start, end) if secret[i] & _CONTINUATION_MASK != _CONTINUATION)


def is_long_enough(text: str) -> bool:
    """True when typed ``text`` meets :data:`MIN_PASSPHRASE_LENGTH` (for live feedback)."""
    secret = secret_bytes(text)
    try:
        return passphrase_length(secret) >= MIN_PASSPHRASE_LENGTH
    finally:
        wipe(secret)


def require_passphrase(secret: SecretText | bytes | bytearray) -> None:
    """Raise :class:`ValidationError` for a new passphrase shorter than the minimum.

    Checked where a passphrase is set (vault creation, change); opening never checks it, so a
    vault whose passphrase an older rule allowed still opens.
    """
    data = secret.canonical if isinstance(secret, SecretText) else secret
    if passphrase_length(data) < MIN_PASSPHRASE_LENGTH:
        raise ValidationError(
            ngettext(
                "A passphrase must have at least {n} character.",
                "A passphrase must have at least {n} characters.",
                MIN_PASSPHRASE_LENGTH,
            ).format(n=MIN_PASSPHRASE_LENGTH)
        )


# eq=False: secrets are not compared with == (and a bytearray field is not hashable);
# repr=False: a secret never reaches a log line, traceback or debugger display by accident.
@dataclass(frozen=True, eq=False, repr=False)
class SecretText:
    """A typed secret in the byte forms to try, best first: the normal form, then (when it
    differs) the bytes exactly as typed, which versions before normalisation derived from.

    Owns its buffers: :meth:`wipe` them (or use ``with``) when done.
    """

    forms: tuple[bytearray, ...]

    def __post_init__(self) -> None:
        if not self.forms:
            raise ValueError("SecretText needs at least one form")

    @classmethod
    def from_text(cls, text: str) -> SecretText:
        """The forms of typed ``text``: NFC, then the raw UTF-8 if it differs."""
        canonical = secret_bytes(text)
        raw = bytearray(text.encode("utf-8"))
        if raw == canonical:
            wipe(raw)
            return cls((canonical,))
        return cls((canonical, raw))

    @property
    def canonical(self) -> bytearray:
        """The normal form: what a new or re-wrapped key slot is derived from."""
        return self.forms[0]

    def wipe(self) -> None:
        """Overwrite every form with zeros."""
        for form in self.forms:
            wipe(form)

    def __repr__(self) -> str:
        return f"SecretText(<{len(self.forms)} hidden form(s)>)"

    def __enter__(self) -> SecretText:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wipe()


Passphrase: TypeAlias = SecretText | bytearray
"""What the vault accepts: typed text's forms, or bytes taken exactly as given (a test, a
stored secret, bytes already prepared with :func:`secret_bytes`)."""


def candidate_forms(secret: Passphrase) -> tuple[bytearray, ...]:
    """The byte forms to try, in order (the buffers themselves, not copies)."""
    return secret.forms if isinstance(secret, SecretText) else (secret,)
