"""Create the QApplication and the first window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from advisor_desktop.i18n import _
from advisor_desktop.paths import AppPaths


def run_application(paths: AppPaths, *, lang: str | None, argv: list[str]) -> int:
    """Run the Qt event loop until the last window closes."""
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("Advisor Desktop")
    window = QMainWindow()
    window.setWindowTitle(_("Advisor Desktop"))
    label = QLabel(_("Advisor Desktop: data folder {folder}").format(folder=paths.data))
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.setCentralWidget(label)
    window.resize(800, 500)
    window.show()
    return int(app.exec())
