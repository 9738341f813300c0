"""The unlock form: passphrase, or recovery code followed by a new passphrase.

Key derivation runs on a worker thread (Argon2id takes about half a second by design); the
form shows a busy bar meanwhile. Used by the start-up window and by the lock screen.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEasingCurve, QPoint, Qt, QVariantAnimation, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.crypto.secret_text import SecretText
from advisor_desktop.platform.errors import AdvisorError, AuthError, VaultBusy, VaultError
from advisor_desktop.platform.i18n import _, pgettext
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell.common import ErrorLabel, heading, named, note
from advisor_desktop.ui.shell.design import SPACE_L, SPACE_M, SPACE_XL, set_role
from advisor_desktop.ui.shell.passphrase_fields import NewPassphraseFields, password_field
from advisor_desktop.ui.shell.workers import Runner

if TYPE_CHECKING:
    from advisor_desktop.crypto.keyslots import KdfPolicy

log = logging.getLogger(__name__)


def _open_with_passphrase(paths: AppPaths, secret: SecretText, policy: KdfPolicy | None) -> Any:
    from advisor_desktop.storage.store import open_vault

    try:
        vault = open_vault(paths, secret, policy)
    finally:
        secret.wipe()
    return _warmed(vault)


def _open_with_recovery(paths: AppPaths, code: str, policy: KdfPolicy | None) -> Any:
    from advisor_desktop.storage.store import open_vault_with_recovery

    return _warmed(open_vault_with_recovery(paths, code, policy))


def _warmed(vault: Any) -> Any:
    """Still on the worker: read the pages the first screen needs, so the GUI thread finds
    them decrypted in the page cache."""
    from advisor_desktop.notebook.service import warm_up

    warm_up(vault)
    return vault


def _set_new(vault: Any, new: bytearray, confirm: bytearray) -> Any:
    from advisor_desktop.app.passphrase import set_new_passphrase

    set_new_passphrase(vault, new, confirm)
    return vault


class FittingStack(QWidget):
    """Pages shown one at a time, taking only the room of the page shown (a stacked widget
    would be as tall as its tallest page)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current = -1

    def addWidget(self, page: QWidget) -> int:  # the stacked widget's name
        """Add ``page`` (hidden unless it is the first); returns its index."""
        self._pages.append(page)
        self._layout.addWidget(page)
        if self._current < 0:
            self._current = 0
        page.setVisible(len(self._pages) - 1 == self._current)
        return len(self._pages) - 1

    def count(self) -> int:
        """How many pages."""
        return len(self._pages)

    def widget(self, index: int) -> QWidget:
        """Page ``index``."""
        return self._pages[index]

    def currentIndex(self) -> int:
        """The page shown."""
        return self._current

    def currentWidget(self) -> QWidget | None:
        """The page shown."""
        return self._pages[self._current] if self._pages else None

    def setCurrentIndex(self, index: int) -> None:
        """Show page ``index`` only."""
        self._current = index
        for i, page in enumerate(self._pages):
            page.setVisible(i == index)


class UnlockForm(QWidget):
    """Passphrase → vault, or recovery code → new passphrase → vault."""

    unlocked = Signal(object)
    """The vault is open (carries the :class:`Vault`); after a recovery, the new passphrase
    is already set."""

    choose_folder_requested = Signal()
    """The advisor asked to use another data folder (after a vault error)."""

    busy_changed = Signal(bool)
    """Key derivation started (True) or ended (False)."""

    PASSPHRASE, RECOVERY, NEW_PASSPHRASE = range(3)

    def __init__(
        self,
        paths: AppPaths,
        runner: Runner,
        policy: KdfPolicy | None = None,
        *,
        title: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.runner = runner
        self.policy = policy
        self._recovered: Any = None
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.card = QWidget()
        self.card.setObjectName("card")
        self.card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.card.setMaximumWidth(520)
        self.card.setMinimumWidth(380)
        # As tall as its content: the window's extra height goes around the card.
        self.card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        card = QVBoxLayout(self.card)
        card.setContentsMargins(SPACE_XL, SPACE_XL, SPACE_XL, SPACE_L)
        card.setSpacing(SPACE_M)
        self.title = heading(title or _("Unlock your notebook"))
        card.addWidget(self.title)
        self.pages = FittingStack()
        self.pages.addWidget(self._passphrase_page())
        self.pages.addWidget(self._recovery_page())
        self.pages.addWidget(self._new_passphrase_page())
        card.addWidget(self.pages)
        self.busy = named(QProgressBar(), _("Working"))
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.setVisible(False)
        card.addWidget(self.busy)
        self.error = ErrorLabel()
        self.error.setAccessibleName(pgettext("status or error text", "Message"))
        card.addWidget(self.error)
        self.other_folder = named(
            QPushButton(_("Choose another data folder…")), _("Choose another data folder")
        )
        self.other_folder.setVisible(False)
        self.other_folder.clicked.connect(self.choose_folder_requested)
        card.addWidget(self.other_folder, 0, Qt.AlignmentFlag.AlignLeft)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    # -- pages -----------------------------------------------------------------------------

    def _passphrase_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note(_("Enter your passphrase to open the encrypted notebook.")))
        self.passphrase = password_field(_("Passphrase"))
        self.passphrase.setPlaceholderText(_("Passphrase"))
        self.passphrase.returnPressed.connect(self.submit_passphrase)
        layout.addWidget(self.passphrase)
        buttons = QHBoxLayout()
        self.use_recovery = named(
            QPushButton(_("Use recovery code…")), _("Use the recovery code instead")
        )
        set_role(self.use_recovery, "link")
        self.use_recovery.setCursor(Qt.CursorShape.PointingHandCursor)
        self.use_recovery.clicked.connect(lambda: self._show(self.RECOVERY))
        self.unlock_button = named(QPushButton(_("Unlock")), _("Unlock"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit_passphrase)
        buttons.addWidget(self.use_recovery)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout.addLayout(buttons)
        return page

    def _recovery_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            note(
                _(
                    "Type the recovery code you wrote down when the notebook was created "
                    "(8 groups of 4 characters). You will then choose a new passphrase."
                )
            )
        )
        self.recovery_code = named(QLineEdit(), _("Recovery code"))
        mask = "-".join(["XXXX"] * 8)
        self.recovery_code.setPlaceholderText(mask)
        self.recovery_code.returnPressed.connect(self.submit_recovery)
        layout.addWidget(self.recovery_code)
        buttons = QHBoxLayout()
        back = named(QPushButton(_("Back")), _("Back to the passphrase"))
        back.clicked.connect(lambda: self._show(self.PASSPHRASE))
        self.recovery_button = named(QPushButton(_("Continue")), _("Check the recovery code"))
        self.recovery_button.clicked.connect(self.submit_recovery)
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.recovery_button)
        layout.addLayout(buttons)
        return page

    def _new_passphrase_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            note(_("The recovery code was accepted. Choose a new passphrase before going on."))
        )
        self.new_fields = NewPassphraseFields()
        layout.addWidget(self.new_fields)
        buttons = QHBoxLayout()
        self.set_button = named(QPushButton(_("Set passphrase")), _("Set the new passphrase"))
        self.set_button.setEnabled(False)
        self.new_fields.changed.connect(
            lambda: self.set_button.setEnabled(self.new_fields.is_acceptable())
        )
        self.new_fields.confirm.returnPressed.connect(self.submit_new_passphrase)
        self.set_button.clicked.connect(self.submit_new_passphrase)
        buttons.addStretch(1)
        buttons.addWidget(self.set_button)
        layout.addLayout(buttons)
        return page

    def _show(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.set_error("")
        focus = {
            self.PASSPHRASE: self.passphrase,
            self.RECOVERY: self.recovery_code,
            self.NEW_PASSPHRASE: self.new_fields.new,
        }[index]
        focus.setFocus()

    # -- actions ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the empty passphrase page (after a lock)."""
        self.passphrase.clear()
        self.recovery_code.clear()
        self.new_fields.clear()
        self._show(self.PASSPHRASE)

    def focus_passphrase(self) -> None:
        """Put the keyboard focus in the passphrase field."""
        self.passphrase.setFocus()

    def set_error(self, message: str) -> None:
        """Show (or clear) a one-line message under the form."""
        self.error.set_message(message)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (
            self.passphrase,
            self.unlock_button,
            self.recovery_code,
            self.recovery_button,
            self.set_button,
            self.use_recovery,
        ):
            widget.setEnabled(not busy)
        if not busy:
            self.set_button.setEnabled(self.new_fields.is_acceptable())
        self.busy_changed.emit(busy)

    def submit_passphrase(self) -> None:
        """Derive the key from the typed passphrase on a worker and open the vault."""
        text = self.passphrase.text()
        if not text:
            self.set_error(_("Please type your passphrase."))
            return
        self.set_error(_("Unlocking…"))
        self._set_busy(True)
        secret = SecretText.from_text(text)
        self.runner.start(
            _open_with_passphrase,
            self.paths,
            secret,
            self.policy,
            on_done=self._opened,
            on_error=self._failed,
        )

    def submit_recovery(self) -> None:
        """Check the recovery code on a worker; on success ask for a new passphrase."""
        code = self.recovery_code.text().strip()
        if not code:
            self.set_error(_("Please type the recovery code."))
            return
        self.set_error(_("Checking the recovery code…"))
        self._set_busy(True)
        self.runner.start(
            _open_with_recovery,
            self.paths,
            code,
            self.policy,
            on_done=self._recovered_ok,
            on_error=self._failed,
        )

    def submit_new_passphrase(self) -> None:
        """Re-wrap the passphrase slot of the recovered vault on a worker."""
        if self._recovered is None or not self.new_fields.is_acceptable():
            return
        new, confirm = self.new_fields.take()
        self.set_error(_("Saving the new passphrase…"))
        self._set_busy(True)
        self.runner.start(
            _set_new, self._recovered, new, confirm, on_done=self._opened, on_error=self._failed
        )

    def _recovered_ok(self, vault: Any) -> None:
        self._set_busy(False)
        self._recovered = vault
        self.recovery_code.clear()
        self._show(self.NEW_PASSPHRASE)

    def _opened(self, vault: Any) -> None:
        self._set_busy(False)
        self._recovered = None
        self.passphrase.clear()
        self.set_error("")
        log.info("unlock_ok")
        self.unlocked.emit(vault)

    def _failed(self, exc: AdvisorError) -> None:
        self._set_busy(False)
        self.set_error(str(exc))
        self.other_folder.setVisible(isinstance(exc, VaultError) and not isinstance(exc, VaultBusy))
        log.info("unlock_failed kind=%s", type(exc).__name__)
        if isinstance(exc, AuthError):
            field = self.passphrase if self.pages.currentIndex() == self.PASSPHRASE else None
            if field is not None:
                field.clear()
                field.setFocus()
            self.shake()

    def shake(self) -> None:
        """Shake the form sideways (the classic "wrong passphrase" cue)."""
        start = self.card.pos()
        animation = QVariantAnimation(self)
        animation.setDuration(300)
        animation.setStartValue(0)
        animation.setEndValue(6)
        animation.setEasingCurve(QEasingCurve.Type.Linear)
        offsets = (0, -8, 8, -6, 6, -3, 0)

        def step(value: object) -> None:
            index = int(value) if isinstance(value, int) else 0
            self.card.move(start + QPoint(offsets[min(index, 6)], 0))

        animation.valueChanged.connect(step)
        animation.finished.connect(lambda: self.card.move(start))
        animation.start(QVariantAnimation.DeletionPolicy.DeleteWhenStopped)
