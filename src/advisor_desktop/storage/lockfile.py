"""One process per store: an advisory lock on its lock file (``vault.lock``, ``desk.lock``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from advisor_desktop.platform.errors import VaultBusy
from advisor_desktop.platform.fsutil import open_private
from advisor_desktop.platform.i18n import N_, _

_VAULT_IN_USE = N_("This vault is already open in another Advisor Desktop window or command.")


class ProcessLock:
    """Held while this process has the store open; released on :meth:`release` or exit.

    ``in_use`` is the message (a msgid, marked with ``N_``) of the :class:`VaultBusy` raised
    when another process holds the lock: the vault's by default.
    """

    def __init__(self, path: Path, in_use: str = _VAULT_IN_USE) -> None:
        self._path = path
        self._in_use = in_use
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`VaultBusy` at once (never waits). The lock file is
        created owner-only (0600). Raises ``OSError`` when it cannot be opened for writing
        (read-only media: the caller opens the store read-only, without the lock)."""
        handle = os.fdopen(open_private(self._path, os.O_RDWR | os.O_CREAT), "r+b")
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise VaultBusy(_(self._in_use)) from None
        self._handle = handle

    def release(self) -> None:
        """Let another process open the store."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._handle is not None
