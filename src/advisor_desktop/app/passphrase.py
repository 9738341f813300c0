"""Passphrase helpers for the UI, Qt-free: a strength estimate and a checked change.

The check of the old passphrase unwraps the vault's own passphrase slot (no second open of the
vault, which the process lock would refuse), so the UI never touches key material itself. The
old passphrase comes as typed text (``SecretText``): a slot an older version wrapped from the
un-normalised bytes still accepts it, and the change wraps the new key under the new one's
normal form.

A change rekeys the vault (``storage/rekey.py``: a copy of the whole database under a new key),
so it takes about as long as a backup; ``progress`` is given the fraction done, from the worker
thread. It returns a new recovery code when the vault's recovery slot predates sealing (the code
could not be kept): the UI must show it once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor_desktop.crypto.secret_text import (
    Passphrase,
    candidate_forms,
    is_long_enough,
    normal_form,
)
from advisor_desktop.platform.errors import ValidationError, WrongPassphrase
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _

if TYPE_CHECKING:
    from advisor_desktop.storage.store import Vault


Progress = Callable[[float], None]


def change_passphrase_checked(
    vault: Vault,
    old: Passphrase,
    new: bytearray,
    confirm: bytearray,
    progress: Progress | None = None,
) -> str | None:
    """Check ``old`` against the vault, ``new == confirm``, then rekey the vault under the new
    passphrase; returns a new recovery code to show once, or None (the code is unchanged).

    ``new`` and ``confirm`` are secret bytes (``secret_text.secret_bytes``, as the passphrase
    fields give them). Raises :class:`WrongPassphrase` or :class:`ValidationError`; every
    buffer is wiped in every case. Slow (Argon2id runs and a copy of the database): call it
    from a worker.
    """
    try:
        if new != confirm:
            raise ValidationError(_("The two new passphrases are not the same."))
        if not vault.passphrase_matches(old):
            raise WrongPassphrase(_("The current passphrase is not correct."))
        return vault.change_passphrase(new, progress=progress)
    finally:
        for buffer in (*candidate_forms(old), new, confirm):
            wipe(buffer)


def set_new_passphrase(
    vault: Vault, new: bytearray, confirm: bytearray, progress: Progress | None = None
) -> str | None:
    """After unlocking with the recovery code: set a new passphrase (``new == confirm``). The
    recovery code that unlocked the vault stays valid (None is returned)."""
    try:
        if new != confirm:
            raise ValidationError(_("The two passphrases are not the same."))
        return vault.change_passphrase(new, progress=progress)
    finally:
        wipe(new)
        wipe(confirm)


@dataclass(frozen=True)
class Strength:
    """A rough passphrase strength estimate, for feedback only (not a security check)."""

    bits: float
    level: int  # 0 too weak … 4 very strong

    @property
    def label(self) -> str:
        """A short, translated verdict."""
        return (
            _("Too weak"),
            _("Weak"),
            _("Fair"),
            _("Strong"),
            _("Very strong"),
        )[self.level]


def estimate_strength(passphrase: str) -> Strength:
    """Estimate entropy from the character pools used and the length; penalise repeats.

    Deliberately simple: words from a dictionary are not detected, so the thresholds are
    conservative (a four-word passphrase is "strong", not "very strong").
    """
    if not passphrase:
        return Strength(0.0, 0)
    # Counted as the vault will see it: a decomposed "ế" is one character, not three.
    passphrase = normal_form(passphrase)
    pool = 0
    if any(c.islower() for c in passphrase):
        pool += 26
    if any(c.isupper() for c in passphrase):
        pool += 26
    if any(c.isdigit() for c in passphrase):
        pool += 10
    if any(c.isspace() for c in passphrase):
        pool += 1
    if any(not c.isalnum() and not c.isspace() for c in passphrase):
        pool += 33
    if any(ord(c) > 127 for c in passphrase):
        pool += 100
    distinct = len(set(passphrase))
    effective_length = min(len(passphrase), distinct * 2)
    bits = effective_length * math.log2(max(pool, 2)) * 0.6
    if not is_long_enough(passphrase):
        level = 0
    elif bits < 40:
        level = 1
    elif bits < 60:
        level = 2
    elif bits < 90:
        level = 3
    else:
        level = 4
    return Strength(round(bits, 1), level)
