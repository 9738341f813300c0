"""Guide Markdown → ``QTextDocument`` with the right font and direction for the language."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextBlockFormat, QTextCursor, QTextDocument, QTextOption

from advisor_desktop.guides.languages import language_info
from advisor_desktop.guides.library import GuideLibrary
from advisor_desktop.guides.model import GuideSection
from advisor_desktop.guides.render.fonts import guide_font
from advisor_desktop.platform.languages import is_rtl

_MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectCommonMark
# Scripts with tall marks above and below need air; Naskh Arabic's own metrics are tall.
_LINE_HEIGHT = {"Deva": 125.0, "Beng": 125.0, "Thai": 120.0, "Ethi": 115.0, "Arab": 100.0}
DEFAULT_LINE_HEIGHT = 110.0
LINE_HEIGHT_PROPORTIONAL = QTextBlockFormat.LineHeightTypes.ProportionalHeight.value


def layout_direction(lang: str) -> Qt.LayoutDirection:
    """Qt's direction for ``lang``: ``RightToLeft`` for the languages of the one right-to-left
    table (platform.languages), ``LeftToRight`` otherwise. The UI's direction uses it too."""
    return Qt.LayoutDirection.RightToLeft if is_rtl(lang) else Qt.LayoutDirection.LeftToRight


def apply_direction(document: QTextDocument, lang: str) -> None:
    """Lay out every block of ``document`` in the language's direction, with airy lines."""
    direction = layout_direction(lang)
    option = QTextOption(document.defaultTextOption())
    option.setTextDirection(direction)
    document.setDefaultTextOption(option)
    cursor = QTextCursor(document)
    cursor.select(QTextCursor.SelectionType.Document)
    block_format = QTextBlockFormat()
    block_format.setLayoutDirection(direction)
    height = _LINE_HEIGHT.get(language_info(lang).script, DEFAULT_LINE_HEIGHT)
    block_format.setLineHeight(height, LINE_HEIGHT_PROPORTIONAL)
    cursor.mergeBlockFormat(block_format)


def guide_markdown(library: GuideLibrary, sections: Iterable[GuideSection]) -> str:
    """The filled Markdown of ``sections``, one after another."""
    return "\n\n".join(library.filled(section) for section in sections)


def guide_document(
    library: GuideLibrary,
    lang: str,
    sections: Iterable[GuideSection] | None = None,
    *,
    point_size: float = 11.0,
) -> QTextDocument:
    """A document of ``sections`` (the whole guide by default) in ``lang``.

    The font follows the script (bundled Noto or OS CJK fonts), the direction the language;
    placeholders are filled from the library's profile.
    """
    guide = library.guide(lang)
    chosen = list(guide.sections if sections is None else sections)
    document = QTextDocument()
    document.setDefaultFont(guide_font(lang, point_size))
    document.setDocumentMargin(point_size)
    document.setMarkdown(guide_markdown(library, chosen), _MARKDOWN)
    apply_direction(document, lang)
    return document
