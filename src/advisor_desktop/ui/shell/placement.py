"""Where the visitor-facing windows go: full screen on the screen the advisor chose.

With two screens the visitor usually faces the second one: by default a visitor window opens on
a screen other than the advisor's window. The geometry is set by the program itself, so the
window fills the screen even where no window manager honours a full-screen request.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget


def screen_choices() -> list[QScreen]:
    """The connected screens, the primary first."""
    primary = QGuiApplication.primaryScreen()
    screens = list(QGuiApplication.screens())
    return sorted(screens, key=lambda s: s is not primary)


def visitor_screen(advisor_window: QWidget | None, chosen: str | None = None) -> QScreen | None:
    """The screen named ``chosen`` if connected; else one that does not show the advisor's
    window; else the advisor's own screen."""
    screens = screen_choices()
    if not screens:
        return None
    if chosen:
        for screen in screens:
            if screen.name() == chosen:
                return screen
    own = advisor_window.screen() if advisor_window is not None else None
    others = [s for s in screens if s is not own]
    return others[0] if others else (own or screens[0])


def show_full_screen_on(widget: QWidget, screen: QScreen | None) -> None:
    """Put ``widget`` on ``screen``, sized to it, and ask for full screen."""
    if screen is not None:
        widget.setScreen(screen)
        widget.setGeometry(screen.geometry())
    widget.showFullScreen()
    if screen is not None and widget.geometry() != screen.geometry():
        # No window manager took the request: fill the screen ourselves.
        widget.setGeometry(screen.geometry())
