"""Rendering adapter for guides (Qt allowed): documents, fonts, PDF export.

Kept apart from ``ui/`` so the command line can print a PDF without the widgets.
"""

from advisor_desktop.guides.render.document import (
    apply_direction,
    guide_document,
    guide_markdown,
    layout_direction,
)
from advisor_desktop.guides.render.fonts import (
    families_for,
    guide_font,
    has_cjk_font,
    load_bundled_fonts,
)
from advisor_desktop.guides.render.pdf import export_pdf, render_pdf

__all__ = [
    "apply_direction",
    "export_pdf",
    "families_for",
    "guide_document",
    "guide_font",
    "guide_markdown",
    "has_cjk_font",
    "layout_direction",
    "load_bundled_fonts",
    "render_pdf",
]
