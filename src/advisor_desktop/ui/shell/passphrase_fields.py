"""A "new passphrase + confirm" pair with strength feedback (wizard, recovery, settings)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from advisor_desktop.app.passphrase import estimate_strength
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.ui.shell.common import named

MIN_LENGTH = 8


def password_field(name: str) -> QLineEdit:
    """A masked line edit with an accessible name."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setClearButtonEnabled(True)
    return named(field, name)


class NewPassphraseFields(QWidget):
    """Two masked fields, a strength meter and a one-line verdict."""

    changed = Signal()
    """Either field changed; :meth:`is_acceptable` may have a new answer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.new = password_field(_("New passphrase"))
        self.confirm = password_field(_("Repeat the new passphrase"))
        self.meter = named(QProgressBar(), _("Passphrase strength"))
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(10)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        form.addRow(_("New passphrase:"), self.new)
        form.addRow(_("Repeat it:"), self.confirm)
        form.addRow(_("Strength:"), self.meter)
        form.addRow("", self.verdict)
        self.new.textChanged.connect(self._update)
        self.confirm.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        text, again = self.new.text(), self.confirm.text()
        strength = estimate_strength(text)
        self.meter.setValue(strength.level)
        self.meter.setAccessibleDescription(strength.label)
        if not text:
            message = ngettext(
                "Use at least {n} character; a few unrelated words are easy to remember.",
                "Use at least {n} characters; a few unrelated words are easy to remember.",
                MIN_LENGTH,
            ).format(n=MIN_LENGTH)
        elif len(text.strip()) < MIN_LENGTH:
            message = ngettext(
                "Too short: use at least {n} character.",
                "Too short: use at least {n} characters.",
                MIN_LENGTH,
            ).format(n=MIN_LENGTH)
        elif again and again != text:
            message = _("{verdict}. The two passphrases are not the same.").format(
                verdict=strength.label
            )
        elif not again:
            message = _("{verdict}. Now repeat it.").format(verdict=strength.label)
        else:
            message = _("{verdict}. The two passphrases match.").format(verdict=strength.label)
        self.verdict.setText(message)
        self.verdict.setAccessibleName(message)
        self.changed.emit()

    def is_acceptable(self) -> bool:
        """Long enough and both fields equal."""
        text = self.new.text()
        return len(text.strip()) >= MIN_LENGTH and text == self.confirm.text()

    def take(self) -> tuple[bytearray, bytearray]:
        """The two entries as bytearrays (to be wiped by the callee); clears the fields."""
        pair = (bytearray(self.new.text().encode()), bytearray(self.confirm.text().encode()))
        self.clear()
        return pair

    def clear(self) -> None:
        """Empty both fields."""
        self.new.clear()
        self.confirm.clear()
