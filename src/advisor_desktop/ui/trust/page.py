"""Keys and updates: this device's signing key, the trusted desks, profile and guide packs.

The advisor reads the device fingerprint to the desk for enrolment, compares each desk's
fingerprints by phone, imports a profile or a desk's ``desk-public.json``, and installs a
guide pack signed by a desk. Imports are checked by the core before anything is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.app.trust import ImportedTrust
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import Desk
from advisor_desktop.ui.shell.clipboard import SecureClipboard
from advisor_desktop.ui.shell.common import heading, named, note, show_error
from advisor_desktop.ui.shell.session import Session
from advisor_desktop.ui.shell.workers import Runner
from advisor_desktop.ui.trust.confirm import ask_trust, fingerprint_font

FileChooser = Callable[[QWidget, str, str], Path | None]
TrustAsker = Callable[[QWidget, "ImportedTrust", "list[Desk]"], bool]


def ask_open_path(parent: QWidget, title: str, pattern: str) -> Path | None:
    """An open-file dialog, starting in the user's documents folder."""
    from advisor_desktop.ui.shell.common import documents_dir

    path, _filter = QFileDialog.getOpenFileName(parent, title, str(documents_dir()), pattern)
    return Path(path) if path else None


class TrustPage(QWidget):
    """Device key, desks and their fingerprints, profile and guide-pack imports."""

    trust_changed = Signal()
    """A profile, desk or guide pack was installed: the window should show the new state."""

    message = Signal(str)
    """A short status message for the status bar."""

    def __init__(
        self,
        session: Session,
        runner: Runner,
        clipboard: SecureClipboard,
        *,
        choose_file: FileChooser = ask_open_path,
        confirm_trust: TrustAsker = ask_trust,
        report_error: Callable[[QWidget, str], None] = show_error,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.report_error = report_error
        self.session = session
        self.runner = runner
        self.clipboard = clipboard
        self.choose_file = choose_file
        self.confirm_trust = confirm_trust
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Keys and updates")))

        device = QGroupBox(_("This device"))
        form = QFormLayout(device)
        self.device_key = named(QLabel(), _("This device's public key"))
        self.device_key.setFont(fingerprint_font())
        self.device_key.setWordWrap(True)
        self.device_fingerprint = named(QLabel(), _("This device's fingerprint"))
        self.device_fingerprint.setFont(fingerprint_font())
        self.copy_key = named(QPushButton(_("Copy public key")), _("Copy the public key"))
        self.copy_key.clicked.connect(self._copy_key)
        form.addRow(_("Public key:"), self.device_key)
        form.addRow(_("Fingerprint:"), self.device_fingerprint)
        form.addRow(
            "",
            note(
                _(
                    "Give the public key to the desk; read the fingerprint to them by "
                    "phone so they can check it before they enrol this device."
                )
            ),
        )
        form.addRow("", self.copy_key)
        layout.addWidget(device)

        desks = QGroupBox(_("Trusted desks"))
        desk_layout = QVBoxLayout(desks)
        self.desks = named(QTreeWidget(), _("Trusted desks and their key fingerprints"))
        self.desks.setHeaderLabels([_("Desk and key"), _("Fingerprint")])
        self.desks.setRootIsDecorated(True)
        self.desks.setItemsExpandable(False)
        self.desks.setWordWrap(True)
        self.desks.setUniformRowHeights(False)
        header = self.desks.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.no_desks = note(
            _(
                "No desk yet: import a desk's key file (desk-public.json) "
                "or an organisation profile."
            )
        )
        desk_layout.addWidget(self.desks)
        desk_layout.addWidget(self.no_desks)
        desk_layout.addWidget(
            note(
                _(
                    "Compare every fingerprint with the desk by phone before "
                    "you refer anything to it."
                )
            )
        )
        self.desk_box = desks
        layout.addWidget(desks, 1)

        row = QHBoxLayout()
        self.import_profile = named(
            QPushButton(_("Import profile or desk key…")),
            _("Import an organisation profile or a desk's public key file"),
        )
        self.import_profile.clicked.connect(self.ask_import_profile)
        self.import_pack = named(
            QPushButton(_("Install guide pack…")), _("Install a guide pack signed by a desk")
        )
        self.import_pack.clicked.connect(self.ask_install_pack)
        self.pack_version = note("")
        row.addWidget(self.import_profile)
        row.addWidget(self.import_pack)
        row.addWidget(self.pack_version, 1)
        layout.addLayout(row)
        self.tail = QWidget()
        layout.addWidget(self.tail, 0)
        session.opened.connect(self.reload)
        session.about_to_lock.connect(self.clear)

    def reload(self) -> None:
        """Show the device key, the desks and the installed guide pack."""
        if not self.session.is_open:
            return
        from advisor_desktop.app.trust import desk_fingerprints
        from advisor_desktop.guides.store import installed_version

        try:
            workspace = self.session.workspace
            public = workspace.referrals.device_keys.public_key()
            profile = workspace.profile
        except AdvisorError as exc:
            self.message.emit(exc.message)
            return
        self.device_key.setText(public.text)
        self.device_fingerprint.setText(public.fingerprint)
        self.desks.clear()
        for desk in profile.desks:
            fps = desk_fingerprints(desk)
            top = QTreeWidgetItem([desk.name, ""])
            for label, value in (
                (_("Encryption key"), fps["age_recipient"]),
                (_("Signing key"), fps["signing_key"]),
            ):
                child = QTreeWidgetItem([label, value])
                child.setFont(1, fingerprint_font())
                top.addChild(child)
            self.desks.addTopLevelItem(top)
            top.setExpanded(True)
        self.desks.setVisible(bool(profile.desks))
        self.no_desks.setVisible(not profile.desks)
        # Without desks the box holds one sentence: it should not take the page's height.
        layout = self.layout()
        if isinstance(layout, QVBoxLayout):
            layout.setStretchFactor(self.desk_box, 1 if profile.desks else 0)
            layout.setStretchFactor(self.tail, 0 if profile.desks else 1)
        version = installed_version(self.session.paths)
        self.pack_version.setText(
            _("Guides: version {version}").format(version=version)
            if version
            else _("Guides: as shipped with the application")
        )

    def clear(self) -> None:
        """The vault locks: forget what is shown."""
        self.device_key.clear()
        self.device_fingerprint.clear()
        self.desks.clear()

    def _copy_key(self) -> None:
        if self.device_key.text():
            self.clipboard.copy(self.device_key.text())
            self.message.emit(_("Public key copied."))

    def ask_import_profile(self) -> None:
        """Choose a profile or desk key file and import it (checked before it is stored)."""
        path = self.choose_file(
            self, _("Import profile or desk key"), _("Profiles and desk keys (*.json)")
        )
        if path is not None:
            self.import_profile_file(path)

    def import_profile_file(self, path: Path) -> bool:
        """Validate ``path`` and make it the vault's profile (or add its desk)."""
        from advisor_desktop.app.trust import apply_trust, changed_desks, preview_trust

        workspace = self.session.workspace
        try:
            data = path.read_bytes()
            imported = preview_trust(workspace, data)
        except OSError:
            self.report_error(self, _("The file {name} cannot be read.").format(name=path.name))
            return False
        except AdvisorError as exc:
            self.report_error(self, exc.message)
            return False
        if not self.confirm_trust(self, imported, changed_desks(workspace.profile, imported)):
            self.message.emit(_("Nothing imported."))
            return False
        try:
            apply_trust(workspace, imported)
        except AdvisorError as exc:
            self.report_error(self, exc.message)
            return False
        self.reload()
        self.message.emit(
            _("Desk added. Compare its fingerprints with the desk by phone.")
            if imported.desk_only
            else _("Profile imported. Compare the desk fingerprints by phone.")
        )
        self.trust_changed.emit()
        return True

    def ask_install_pack(self) -> None:
        """Choose a guide pack and install it on a worker."""
        path = self.choose_file(self, _("Install guide pack"), _("Guide packs (*.guidepack *.zip)"))
        if path is not None:
            self.install_pack_file(path)

    def install_pack_file(self, path: Path) -> None:
        """Verify the pack against the profile's desk keys and install it atomically."""
        from advisor_desktop.guides.pack import trusted_keys
        from advisor_desktop.guides.store import install_pack

        try:
            data = path.read_bytes()
            keys = trusted_keys(self.session.workspace.profile)
        except OSError:
            self.report_error(self, _("The file {name} cannot be read.").format(name=path.name))
            return
        paths = self.session.paths
        self.import_pack.setEnabled(False)

        def done(version: object) -> None:
            self.import_pack.setEnabled(True)
            self.message.emit(_("Guide pack version {version} installed.").format(version=version))
            self.reload()
            self.trust_changed.emit()

        def failed(exc: AdvisorError) -> None:
            self.import_pack.setEnabled(True)
            self.report_error(self, exc.message)

        self.runner.start(install_pack, paths, data, keys, on_done=done, on_error=failed)
