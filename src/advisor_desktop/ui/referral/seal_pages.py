"""The last two pages of the referral wizard: the exact preview to confirm, and the export.

The preview reads the payload as the desk will read it, in words and in the UI language
(``protocol/referral_words.py``: the category's name, the period as "September 2026", the
language's name, the summary); "Show the exact data" puts the exact JSON in its place,
monospace and read-only, with every id the words leave out.

Sealing (sign and encrypt, a vault write) and exporting (a durable file write) run on the
flow's worker: the page shows that it is busy, keeps the wizard where it is until the worker
reports, and shows a refusal as the core's translated sentence.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from advisor_desktop.app.referrals import (
    export_referral,
    neutral_file_name,
    referral_preview,
    seal_referral,
)
from advisor_desktop.guides.render.document import layout_direction
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _, active_locale
from advisor_desktop.protocol.referral_package import FILE_SUFFIX, validate_payload
from advisor_desktop.protocol.referral_words import referral_words
from advisor_desktop.referral.anonymiser import reveal_invisible
from advisor_desktop.ui.referral.flow import ReferralFlow, page_message
from advisor_desktop.ui.shell.common import in_documents, named, note

log = logging.getLogger(__name__)


class PreviewPage(QWizardPage):
    """Exactly what the desk will read, its digest, and the advisor's explicit check."""

    def __init__(self, flow: ReferralFlow) -> None:
        super().__init__()
        self.flow = flow
        self.digest = ""
        self.setTitle(_("Preview"))
        self.setSubTitle(_("This is exactly what the desk will read. Nothing else is sent."))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Confirm and seal"))
        # The referral in words, in the UI language and direction (the summary in its own).
        self.words = named(QTextBrowser(), _("The referral as the desk will read it"))
        self.words.setOpenLinks(False)
        self.words.setTabChangesFocus(True)
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
        # The words first; the exact JSON one click away, in the same place.
        self.stack = QStackedWidget()
        self.stack.addWidget(self.words)
        self.stack.addWidget(self.view)
        self.show_exact = named(
            QPushButton(_("Show the exact data")),
            _("Show the exact data (JSON) the desk will read"),
        )
        self.show_exact.setCheckable(True)
        self.show_exact.toggled.connect(self._show_exact)
        switch = QHBoxLayout()
        switch.addWidget(self.show_exact)
        switch.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(switch)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.digest_label)
        layout.addWidget(self.checked)
        layout.addWidget(self.message)
        self.checked.toggled.connect(self.completeChanged)
        flow.busy_changed.connect(self._on_busy)

    def initializePage(self) -> None:
        """Render the payload as it stands now; the check starts unticked every time."""
        self.checked.setChecked(False)
        referral_id = self.flow.referral_id
        if referral_id is None:
            return
        try:
            preview = referral_preview(self.flow.workspace, referral_id)
        except AdvisorError as exc:
            page_message(self.message, exc.message)
            self.digest = ""
            return
        page_message(self.message, "")
        self.view.setPlainText(reveal_invisible(preview.text))
        self.words.setHtml(self._words_html(preview.payload))
        self.digest = preview.digest
        self.digest_label.setText(_("Digest of this content: {digest}").format(digest=self.digest))

    def _show_exact(self, exact: bool) -> None:
        """Switch between the words and the exact JSON."""
        self.stack.setCurrentWidget(self.view if exact else self.words)
        self.show_exact.setText(_("Show in words") if exact else _("Show the exact data"))

    def _words_html(self, payload: bytes) -> str:
        """The payload in words (the desk's reading of it), as rich text: each field's label
        and its text, escaped; the summary in its own language's direction."""
        content = validate_payload(json.loads(payload))
        profile = self.flow.workspace.profile
        lang = active_locale()
        lines = referral_words(content, lambda key: profile.category(key).label(lang))
        rtl = layout_direction(lang) == Qt.LayoutDirection.RightToLeft
        ui_dir = ' dir="rtl"' if rtl else ' dir="ltr"'
        parts = []
        for line in lines:
            # A joiner the script needs travels; the advisor sees it as a marker (⟨ZWJ⟩).
            text = html.escape(reveal_invisible(line.text)).replace("\n", "<br>")
            # Labels and the UI's own words run in the UI's direction; free text in its own
            # language's, or (language not shared) as its first strong character says.
            direction = ui_dir
            if line.language == "":
                direction = ""
            elif line.language is not None:
                own = layout_direction(line.language) == Qt.LayoutDirection.RightToLeft
                direction = ' dir="rtl"' if own else ' dir="ltr"'
            parts.append(
                f"<p{ui_dir} style='margin-bottom:2px'><b>{html.escape(line.label)}</b></p>"
                f"<p{direction} style='margin-top:0; margin-bottom:10px'>{text}</p>"
            )
        return "".join(parts)

    def isComplete(self) -> bool:
        """Only after the advisor ticked the check, and not while sealing."""
        return bool(self.digest) and self.checked.isChecked() and not self.flow.busy

    def validatePage(self) -> bool:
        """Confirm exactly the previewed content: sign, encrypt and queue it on the worker.

        Returns False while the seal runs; the wizard moves on when the flow reports it sealed
        (and then this returns True).
        """
        if self.flow.is_sealed:
            return True
        referral_id = self.flow.referral_id
        if referral_id is None or not self.isComplete():
            return False
        page_message(self.message, _("Sealing the referral…"))
        self.flow.run(
            seal_referral,
            self.flow.workspace,
            referral_id,
            self.digest,
            on_done=self._sealed,
            on_error=self._refused,
        )
        return False

    def _on_busy(self, busy: bool) -> None:
        self.checked.setEnabled(not busy)
        self.completeChanged.emit()

    def _sealed(self, digest: object) -> None:
        page_message(self.message, "")
        self.flow.set_sealed(str(digest))

    def _refused(self, exc: AdvisorError) -> None:
        page_message(self.message, exc.message)


class DonePage(QWizardPage):
    """Sealed: export the package as a file, or keep it in the outbox."""

    def __init__(self, flow: ReferralFlow) -> None:
        super().__init__()
        self.flow = flow
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
        flow.busy_changed.connect(self._on_busy)

    def initializePage(self) -> None:
        """Offer the export; Finish keeps the package in the outbox."""
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Keep in outbox"))
        page_message(self.status, "")

    def isComplete(self) -> bool:
        """Finish only when no file is being written."""
        return not self.flow.busy

    def _choose_path(self) -> Path | None:
        if self.flow.choose_export_path is not None:
            return self.flow.choose_export_path()
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Export referral"),
            # A neutral random name: nothing identifying outside the encryption.
            in_documents(neutral_file_name()),
            _("Referral packages (*{suffix})").format(suffix=FILE_SUFFIX),
        )
        return Path(name) if name else None

    def export(self) -> bool:
        """Ask where, then write the sealed package there on the worker (atomically, 0600; a
        folder gets a neutral name). True when the write was started; the flow reports it."""
        referral_id = self.flow.referral_id
        if referral_id is None or self.flow.busy:
            return False
        path = self._choose_path()
        if path is None:
            return False
        page_message(self.status, _("Writing the file…"))
        task = self.flow.run(
            export_referral,
            self.flow.workspace,
            referral_id,
            path,
            on_done=self._written,
            on_error=self._refused,
        )
        return task is not None

    def _on_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.completeChanged.emit()

    def _written(self, path: object) -> None:
        written = Path(str(path))
        self.exported_to = written
        page_message(self.status, _("Written to {name}.").format(name=str(written)))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Close"))
        self.flow.set_exported(written)

    def _refused(self, exc: AdvisorError) -> None:
        page_message(self.status, exc.message)
