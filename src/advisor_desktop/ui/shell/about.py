"""About Advisor Desktop: version, licence and the third-party notices.

The notices are collected from the installed packages' metadata (or read from the file a
bundle carries: ``platform/notices.py``), never written by hand; they load on a worker.
"""

from __future__ import annotations

import logging
from typing import cast

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.ui.shell.common import app_icon, heading, named, window_title
from advisor_desktop.ui.shell.workers import Runner

log = logging.getLogger(__name__)


def _about_texts() -> tuple[str, str]:
    from advisor_desktop.platform.notices import licence_text, third_party_notices

    return licence_text(), third_party_notices()


class AboutDialog(QDialog):
    """Version and licence of Advisor Desktop, and the notices of what it is built from."""

    def __init__(self, runner: Runner, parent: QWidget | None = None) -> None:
        from advisor_desktop import __version__

        super().__init__(parent)
        self.setWindowTitle(window_title(_("About")))
        self.setWindowIcon(app_icon())
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Advisor Desktop")))
        self.version = QLabel(_("Version {version}").format(version=__version__))
        layout.addWidget(self.version)
        summary = QLabel(
            _(
                "An encrypted notebook and signposting kit for confidential advisors. Free "
                "software under the European Union Public Licence (EUPL-1.2)."
            )
        )
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.tabs = QTabWidget()
        self.licence = self._text_view(_("Licence"))
        self.notices = self._text_view(_("Third-party notices"))
        self.tabs.addTab(self.licence, _("Licence"))
        self.tabs.addTab(self.notices, _("Third-party notices"))
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox()
        buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 560)
        self.licence.setPlainText(_("Loading…"))
        self.notices.setPlainText(_("Loading…"))
        runner.start(_about_texts, on_done=self._show, on_error=self._failed)

    @staticmethod
    def _text_view(name: str) -> QPlainTextEdit:
        view = named(QPlainTextEdit(), name)
        view.setReadOnly(True)
        view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        return view

    def _show(self, texts: object) -> None:
        licence, notices = cast("tuple[str, str]", texts)
        self.licence.setPlainText(licence)
        self.notices.setPlainText(notices)

    def _failed(self, exc: AdvisorError) -> None:
        # The dialog stays useful (version, licence name); say what could not be read.
        log.warning("about_notices_failed type=%s", type(exc).__name__)
        message = _("The notices could not be read from this installation.")
        self.licence.setPlainText(message)
        self.notices.setPlainText(message)
