"""Auto-lock on idle: an application-wide event filter that notes the last user input."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Fires :attr:`idle` once no keyboard, mouse or touch input came for ``timeout_ms``.

    Installed as an event filter on the QApplication; it only records a timestamp per event,
    so mouse moves cost nothing. A coarse timer checks the elapsed time (:meth:`check`).
    ``monotonic`` is the clock in seconds (tests pass a stepping one and call :meth:`check`).
    """

    idle = Signal()
    """No user input for the configured time (fires once per idle period)."""

    def __init__(
        self,
        timeout_ms: int,
        parent: QObject | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._clock = monotonic
        self._timeout_ms = timeout_ms
        self._last = self._clock()
        self._fired = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._apply_interval()

    def _apply_interval(self) -> None:
        self._timer.setInterval(max(20, min(1000, self._timeout_ms // 4)))

    @property
    def timeout_ms(self) -> int:
        """The idle time in milliseconds."""
        return self._timeout_ms

    def set_timeout_ms(self, timeout_ms: int) -> None:
        """Change the idle time (starts counting afresh)."""
        self._timeout_ms = timeout_ms
        self._apply_interval()
        self.poke()

    def start(self) -> None:
        """Start watching (after unlock)."""
        self.poke()
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked)."""
        self._timer.stop()

    def poke(self) -> None:
        """Count as user activity."""
        self._last = self._clock()
        self._fired = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt API
        """Note the time of every input event; never consumes the event."""
        if event.type() in _INPUT_EVENTS:
            self._last = self._clock()
            self._fired = False
        return False

    @property
    def interval_ms(self) -> int:
        """How often the timer checks, in milliseconds."""
        return int(self._timer.interval())

    @property
    def active(self) -> bool:
        """True while watching (between :meth:`start` and :meth:`stop`)."""
        return self._timer.isActive()

    def check(self) -> None:
        """Fire :attr:`idle` if the idle time has passed since the last input (the timer's
        tick; at most once per idle period)."""
        if self._fired:
            return
        if (self._clock() - self._last) * 1000 >= self._timeout_ms:
            self._fired = True
            self.idle.emit()
