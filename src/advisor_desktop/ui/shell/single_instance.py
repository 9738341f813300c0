"""One window per data folder: a local socket lets a second start bring the first to front.

The vault's process lock (``VaultBusy``) is the hard guarantee; this is the friendly part.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

_RAISE = b"raise\n"


def server_name(data_dir: Path) -> str:
    """A per-user, per-data-folder socket name (a hash: the path itself is not exposed)."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:20]
    return f"advisor-desktop-{digest}"


class SingleInstance(QObject):
    """Claim the data folder, or find the process that already has it."""

    raise_requested = Signal()
    """A second start on the same data folder asked this instance to come to the front."""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None

    def claim(self, timeout_ms: int = 300) -> bool:
        """True if this is the first instance (it now listens); False if another answered
        (it was asked to come to the front)."""
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(timeout_ms):
            probe.write(_RAISE)
            probe.waitForBytesWritten(timeout_ms)
            probe.disconnectFromServer()
            log.info("second_instance_refused")
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # A stale socket from a crashed run: nobody answered, so take it over.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.info("single_instance_listen_failed")
                return True
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            # The message is one short line written right after connecting: read it here
            # (briefly blocking) instead of keeping per-socket callbacks alive.
            arrived = socket.bytesAvailable() > 0 or socket.waitForReadyRead(200)
            if arrived and bytes(socket.readAll().data()).startswith(_RAISE.strip()):
                self.raise_requested.emit()
            socket.abort()
            socket.deleteLater()

    def release(self) -> None:
        """Stop listening (on quit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
