"""One process per vault: an advisory lock on ``vault.lock`` beside the database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from advisor_desktop.platform.errors import VaultBusy
from advisor_desktop.platform.i18n import _


class VaultProcessLock:
    """Held while this process has the vault open; released on :meth:`release` or exit."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`VaultBusy` at once (never waits)."""
        handle = open(self._path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise VaultBusy(
                _("This vault is already open in another Advisor Desktop window or command.")
            ) from None
        self._handle = handle

    def release(self) -> None:
        """Let another process open the vault."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._handle is not None
