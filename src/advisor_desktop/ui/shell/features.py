"""Plug the optional features into the main window: guides and the visitor view.

Called by the composition root (:mod:`advisor_desktop.ui.shell.application`) after the core pages
are built. Each feature gets only what it needs: the guides a library and the profile, the
visitor view a passphrase check that reads the key slots (never the open database).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.storage.store import passphrase_opens
from advisor_desktop.ui.shell.main_window import MainWindow, Page

if TYPE_CHECKING:
    # The guides (their library, the browser, the visitor view and the document renderer)
    # are imported when first shown, not at unlock.
    from advisor_desktop.guides.library import GuideLibrary
    from advisor_desktop.ui.guides.browser import GuideBrowser
    from advisor_desktop.ui.guides.visitor import VisitorView
    from advisor_desktop.ui.shell.session import Session


def passphrase_check(paths: AppPaths) -> Callable[[bytearray], bool]:
    """A check of the advisor's passphrase against the key slots (runs on a worker)."""

    def check(secret: bytearray) -> bool:
        try:
            return passphrase_opens(paths, secret)
        finally:
            wipe(secret)

    return check


def guide_library(paths: AppPaths, profile: OrgProfile) -> GuideLibrary:
    """The guides to show: an installed signed pack if valid, else the shipped ones."""
    from advisor_desktop.guides.library import GuideLibrary
    from advisor_desktop.guides.pack import trusted_keys
    from advisor_desktop.guides.store import active_source

    return GuideLibrary(profile, active_source(paths, trusted_keys(profile)))


def add_guides(
    window: MainWindow, paths: AppPaths, profile: OrgProfile, lang: str
) -> tuple[Page[GuideBrowser], Callable[[str], VisitorView]]:
    """Add the guide browser page and the visitor view (leaving it needs the passphrase).

    Returns the browser's page (built on its first visit) and a function that opens the
    visitor view in a given language (the referral wizard shows the consent statement's
    language with it). The guides are read when first needed, not at unlock.
    """

    @functools.cache
    def library() -> GuideLibrary:
        return guide_library(paths, profile)

    check = passphrase_check(paths)
    # A top-level window needs an owner on the Python side, or it is collected at once.
    open_views: list[VisitorView] = []

    def open_visitor(visitor_lang: str) -> VisitorView:
        from advisor_desktop.ui.guides.visitor import VisitorView

        # The window's runner: closing the app (and a test) waits for a check under way.
        view = VisitorView(library(), visitor_lang, check, runner=window.runner)
        open_views.append(view)
        # Behind the visitor view the notebook shows a neutral screen: switching windows
        # (Alt+Tab) must not reveal it. It comes back when the advisor leaves the view.
        was_hidden = window.is_hidden
        window.quick_hide()

        def left() -> None:
            if view in open_views:
                open_views.remove(view)
            if not was_hidden and not open_views:
                window.quick_show()

        view.left.connect(left)
        from advisor_desktop.ui.shell.placement import visitor_screen

        view.enter(visitor_screen(window))
        return view

    def build_browser() -> GuideBrowser:
        from advisor_desktop.ui.guides.browser import GuideBrowser

        browser = GuideBrowser(library())
        browser.set_language(library().best_language(lang))
        browser.visitor_view_requested.connect(open_visitor)
        return browser

    page = window.add_page("guides", _("Guides"), build_browser, "Ctrl+4")

    def factory(_parent: QWidget) -> QWidget:
        browser = page.built
        shown = browser.lang if browser is not None else ""
        return open_visitor(shown or library().best_language(lang))

    window.set_visitor_view_factory(factory)
    return page, open_visitor


#: The outbox's sync and its status-bar indicator start this long after the window is built
#: (its network stack is imported then, not during the unlock).
OUTBOX_START_MS = 400


def add_outbox(window: MainWindow, session: Session, start_ms: int = OUTBOX_START_MS) -> None:
    """Add the Outbox page (built on its first visit) and, a moment later, the sync indicator
    and the sync with the desks (``ui/outbox``)."""
    from PySide6.QtCore import QTimer

    def build() -> QWidget:
        from advisor_desktop.ui.outbox.page import build_outbox_page

        return build_outbox_page(window, session)

    window.add_page("outbox", _("Outbox"), build, "Ctrl+6")

    def show_indicator(_result: object) -> None:
        import shiboken6

        from advisor_desktop.ui.outbox.page import add_sync_indicator

        if shiboken6.isValid(window):  # not replaced meanwhile (a language switch)
            add_sync_indicator(window, session)

    def start() -> None:
        # The import (the HTTP and TLS stack, ~0.5 s) runs on the runner, never on the GUI
        # thread; the indicator and the sync are made when it is done.
        window.runner.start(_import_outbox, on_done=show_indicator, on_error=show_indicator)

    QTimer.singleShot(start_ms, window, start)


def _import_outbox() -> None:
    """On a worker: import the outbox feature (and the network stack under it)."""
    import advisor_desktop.ui.outbox.page  # noqa: F401
