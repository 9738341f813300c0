"""A visitor-facing window that only the advisor can leave: the passphrase, checked on a worker.

The guide's visitor view and the referral status view share this: Escape, the window's close
button and "Advisor: leave" all open the passphrase field; the view closes only after the
check (Argon2id, about half a second) said yes. A failing check counts as a wrong
passphrase. Without a check (none given) the view leaves at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QScreen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from advisor_desktop.crypto.secret_text import secret_bytes
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

PassphraseCheck = Callable[[bytearray], bool]


def _check(verify: PassphraseCheck, secret: bytearray) -> bool:
    """On a worker: whether ``secret`` is the advisor's passphrase; it is wiped either way."""
    try:
        return bool(verify(secret))
    finally:
        wipe(secret)


class GuardedView(QWidget):
    """Full screen for the visitor; leaving needs the advisor's passphrase."""

    left = Signal()
    """Emitted after the advisor's passphrase was verified (or no check was set); the view
    then closes."""

    verification_finished = Signal(bool)
    """Emitted after each passphrase attempt with whether it was right."""

    #: The name of the view in the log lines ("visitor_view", "visitor_status").
    log_name = "visitor_view"

    def __init__(
        self,
        verify_passphrase: PassphraseCheck | None,
        runner: Runner | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._verify = verify_passphrase
        # The app's runner, so that its wait() (shutdown, tests) covers the check too; a view
        # shown on its own (screenshots, benchmarks) makes its own when first needed.
        self._runner = runner
        self._may_close = False
        self._busy = False
        self.leave_button = QPushButton(_("Advisor: leave"))
        self.leave_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.unlock_panel = QWidget()
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("Advisor's passphrase"))
        self.unlock_button = QPushButton(_("Leave visitor view"))
        self.cancel_button = QPushButton(_("Cancel"))
        self.unlock_error = QLabel("")
        panel = QHBoxLayout(self.unlock_panel)
        panel.addWidget(self.passphrase, 1)
        panel.addWidget(self.unlock_button)
        panel.addWidget(self.cancel_button)
        panel.addWidget(self.unlock_error)
        self.unlock_panel.hide()
        self.leave_button.clicked.connect(self.ask_to_leave)
        self.unlock_button.clicked.connect(self.try_leave)
        self.passphrase.returnPressed.connect(self.try_leave)
        self.cancel_button.clicked.connect(self._cancel)

    def enter(self, screen: QScreen | None = None) -> None:
        """Show the view full screen on ``screen`` (by default one the advisor's window is
        not on, when there are two)."""
        from advisor_desktop.ui.shell.placement import show_full_screen_on, visitor_screen

        show_full_screen_on(self, screen or visitor_screen(self.parentWidget()))

    def ask_to_leave(self) -> None:
        """The advisor wants the notebook back: the passphrase field (or leave at once when
        no check was set)."""
        if self._verify is None:
            self._leave()
            return
        self.unlock_error.setText("")
        self.unlock_panel.show()
        self.passphrase.setFocus()

    def _cancel(self) -> None:
        self.passphrase.clear()
        self.unlock_panel.hide()

    def try_leave(self) -> None:
        """Check the typed passphrase on a worker; the view closes only when it is right."""
        if self._busy or self._verify is None:
            return
        typed = self.passphrase.text()
        self.passphrase.clear()
        if not typed:
            return
        self._busy = True
        self.unlock_button.setEnabled(False)
        if self._runner is None:
            self._runner = Runner(self)
        self._runner.start(
            _check,
            self._verify,
            secret_bytes(typed),
            on_done=self._on_verified,
            on_error=self._on_check_failed,
        )

    def _on_check_failed(self, exc: AdvisorError) -> None:
        # A failing check (the key slots unreadable) must never open the view: it counts as
        # a wrong passphrase; the runner logged the exception's type.
        log.warning("%s_verify_failed kind=%s", self.log_name, type(exc).__name__)
        self._on_verified(False)

    def _on_verified(self, ok: object) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        self.verification_finished.emit(bool(ok))
        if not ok:
            log.info("%s_wrong_passphrase", self.log_name)
            self.unlock_error.setText(_("Wrong passphrase."))
            return
        self._leave()

    def _leave(self) -> None:
        log.info("%s_left", self.log_name)
        self._may_close = True
        self.left.emit()
        self.close()

    def dismiss(self) -> None:
        """Close without the passphrase (the vault is locking: the lock screen follows)."""
        self._may_close = True
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt API
        """Escape opens the passphrase field instead of leaving."""
        if event.key() == Qt.Key.Key_Escape:
            self.ask_to_leave()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt API
        """Closing (Alt+F4, the window manager) is refused until the passphrase was given."""
        if self._may_close:
            event.accept()
            return
        event.ignore()
        self.ask_to_leave()
