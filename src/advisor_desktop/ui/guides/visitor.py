"""The visitor view: the guide alone, full screen, large type; leaving needs the passphrase.

The view never sees the vault. The composition root passes ``verify_passphrase``, a callable
that answers whether a passphrase is the advisor's; it runs on a worker thread because the
check (Argon2id) takes about half a second.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.guides import GuideLibrary, review_notice
from advisor_desktop.guides.render import guide_document, guide_font, layout_direction
from advisor_desktop.guides.render.fonts import load_bundled_fonts
from advisor_desktop.ui.shell.guarded import GuardedView, PassphraseCheck
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)

VISITOR_POINT_SIZE = 20.0


class VisitorView(GuardedView):
    """Only the guide in one language, large, mirrored for right-to-left languages.

    A machine translation shows the "not yet reviewed by a native speaker" notice in the
    guide's own language under the title.
    """

    def __init__(
        self,
        library: GuideLibrary,
        lang: str,
        verify_passphrase: PassphraseCheck,
        parent: QWidget | None = None,
        *,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(verify_passphrase, runner, parent)
        load_bundled_fonts()
        self.library = library
        self.lang = lang
        self._document: QTextDocument | None = None
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
        self.sections.setCurrentRow(0)
        log.info("visitor_view_opened")

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
