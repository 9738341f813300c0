"""A "new passphrase + confirm" pair with strength feedback (wizard, recovery, settings).

Length, equality and the bytes handed on all use ``crypto.secret_text``: the two entries are
compared and measured in their normal form (NFC), as the vault will see them.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QProgressBar, QWidget

from advisor_desktop.app.passphrase import estimate_strength
from advisor_desktop.crypto.secret_text import (
    MIN_PASSPHRASE_LENGTH,
    is_long_enough,
    same_secret,
    secret_bytes,
)
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.ui.shell.common import named
from advisor_desktop.ui.shell.design import icon


def password_field(name: str) -> QLineEdit:
    """A masked line edit with an accessible name and a show/hide toggle (hidden at first,
    and hidden again whenever the field is cleared)."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setClearButtonEnabled(True)
    toggle = QAction(icon("eye"), _("Show the passphrase"), field)
    toggle.setCheckable(True)
    toggle.setObjectName("showPassphrase")

    def show(visible: bool) -> None:
        field.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        toggle.setIcon(icon("eye-slash" if visible else "eye"))
        toggle.setText(_("Hide the passphrase") if visible else _("Show the passphrase"))

    def cleared(text: str) -> None:
        if not text and toggle.isChecked():
            toggle.setChecked(False)

    toggle.toggled.connect(show)
    field.textChanged.connect(cleared)
    field.addAction(toggle, QLineEdit.ActionPosition.TrailingPosition)
    return named(field, name)


def show_toggle(field: QLineEdit) -> QAction:
    """The show/hide action of a :func:`password_field`."""
    action = field.findChild(QAction, "showPassphrase")
    assert isinstance(action, QAction)
    return action


STRENGTH_LEVELS = ("weak", "weak", "fair", "strong", "strong")
"""The meter's colour (design role) for each strength level 0–4."""


class NewPassphraseFields(QWidget):
    """Two masked fields, a strength meter and a one-line verdict."""

    changed = Signal()
    """Either field changed; :meth:`is_acceptable` may have a new answer."""

    def __init__(self, parent: QWidget | None = None, *, into: QFormLayout | None = None) -> None:
        """``into``: add the rows to that form (aligned with its other rows) instead of one
        of this widget's own; the widget then only carries the logic and the signal."""
        super().__init__(parent)
        if into is None:
            form = QFormLayout(self)
            form.setContentsMargins(0, 0, 0, 0)
        else:
            form = into
        self.new = password_field(_("New passphrase"))
        self.confirm = password_field(_("Repeat the new passphrase"))
        self.meter = named(QProgressBar(), _("Passphrase strength"))
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
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
        level = STRENGTH_LEVELS[max(0, min(strength.level, 4))] if text else "weak"
        if self.meter.property("level") != level:
            self.meter.setProperty("level", level)
            self.meter.style().unpolish(self.meter)
            self.meter.style().polish(self.meter)
        self.meter.setAccessibleDescription(strength.label)
        if not text:
            message = ngettext(
                "Use at least {n} character; a few unrelated words are easy to remember.",
                "Use at least {n} characters; a few unrelated words are easy to remember.",
                MIN_PASSPHRASE_LENGTH,
            ).format(n=MIN_PASSPHRASE_LENGTH)
        elif not is_long_enough(text):
            message = ngettext(
                "Too short: use at least {n} character.",
                "Too short: use at least {n} characters.",
                MIN_PASSPHRASE_LENGTH,
            ).format(n=MIN_PASSPHRASE_LENGTH)
        elif again and not same_secret(again, text):
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
        return is_long_enough(text) and same_secret(text, self.confirm.text())

    def take(self) -> tuple[bytearray, bytearray]:
        """The two entries as secret bytes (NFC; to be wiped by the callee); clears the fields."""
        pair = (secret_bytes(self.new.text()), secret_bytes(self.confirm.text()))
        self.clear()
        return pair

    def clear(self) -> None:
        """Empty both fields."""
        self.new.clear()
        self.confirm.clear()
