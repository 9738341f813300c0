"""Durable, atomic file writes, owner-only modes, and translation of OS errors into typed errors.

Every file the application creates is owner-only (0600) and every folder it creates is
owner-only (0700), whatever the process's umask: files through :func:`atomic_write`,
:func:`open_private` or :func:`create_private` (``os.open`` with the mode, then ``fchmod``),
folders through :func:`private_dir`, and a file another library wrote (a copy, a rename, a
database SQLite created) through :func:`make_private`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from advisor_desktop.platform.errors import AdvisorError, StorageError, UsageError
from advisor_desktop.platform.i18n import _

Replace = Callable[[str | os.PathLike[str], str | os.PathLike[str]], None]

PRIVATE_FILE = 0o600
"""The mode of every file the application writes."""
PRIVATE_DIR = 0o700
"""The mode of every folder the application creates."""
_WRITE_NEW = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_BINARY = getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def private_dir(folder: Path) -> Path:
    """``folder`` and any missing parents, created owner-only (0700) whatever the umask;
    ``folder`` itself is made owner-only if it exists with wider bits (an older version's, or
    one a umask widened). Parents that already exist are left as they are. Raises ``OSError``.
    """
    missing: list[Path] = []
    here = folder
    while not here.exists() and here.parent != here:
        missing.append(here)
        here = here.parent
    for step in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(step, PRIVATE_DIR)
        os.chmod(step, PRIVATE_DIR)
    if not missing:
        _tighten(folder, PRIVATE_DIR)
    return folder


def _tighten(path: Path, mode: int) -> None:
    """Drop group and other bits from an existing ``path`` (nothing on a file system without
    modes, on read-only media, or on Windows, where ``chmod`` only sets the read-only flag)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, mode)


def make_private(path: Path) -> None:
    """Set ``path`` to owner-only (0600) after another library created, copied or renamed it.
    Raises ``OSError``."""
    os.chmod(path, PRIVATE_FILE)


def open_private(path: Path, flags: int = _WRITE_NEW) -> int:
    """A file descriptor of ``path`` opened with ``flags`` (by default: created or truncated
    for writing), the file owner-only (0600) whatever the umask or its mode before. Raises
    ``OSError``."""
    fd = os.open(path, flags | _BINARY, PRIVATE_FILE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE)
    except OSError:
        os.close(fd)
        raise
    return fd


def create_private(path: Path) -> BinaryIO:
    """``path`` created (or truncated) owner-only and opened for binary writing (see
    :func:`open_private`): the handle to write a copy into. Raises ``OSError``."""
    return os.fdopen(open_private(path), "wb")


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
    path: Path, data: bytes, *, what: str, replace: Replace = os.replace, mode: int = PRIVATE_FILE
) -> None:
    """Write ``data`` to ``path`` so a reader sees the old or the new file, never a mix.

    Temp file in the same folder (created owner-only by ``mkstemp``), fsync, rename, fsync
    the folder. ``replace`` is the rename step, passed in by tests to simulate a crash between
    write and rename. ``mode`` is the file's mode; the application's files are owner-only.
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
