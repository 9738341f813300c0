"""Process hardening applied once at start-up, before any secret is in memory."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)


def disable_core_dumps() -> bool:
    """Set ``RLIMIT_CORE`` to 0 so a crash never writes key material to disk.

    Returns True when the limit is in force (always False on Windows, which has no core files
    but may write crash dumps through WER; those are governed by system policy).
    """
    if sys.platform == "win32":
        return False
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        log.warning("core_dumps_not_disabled")
        return False
    return resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)


def wipe(buffer: bytearray | None) -> None:
    """Overwrite a secret held in a ``bytearray`` with zeros (no-op for None)."""
    if buffer is None:
        return
    for i in range(len(buffer)):
        buffer[i] = 0
