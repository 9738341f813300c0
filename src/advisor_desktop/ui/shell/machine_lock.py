"""Lock together with the machine, and keep the window out of screen captures.

- Linux (tested only for "no D-Bus present"): QtDBus subscriptions to
  ``org.freedesktop.login1`` ``Manager.PrepareForSleep(true)`` and ``Session.Lock`` on the
  system bus, and ``org.freedesktop.ScreenSaver`` / ``org.gnome.ScreenSaver``
  ``ActiveChanged(true)`` on the session bus. Missing buses or modules are silently skipped.
- Windows (untested): ``WTSRegisterSessionNotification`` + a native event filter for
  ``WM_WTSSESSION_CHANGE``/``WTS_SESSION_LOCK`` and ``WM_POWERBROADCAST``/``PBT_APMSUSPEND``;
  ``SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)`` keeps the window out of captures.
- macOS: not hooked (would need ``NSWorkspace`` notifications and ``NSWindow.sharingType``
  through the Objective-C bridge); documented in docs/ui.md.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

WDA_EXCLUDEFROMCAPTURE = 0x11
WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x4


class MachineLockWatcher(QObject):
    """Emits :attr:`machine_locking` when the session locks, the screensaver starts or the
    machine is about to sleep (where the platform tells us)."""

    machine_locking = Signal(str)
    """The machine is locking or suspending; carries a short reason token ("sleep",
    "session-lock", "screensaver")."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sources: list[str] = []
        self._native: _WindowsSessionFilter | None = None

    def start(self, window: QWidget | None = None) -> list[str]:
        """Subscribe to whatever this platform offers; returns the sources that worked."""
        if sys.platform.startswith("linux"):
            self._start_dbus()
        elif sys.platform == "win32" and window is not None:  # pragma: no cover - untested
            self._start_windows(window)
        log.info("machine_lock_sources count=%s", len(self.sources))
        return self.sources

    # -- Linux -----------------------------------------------------------------------------

    def _start_dbus(self) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:
            return
        try:
            system = QDBusConnection.systemBus()
            session = QDBusConnection.sessionBus()
        except Exception:  # no bus library at all
            return
        subscriptions = (
            (
                system,
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                "on_sleep(bool)",
                "sleep",
            ),
            (
                system,
                "org.freedesktop.login1",
                "",
                "org.freedesktop.login1.Session",
                "Lock",
                "on_session_lock()",
                "session-lock",
            ),
            (
                session,
                "",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver",
                "ActiveChanged",
                "on_screensaver(bool)",
                "screensaver",
            ),
            (
                session,
                "",
                "/org/gnome/ScreenSaver",
                "org.gnome.ScreenSaver",
                "ActiveChanged",
                "on_screensaver(bool)",
                "screensaver",
            ),
        )
        for bus, service, path, iface, name, slot, label in subscriptions:
            try:
                if not bus.isConnected():
                    continue
                if bus.connect(service, path, iface, name, self, f"1{slot}".encode()):
                    self.sources.append(label)
            except Exception:  # a bus that refuses is not an error for us
                log.info("dbus_subscribe_failed")

    @Slot(bool)
    def on_sleep(self, starting: bool) -> None:
        """login1 PrepareForSleep: true just before suspend."""
        if starting:
            self.machine_locking.emit("sleep")

    @Slot()
    def on_session_lock(self) -> None:
        """login1 Session.Lock."""
        self.machine_locking.emit("session-lock")

    @Slot(bool)
    def on_screensaver(self, active: bool) -> None:
        """ScreenSaver ActiveChanged: true when the screensaver starts."""
        if active:
            self.machine_locking.emit("screensaver")

    # -- Windows (untested) ----------------------------------------------------------------

    def _start_windows(self, window: QWidget) -> None:  # pragma: no cover - untested platform
        try:
            wtsapi = ctypes.WinDLL("wtsapi32")  # type: ignore[attr-defined]
            if wtsapi.WTSRegisterSessionNotification(int(window.winId()), 0):
                self._native = _WindowsSessionFilter(self)
                app = QApplication.instance()
                if app is not None:
                    app.installNativeEventFilter(self._native)
                self.sources.append("session-lock")
        except (OSError, AttributeError):
            log.info("wts_register_failed")


class _WindowsSessionFilter(QAbstractNativeEventFilter):  # pragma: no cover - untested
    def __init__(self, watcher: MachineLockWatcher) -> None:
        super().__init__()
        self.watcher = watcher

    def nativeEventFilter(self, event_type: Any, message: Any) -> Any:
        if bytes(event_type) != b"windows_generic_MSG":
            return False, 0
        from ctypes import wintypes

        msg = wintypes.MSG.from_address(int(message))
        if msg.message == WM_WTSSESSION_CHANGE and msg.wParam == WTS_SESSION_LOCK:
            self.watcher.machine_locking.emit("session-lock")
        elif msg.message == WM_POWERBROADCAST and msg.wParam == PBT_APMSUSPEND:
            self.watcher.machine_locking.emit("sleep")
        return False, 0


def exclude_from_capture(window: QWidget) -> bool:
    """Ask the platform to keep ``window`` out of screenshots and screen sharing.

    Windows 10 2004+: ``SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)`` (untested here).
    Other platforms: not available from Qt; returns False.
    """
    win_dll = getattr(ctypes, "WinDLL", None)
    if win_dll is None:
        return False
    try:  # pragma: no cover - untested platform
        user32 = win_dll("user32")
        return bool(user32.SetWindowDisplayAffinity(int(window.winId()), WDA_EXCLUDEFROMCAPTURE))
    except (OSError, AttributeError):  # pragma: no cover
        return False
