"""Assemble the main window with the notebook, follow-ups, settings, keys and outbox sections.

Other features (guides, referrals) are added by the composition root with
``MainWindow.add_page`` after this returns. Every section is built on its first visit: the
notebook at once (it is the first page), the others when the advisor goes to them. A section
built while the vault is open loads its content then, as it would have on ``Session.opened``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.notebook.followups_page import FollowUpsPage
from advisor_desktop.ui.notebook.page import NotebookPage
from advisor_desktop.ui.notebook.search import DEBOUNCE_MS
from advisor_desktop.ui.settings.page import PathChooser, SettingsPage, ask_backup_path
from advisor_desktop.ui.shell.clipboard import SecureClipboard
from advisor_desktop.ui.shell.features import add_outbox
from advisor_desktop.ui.shell.main_window import MainWindow, Page
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner
from advisor_desktop.ui.trust.page import TrustPage


class AdvisorWindow(MainWindow):
    """The main window with its core sections, each a typed :class:`Page`."""

    def __init__(
        self,
        session: Session,
        runner: Runner,
        *,
        idle_ms: int | None = None,
        clipboard_ms: int | None = None,
        debounce_ms: int = DEBOUNCE_MS,
        autosave_ms: int | None = None,
        choose_backup_path: PathChooser = ask_backup_path,
    ) -> None:
        clipboard = SecureClipboard(
            clipboard_ms
            if clipboard_ms is not None
            else session.preferences.clipboard_seconds * 1000,
            QApplication.clipboard(),
        )
        super().__init__(session, runner, clipboard, idle_ms=idle_ms)
        clipboard.setParent(self)
        self._debounce_ms = debounce_ms
        self._autosave_ms = autosave_ms  # None: the editor's own default
        self._choose_backup_path = choose_backup_path
        self.notebook: Page[NotebookPage] = self.add_page(
            "notebook", _("Notebook"), self._build_notebook, "Ctrl+1"
        )
        self.followups: Page[FollowUpsPage] = self.add_page(
            "follow-ups", _("Follow-ups"), self._build_followups, "Ctrl+2"
        )
        self.settings: Page[SettingsPage] = self.add_page(
            "settings", _("Settings"), self._build_settings, "Ctrl+3"
        )
        self.trust: Page[TrustPage] = self.add_page(
            "trust", _("Keys and updates"), self._build_trust, "Ctrl+5"
        )
        # The Outbox page (built on its first visit); its sync and status-bar indicator start
        # a moment after the window is built.
        add_outbox(self, session)
        if clipboard_ms is not None:
            # A fixed timeout (tests) wins over the stored preference.
            session.preferences_changed.connect(lambda _p: clipboard.set_timeout_ms(clipboard_ms))

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _build_notebook(self) -> NotebookPage:
        # Built before the session opens (the first page): Session.opened loads it.
        page = NotebookPage(
            self.session,
            self.runner,
            self.clipboard,
            debounce_ms=self._debounce_ms,
            autosave_ms=self._autosave_ms,
        )
        page.retention_review_requested.connect(self._review_retention)
        page.keys_requested.connect(lambda: self.show_page("trust"))
        return page

    def _review_retention(self) -> None:
        self.show_page("settings")
        self.settings.widget().show_retention()

    def _build_followups(self) -> FollowUpsPage:
        page = FollowUpsPage(self.session, self.runner)

        def open_record(record_id: int) -> None:
            self.show_page("notebook")
            self.notebook.widget().open_record(record_id)

        page.open_record.connect(open_record)
        if self.session.is_open:
            page.reload()
        return page

    def _build_settings(self) -> SettingsPage:
        page = SettingsPage(self.session, self.runner, choose_backup_path=self._choose_backup_path)
        page.message.connect(self._status)
        if self.session.is_open:
            page.reload()
        return page

    def _build_trust(self) -> TrustPage:
        page = TrustPage(self.session, self.runner, self.clipboard)
        page.message.connect(self._status)
        if self.session.is_open:
            page.reload()
        return page


def build_main_window(
    session: Session,
    runner: Runner,
    *,
    idle_ms: int | None = None,
    clipboard_ms: int | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    autosave_ms: int | None = None,
    choose_backup_path: PathChooser = ask_backup_path,
) -> AdvisorWindow:
    """The main window with the core sections (call ``session.open`` afterwards)."""
    return AdvisorWindow(
        session,
        runner,
        idle_ms=idle_ms,
        clipboard_ms=clipboard_ms,
        debounce_ms=debounce_ms,
        autosave_ms=autosave_ms,
        choose_backup_path=choose_backup_path,
    )
