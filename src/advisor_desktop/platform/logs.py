"""Logging to the platformdirs log folder: event names and ids only, never content.

Code logs with fixed event names (``log.info("record_saved id=%s", record_id)``). As defence in
depth a filter drops any message argument that is not a number, a UUID-like id or a short
machine token, so a mistaken ``log.info("%s", note_text)`` cannot leak a note into the file.
"""

from __future__ import annotations

import io
import logging
import os
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


LOG_NAME = "advisor-desktop.log"
BACKUP_COUNT = 3


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Log to ``log_dir/advisor-desktop.log`` (rotated). The folder, and any missing parent
    (with ``--data-dir``, the data folder itself), is created owner-only (0700) and every log
    file owner-only (0600), whatever the umask. Returns the file path; raises ``OSError`` when
    the folder cannot be written (read-only media: the caller goes on without a log file)."""
    import logging.handlers  # not at module import: it pulls in sockets and pickle

    from advisor_desktop.platform.fsutil import make_private, open_private, private_dir

    class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """Opens (and after a rollover, creates) each log file owner-only."""

        def _open(self) -> io.TextIOWrapper:
            fd = open_private(Path(self.baseFilename), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    root = logging.getLogger("advisor_desktop")
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    # Until the file is open, and for good when it cannot be (read-only media): nothing is
    # logged anywhere, not even to stderr by logging's last-resort handler.
    root.addHandler(logging.NullHandler())
    root.propagate = False
    private_dir(log_dir)
    path = log_dir / LOG_NAME
    os.close(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND))
    for number in range(1, BACKUP_COUNT + 1):
        rotated = log_dir / f"{LOG_NAME}.{number}"
        if rotated.exists():
            make_private(rotated)  # written by an older version, under its umask
    handler = PrivateRotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(ContentFilter())
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return path
