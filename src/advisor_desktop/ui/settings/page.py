"""Settings: language, idle time, clipboard, retention, passphrase, backup, folder and info."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop import __version__
from advisor_desktop.app.passphrase import change_passphrase_checked
from advisor_desktop.app.preferences import UiPreferences, write_language
from advisor_desktop.crypto.secret_text import SecretText
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _, active_locale, ngettext
from advisor_desktop.platform.languages import ui_languages
from advisor_desktop.ui.shell.common import confirm, heading, in_documents, named, note, show_error
from advisor_desktop.ui.shell.formatting import format_date, language_name, role_label
from advisor_desktop.ui.shell.passphrase_fields import NewPassphraseFields, password_field
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

PathChooser = Callable[[QWidget], Path | None]


def ask_backup_path(parent: QWidget) -> Path | None:
    """A save dialog for the backup file."""
    name = f"advisor-backup-{dt.date.today().isoformat()}.advisorbackup"
    path, _filter = QFileDialog.getSaveFileName(
        parent, _("Save a backup"), in_documents(name), _("Backups (*.advisorbackup)")
    )
    return Path(path) if path else None


class _ProgressRelay(QObject):
    """Carries a worker's progress reports to the GUI thread (a queued signal)."""

    fraction = Signal(float)


def trailing(button: QPushButton) -> QWidget:
    """``button`` at its natural width at the trailing end of a form row (not stretched
    across the field column)."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addStretch(1)
    row.addWidget(button)
    return holder


def _tab(*groups: QWidget, stretch_last: bool = False) -> QWidget:
    """A settings tab: its groups from the top, the rest of the height left empty (or given
    to the last group)."""
    page = QWidget()
    layout = QVBoxLayout(page)
    for group in groups:
        layout.addWidget(group, 1 if stretch_last and group is groups[-1] else 0)
    if not stretch_last:
        layout.addStretch(1)
    return page


class SettingsPage(QWidget):
    """Preferences stored in the vault, plus the one non-secret language file."""

    language_changed = Signal(str)
    """The advisor chose another UI language (its code); the app switches at once."""

    message = Signal(str)
    """A result to show in the status bar (backup written, passphrase changed, …)."""

    purged = Signal(int)
    """Records were purged; carries how many."""

    def __init__(
        self,
        session: Session,
        runner: Runner,
        *,
        choose_backup_path: PathChooser = ask_backup_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.choose_backup_path = choose_backup_path
        self._purge_ids: list[int] = []
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Settings")))
        # One subject per tab: each fits the window at 1280×720 (and at its minimum size) in
        # every language, with no page to scroll.
        self.tabs = named(QTabWidget(), _("Settings"))
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(_tab(self._general_group(), self._info_group()), _("General"))
        self.tabs.addTab(_tab(self._passphrase_group()), _("Passphrase"))
        self.tabs.addTab(_tab(self._backup_group()), _("Backup"))
        self.tabs.addTab(_tab(self._sync_group()), _("Connection"))
        self.retention_tab = _tab(self._retention_group(), stretch_last=True)
        self.tabs.addTab(self.retention_tab, _("Retention"))
        session.opened.connect(self._show_preferences)
        # Lists and details that need the vault load a moment after unlock, once the
        # notebook's first page is on screen.
        session.opened.connect(lambda: QTimer.singleShot(400, self, self.reload))
        session.data_changed.connect(self.load_retention)
        session.about_to_lock.connect(self._drop)

    def reveal(self, widget: QWidget) -> None:
        """Bring the tab holding ``widget`` to the front (a message or progress the advisor
        must see appears there)."""
        for index in range(self.tabs.count()):
            tab = self.tabs.widget(index)
            if tab is not None and (tab is widget or tab.isAncestorOf(widget)):
                self.tabs.setCurrentIndex(index)
                return

    def show_retention(self) -> None:
        """Bring the retention list to the front (from the notebook's purge banner)."""
        self.tabs.setCurrentWidget(self.retention_tab)

    # -- groups ----------------------------------------------------------------------------

    def _general_group(self) -> QGroupBox:
        group = QGroupBox(_("General"))
        form = QFormLayout(group)
        self.language = named(QComboBox(), _("Language of the user interface"))
        for code in ui_languages():
            self.language.addItem(f"{language_name(code)} ({code})", code)
        self.language.setCurrentIndex(max(0, self.language.findData(active_locale())))
        self.language.activated.connect(self._language_chosen)
        form.addRow(_("&Language:"), self.language)
        self.language_note = note(_("The whole window switches to the chosen language."))
        form.addRow("", self.language_note)
        self.idle = named(QSpinBox(), _("Lock after this many idle minutes"))
        self.idle.setRange(1, 240)
        self.idle.setSuffix(" " + _("min"))
        form.addRow(_("Lock when idle for:"), self.idle)
        self.clip = named(QSpinBox(), _("Clear the clipboard after this many seconds"))
        self.clip.setRange(5, 600)
        self.clip.setSuffix(" " + _("s"))
        form.addRow(_("Clear copied text after:"), self.clip)
        self.apply_button = named(QPushButton(_("Apply")), _("Apply the idle and clipboard times"))
        self.apply_button.clicked.connect(self.apply_preferences)
        form.addRow("", trailing(self.apply_button))
        return group

    def _passphrase_group(self) -> QGroupBox:
        group = QGroupBox(_("Passphrase"))
        form = QFormLayout(group)
        self.old = password_field(_("Current passphrase"))
        form.addRow(_("Current passphrase:"), self.old)
        self.new_fields = NewPassphraseFields(group, into=form)
        self.change_button = named(QPushButton(_("Change passphrase")), _("Change passphrase"))
        self.change_button.setEnabled(False)
        self.new_fields.changed.connect(self._update_change_button)
        self.old.textChanged.connect(self._update_change_button)
        self.change_button.clicked.connect(self.change_passphrase)
        form.addRow("", trailing(self.change_button))
        # A change rekeys the whole vault: progress is shown once it takes over a second.
        self.change_progress = named(QProgressBar(), _("Progress of the passphrase change"))
        self.change_progress.setRange(0, 100)
        self.change_progress.setVisible(False)
        form.addRow("", self.change_progress)
        self.new_code = QLabel()
        self.new_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_code.setWordWrap(True)
        self.new_code.setVisible(False)
        form.addRow("", self.new_code)
        self._progress = _ProgressRelay(self)
        self._progress.fraction.connect(self._change_progressed)
        self._change_started: dt.datetime | None = None
        return group

    def _backup_group(self) -> QGroupBox:
        group = QGroupBox(_("Backup and data folder"))
        form = QFormLayout(group)
        self.folder = named(QLineEdit(str(self.session.paths.data)), _("Data folder"))
        self.folder.setReadOnly(True)
        form.addRow(_("Data folder:"), self.folder)
        self.backup_button = named(QPushButton(_("Make a backup…")), _("Make a backup"))
        self.backup_button.clicked.connect(self.make_backup)
        form.addRow(
            "",
            note(
                _("A backup is one encrypted file; it opens with your passphrase or recovery code.")
            ),
        )
        form.addRow("", trailing(self.backup_button))
        return group

    def _sync_group(self) -> QGroupBox:
        group = QGroupBox(_("Connection to the desk"))
        form = QFormLayout(group)
        self.intake_url = named(
            QLineEdit(), _("Address of the desk's intake server, if not the one the desk gave")
        )
        self.intake_url.setPlaceholderText(_("As in the desk's public file"))
        form.addRow(_("Intake server:"), self.intake_url)
        self.proxy = named(QLineEdit(), _("Proxy to reach the desk, if not the system's"))
        self.proxy.setPlaceholderText(_("The system's proxy settings"))
        form.addRow(_("Proxy:"), self.proxy)
        form.addRow(
            "",
            note(
                _(
                    "Leave both empty to use the address from the desk's public file and the "
                    "system's proxy settings. A proxy is written http://host:port."
                )
            ),
        )
        self.sync_apply = named(
            QPushButton(_("Save connection")), _("Save the intake server and proxy")
        )
        self.sync_apply.clicked.connect(self.apply_sync_settings)
        form.addRow("", trailing(self.sync_apply))
        self.sync_error = note("")
        self.sync_error.setObjectName("syncSettingsError")
        self.sync_error.hide()
        form.addRow("", self.sync_error)
        return group

    def _show_sync_settings(self) -> None:
        from advisor_desktop.app.preferences import load_sync_settings

        if not self.session.is_open:
            return
        settings = load_sync_settings(self.session.vault)
        self.intake_url.setText(settings.intake_url or "")
        self.proxy.setText(settings.proxy or "")

    def apply_sync_settings(self) -> bool:
        """Check and store the intake server address and the proxy (empty: as configured by
        the desk and the system)."""
        from advisor_desktop.app.preferences import SyncSettings, save_sync_settings

        if not self.session.is_open:
            return False
        wanted = SyncSettings(self.intake_url.text(), self.proxy.text())
        try:
            stored = save_sync_settings(self.session.vault, wanted)
        except AdvisorError as exc:
            self.sync_error.setText(exc.message)
            self.sync_error.setAccessibleName(exc.message)
            self.sync_error.show()
            self.reveal(self.sync_error)
            return False
        self.sync_error.hide()
        self.intake_url.setText(stored.intake_url or "")
        self.proxy.setText(stored.proxy or "")
        self.message.emit(_("Connection to the desk saved."))
        return True

    def _retention_group(self) -> QGroupBox:
        group = QGroupBox(_("Retention"))
        layout = QVBoxLayout(group)
        self.retention_note = note("")
        layout.addWidget(self.retention_note)
        self.retention = named(QTreeWidget(), _("Records due for purge"))
        self.retention.setHeaderLabels([_("Purge on"), _("Conversation"), _("Visitor")])
        self.retention.setRootIsDecorated(False)
        self.retention.setColumnWidth(0, 140)
        self.retention.setColumnWidth(1, 140)
        layout.addWidget(self.retention, 1)
        row = QHBoxLayout()
        self.retention_count = QLabel()
        row.addWidget(self.retention_count, 1)
        self.purge_button = named(QPushButton(_("Purge now…")), _("Purge these records now"))
        self.purge_button.setEnabled(False)
        self.purge_button.clicked.connect(self.purge_now)
        row.addWidget(self.purge_button)
        layout.addLayout(row)
        return group

    def _info_group(self) -> QGroupBox:
        group = QGroupBox(_("About this notebook"))
        self.info = QFormLayout(group)
        self.info.setLabelAlignment(Qt.AlignmentFlag.AlignLeading)
        return group

    # -- loading ---------------------------------------------------------------------------

    def _show_preferences(self) -> None:
        prefs = self.session.preferences
        self.idle.setValue(prefs.idle_minutes)
        self.clip.setValue(prefs.clipboard_seconds)

    def reload(self) -> None:
        """Show the stored preferences, the retention list and the vault's details."""
        if not self.session.is_open:
            return
        self._show_preferences()
        self._show_sync_settings()
        self.load_retention()
        self._fill_info()

    def _fill_info(self) -> None:
        if not self.session.is_open:
            return
        vault = self.session.vault
        self.runner.start(vault.settings, on_done=self._show_info, on_error=self._info_failed)

    def _info_failed(self, exc: AdvisorError) -> None:
        # Read-only details, but an empty box would look like a fault of its own: say that
        # they could not be read (the typed error's message is written for the advisor).
        log.info("vault_details_failed kind=%s", type(exc).__name__)
        if not self.session.is_open:
            return  # the vault locked meanwhile; the next unlock reads them again
        while self.info.rowCount():
            self.info.removeRow(0)
        self.info.addRow(
            note(
                _("The details of this notebook could not be read: {reason}").format(
                    reason=exc.message
                )
            )
        )

    def _show_info(self, settings: Any) -> None:
        while self.info.rowCount():
            self.info.removeRow(0)
        if not self.session.is_open:
            return
        vault = self.session.vault
        profile = self.session.notebook.profile
        kdf = settings.kdf
        rows = (
            (_("Organisation profile:"), profile.name(active_locale())),
            (_("Profile id:"), profile.id),
            (_("Vault id:"), vault.vault_id),
            (
                _("Key derivation:"),
                ngettext(
                    "Argon2id, {mib} MiB, {n} pass",
                    "Argon2id, {mib} MiB, {n} passes",
                    kdf.time_cost,
                ).format(mib=kdf.memory_kib // 1024, n=kdf.time_cost),
            ),
            (_("Encryption:"), _("SQLCipher {version}").format(version=settings.sqlcipher_version)),
            (
                _("Retention:"),
                ngettext(
                    "{n} month after a case is closed",
                    "{n} months after a case is closed",
                    profile.retention.months_after_close,
                ).format(n=profile.retention.months_after_close),
            ),
            (_("Version:"), __version__),
        )
        for label, value in rows:
            field = QLabel(value)
            field.setWordWrap(True)
            # Beside its label in both directions: a left-to-right value (an id, a version)
            # in a right-to-left window would otherwise follow its own direction to the far
            # left edge.
            side = (
                Qt.AlignmentFlag.AlignRight if self.isRightToLeft() else Qt.AlignmentFlag.AlignLeft
            )
            field.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignTop)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setAccessibleName(label.rstrip(":"))
            self.info.addRow(label, field)

    def load_retention(self) -> None:
        """List records that are or will be due for purge within the warning period."""
        if not self.session.is_open:
            return
        notebook = self.session.notebook
        today = self.session.today()
        days = notebook.profile.retention.warn_days
        months = notebook.profile.retention.months_after_close
        self.retention_note.setText(
            ngettext(
                "Closed records are purged {n} month after closing.",
                "Closed records are purged {n} months after closing.",
                months,
            ).format(n=months)
            + " "
            + ngettext(
                "These are due within the next {n} day; purging removes them for good.",
                "These are due within the next {n} days; purging removes them for good.",
                days,
            ).format(n=days)
        )

        def work() -> Any:
            return notebook.purge_candidates(today, within_days=days)

        self.runner.start(work, on_done=self._show_retention, on_error=self._retention_failed)

    def _retention_failed(self, exc: AdvisorError) -> None:
        # The advisor needs to know: an empty list would read "nothing is due for purge" when
        # that is unknown, and "Purge now" must not act on an earlier list. Said in the page,
        # not in a dialog: this load runs in the background after every change.
        log.info("retention_list_failed kind=%s", type(exc).__name__)
        if not self.session.is_open:
            return  # the vault locked meanwhile; the next unlock loads the list again
        self.retention.clear()
        self._purge_ids = []
        self.purge_button.setEnabled(False)
        self.retention_count.setText(
            _("The records due for purge could not be listed: {reason}").format(reason=exc.message)
        )

    def _show_retention(self, rows: Any) -> None:
        self.retention.clear()
        self._purge_ids = [int(summary.id) for summary, _when in rows]
        for summary, when in rows:
            item = QTreeWidgetItem(
                [format_date(when), format_date(summary.conv_date), role_label(summary.role)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, int(summary.id))
            self.retention.addTopLevelItem(item)
        count = len(self._purge_ids)
        self.retention_count.setText(
            ngettext("{n} record", "{n} records", count).format(n=count)
            if count
            else _("Nothing is due for purge.")
        )
        self.purge_button.setEnabled(count > 0)

    def _drop(self) -> None:
        self.retention.clear()
        self._purge_ids = []
        self.old.clear()
        self.new_fields.clear()
        self.intake_url.clear()
        self.proxy.clear()
        while self.info.rowCount():
            self.info.removeRow(0)

    # -- actions ---------------------------------------------------------------------------

    def _language_chosen(self, _index: int) -> None:
        code = str(self.language.currentData())
        try:
            write_language(self.session.paths.config, code)
        except AdvisorError as exc:
            show_error(self, str(exc))
            return
        self.language_changed.emit(code)

    def apply_preferences(self) -> None:
        """Store the idle and clipboard times in the vault (applied at once)."""
        prefs = UiPreferences(idle_minutes=self.idle.value(), clipboard_seconds=self.clip.value())
        try:
            self.session.set_preferences(prefs)
        except AdvisorError as exc:
            show_error(self, str(exc))
            return
        self.message.emit(_("Settings saved."))

    def _update_change_button(self) -> None:
        self.change_button.setEnabled(bool(self.old.text()) and self.new_fields.is_acceptable())

    def change_passphrase(self) -> None:
        """Check the current passphrase and set the new one, on a worker (Argon2id runs and a
        rekey, i.e. a copy of the whole vault); progress shows once it takes over a second."""
        old = SecretText.from_text(self.old.text())
        self.old.clear()
        new, again = self.new_fields.take()
        self.change_button.setEnabled(False)
        self.new_code.setVisible(False)
        self.message.emit(_("Changing the passphrase…"))
        self._change_started = self.session.clock()
        relay = self._progress

        def report(fraction: float) -> None:
            # From the worker; queued to this thread. The page may be gone by then (the
            # window closed or rebuilt): the change goes on, unreported.
            try:
                relay.fraction.emit(fraction)
            except RuntimeError:
                return

        self.runner.start(
            change_passphrase_checked,
            self.session.vault,
            old,
            new,
            again,
            report,
            on_done=self._passphrase_changed,
            on_error=self._passphrase_failed,
        )

    def _change_progressed(self, fraction: float) -> None:
        started = self._change_started
        if started is None:
            return
        if self.change_progress.isHidden():
            if (self.session.clock() - started).total_seconds() < 1.0:
                return
            self.change_progress.setVisible(True)
            self.reveal(self.change_progress)
        self.change_progress.setValue(round(fraction * 100))

    def _change_finished(self) -> None:
        self._change_started = None
        self.change_progress.setVisible(False)
        self._update_change_button()

    def _passphrase_changed(self, new_code: Any) -> None:
        self._change_finished()
        self.message.emit(_("The passphrase was changed."))
        if new_code:
            self.new_code.setText(
                _(
                    "Your new recovery code (shown only this once; write it down and keep it "
                    "somewhere safe, away from this laptop). The old recovery code no longer "
                    "opens the vault: {code}"
                ).format(code=new_code)
            )
            self.new_code.setVisible(True)
            self.reveal(self.new_code)

    def _passphrase_failed(self, exc: AdvisorError) -> None:
        self._change_finished()
        self.message.emit(str(exc))
        show_error(self, str(exc))

    def make_backup(self) -> None:
        """Ask where, then write the encrypted backup on a worker."""
        path = self.choose_backup_path(self)
        if path is None:
            return
        from advisor_desktop.storage.backup import make_backup

        self.backup_button.setEnabled(False)
        self.message.emit(_("Writing the backup…"))

        def done(result: Any) -> None:
            self.backup_button.setEnabled(True)
            self.message.emit(_("Backup written to {path}.").format(path=result))

        def failed(exc: AdvisorError) -> None:
            self.backup_button.setEnabled(True)
            show_error(self, str(exc))
            self.message.emit(str(exc))

        self.runner.start(make_backup, self.session.vault, path, on_done=done, on_error=failed)

    def purge_now(self) -> None:
        """After confirmation, purge every listed record (also those due soon) for good."""
        count = len(self._purge_ids)
        if not count or not confirm(
            self,
            _("Purge records"),
            ngettext(
                "Purge {n} record now? It cannot be recovered afterwards.",
                "Purge {n} records now? They cannot be recovered afterwards.",
                count,
            ).format(n=count),
            _("Purge"),
        ):
            return
        notebook = self.session.notebook
        horizon = self.session.today() + dt.timedelta(days=notebook.profile.retention.warn_days)

        def done(ids: Any) -> None:
            n = len(ids)
            self.message.emit(ngettext("{n} record purged.", "{n} records purged.", n).format(n=n))
            self.purged.emit(n)
            self.session.data_changed.emit()

        self.purge_button.setEnabled(False)
        self.runner.start(
            notebook.purge, horizon, on_done=done, on_error=lambda e: show_error(self, str(e))
        )
