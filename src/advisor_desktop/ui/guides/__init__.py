"""Guide widgets: the browser in the main window and the full-screen visitor view."""

from advisor_desktop.ui.guides.browser import GuideBrowser, not_reviewed_notice
from advisor_desktop.ui.guides.visitor import VisitorView

__all__ = ["GuideBrowser", "VisitorView", "not_reviewed_notice"]
