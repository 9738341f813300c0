"""First run: language, organisation profile, passphrase, then the one-time recovery code.

Nothing is written until the advisor presses "Create notebook" on the passphrase page (a
commit page: no going back after it). The vault is then created on a worker (Argon2id twice),
optionally filled with fictional demo records, and the recovery code is shown exactly once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _, active_locale, ngettext
from advisor_desktop.platform.languages import ui_languages
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile, load_profile
from advisor_desktop.ui.shell.common import (
    documents_dir,
    label_wizard_buttons,
    named,
    note,
    window_title,
)
from advisor_desktop.ui.shell.language_labels import language_label
from advisor_desktop.ui.shell.passphrase_fields import NewPassphraseFields
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

DEMO_COUNT = 40


def create_notebook(
    paths: AppPaths, passphrase: bytearray, profile: OrgProfile, demo: bool, policy: Any
) -> tuple[Any, str]:
    """Worker: the app's one notebook-creation flow; (open vault, recovery code)."""
    from advisor_desktop.app.notebook_setup import create_notebook as create

    created = create(
        paths, passphrase, profile, demo_records_count=DEMO_COUNT if demo else 0, policy=policy
    )
    return created.workspace.vault, created.recovery_code


class LanguagePage(QWizardPage):
    """Choose the language of the app (the wizard is rebuilt in it at once)."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.setTitle(_("Welcome to Advisor Desktop"))
        self.setSubTitle(_("Your encrypted notebook for confidential conversations."))
        layout = QVBoxLayout(self)
        layout.addWidget(note(_("Choose the language of the application:")))
        self.combo = named(QComboBox(), _("Language of the application"))
        for code in ui_languages():
            self.combo.addItem(language_label(code), code)
        self.combo.setCurrentIndex(max(0, self.combo.findData(active_locale())))
        self.combo.activated.connect(
            lambda _i: wizard.language_chosen.emit(str(self.combo.currentData()))
        )
        layout.addWidget(self.combo)
        layout.addSpacing(12)
        layout.addWidget(
            note(
                _(
                    "Everything you record stays on this computer, encrypted with a passphrase "
                    "only you know. The next steps take about two minutes."
                )
            )
        )
        layout.addStretch(1)


class ProfilePage(QWizardPage):
    """The organisation profile (shipped default or a file) and the demo-records option."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Organisation profile"))
        self.setSubTitle(
            _("The profile lists the concern categories, options for action and reporting desks.")
        )
        self.profile: OrgProfile | None = None
        layout = QVBoxLayout(self)
        self.default = named(QRadioButton(), _("Use the profile shipped with the app"))
        self.from_file = named(QRadioButton(_("Load a profile file…")), _("Load a profile file"))
        self.default.setChecked(True)
        layout.addWidget(self.default)
        row = QHBoxLayout()
        row.addWidget(self.from_file)
        self.choose = named(QPushButton(_("Choose file…")), _("Choose a profile file"))
        self.choose.clicked.connect(self.choose_file)
        row.addWidget(self.choose)
        row.addStretch(1)
        layout.addLayout(row)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        layout.addWidget(self.file_label)
        layout.addSpacing(12)
        self.demo = named(
            QCheckBox(
                ngettext(
                    "Add {n} fictional example conversation to try the app",
                    "Add {n} fictional example conversations to try the app",
                    DEMO_COUNT,
                ).format(n=DEMO_COUNT)
            ),
            _("Add fictional example conversations"),
        )
        layout.addWidget(self.demo)
        layout.addWidget(
            note(_("Example conversations are invented. Delete them before real use."))
        )
        layout.addStretch(1)
        self._default_profile: OrgProfile | None = None
        self.default.toggled.connect(lambda _on: self.completeChanged.emit())
        try:
            self._default_profile = load_profile()
            self.default.setText(
                _("Use the shipped profile: {name}").format(
                    name=self._default_profile.name(active_locale())
                )
            )
        except AdvisorError as exc:
            self.default.setText(_("Use the shipped profile"))
            self.default.setEnabled(False)
            self.from_file.setChecked(True)
            self.file_label.setText(str(exc))

    def load_file(self, path: Path) -> bool:
        """Validate and select the profile at ``path``; shows the error otherwise."""
        try:
            self.profile = load_profile(path)
        except AdvisorError as exc:
            self.profile = None
            self.file_label.setText(str(exc))
            self.completeChanged.emit()
            return False
        self.from_file.setChecked(True)
        self.file_label.setText(_("Loaded: {name}").format(name=self.profile.name(active_locale())))
        self.completeChanged.emit()
        return True

    def choose_file(self) -> None:
        """Open a file dialog for a profile JSON file."""
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Choose a profile"), str(documents_dir()), _("Profiles (*.json)")
        )
        if path:
            self.load_file(Path(path))

    def chosen(self) -> OrgProfile | None:
        """The selected, validated profile."""
        return self._default_profile if self.default.isChecked() else self.profile

    def isComplete(self) -> bool:  # Qt API
        """A valid profile is selected."""
        return self.chosen() is not None


class PassphrasePage(QWizardPage):
    """Passphrase + confirmation; "Create notebook" creates the vault on a worker."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Choose a passphrase"))
        self.setSubTitle(
            _("It unlocks your notebook. Nobody can reset it for you; a recovery code follows.")
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Create notebook"))
        layout = QVBoxLayout(self)
        self.fields = NewPassphraseFields()
        self.fields.changed.connect(self.completeChanged)
        layout.addWidget(self.fields)
        self.busy = named(QProgressBar(), _("Creating the notebook"))
        self.busy.setRange(0, 0)
        self.busy.setVisible(False)
        layout.addWidget(self.busy)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.created = False

    def isComplete(self) -> bool:  # Qt API
        """Long enough and confirmed (and not busy)."""
        return self.fields.is_acceptable() and not self.busy.isVisible()

    def validatePage(self) -> bool:  # Qt API
        """First press: start creating on a worker and stay; the worker moves on when done."""
        if self.created:
            return True
        if self.busy.isVisible() or not self.fields.is_acceptable():
            return False
        self._wizard.start_creation()
        return False


class RecoveryPage(QWizardPage):
    """The recovery code, shown once; Finish needs "I have written it down"."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Your recovery code"))
        self.setSubTitle(
            _("If you forget your passphrase, this code is the only way back in. It is shown once.")
        )
        layout = QVBoxLayout(self)
        self.code = QLabel()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10) * 1.6)
        font.setWeight(QFont.Weight.Bold)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAccessibleName(_("Recovery code"))
        layout.addSpacing(12)
        layout.addWidget(self.code)
        layout.addSpacing(12)
        layout.addWidget(
            note(
                _(
                    "Write it on paper and keep it somewhere safe, away from this laptop. Do not "
                    "store it in a file, an e-mail or a photo."
                )
            )
        )
        row = QHBoxLayout()
        self.print_button = named(QPushButton(_("Print…")), _("Print the recovery code"))
        self.print_button.clicked.connect(wizard.print_code)
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.written = named(
            QCheckBox(_("I have written it down")), _("I have written the recovery code down")
        )
        self.written.toggled.connect(self.completeChanged)
        layout.addWidget(self.written)
        layout.addStretch(1)

    def isComplete(self) -> bool:  # Qt API
        """Only once the advisor confirms having written the code down."""
        return self.written.isChecked()


CONTENT_WIDTH = 680
"""The widest the wizard's forms and texts get (pixels); the rest is margin."""


class FirstRunWizard(QWizard):
    """The setup wizard. Emits :attr:`created` with the open vault at Finish."""

    created = Signal(object)
    """The notebook exists and the advisor saw the recovery code; carries the open Vault."""

    language_chosen = Signal(str)
    """The advisor picked another UI language on the first page; carries its code."""

    creation_failed = Signal(str)
    """Creating the vault failed; carries the message (also shown on the page)."""

    def __init__(
        self,
        paths: AppPaths,
        runner: Runner,
        policy: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.runner = runner
        self.policy = policy
        self.vault: Any = None
        self._code = ""
        self.setWindowTitle(window_title(_("Set up")))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        label_wizard_buttons(self)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.language_page = LanguagePage(self)
        self.profile_page = ProfilePage()
        self.passphrase_page = PassphrasePage(self)
        self.recovery_page = RecoveryPage(self)
        for page in (
            self.language_page,
            self.profile_page,
            self.passphrase_page,
            self.recovery_page,
        ):
            self.addPage(page)
        self.resize(720, 520)

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt API
        """Keep the pages' content a comfortable column, centred, however wide the window:
        no form stretched across a maximised screen."""
        super().resizeEvent(event)
        side = max(0, (self.width() - CONTENT_WIDTH) // 2)
        for page_id in self.pageIds():
            page = self.page(page_id)
            if page is not None:
                page.setContentsMargins(side, 0, side, 0)

    def start_creation(self) -> None:
        """Create the vault on a worker with the chosen passphrase, profile and demo option."""
        page = self.passphrase_page
        profile = self.profile_page.chosen()
        if profile is None:
            return
        secret, again = page.fields.take()
        again[:] = b"\x00" * len(again)
        page.busy.setVisible(True)
        page.status.setText(_("Creating your encrypted notebook…"))
        page.completeChanged.emit()
        self.runner.start(
            create_notebook,
            self.paths,
            secret,
            profile,
            self.profile_page.demo.isChecked(),
            self.policy,
            on_done=self._created,
            on_error=self._failed,
        )

    def _created(self, result: Any) -> None:
        self.vault, self._code = result
        page = self.passphrase_page
        page.busy.setVisible(False)
        page.created = True
        self.recovery_page.code.setText(self._code)
        log.info("wizard_vault_created")
        self.next()

    def _failed(self, exc: AdvisorError) -> None:
        page = self.passphrase_page
        page.busy.setVisible(False)
        page.status.setText(str(exc))
        page.completeChanged.emit()
        self.creation_failed.emit(str(exc))

    def print_code(self) -> None:
        """Print the recovery code (system print dialog)."""
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setPlainText(
            _("Advisor Desktop — recovery code")
            + "\n\n"
            + self._code
            + "\n\n"
            + _("Keep this paper safe, away from the laptop.")
        )
        document.print_(printer)

    def accept(self) -> None:
        """Finish: hand the open vault over; the code is forgotten."""
        if self.vault is None:
            return
        self.recovery_page.code.clear()
        self._code = ""
        vault, self.vault = self.vault, None
        super().accept()
        self.created.emit(vault)
