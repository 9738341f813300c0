"""The visitor view: the guide alone, full screen, large type; leaving needs the passphrase.

The view never sees the vault. The composition root passes ``verify_passphrase``, a callable
that answers whether a passphrase is the advisor's; it runs on a worker thread because the
check (Argon2id) takes about half a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QScreen, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.crypto.secret_text import secret_bytes
from advisor_desktop.guides import GuideLibrary, review_notice
from advisor_desktop.guides.render import guide_document, guide_font, layout_direction
from advisor_desktop.guides.render.fonts import load_bundled_fonts
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

VISITOR_POINT_SIZE = 20.0
PassphraseCheck = Callable[[bytearray], bool]


def _check(verify: PassphraseCheck, secret: bytearray) -> bool:
    """On a worker: whether ``secret`` is the advisor's passphrase; it is wiped either way."""
    try:
        return bool(verify(secret))
    finally:
        wipe(secret)


class VisitorView(QWidget):
    """Only the guide in one language, large, mirrored for right-to-left languages.

    A machine translation shows the "not yet reviewed by a native speaker" notice in the
    guide's own language under the title.
    """

    left = Signal()
    """Emitted after the advisor's passphrase was verified; the view then closes."""

    verification_finished = Signal(bool)
    """Emitted after each passphrase attempt with whether it was right."""

    def __init__(
        self,
        library: GuideLibrary,
        lang: str,
        verify_passphrase: PassphraseCheck,
        parent: QWidget | None = None,
        *,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(parent)
        load_bundled_fonts()
        self.library = library
        self.lang = lang
        self._verify = verify_passphrase
        self._may_close = False
        self._busy = False
        self._document: QTextDocument | None = None
        # The app's runner, so that its wait() (shutdown, tests) covers the check too; a view
        # shown on its own (screenshots, benchmarks) makes its own when first needed.
        self._runner = runner
        guide = library.guide(lang)
        info = guide.info
        self.setWindowTitle(info.own_name)
        # The whole view mirrors for ar, fa, ur, ps: list, text and buttons swap sides.
        self.setLayoutDirection(layout_direction(lang))

        title = QLabel(library.organisation_name(lang))
        title.setFont(guide_font(lang, VISITOR_POINT_SIZE * 0.8))
        title.setWordWrap(True)
        # The visitor reads this, so it is in the guide's language, font and direction.
        self.notice = QLabel(review_notice(lang, library.root))
        self.notice.setObjectName("guideNotice")
        self.notice.setFont(guide_font(lang, VISITOR_POINT_SIZE * 0.6))
        self.notice.setWordWrap(True)
        self.notice.setHidden(guide.reviewed)
        self.leave_button = QPushButton(_("Advisor: leave"))
        self.leave_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sections = QListWidget()
        self.sections.setFont(guide_font(lang, VISITOR_POINT_SIZE * 0.8))
        self.sections.setWordWrap(True)
        self.sections.setMaximumWidth(420)
        for section in guide.sections:
            item = QListWidgetItem(section.title)
            item.setData(Qt.ItemDataRole.UserRole, section.number)
            self.sections.addItem(item)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)

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

        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(self.leave_button)
        body = QHBoxLayout()
        body.addWidget(self.sections, 1)
        body.addWidget(self.view, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.notice)
        layout.addWidget(self.unlock_panel)
        layout.addLayout(body, 1)

        self.sections.currentRowChanged.connect(self._on_row)
        self.leave_button.clicked.connect(self.ask_to_leave)
        self.unlock_button.clicked.connect(self.try_leave)
        self.passphrase.returnPressed.connect(self.try_leave)
        self.cancel_button.clicked.connect(self._cancel)
        self.sections.setCurrentRow(0)
        log.info("visitor_view_opened")

    def enter(self, screen: QScreen | None = None) -> None:
        """Show the view full screen on ``screen`` (by default one the advisor's window is
        not on, when there are two)."""
        from advisor_desktop.ui.shell.placement import show_full_screen_on, visitor_screen

        show_full_screen_on(self, screen or visitor_screen(self.parentWidget()))

    def show_section(self, number: int) -> None:
        """Show section ``number`` in large type."""
        section = self.library.guide(self.lang).section(number)
        document = guide_document(self.library, self.lang, [section], point_size=VISITOR_POINT_SIZE)
        document.setParent(self.view)
        self.view.setDocument(document)
        if self._document is not None:
            self._document.deleteLater()
        self._document = document

    def _on_row(self, row: int) -> None:
        item = self.sections.item(row)
        if item is not None:
            self.show_section(int(item.data(Qt.ItemDataRole.UserRole)))

    # -- leaving ---------------------------------------------------------------------------

    def ask_to_leave(self) -> None:
        """Show the passphrase field (the advisor wants the notebook back)."""
        self.unlock_error.setText("")
        self.unlock_panel.show()
        self.passphrase.setFocus()

    def _cancel(self) -> None:
        self.passphrase.clear()
        self.unlock_panel.hide()

    def try_leave(self) -> None:
        """Check the typed passphrase on a worker; the view closes only when it is right."""
        if self._busy:
            return
        text = self.passphrase.text()
        self.passphrase.clear()
        if not text:
            return
        self._busy = True
        self.unlock_button.setEnabled(False)
        secret = secret_bytes(text)
        if self._runner is None:
            self._runner = Runner(self)
        self._runner.start(
            _check,
            self._verify,
            secret,
            on_done=self._on_verified,
            on_error=self._on_check_failed,
        )

    def _on_check_failed(self, exc: AdvisorError) -> None:
        # A failing check (the key slots unreadable) must never open the view: it counts as
        # a wrong passphrase; the runner logged the exception's type.
        log.warning("visitor_view_verify_failed kind=%s", type(exc).__name__)
        self._on_verified(False)

    def _on_verified(self, ok: bool) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        self.verification_finished.emit(ok)
        if not ok:
            log.info("visitor_view_wrong_passphrase")
            self.unlock_error.setText(_("Wrong passphrase."))
            return
        log.info("visitor_view_left")
        self._may_close = True
        self.left.emit()
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape opens the passphrase field instead of leaving."""
        if event.key() == Qt.Key.Key_Escape:
            self.ask_to_leave()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing (Alt+F4, the window manager) is refused until the passphrase was given."""
        if self._may_close:
            event.accept()
            return
        event.ignore()
        self.ask_to_leave()
