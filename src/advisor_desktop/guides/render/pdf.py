"""A guide as an A4 PDF: organisation name and language in the header, page numbers below.

Everything printed around the guide is in the guide's language, font and direction: the
"Page n of N" label and, for a machine translation, the "not yet reviewed by a native
speaker" notice come from ``notices.json`` (:mod:`advisor_desktop.guides.notices`), so a
visitor handed an Arabic print-out reads an Arabic footer.

Pages are laid out by ``QTextDocument`` on the PDF device itself (so text is vector and
searchable, and shaping is the same as on screen), then drawn one page at a time between a
header and a footer.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
    QTextOption,
)

from advisor_desktop.guides.languages import language_info
from advisor_desktop.guides.library import GuideLibrary
from advisor_desktop.guides.notices import load_notices
from advisor_desktop.guides.render.document import guide_document, layout_direction
from advisor_desktop.guides.render.fonts import guide_font
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _

log = logging.getLogger(__name__)

RESOLUTION = 300
MARGIN_MM = 18.0
BODY_POINT_SIZE = 11.0


def _page_bottoms(document: QTextDocument, page_height: float, pages: int) -> list[float]:
    """Where each page's text ends: the bottom of its last line (the page end when empty).

    Clipping a page there, not at the page end, keeps the marks that rise above the first line
    of the next page (Devanagari vowel signs, Thai tone marks) from showing at its foot.
    """
    bottoms = [(index + 1) * page_height for index in range(pages)]
    last: dict[int, float] = {}
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        origin = layout.position().y()
        for number in range(layout.lineCount()):
            line = layout.lineAt(number)
            line_top = origin + line.y()
            # A line moved to the next page starts exactly at its top (up to rounding).
            index = min(pages - 1, max(0, int((line_top + 0.5) // page_height)))
            line_bottom = min(line_top + line.height(), bottoms[index])
            last[index] = max(last.get(index, 0.0), line_bottom)
        block = block.next()
    return [last.get(index, bottoms[index]) for index in range(pages)]


def render_pdf(library: GuideLibrary, lang: str, *, notice: str = "") -> tuple[bytes, int]:
    """The PDF of the whole guide in ``lang`` and its page count.

    When the guide is a machine translation, every footer carries the "not yet reviewed by a
    native speaker" notice in ``lang``, above "Page n of N" in ``lang``. ``notice`` is kept
    so older callers still work and is ignored: the reader of the print-out needs the
    notice in the guide's language, not in the advisor's.
    """
    del notice  # superseded by the guide language's own notice
    info = language_info(lang)
    notices = load_notices(library.root)
    footer_notice = "" if library.guide(lang).reviewed else notices.review_notice(lang)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    organisation = library.organisation_name(lang)
    writer.setTitle(f"{organisation} — {info.own_name}")
    writer.setCreator("Advisor Desktop")

    page = QRectF(writer.pageLayout().paintRectPixels(RESOLUTION)).translated(
        -QPointF(writer.pageLayout().paintRectPixels(RESOLUTION).topLeft())
    )
    pixels_per_point = RESOLUTION / 72.0
    header_h = 28 * pixels_per_point
    footer_h = 22 * pixels_per_point
    body = QSizeF(page.width(), page.height() - header_h - footer_h)

    document = guide_document(library, lang, point_size=BODY_POINT_SIZE)
    document.documentLayout().setPaintDevice(writer)
    document.setDocumentMargin(0)
    document.setPageSize(body)
    pages = max(1, document.pageCount())
    bottoms = _page_bottoms(document, body.height(), pages)

    direction = layout_direction(lang)
    head_option = QTextOption(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
    head_option.setTextDirection(direction)
    head_option.setWrapMode(QTextOption.WrapMode.NoWrap)
    centre = QTextOption(Qt.AlignmentFlag.AlignCenter)
    centre.setTextDirection(direction)

    painter = QPainter(writer)
    try:
        for index in range(pages):
            if index:
                writer.newPage()
            painter.setFont(guide_font(lang, 9.0))
            painter.setPen(Qt.GlobalColor.darkGray)
            painter.drawText(
                QRectF(0, 0, page.width(), header_h * 0.7),
                f"{organisation} · {info.own_name}",
                head_option,
            )
            painter.drawLine(QPointF(0, header_h * 0.75), QPointF(page.width(), header_h * 0.75))
            painter.save()
            painter.translate(0, header_h - index * body.height())
            top = index * body.height()
            document.drawContents(painter, QRectF(0, top, body.width(), bottoms[index] - top))
            painter.restore()
            painter.setPen(Qt.GlobalColor.darkGray)
            footer = QRectF(0, page.height() - footer_h, page.width(), footer_h)
            painter.setFont(guide_font(lang, 8.0))
            number = notices.page_label(lang, index + 1, pages)
            painter.drawText(footer.adjusted(0, footer_h * 0.45, 0, 0), number, centre)
            if footer_notice:
                painter.drawText(footer.adjusted(0, 0, 0, -footer_h * 0.5), footer_notice, centre)
    finally:
        painter.end()
    buffer.close()
    data: QByteArray = buffer.data()
    log.info("guide_pdf_rendered pages=%s", pages)
    return bytes(data.data()), pages


def export_pdf(library: GuideLibrary, lang: str, out: Path, *, notice: str = "") -> int:
    """Write the guide in ``lang`` as a PDF to ``out`` (atomically); returns the page count.

    ``notice`` is ignored (see :func:`render_pdf`).
    """
    data, pages = render_pdf(library, lang, notice=notice)
    atomic_write(out, data, what=_("the PDF"))
    return pages
