"""The guide browser: pick a language (in its own name and script), a section, search, print."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.guides import GuideLibrary, search_guide
from advisor_desktop.guides.languages import SOURCE_LOCALE
from advisor_desktop.guides.render import export_pdf, guide_document, guide_font
from advisor_desktop.guides.render.document import layout_direction
from advisor_desktop.guides.render.fonts import load_bundled_fonts
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _, pgettext
from advisor_desktop.ui.shell.common import in_documents

log = logging.getLogger(__name__)

BODY_POINT_SIZE = 12.0


SCRIPT_SCALE = {"ar": 1.2, "fa": 1.2, "ur": 1.2, "ps": 1.2}
"""Arabic-script type looks smaller than Latin at the same point size: names in a list of
languages are scaled up so that all read alike."""


def picker_font(code: str, point_size: float = 11.0) -> QFont:
    """The font of a language's own name in the language list."""
    return guide_font(code, point_size * SCRIPT_SCALE.get(code, 1.0))


def not_reviewed_notice() -> str:
    """The notice shown beside machine translations, in the advisor's language."""
    return _("Not yet reviewed by a native speaker.")


class GuideBrowser(QWidget):
    """Browse the signposting guides: language picker, sections, search, PDF, visitor view."""

    language_changed = Signal(str)
    """Emitted with the guide language code after the browser switched to it."""

    visitor_view_requested = Signal(str)
    """Emitted with the current guide language when the advisor asks for the visitor view."""

    pdf_saved = Signal(str)
    """Emitted with the file path after a PDF of the current guide was written."""

    def __init__(self, library: GuideLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        load_bundled_fonts()
        self.library = library
        self.lang = ""
        self.section_number = 1
        self._document: QTextDocument | None = None

        self.picker = QComboBox()
        self.picker.setAccessibleName(_("Guide language"))
        languages = list(library.languages())
        fonts = [picker_font(info.code) for info in languages]
        # One row height for every language: the tallest script's line, plus breathing room.
        row_height = max((QFontMetrics(f).height() for f in fonts), default=0) + 8
        for info, font in zip(languages, fonts, strict=True):
            self.picker.addItem(info.own_name, info.code)
            index = self.picker.count() - 1
            self.picker.setItemData(index, font, Qt.ItemDataRole.FontRole)
            width = QFontMetrics(font).horizontalAdvance(info.own_name) + 24
            self.picker.setItemData(index, QSize(width, row_height), Qt.ItemDataRole.SizeHintRole)
            self.picker.setItemData(index, info.english_name, Qt.ItemDataRole.ToolTipRole)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Search in this guide"))
        self.search.setAccessibleName(_("Search in this guide"))
        self.search.setClearButtonEnabled(True)
        self.pdf_button = QPushButton(_("Print / Save as PDF…"))
        self.visitor_button = QPushButton(_("Show to visitor"))

        self.notice = QLabel(not_reviewed_notice())
        self.notice.setObjectName("guideNotice")
        self.notice.setWordWrap(True)

        self.sections = QListWidget()
        self.sections.setAccessibleName(pgettext("guide sections", "Sections"))
        # Long titles (Bengali, Amharic…) wrap instead of growing a horizontal scroll bar.
        self.sections.setWordWrap(True)
        self.sections.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sections.setResizeMode(QListView.ResizeMode.Adjust)
        self.sections.setSpacing(2)
        self.results = QListWidget()
        self.results.setAccessibleName(_("Search results"))
        self.results.hide()
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)

        top = QHBoxLayout()
        top.addWidget(QLabel(_("Language:")))
        top.addWidget(self.picker, 1)
        top.addWidget(self.search, 2)
        top.addWidget(self.pdf_button)
        top.addWidget(self.visitor_button)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.sections, 1)
        side_layout.addWidget(self.results, 1)
        splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)

        self.picker.currentIndexChanged.connect(self._on_picker)
        self.sections.currentRowChanged.connect(self._on_section_row)
        self.search.textChanged.connect(self.run_search)
        self.results.itemActivated.connect(self._on_result)
        self.results.itemClicked.connect(self._on_result)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.visitor_button.clicked.connect(lambda: self.visitor_view_requested.emit(self.lang))
        self.set_language(library.best_language(SOURCE_LOCALE))

    # -- language and sections -------------------------------------------------------------

    def set_language(self, code: str) -> None:
        """Show the guide in ``code`` (its first section), with the right font and direction."""
        if code == self.lang:
            return
        guide = self.library.guide(code)
        self.lang = code
        index = self.picker.findData(code)
        if index >= 0 and index != self.picker.currentIndex():
            self.picker.blockSignals(True)
            self.picker.setCurrentIndex(index)
            self.picker.blockSignals(False)
        direction = layout_direction(code)
        font = guide_font(code, 11.0)
        self.sections.blockSignals(True)
        self.sections.clear()
        for section in guide.sections:
            item = QListWidgetItem(section.title)
            item.setData(Qt.ItemDataRole.UserRole, section.number)
            item.setFont(font)
            self.sections.addItem(item)
        self.sections.blockSignals(False)
        self.sections.setLayoutDirection(direction)
        self.results.setLayoutDirection(direction)
        self.view.setLayoutDirection(direction)
        self.notice.setVisible(not guide.reviewed)
        self.section_number = 0
        self.show_section(1)
        if self.search.text().strip():
            self.run_search(self.search.text())
        log.info("guide_language_changed")
        self.language_changed.emit(code)

    def show_section(self, number: int) -> None:
        """Render section ``number`` of the current guide in the view."""
        guide = self.library.guide(self.lang)
        section = guide.section(number)
        document = guide_document(self.library, self.lang, [section], point_size=BODY_POINT_SIZE)
        document.setParent(self.view)
        self.view.setDocument(document)
        if self._document is not None:
            self._document.deleteLater()
        self._document = document
        self.section_number = number
        row = [s.number for s in guide.sections].index(number)
        if self.sections.currentRow() != row:
            self.sections.blockSignals(True)
            self.sections.setCurrentRow(row)
            self.sections.blockSignals(False)

    def _on_picker(self, index: int) -> None:
        code = self.picker.itemData(index)
        if isinstance(code, str):
            self.set_language(code)

    def _on_section_row(self, row: int) -> None:
        item = self.sections.item(row)
        if item is not None:
            self.show_section(int(item.data(Qt.ItemDataRole.UserRole)))

    # -- search ----------------------------------------------------------------------------

    def run_search(self, query: str) -> int:
        """List the paragraphs of the current guide matching ``query``; returns the count."""
        self.results.clear()
        if not query.strip():
            self.results.hide()
            return 0
        hits = search_guide(self.library.guide(self.lang), query)
        font = guide_font(self.lang, 10.0)
        for hit in hits:
            item = QListWidgetItem(f"{hit.heading}\n{hit.snippet}")
            item.setData(Qt.ItemDataRole.UserRole, hit.section)
            item.setFont(font)
            self.results.addItem(item)
        if not hits:
            self.results.addItem(_("Nothing found."))
        self.results.show()
        return len(hits)

    def _on_result(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(number, int):
            self.show_section(number)
            words = self.search.text().split()
            if words:
                self.view.find(words[0])

    # -- PDF -------------------------------------------------------------------------------

    def save_pdf(self, path: Path) -> int:
        """Write the whole guide in the current language to ``path``; returns the page count."""
        guide = self.library.guide(self.lang)
        notice = "" if guide.reviewed else not_reviewed_notice()
        pages = export_pdf(self.library, self.lang, path, notice=notice)
        self.pdf_saved.emit(str(path))
        return pages

    def _ask_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save guide as PDF"),
            in_documents(f"guide-{self.lang}.pdf"),
            _("PDF files (*.pdf)"),
        )
        if not name:
            return
        try:
            self.save_pdf(Path(name))
        except AdvisorError as exc:
            QMessageBox.warning(self, _("Save guide as PDF"), str(exc))
