"""Before a profile or desk key file is trusted: its fingerprints, to compare by phone.

Nothing is stored until the advisor says the fingerprints match; Cancel is the default.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.app.trust import ImportedTrust, desk_fingerprints
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import Desk
from advisor_desktop.ui.shell.common import named, note


def fingerprint_font(scale: float = 1.0) -> QFont:
    """The fixed-width font fingerprints are read aloud from."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if scale != 1.0 and font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    return font


def fingerprint_label(text: str, name: str, scale: float = 1.0) -> QLabel:
    """A selectable fingerprint that wraps between its groups, never cut off."""
    from PySide6.QtCore import Qt

    label = named(QLabel(text), name)
    label.setFont(fingerprint_font(scale))
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class TrustConfirmDialog(QDialog):
    """The desks a file would add or change, with their fingerprints; trust or cancel."""

    def __init__(
        self, imported: ImportedTrust, changed: list[Desk], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Compare the fingerprints"))
        layout = QVBoxLayout(self)
        if changed:
            layout.addWidget(
                note(
                    _(
                        "Call the desk on a telephone number you already know (not one from "
                        "this file) and have them read their fingerprints to you. Trust the "
                        "file only if every group matches."
                    )
                )
            )
        else:
            layout.addWidget(
                note(
                    _(
                        "The desks in this file are already trusted with the same keys. "
                        "Importing it replaces the organisation profile's other details."
                    )
                )
            )
        self.groups: list[QGroupBox] = []
        for desk in changed:
            fps = desk_fingerprints(desk)
            box = QGroupBox(desk.name)
            form = QFormLayout(box)
            form.addRow(
                _("Encryption key:"),
                fingerprint_label(fps["age_recipient"], _("Encryption key fingerprint"), 1.2),
            )
            form.addRow(
                _("Signing key:"),
                fingerprint_label(fps["signing_key"], _("Signing key fingerprint"), 1.2),
            )
            layout.addWidget(box)
            self.groups.append(box)
        buttons = QDialogButtonBox()
        self.trust_button = buttons.addButton(
            _("The fingerprints match — trust") if changed else _("Replace the profile"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.cancel_button = buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.imported = imported


def ask_trust(parent: QWidget, imported: ImportedTrust, changed: list[Desk]) -> bool:
    """Show the fingerprints and ask; True only when the advisor confirms."""
    dialog = TrustConfirmDialog(imported, changed, parent)
    return dialog.exec() == QDialog.DialogCode.Accepted
