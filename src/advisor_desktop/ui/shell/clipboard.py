"""Copying out of a record: marked as secret for clipboard managers, cleared after a timeout."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication

log = logging.getLogger(__name__)

MARKER = "application/x-advisor-desktop-secret"


def secret_formats(platform: str = sys.platform) -> dict[str, bytes]:
    """Extra clipboard formats that ask clipboard managers and history to skip the text.

    - KDE Klipper (and others that honour it): ``x-kde-passwordManagerHint: secret``;
    - Windows clipboard history / cloud clipboard: ``ExcludeClipboardContentFromMonitorProcessing``
      and ``CanIncludeInClipboardHistory`` / ``CanUploadToCloudClipboard`` = DWORD 0. Qt maps a
      custom Windows format by the ``application/x-qt-windows-mime;value="…"`` MIME name;
    - macOS pasteboard managers: ``org.nspasteboard.ConcealedType``.
    """
    zero_dword = b"\x00\x00\x00\x00"
    windows = {
        "ExcludeClipboardContentFromMonitorProcessing": b"\x01",
        "CanIncludeInClipboardHistory": zero_dword,
        "CanUploadToCloudClipboard": zero_dword,
    }
    formats: dict[str, bytes] = {
        "x-kde-passwordManagerHint": b"secret",
        "application/x-nspasteboard-concealed-type": b"secret",
        MARKER: b"1",
    }
    for name, value in windows.items():
        if platform == "win32":
            formats[f'application/x-qt-windows-mime;value="{name}"'] = value
        else:
            formats[name] = value
    return formats


class SecureClipboard(QObject):
    """Puts text on the clipboard marked as secret and clears it after ``timeout_ms``.

    The clipboard is cleared only if it still holds what we put there (the advisor may have
    copied something else since).
    """

    cleared = Signal()
    """Our text was removed from the clipboard (timeout, lock or quit)."""

    def __init__(
        self,
        timeout_ms: int = 30_000,
        clipboard: QClipboard | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._text: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.clear)

    def set_timeout_ms(self, timeout_ms: int) -> None:
        """Change the timeout for later copies."""
        self._timer.setInterval(timeout_ms)

    @property
    def timeout_ms(self) -> int:
        """The current timeout in milliseconds."""
        return int(self._timer.interval())

    def copy(self, text: str) -> None:
        """Put ``text`` on the clipboard, marked secret, and start the clearing timer."""
        mime = QMimeData()
        mime.setText(text)
        for name, value in secret_formats().items():
            mime.setData(name, value)
        self._clipboard.setMimeData(mime)
        self._text = text
        self._timer.start()
        log.info("clipboard_copied")

    def holds_ours(self) -> bool:
        """True while the clipboard still carries the text we put there."""
        data = self._clipboard.mimeData()
        return (
            self._text is not None
            and data is not None
            and data.hasFormat(MARKER)
            and data.text() == self._text
        )

    def clear(self) -> None:
        """Remove our text from the clipboard if it is still there."""
        self._timer.stop()
        if self.holds_ours():
            self._clipboard.clear()
            log.info("clipboard_cleared")
            self.cleared.emit()
        self._text = None
