"""The lock screen (hides everything, unlock form only) and the neutral quick-hide screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell.common import named
from advisor_desktop.ui.shell.design import icon, set_role
from advisor_desktop.ui.shell.unlock import UnlockForm
from advisor_desktop.ui.shell.workers import Runner

if TYPE_CHECKING:
    from advisor_desktop.crypto.keyslots import KdfPolicy


class LockScreen(QWidget):
    """Shown while the vault is locked: nothing of the notebook, only the unlock form."""

    def __init__(
        self,
        paths: AppPaths,
        runner: Runner,
        policy: KdfPolicy | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        self.form = UnlockForm(paths, runner, policy, title=_("Locked"))
        layout.addWidget(self.form)
        hint = QLabel(_("The notebook is locked and its key was removed from memory."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        set_role(hint, "note")
        layout.addWidget(hint)


class QuickHideScreen(QWidget):
    """A neutral, content-free screen for when someone walks in. Not a lock."""

    resume = Signal()
    """The advisor wants the work back (button, or Esc twice again)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Neutral to someone walking in: the window's own background, one calm button,
        # nothing that says what is behind it.
        self.setObjectName("quickHide")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.button = named(QPushButton(_("Continue")), _("Continue working"))
        set_role(self.button, "primary")
        self.button.setIcon(icon("arrow-right"))
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.setMinimumWidth(160)
        self.button.clicked.connect(self.resume)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
