"""Logging to the platformdirs log folder: event names and ids only, never content.

Code logs with fixed event names (``log.info("record_saved id=%s", record_id)``). As defence in
depth a filter drops any message argument that is not a number, a UUID-like id or a short
machine token, so a mistaken ``log.info("%s", note_text)`` cannot leak a note into the file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

_SAFE_ARG = re.compile(r"^[A-Za-z0-9_.:\-]{0,64}$")


def _safe(arg: object) -> object:
    return arg if isinstance(arg, int | float) or _SAFE_ARG.match(str(arg)) else "<redacted>"


class ContentFilter(logging.Filter):
    """Replace message arguments that could carry content with ``<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            # log.info("%(key)s", {...}): keep the mapping shape so formatting still works.
            record.args = {k: _safe(v) for k, v in record.args.items()}
        elif record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_safe(a) for a in args)
        if record.exc_info:
            # Tracebacks may quote locals or SQL parameters: keep the type only.
            exc_type = record.exc_info[0]
            record.msg = f"{record.msg} exc={exc_type.__name__ if exc_type else '?'}"
            record.exc_info = None
            record.exc_text = None
        return True


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``log_dir/advisor-desktop.log`` (rotated, owner-only). Returns the file path."""
    import logging.handlers  # not at module import: it pulls in sockets and pickle

    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = log_dir / "advisor-desktop.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(ContentFilter())
    root = logging.getLogger("advisor_desktop")
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    path.chmod(0o600)
    return path
