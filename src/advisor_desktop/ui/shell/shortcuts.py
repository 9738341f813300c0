"""F1: the keyboard shortcuts, as a two-column table that fits its title and its rows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from advisor_desktop.platform.i18n import _


def shortcut_rows() -> list[tuple[str, str]]:
    """(key sequence, what it does) for every shortcut of the window, in reading order."""
    native = QKeySequence.SequenceFormat.NativeText

    def keys(*sequences: str) -> str:
        return ", ".join(QKeySequence(s).toString(native) for s in sequences)

    return [
        (keys("Ctrl+N"), _("New conversation")),
        (keys("Ctrl+S"), _("Save the conversation")),
        (keys("Ctrl+W"), _("Back to the list")),
        (keys("Ctrl+F"), _("Search")),
        (keys("Ctrl+1", "Ctrl+2") + ", …", _("Switch section")),
        (keys("Ctrl+L"), _("Lock now")),
        (_("Esc, Esc"), _("Hide the screen (again to show it)")),
        (keys("Ctrl+Shift+V"), _("Visitor view")),
        (keys("F1"), _("This help")),
        (keys("Ctrl+Q"), _("Quit (the notebook locks)")),
    ]


class ShortcutsDialog(QDialog):
    """The shortcuts; sized so that neither the title nor a row is cut off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows: list[tuple[QLabel, QLabel]] = []
        for sequence, meaning in shortcut_rows():
            key = QLabel(sequence)
            font = key.font()
            font.setBold(True)
            key.setFont(font)
            text = QLabel(meaning)
            text.setWordWrap(True)
            form.addRow(key, text)
            self.rows.append((key, text))
        layout.addLayout(form)
        buttons = QDialogButtonBox()
        close = buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # The title bar shows the title only if the window is wide enough for it.
        title_width = self.fontMetrics().horizontalAdvance(self.windowTitle())
        self.setMinimumWidth(max(self.sizeHint().width(), title_width + 160, 420))
