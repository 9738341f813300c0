"""The one composition point of the desktop UI.

:func:`run_application` builds the QApplication, sets the layout direction from the locale,
claims the data folder (one instance per folder) and shows the first-run wizard (no vault yet)
or the unlock window. After unlock it builds the session, the pages and the main window.
Tests build the same objects through :class:`DesktopApp` with a fast KDF policy.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from advisor_desktop.app.preferences import write_language
from advisor_desktop.platform.i18n import _, activate, active_locale
from advisor_desktop.platform.languages import catalog_name, is_rtl
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.ui.shell.common import app_icon, documents_dir, window_title
from advisor_desktop.ui.shell.excepthook import UnexpectedErrorReporter
from advisor_desktop.ui.shell.unlock import UnlockForm
from advisor_desktop.ui.shell.warmup import Warmup, prewarm_wrappers
from advisor_desktop.ui.shell.workers import Runner

if TYPE_CHECKING:
    from advisor_desktop.crypto.keyslots import KdfPolicy
    from advisor_desktop.ui.shell.build import AdvisorWindow
    from advisor_desktop.ui.shell.main_window import MainWindow
    from advisor_desktop.ui.shell.session import Session

log = logging.getLogger(__name__)

WINDOW_SIZE = (1280, 720)
# Start-up work that can wait (log file, one-instance check) runs this long after the first
# window is shown, so it never delays the first paint.
AFTER_FIRST_PAINT_MS = 300
# The warm-up for the unlock starts sooner (the first paint is done by then); what it has not
# done by the unlock goes on this long after the main window is shown.
PREWARM_MS = 50
WARMUP_RESUME_MS = 500


def layout_direction(lang: str) -> Qt.LayoutDirection:
    """Right-to-left for Arabic, Persian, Urdu, Pashto (and other RTL scripts)."""
    return Qt.LayoutDirection.RightToLeft if is_rtl(lang) else Qt.LayoutDirection.LeftToRight


class UnlockWindow(QMainWindow):
    """The start-up window when a vault exists: only the unlock form."""

    def __init__(self, paths: AppPaths, runner: Runner, policy: KdfPolicy | None = None) -> None:
        super().__init__()
        self.setWindowTitle(window_title(_("Unlock")))
        self.form = UnlockForm(paths, runner, policy)
        self.setCentralWidget(self.form)
        self.resize(*WINDOW_SIZE)


class DesktopApp(QObject):
    """Wizard or unlock window first, then the main window with its pages."""

    def __init__(
        self,
        paths: AppPaths,
        lang: str = "en",
        policy: KdfPolicy | None = None,
        *,
        clock: Callable[[], Any] | None = None,
        idle_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.lang = lang
        self.policy = policy
        self.clock = clock
        self.idle_ms = idle_ms
        self.runner = Runner(self)
        self.first: QWidget | None = None
        self.main: AdvisorWindow | None = None
        self.on_main_shown: Callable[[MainWindow], None] | None = None
        self.warmup = Warmup(self.runner, self)

    def start(self) -> QWidget:
        """Show the wizard or the unlock window; returns it."""
        window: QWidget
        # A plain file check: importing the vault (SQLCipher, cryptography) waits for unlock.
        if self.paths.vault_db.exists() or self.paths.key_slots.exists():
            unlock = UnlockWindow(self.paths, self.runner, self.policy)
            unlock.form.unlocked.connect(self.open_main)
            # While the key is derived and the main window opens, the warm-up does only what
            # the unlock needs; a wrong passphrase lets it go on.
            unlock.form.busy_changed.connect(self._unlocking)
            unlock.form.choose_folder_requested.connect(self.choose_other_folder)
            window = unlock
        else:
            from advisor_desktop.ui.shell.first_run import FirstRunWizard

            window = FirstRunWizard(self.paths, self.runner, self.policy)
            window.created.connect(self.open_main)
            window.language_chosen.connect(self.switch_language)
        self.first = window
        window.show()
        if isinstance(window, UnlockWindow):
            window.form.focus_passphrase()
            # While the advisor types, prepare what the unlock would otherwise pay for, once the
            # window is painted: PySide's one-time set-up (GUI thread), then, step by step on
            # the runner, the imports and locale data of the main window.
            QTimer.singleShot(PREWARM_MS, self, self._prewarm)
        return window

    def _prewarm(self) -> None:
        prewarm_wrappers()
        self.warmup.start()

    def _unlocking(self, busy: bool) -> None:
        if busy:
            self.warmup.hold()
        else:
            # The form reports "not busy" just before "unlocked": look once that has passed.
            QTimer.singleShot(0, self, self._unlock_failed)

    def _unlock_failed(self) -> None:
        if self.main is None:
            self.warmup.resume()

    def apply_language(self, lang: str) -> None:
        """Make ``lang`` the language of new widgets: catalogs, Qt's strings, direction."""
        activate(lang)
        self.lang = lang = active_locale()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setLayoutDirection(layout_direction(lang))
            install_qt_translator(app, lang)

    def switch_language(self, lang: str) -> None:
        """Wizard: re-create it in ``lang`` (and remember the choice)."""
        self.apply_language(lang)
        try:
            write_language(self.paths.config, lang)
        except Exception:  # the choice is merely not remembered
            log.info("language_not_saved")
        old = self.first
        self.start()
        if old is not None:
            old.hide()
            old.deleteLater()

    def choose_other_folder(self) -> None:
        """After a vault error: pick another data folder and start again there."""
        from PySide6.QtWidgets import QFileDialog  # only after a vault error

        folder = QFileDialog.getExistingDirectory(
            self.first, _("Choose a data folder"), str(documents_dir())
        )
        if not folder:
            return
        self.paths = resolve_paths(folder)
        old = self.first
        self.start()
        if old is not None:
            old.close()
            old.deleteLater()

    def open_main(self, vault: Any) -> AdvisorWindow:
        """Build the session, pages and main window around the open ``vault``."""
        from advisor_desktop.ui.shell.session import Session

        # The rest of the warm-up waits until the window is up: its steps would compete with
        # building and painting it for the interpreter.
        self.warmup.hold()
        kwargs: dict[str, Any] = {}
        if self.clock is not None:
            kwargs["clock"] = self.clock
        session = Session(self.paths, self.policy, **kwargs)
        main = self._build_main(session, vault)
        main.resize(*WINDOW_SIZE)
        main.show()
        main.start_platform_hooks()
        self.main = main
        if self.first is not None:
            self.first.hide()
            self.first.deleteLater()
            self.first = None
        if self.on_main_shown is not None:
            self.on_main_shown(main)
        QTimer.singleShot(WARMUP_RESUME_MS, self, self.warmup.resume)
        return main

    def _build_main(self, session: Session, vault: Any = None) -> AdvisorWindow:
        """The main window and its pages around ``session`` (opened on ``vault`` if given).

        Only the first page is built here; the others are built, and wired below, on their
        first visit.
        """
        from advisor_desktop.ui.shell.build import build_main_window
        from advisor_desktop.ui.shell.features import add_guides

        main = build_main_window(session, self.runner, idle_ms=self.idle_ms)
        if vault is not None:
            session.open(vault)
        _guides, open_visitor = add_guides(main, self.paths, session.notebook.profile, self.lang)

        def show_visitor(visitor_lang: str) -> None:
            open_visitor(visitor_lang)

        main.notebook.widget().set_visitor_opener(show_visitor)
        main.settings.when_built(
            lambda settings: settings.language_changed.connect(self.switch_main_language)
        )
        # A new profile, desk or guide pack changes what several pages show: rebuild them.
        main.trust.when_built(
            lambda trust: trust.trust_changed.connect(lambda: self.switch_main_language(self.lang))
        )
        return main

    def switch_main_language(self, lang: str) -> AdvisorWindow | None:
        """Settings: show the main window in ``lang`` now, on the same open vault.

        Every widget is rebuilt in the new language (and direction); the vault stays open,
        the page the advisor was on is shown again, and unsaved edits go to the draft first.
        """
        old = self.main
        if old is None or not old.session.is_open:
            return None
        self.apply_language(lang)
        page = old.current_page_key()
        notebook = old.notebook.built
        if notebook is not None:
            notebook.keep_draft()
        session = old.session
        session.reload_profile()
        # Work the old pages started reports back first; then only the old window's widgets
        # listen to the session: detach them before the new window connects.
        self.runner.wait()
        session.detach_listeners()
        old.retire()
        main = self._build_main(session)
        session.opened.emit()  # the new pages load their content
        main.setGeometry(old.geometry())
        if page is not None:
            main.show_page(page)
        main.show()
        main.start_platform_hooks()
        self.main = main
        if self.on_main_shown is not None:
            self.on_main_shown(main)
        return main

    def bring_to_front(self) -> None:
        """Another start on this folder asked for us."""
        window = self.main or self.first
        if window is not None:
            window.showNormal()
            window.raise_()
            window.activateWindow()


def install_qt_translator(app: QApplication, lang: str) -> bool:
    """Qt's own strings (standard buttons, dialogs) and its locale (date edits, number
    fields) in ``lang``; returns False when Qt ships no translation for it."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    from advisor_desktop.ui.shell.formatting import qt_locale_name

    qt_name = {"zh_Hans": "zh_CN"}.get(catalog_name(lang), catalog_name(lang))
    # Formats (and digits) as Babel writes them in this language: one system per screen.
    QLocale.setDefault(QLocale(qt_locale_name(catalog_name(lang))))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{qt_name}", folder):
        return False
    return app.installTranslator(translator)


def run_application(
    paths: AppPaths,
    lang: str | None,
    argv: list[str],
    policy: KdfPolicy | None = None,
    *,
    on_first_window: Callable[[QWidget], None] | None = None,
    after_first_window: Callable[[], None] | None = None,
    tell: Callable[[str], None] | None = None,
    catch_unexpected: bool = True,
) -> int:
    """Run the Qt event loop until the last window closes; returns the exit code.

    ``tell`` shows a message to the person starting the app (a message box by default).
    ``catch_unexpected`` installs the exception hooks (one message, a content-free log line)
    for the time of the loop; a test that wants exceptions to reach it turns it off.
    """
    app = QApplication.instance() or QApplication(argv)
    assert isinstance(app, QApplication)
    reporter: UnexpectedErrorReporter | None = None
    if catch_unexpected:
        reporter = UnexpectedErrorReporter(app).install()
    try:
        return _run(
            app,
            paths,
            lang,
            policy,
            on_first_window=on_first_window,
            after_first_window=after_first_window,
            tell=tell,
        )
    finally:
        if reporter is not None:
            reporter.uninstall()


def _run(
    app: QApplication,
    paths: AppPaths,
    lang: str | None,
    policy: KdfPolicy | None,
    *,
    on_first_window: Callable[[QWidget], None] | None,
    after_first_window: Callable[[], None] | None,
    tell: Callable[[str], None] | None,
) -> int:
    app.setApplicationName("Advisor Desktop")
    app.setApplicationDisplayName(_("Advisor Desktop"))
    app.setWindowIcon(app_icon())
    app.setLayoutDirection(layout_direction(lang or "en"))
    install_qt_translator(app, lang or "en")
    from advisor_desktop.ui.shell.design import apply_design

    apply_design(app)
    desktop = DesktopApp(paths, lang or "en", policy)
    first = desktop.start()
    claimed: list[Any] = []

    def claim_folder() -> None:
        # One window per data folder. Checked just after the first paint (the socket costs
        # start-up time); the vault's own process lock is the hard guarantee meanwhile.
        from advisor_desktop.ui.shell.single_instance import SingleInstance

        instance = SingleInstance(paths.data)
        if not instance.claim():
            for window in (desktop.first, desktop.main):
                if window is not None:
                    window.hide()
            message = _(
                "Advisor Desktop is already open for this data folder; "
                "that window was brought to the front."
            )
            if tell is not None:
                tell(message)
            else:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.information(None, _("Advisor Desktop"), message)
            app.exit(1)
            return
        instance.raise_requested.connect(desktop.bring_to_front)
        claimed.append(instance)

    QTimer.singleShot(AFTER_FIRST_PAINT_MS, claim_folder)
    if after_first_window is not None:
        QTimer.singleShot(AFTER_FIRST_PAINT_MS, after_first_window)
    if on_first_window is not None:
        on_first_window(first)
    code = int(app.exec())
    desktop.runner.wait()
    for instance in claimed:
        instance.release()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_application(resolve_paths(None), "en", sys.argv))
