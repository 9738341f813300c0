"""Where the visitor's report stands, told to the visitor: large, calm, in their language.

"Show the visitor" on a referral opens this: the path a report takes with the current step
marked, what this step means and what happens next (``resources/status/<lang>.json`` in the
consent language of the referral), the desk's own message if it wrote one, and the same
reassurance on every step. Right-to-left languages mirror the whole view. Like the guides'
visitor view it hides the notebook behind it, and leaving needs the advisor's passphrase.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.guides.render import guide_font, layout_direction
from advisor_desktop.guides.render.fonts import load_bundled_fonts
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.referral.status_texts import StatusTexts, load_status_texts
from advisor_desktop.ui.outbox.words import day_words
from advisor_desktop.ui.shell.guarded import GuardedView, PassphraseCheck
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

POINT_SIZE = 20.0


class VisitorStatusView(GuardedView):
    """One referral's status for the visitor, in ``language``."""

    log_name = "visitor_status"

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
        super().__init__(verify_passphrase, runner, parent)
        load_bundled_fonts()
        self.texts = texts or load_status_texts(language)
        lang = self.texts.language
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

        log.info("visitor_status_opened")
