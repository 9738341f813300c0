"""Durable, atomic file writes and translation of OS errors into typed errors."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from advisor_desktop.platform.errors import AdvisorError, StorageError, UsageError
from advisor_desktop.platform.i18n import _

Replace = Callable[[str | os.PathLike[str], str | os.PathLike[str]], None]


def storage_error(exc: OSError, what: str) -> StorageError:
    """A clear, translated message for a failed write (full disk, read-only, permissions)."""
    # EFBIG: a file-size limit (the process's or the file system's) was reached; to the
    # advisor that is the same as a full disk.
    if exc.errno in (errno.ENOSPC, errno.EFBIG):
        return StorageError(_("The disk is full: {what} could not be saved.").format(what=what))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(
            _("The data folder is read-only or not writable: {what} could not be saved.").format(
                what=what
            )
        )
    return StorageError(
        _("{what} could not be saved: {reason}").format(what=what, reason=exc.strerror or "I/O")
    )


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (no-op where directories cannot be opened)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: Path, data: bytes, *, what: str, replace: Replace = os.replace, mode: int = 0o600
) -> None:
    """Write ``data`` to ``path`` so a reader sees the old or the new file, never a mix.

    Temp file in the same folder, fsync, rename, fsync the folder. ``replace`` is the rename
    step, passed in by tests to simulate a crash between write and rename.
    """
    folder = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise storage_error(exc, what) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        replace(tmp, path)
        fsync_dir(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(exc, what) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def remove_stale_temps(folder: Path, stem: str) -> None:
    """Delete temp files an interrupted :func:`atomic_write` of ``stem`` left behind."""
    for stale in folder.glob(f".{stem}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


@contextlib.contextmanager
def translate_os_errors(what: str) -> Iterator[None]:
    """Turn an ``OSError`` raised inside the block into a :class:`StorageError`."""
    try:
        yield
    except OSError as exc:
        raise storage_error(exc, what) from None


def read_limited(path: Path, limit: int, too_large: Callable[[], AdvisorError]) -> bytes:
    """The bytes of a file a user names, reading at most ``limit`` + 1 of them: a file that
    cannot be read is a :class:`UsageError`, a larger one ``too_large()`` (refused unread
    past the limit, so a huge file costs nothing)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(
            _("The file {name} cannot be read: {reason}").format(
                name=path.name, reason=exc.strerror
            )
        ) from None
    if len(data) > limit:
        raise too_large()
    return data
