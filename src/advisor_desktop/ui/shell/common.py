"""Small widget helpers shared by the screens (accessible names, messages, banners)."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
    QWizard,
)

from advisor_desktop.platform.i18n import _

ICON_FILE = "advisor-desktop.svg"

W = TypeVar("W", bound=QWidget)


def window_title(part: str) -> str:
    """``part — Advisor Desktop``: the application's name once, at the end. Ending with the
    display name, the title is not extended by Qt (no "Unlock — Advisor Desktop — Advisor
    Desktop"), and window lists that read the plain X title see the name too."""
    from PySide6.QtGui import QGuiApplication

    name = QGuiApplication.applicationDisplayName() or _("Advisor Desktop")
    return _("{part} — {application}").format(part=part, application=name)


def label_wizard_buttons(wizard: QWizard) -> None:
    """Our own words on a wizard's standard buttons: Qt's carry arrows ("< Back") that point
    the wrong way in right-to-left layouts, and Qt has no translation for some of our
    languages (and none for the pseudo-locale)."""
    for which, text in (
        (QWizard.WizardButton.BackButton, _("Back")),
        (QWizard.WizardButton.NextButton, _("Next")),
        (QWizard.WizardButton.CancelButton, _("Cancel")),
        (QWizard.WizardButton.FinishButton, _("Finish")),
    ):
        wizard.setButtonText(which, text)


def documents_dir() -> Path:
    """Where file dialogs start: the user's documents folder (as the system names it), or the
    home folder when there is none — never the program's working folder."""
    from PySide6.QtCore import QStandardPaths

    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(location) if location else Path.home()
    return folder if folder.is_dir() else Path.home()


def in_documents(name: str) -> str:
    """A proposed file name inside :func:`documents_dir`, for save dialogs."""
    return str(documents_dir() / name)


def named(widget: W, name: str, description: str = "") -> W:
    """Give ``widget`` an accessible name (and description) and return it."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def heading(text: str, level: int = 1) -> QLabel:
    """A heading label that follows the system font (scaled, bold), no fixed colours."""
    label = QLabel(text)
    font = label.font()
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * (1.5 if level == 1 else 1.2))
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def note(text: str) -> QLabel:
    """A wrapped explanatory label (the design's muted ``note`` role)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(text)
    label.setProperty("role", "note")
    return label


class ErrorLabel(QLabel):
    """An inline error: styled as one (the ``error`` role), announced to screen readers when
    it changes, and keeping its place when empty so that the form does not jump."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setProperty("role", "error")
        self.setAccessibleName(_("Message"))
        self.setMinimumHeight(self.fontMetrics().lineSpacing())

    def set_message(self, message: str) -> None:
        """Show ``message`` (empty clears it) and tell assistive technology."""
        self.setText(message)
        self.setAccessibleDescription(message)
        if message:
            from PySide6.QtGui import QAccessible, QAccessibleEvent

            QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))


def show_error(parent: QWidget | None, message: str, title: str | None = None) -> None:
    """A modal error message (one clear, translated sentence; never a traceback)."""
    from PySide6.QtWidgets import QMessageBox  # not needed for the first window

    QMessageBox.warning(parent, title or _("Advisor Desktop"), message)


def confirm(parent: QWidget | None, title: str, message: str, action: str) -> bool:
    """Ask before something that cannot be undone; No is the default."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=parent)
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.exec()
    return box.clickedButton() is yes


class Banner(QFrame):
    """An information strip with an icon, a text and an optional action button.

    Drawn as a styled panel so it follows the palette (including high contrast).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(self.palette().ColorRole.AlternateBase)
        self.setProperty("role", "banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.icon = QLabel()
        # Imported here: QStyle's enums take ~10 ms to set up, which the first window skips.
        from PySide6.QtWidgets import QStyle

        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        self.icon.setPixmap(icon.pixmap(size, size))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.button = QPushButton()
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.hide()

    def show_message(self, text: str, action: str | None = None) -> None:
        """Show ``text`` (and the button labelled ``action``, if given)."""
        self.text.setText(text)
        self.setAccessibleName(text)
        self.button.setVisible(action is not None)
        if action is not None:
            self.button.setText(action)
            self.button.setAccessibleName(action)
        self.show()


def app_icon() -> QIcon:
    """The application's icon (``resources/icons``; an empty icon when it is missing)."""
    from advisor_desktop.platform.errors import AdvisorError
    from advisor_desktop.platform.paths import resources_dir

    try:
        path = resources_dir() / "icons" / ICON_FILE
    except AdvisorError:
        return QIcon()
    return QIcon(str(path)) if path.is_file() else QIcon()
