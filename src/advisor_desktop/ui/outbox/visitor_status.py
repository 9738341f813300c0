"""Where the visitor's report stands, told to the visitor: large, calm, in their language.

"Show the visitor" on a referral opens this: the path a report takes with the current step
marked, what this step means and what happens next (``resources/status/<lang>.json`` in the
consent language of the referral), the desk's own message if it wrote one, and the same
reassurance on every step. Right-to-left languages mirror the whole view. Like the guides'
visitor view it hides the notebook behind it, and leaving needs the advisor's passphrase.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.crypto.secret_text import secret_bytes
from advisor_desktop.guides.render import guide_font, layout_direction
from advisor_desktop.guides.render.fonts import load_bundled_fonts
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.referral.status_texts import StatusTexts, load_status_texts
from advisor_desktop.ui.outbox.words import day_words
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

POINT_SIZE = 20.0
PassphraseCheck = Callable[[bytearray], bool]


def _check(verify: PassphraseCheck, secret: bytearray) -> bool:
    try:
        return bool(verify(secret))
    finally:
        wipe(secret)


class VisitorStatusView(QWidget):
    """One referral's status for the visitor, in ``language``."""

    left = Signal()
    """The advisor's passphrase was verified (or no check was set); the view then closes."""

    def __init__(
        self,
        language: str,
        state: ReferralState | None,
        outcome: Outcome | None = None,
        *,
        delivered: bool = False,
        since: str | None = None,
        desk_message: str | None = None,
        verify_passphrase: PassphraseCheck | None = None,
        runner: Runner | None = None,
        texts: StatusTexts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        load_bundled_fonts()
        self.texts = texts or load_status_texts(language)
        lang = self.texts.language
        self._verify = verify_passphrase
        self._runner = runner
        self._may_close = False
        self._busy = False
        self.setObjectName("visitorStatus")
        self.setWindowTitle(self.texts.title)
        self.setLayoutDirection(layout_direction(lang))
        entry = self.texts.for_status(state, outcome, delivered=delivered)

        def text(value: str, scale: float, name: str) -> QLabel:
            label = QLabel(value)
            label.setObjectName(name)
            label.setFont(guide_font(lang, POINT_SIZE * scale))
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            return label

        self.title = text(self.texts.title, 0.8, "statusTitle")
        self.leave_button = QPushButton(_("Advisor: leave"))
        self.leave_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.leave_button)

        self.steps = QHBoxLayout()
        self.step_labels: list[QLabel] = []
        for step in self.texts.path(state, delivered=delivered):
            mark = "●" if step.current else ("✓" if step.done else "○")
            label = text(f"{mark} {step.label}", 0.7, "statusStep")
            label.setWordWrap(False)
            if step.current:
                font = label.font()
                font.setBold(True)
                label.setFont(font)
            label.setProperty("current", step.current)
            self.step_labels.append(label)
            self.steps.addWidget(label)
        self.steps.addStretch(1)

        self.heading = text(entry.heading, 1.4, "statusHeading")
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)
        self.since = text(self.texts.since(day_words(since, lang)) if since else "", 0.7, "since")
        self.since.setVisible(bool(since))
        self.body = text(entry.text, 1.0, "statusText")
        self.message_label = text(self.texts.desk_message, 0.8, "deskMessageLabel")
        # The desk's own words, as it wrote them (its language, plain text, never markup).
        self.message = text(desk_message or "", 0.9, "deskMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        for widget in (self.message_label, self.message):
            widget.setVisible(bool(desk_message))
        self.footer = text(self.texts.footer, 0.8, "statusFooter")
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)

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

        column = QVBoxLayout()
        column.setSpacing(18)
        column.addLayout(self.steps)
        column.addWidget(self.heading)
        column.addWidget(self.since)
        column.addWidget(self.body)
        column.addWidget(self.message_label)
        column.addWidget(self.message)
        column.addStretch(1)
        column.addWidget(line)
        column.addWidget(self.footer)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addLayout(column, 6)
        centred.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 32)
        layout.addLayout(header)
        layout.addWidget(self.unlock_panel)
        layout.addLayout(centred, 1)

        self.leave_button.clicked.connect(self.ask_to_leave)
        self.unlock_button.clicked.connect(self.try_leave)
        self.passphrase.returnPressed.connect(self.try_leave)
        self.cancel_button.clicked.connect(self._cancel)
        log.info("visitor_status_opened")

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
            on_error=lambda _exc: self._on_verified(False),
        )

    def _on_verified(self, ok: object) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        if not ok:
            self.unlock_error.setText(_("Wrong passphrase."))
            return
        self._leave()

    def _leave(self) -> None:
        log.info("visitor_status_left")
        self._may_close = True
        self.left.emit()
        self.close()

    def dismiss(self) -> None:
        """Close without the passphrase (the vault is locking: the lock screen follows)."""
        self._may_close = True
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape opens the passphrase field instead of leaving."""
        if event.key() == Qt.Key.Key_Escape:
            self.ask_to_leave()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing is refused until the passphrase was given."""
        if self._may_close:
            event.accept()
            return
        event.ignore()
        self.ask_to_leave()
