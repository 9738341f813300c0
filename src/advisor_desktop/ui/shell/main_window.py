"""The main window: navigation + page stack, toolbar, lock screen and quick hide.

Features are plugged in with :meth:`MainWindow.add_page`; the composition root decides which.
The window is built in stages, so that unlocking pays only for what the first page shows: a
section given as a factory is built on its first visit (or when first asked for), and the
lock screen with its unlock form when the window first locks.
The window owns the app-wide behaviour that protects the screen: auto-lock on idle, Ctrl+L,
quick hide (Esc twice or the toolbar), lock with the machine, clipboard clearing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.app.preferences import UiPreferences
from advisor_desktop.platform.i18n import _, pgettext
from advisor_desktop.ui.shell.clipboard import SecureClipboard
from advisor_desktop.ui.shell.common import Banner, named
from advisor_desktop.ui.shell.design import icon
from advisor_desktop.ui.shell.idle import IdleWatcher
from advisor_desktop.ui.shell.machine_lock import MachineLockWatcher, exclude_from_capture
from advisor_desktop.ui.shell.screens import LockScreen, QuickHideScreen
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

if TYPE_CHECKING:
    from advisor_desktop.ui.shell.about import AboutDialog

log = logging.getLogger(__name__)

MINIMUM_SIZE = (1024, 640)
NAV_WIDTH = (170, 260)
"""The navigation's narrowest and widest: as wide as its longest section name within these."""
"""The smallest the main window gets: every page fits it without scrolling sideways."""

SECTION_ICONS = {
    "notebook": "notebook",
    "follow-ups": "calendar-check",
    "guides": "signpost",
    "outbox": "tray-arrow-up",
    "settings": "gear",
    "trust": "key",
}
"""The icon of each section in the navigation (from the shipped set)."""

DOUBLE_ESC_MS = 600


def read_only_banner_text() -> str:
    """The read-only banner's text, in the language active now."""
    return _(
        "Read-only: this vault's folder cannot be written (write-protected media?). You can "
        "read, search and show records and guides; changes are refused."
    )


VisitorViewFactory = Callable[[QWidget], QWidget]
W = TypeVar("W", bound=QWidget)


class Page(Generic[W]):
    """One section of the main window, typed, built the first time it is needed.

    :meth:`widget` builds it (once); :attr:`built` says whether that happened without causing
    it; :meth:`when_built` wires something to the page whenever it comes to exist.
    """

    def __init__(self, key: str, build: Callable[[], W]) -> None:
        self.key = key
        self._build: Callable[[], W] | None = build
        self._widget: W | None = None
        self._on_built: list[Callable[[W], object]] = []

    @property
    def built(self) -> W | None:
        """The page's widget if it was built already, else None (nothing is built)."""
        return self._widget

    def widget(self) -> W:
        """The page's widget, built now if it was not yet."""
        if self._widget is None:
            assert self._build is not None
            build, self._build = self._build, None
            self._widget = widget = build()
            callbacks, self._on_built = self._on_built, []
            for callback in callbacks:
                callback(widget)
        return self._widget

    def when_built(self, callback: Callable[[W], object]) -> None:
        """Call ``callback(widget)`` once the page exists: at once if it does already."""
        if self._widget is not None:
            callback(self._widget)
        else:
            self._on_built.append(callback)


def _ready(widget: W) -> Callable[[], W]:
    return lambda: widget


class MainWindow(QMainWindow):
    """Pages behind a navigation list; a lock screen and a quick-hide screen on top."""

    locked = Signal()
    """The window switched to the lock screen (the vault is closed)."""

    unlocked = Signal()
    """The advisor unlocked again; the previous page is back."""

    hidden_changed = Signal(bool)
    """Quick hide turned on (True) or off (False)."""

    page_built = Signal(str)
    """A section's widget was just built (carries its key): on its first visit, or when code
    first asked for it."""

    def __init__(
        self,
        session: Session,
        runner: Runner,
        clipboard: SecureClipboard,
        *,
        idle_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.clipboard = clipboard
        self.setWindowTitle(_("Advisor Desktop"))
        self.setMinimumSize(*MINIMUM_SIZE)
        self._keys: list[str] = []
        self._pages: dict[str, Page[Any]] = {}
        self._last_esc = 0.0
        self._resume_key: str | None = None
        self._visitor_factory: VisitorViewFactory | None = None

        self.screens = QStackedWidget()
        self.setCentralWidget(self.screens)
        self.workspace = QWidget()
        column = QVBoxLayout(self.workspace)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        # Shown while the vault is open read-only (write-protected media); see _show_read_only.
        self.read_only_banner = Banner()
        self.read_only_banner.setObjectName("read-only-banner")
        column.addWidget(self.read_only_banner)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row, 1)
        self.nav = named(QListWidget(), pgettext("main navigation", "Sections"))
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setMaximumWidth(NAV_WIDTH[1])
        self.nav.setMinimumWidth(NAV_WIDTH[0])
        # Long section names (other languages) wrap; the list never scrolls sideways.
        self.nav.setWordWrap(True)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.pages = QStackedWidget()
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        # Built on the first lock: an unlocked window never shows it.
        self.lock_screen: LockScreen | None = None
        self.hide_screen = QuickHideScreen()
        self.hide_screen.resume.connect(self.quick_show)
        for screen in (self.workspace, self.hide_screen):
            self.screens.addWidget(screen)
        self._build_toolbar()
        self.statusBar()

        prefs = session.preferences
        self.idle = IdleWatcher(idle_ms if idle_ms is not None else prefs.idle_minutes * 60_000)
        self._fixed_idle = idle_ms is not None
        self.idle.idle.connect(self._on_idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.idle)
            app.installEventFilter(self)
        self.machine = MachineLockWatcher(self)
        self.machine.machine_locking.connect(lambda _reason: self.lock())
        session.preferences_changed.connect(self._apply_preferences)
        session.opened.connect(self.idle.start)
        session.opened.connect(self._show_read_only)
        self._apply_preferences(prefs)
        if session.is_open:
            self.idle.start()
        self._show_read_only()

    def _build_toolbar(self) -> None:
        bar = QToolBar(_("Actions"))
        bar.setObjectName("actions")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setIconSize(QSize(18, 18))
        self.addToolBar(bar)
        self.toolbar = bar
        self.lock_action = QAction(_("Lock"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setToolTip(_("Lock now (Ctrl+L)"))
        self.lock_action.triggered.connect(self.lock)
        self.hide_action = QAction(_("Hide screen"), self)
        self.hide_action.setToolTip(_("Hide the screen without locking (Esc twice)"))
        self.hide_action.triggered.connect(self.quick_hide)
        self.visitor_action = QAction(_("Visitor view"), self)
        self.visitor_action.setShortcut(QKeySequence("Ctrl+Shift+V"))
        self.visitor_action.setToolTip(_("Show the visitor view, hiding the notebook"))
        self.visitor_action.setVisible(False)
        self.visitor_action.triggered.connect(self.open_visitor_view)
        self.help_action = QAction(_("Keyboard help"), self)
        self.help_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.help_action.triggered.connect(self.show_help)
        self.about_action = QAction(_("About"), self)
        self.about_action.setToolTip(_("Version, licence and third-party notices"))
        self.about_action.triggered.connect(self.show_about)
        # Quit works on the lock and hide screens too: closing locks the notebook first.
        self.quit_action = QAction(_("Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setToolTip(_("Lock the notebook and quit (Ctrl+Q)"))
        self.quit_action.triggered.connect(self.close)
        action_icons = {
            self.lock_action: "lock",
            self.hide_action: "eye-slash",
            self.visitor_action: "monitor",
            self.help_action: "question",
            self.about_action: "info",
            self.quit_action: "sign-out",
        }
        for action in (
            self.lock_action,
            self.hide_action,
            self.visitor_action,
            self.help_action,
            self.about_action,
            self.quit_action,
        ):
            name = action_icons.get(action)
            if name:
                action.setIcon(icon(name))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            bar.addAction(action)
            self.addAction(action)

    def _show_read_only(self) -> None:
        """The banner, while the open vault is read-only (write-protected media): reading and
        searching work, every change is refused with a message by the page that tries it."""
        if self.read_only:
            self.read_only_banner.show_message(read_only_banner_text())
        else:
            self.read_only_banner.hide()

    @property
    def read_only(self) -> bool:
        """True while the open vault is read-only (the banner is shown)."""
        return self.session.is_open and self.session.vault.read_only

    # -- pages -----------------------------------------------------------------------------

    def add_page(
        self, key: str, title: str, page: W | Callable[[], W], shortcut: str | None = None
    ) -> Page[W]:
        """Add a section to the navigation; ``shortcut`` (e.g. "Ctrl+1") switches to it.

        ``page`` is the widget, or a function that builds it: it is then called on the
        section's first visit (the first section is visited at once). Returns the typed page.
        """
        if key in self._pages:
            raise ValueError(key)
        handle: Page[W] = Page(key, _ready(page) if isinstance(page, QWidget) else page)
        handle.when_built(lambda widget: self._place(key, widget))
        self._pages[key] = handle
        self._keys.append(key)
        if isinstance(page, QWidget):
            handle.widget()  # a widget given as such is placed at once
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        if key in SECTION_ICONS:
            item.setIcon(icon(SECTION_ICONS[key]))
        if shortcut:
            item.setToolTip(f"{title} ({shortcut})")
            action = QAction(title, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda: self.show_page(key))
            self.addAction(action)
        self.nav.addItem(item)
        frame = 2 * self.nav.frameWidth() + 24
        wanted = self.nav.sizeHintForColumn(0) + frame
        self.nav.setFixedWidth(max(NAV_WIDTH[0], min(wanted, NAV_WIDTH[1])))
        if self.nav.currentRow() < 0:
            self.nav.setCurrentRow(0)
        return handle

    def _place(self, key: str, widget: QWidget) -> None:
        self.pages.addWidget(widget)
        log.info("page_built key=%s", key)
        self.page_built.emit(key)

    def page(self, key: str) -> QWidget:
        """The widget of section ``key`` (built now if it was not yet)."""
        return self._pages[key].widget()

    def page_keys(self) -> list[str]:
        """The sections, in navigation order."""
        return list(self._keys)

    def is_built(self, key: str) -> bool:
        """Whether section ``key`` was built already (asking does not build it)."""
        return self._pages[key].built is not None

    def show_page(self, key: str) -> None:
        """Switch to section ``key``."""
        self.nav.setCurrentRow(self._keys.index(key))

    def current_page_key(self) -> str | None:
        """The section shown now."""
        row = self.nav.currentRow()
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def _nav_changed(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            self.pages.setCurrentWidget(self._pages[self._keys[row]].widget())

    def set_visitor_view_factory(self, factory: VisitorViewFactory | None) -> None:
        """Enable the "Visitor view" action: ``factory(parent)`` builds the visitor's window
        (provided by the guides feature). It is shown instead of the notebook."""
        self._visitor_factory = factory
        self.visitor_action.setVisible(factory is not None)

    def open_visitor_view(self) -> None:
        """Build and show the visitor view (if a factory was set)."""
        if self._visitor_factory is None or not self.session.is_open:
            return
        view = self._visitor_factory(self)
        view.show()

    # -- protection ------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        """True while the lock screen is shown."""
        return self.lock_screen is not None and self.screens.currentWidget() is self.lock_screen

    def _ensure_lock_screen(self) -> LockScreen:
        if self.lock_screen is None:
            screen = LockScreen(self.session.paths, self.runner, self.session.policy)
            screen.form.unlocked.connect(self._unlocked)
            self.screens.addWidget(screen)
            self.lock_screen = screen
        return self.lock_screen

    @property
    def is_hidden(self) -> bool:
        """True while quick hide is on."""
        return self.screens.currentWidget() is self.hide_screen

    def lock(self) -> None:
        """Close the vault (drafts saved first) and show only the lock screen."""
        if self.is_locked:
            return
        self._resume_key = self.current_page_key()
        self.clipboard.clear()
        self.idle.stop()
        self.session.lock()
        screen = self._ensure_lock_screen()
        screen.form.reset()
        self.screens.setCurrentWidget(screen)
        screen.form.focus_passphrase()
        self.statusBar().clearMessage()
        self.toolbar.setVisible(False)
        self.nav.setEnabled(False)
        log.info("window_locked")
        self.locked.emit()

    def _unlocked(self, vault: Any) -> None:
        self.session.open(vault)
        self.screens.setCurrentWidget(self.workspace)
        self.toolbar.setVisible(True)
        self.nav.setEnabled(True)
        if self._resume_key is not None:
            self.show_page(self._resume_key)
        self.idle.start()
        self.unlocked.emit()

    def quick_hide(self) -> None:
        """Replace everything with a neutral screen at once (no lock; the idle lock runs on)."""
        if self.is_locked or self.is_hidden:
            return
        self.screens.setCurrentWidget(self.hide_screen)
        self.toolbar.setVisible(False)
        self.statusBar().setVisible(False)
        self.hide_screen.button.setFocus()
        self.hidden_changed.emit(True)

    def quick_show(self) -> None:
        """Back from quick hide."""
        if not self.is_hidden:
            return
        self.screens.setCurrentWidget(self.workspace)
        self.toolbar.setVisible(True)
        self.statusBar().setVisible(True)
        self.hidden_changed.emit(False)

    def _on_idle(self) -> None:
        if self.session.is_open:
            log.info("idle_lock")
            self.lock()

    def _apply_preferences(self, prefs: UiPreferences) -> None:
        if not self._fixed_idle:
            self.idle.set_timeout_ms(prefs.idle_minutes * 60_000)
        self.clipboard.set_timeout_ms(prefs.clipboard_seconds * 1000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt API
        """Esc pressed twice quickly anywhere in this window toggles quick hide."""
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
            and isinstance(watched, QWidget)
            and watched.window() is self
            # A key event bubbles up through the parents, passing this filter each time:
            # count it once, where it was delivered first (the focus widget).
            and watched is (QApplication.focusWidget() or self)
            and not self.is_locked
        ):
            now = time.monotonic()
            if (now - self._last_esc) * 1000 <= DOUBLE_ESC_MS:
                self._last_esc = 0.0
                if self.is_hidden:
                    self.quick_show()
                else:
                    self.quick_hide()
                return True
            self._last_esc = now
        return False

    def start_platform_hooks(self) -> list[str]:
        """Lock with the machine and keep the window out of captures where supported."""
        exclude_from_capture(self)
        return self.machine.start(self)

    def show_about(self) -> AboutDialog:
        """The About box (version, licence, third-party notices); returns it, shown."""
        from advisor_desktop.ui.shell.about import AboutDialog

        dialog = AboutDialog(self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_help(self) -> None:
        """F1: the keyboard shortcuts."""
        from advisor_desktop.ui.shell.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.shortcuts_dialog = dialog

    def retire(self) -> None:
        """Take this window down without closing the vault (a rebuilt window replaces it)."""
        self.idle.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
            app.removeEventFilter(self)
        self.hide()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt API
        """Save drafts, clear the clipboard and close the vault on quit."""
        self.clipboard.clear()
        self.idle.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
            app.removeEventFilter(self)
        if self.session.is_open:
            self.session.lock()
        self.runner.wait()
        super().closeEvent(event)
