"""Assemble the main window with the notebook, follow-ups and settings pages.

Other features (guides, referrals, outbox) are added by the composition root with
``MainWindow.add_page`` after this returns.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.notebook.editor import AUTOSAVE_MS
from advisor_desktop.ui.notebook.followups_page import FollowUpsPage
from advisor_desktop.ui.notebook.page import NotebookPage
from advisor_desktop.ui.notebook.search import DEBOUNCE_MS
from advisor_desktop.ui.settings.page import PathChooser, SettingsPage, ask_backup_path
from advisor_desktop.ui.shell.clipboard import SecureClipboard
from advisor_desktop.ui.shell.main_window import MainWindow
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner
from advisor_desktop.ui.trust.page import TrustPage


def build_main_window(
    session: Session,
    runner: Runner,
    *,
    idle_ms: int | None = None,
    clipboard_ms: int | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    autosave_ms: int | None = None,
    choose_backup_path: PathChooser = ask_backup_path,
) -> MainWindow:
    """The main window with the three core pages (call ``session.open`` afterwards)."""
    clipboard = SecureClipboard(
        clipboard_ms if clipboard_ms is not None else session.preferences.clipboard_seconds * 1000,
        QApplication.clipboard(),
    )
    window = MainWindow(session, runner, clipboard, idle_ms=idle_ms)
    clipboard.setParent(window)
    notebook = NotebookPage(
        session,
        runner,
        clipboard,
        debounce_ms=debounce_ms,
        autosave_ms=AUTOSAVE_MS if autosave_ms is None else autosave_ms,
    )
    followups = FollowUpsPage(session, runner)
    settings = SettingsPage(session, runner, choose_backup_path=choose_backup_path)
    window.add_page("notebook", _("Notebook"), notebook, "Ctrl+1")
    window.add_page("follow-ups", _("Follow-ups"), followups, "Ctrl+2")
    window.add_page("settings", _("Settings"), settings, "Ctrl+3")
    trust = TrustPage(session, runner, clipboard)
    window.add_page("trust", _("Keys and updates"), trust, "Ctrl+5")
    trust.message.connect(lambda text: window.statusBar().showMessage(text, 10_000))

    def open_from_followups(record_id: int) -> None:
        window.show_page("notebook")
        notebook.open_record(record_id)

    followups.open_record.connect(open_from_followups)
    notebook.retention_review_requested.connect(lambda: window.show_page("settings"))
    settings.message.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    if clipboard_ms is not None:
        # A fixed timeout (tests) wins over the stored preference.
        session.preferences_changed.connect(lambda _p: clipboard.set_timeout_ms(clipboard_ms))
    return window
