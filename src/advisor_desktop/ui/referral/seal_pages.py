"""The last two pages of the referral wizard: the exact preview to confirm, and the export."""

from __future__ import annotations

import json
import logging
import secrets
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.readable import readable_lines
from advisor_desktop.protocol.referral_package import FILE_SUFFIX, validate_payload
from advisor_desktop.referral.service import payload_digest, render_preview
from advisor_desktop.ui.referral.review_pages import page_message
from advisor_desktop.ui.shell.common import named, note

if TYPE_CHECKING:
    from pathlib import Path

    from advisor_desktop.ui.referral.referral_wizard import ReferralWizard

log = logging.getLogger(__name__)


class PreviewPage(QWizardPage):
    """Exactly what the desk will read, its digest, and the advisor's explicit check."""

    def __init__(self, wizard: ReferralWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.digest = ""
        self.setTitle(_("Preview"))
        self.setSubTitle(_("This is exactly what the desk will read. Nothing else is sent."))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Confirm and seal"))
        self.readable = named(QPlainTextEdit(), _("The referral as the desk will read it"))
        self.readable.setReadOnly(True)
        self.readable.setTabChangesFocus(True)
        self.readable.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.view = named(QPlainTextEdit(), _("Exactly what the desk will read"))
        self.view.setReadOnly(True)
        self.view.setTabChangesFocus(True)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # JSON reads left to right even in a right-to-left UI.
        self.view.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.digest_label = note("")
        self.checked = named(
            QCheckBox(_("I have checked that this is exactly what will leave this device")),
            _("I have checked that this is exactly what will leave this device"),
        )
        self.message = note("")
        self.message.setObjectName("previewMessage")
        self.message.hide()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.readable, _("As the desk reads it"))
        self.tabs.addTab(self.view, _("Exact content (JSON)"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.digest_label)
        layout.addWidget(self.checked)
        layout.addWidget(self.message)
        self.checked.toggled.connect(self.completeChanged)

    def initializePage(self) -> None:
        """Render the payload as it stands now; the check starts unticked every time."""
        self.checked.setChecked(False)
        referral_id = self._wizard.referral_id
        if referral_id is None:
            return
        try:
            payload = self._wizard.service.payload_bytes(referral_id)
        except AdvisorError as exc:
            page_message(self.message, exc.message)
            self.digest = ""
            return
        page_message(self.message, "")
        self.view.setPlainText(render_preview(payload))
        self.readable.setPlainText("\n".join(readable_lines(validate_payload(json.loads(payload)))))
        self.digest = payload_digest(payload)
        self.digest_label.setText(_("Digest of this content: {digest}").format(digest=self.digest))

    def isComplete(self) -> bool:
        """Only after the advisor ticked the check."""
        return bool(self.digest) and self.checked.isChecked()

    def validatePage(self) -> bool:
        """Confirm exactly the previewed content: sign, encrypt and queue it."""
        referral_id = self._wizard.referral_id
        if referral_id is None or not self.isComplete():
            return False
        try:
            self._wizard.service.confirm(referral_id, self.digest)
        except AdvisorError as exc:
            page_message(self.message, exc.message)
            return False
        self._wizard.referral_confirmed.emit(referral_id)
        return True


class DonePage(QWizardPage):
    """Sealed: export the package as a file, or keep it in the outbox."""

    def __init__(self, wizard: ReferralWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.exported_to: Path | None = None
        self.setTitle(_("Sealed"))
        self.setSubTitle(_("The referral is signed, encrypted to the desk and kept in the outbox."))
        self.setFinalPage(True)
        self.explain = note(
            _(
                "Export it as a file to carry on a USB stick or attach to an e-mail; the file "
                "name says nothing about its content. Or keep it in the outbox for now. Until "
                "it is sent, the visitor can still withdraw consent."
            )
        )
        self.export_button = named(
            QPushButton(_("Export as file…")), _("Export the sealed referral as a file")
        )
        self.status = note("")
        self.status.setObjectName("exportStatus")
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.export_button.clicked.connect(self.export)

    def initializePage(self) -> None:
        """Offer the export; Finish keeps the package in the outbox."""
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Keep in outbox"))
        page_message(self.status, "")

    def _choose_path(self) -> Path | None:
        if self._wizard.choose_export_path is not None:
            return self._wizard.choose_export_path()
        from pathlib import Path

        # A neutral random name: nothing identifying outside the encryption.
        suggested = secrets.token_hex(8) + FILE_SUFFIX
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Export referral"),
            suggested,
            _("Referral packages (*{suffix})").format(suffix=FILE_SUFFIX),
        )
        return Path(name) if name else None

    def export(self) -> bool:
        """Write the sealed package to a file the advisor chooses (atomically)."""
        referral_id = self._wizard.referral_id
        if referral_id is None:
            return False
        path = self._choose_path()
        if path is None:
            return False
        if path.is_dir():
            path = path / (secrets.token_hex(8) + FILE_SUFFIX)
        try:
            package = self._wizard.service.package(referral_id)
            atomic_write(path, package, what=path.name)
            self._wizard.service.mark_exported(referral_id)
        except AdvisorError as exc:
            page_message(self.status, exc.message)
            return False
        self.exported_to = path
        log.info("referral_export_written id=%s", referral_id)
        page_message(self.status, _("Written to {name}.").format(name=str(path)))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Close"))
        self._wizard.referral_exported.emit(referral_id, str(path))
        return True
