"""Window titles, the shortcuts dialog, Quit, and the wizards' own button words."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QWizard

from advisor_desktop.platform.i18n import _, activate
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell.application import UnlockWindow
from advisor_desktop.ui.shell.first_run import FirstRunWizard
from advisor_desktop.ui.shell.main_window import MainWindow
from advisor_desktop.ui.shell.shortcuts import ShortcutsDialog
from advisor_desktop.ui.shell.workers import Runner

pytestmark = pytest.mark.gui

BUTTONS = (
    (QWizard.WizardButton.BackButton, "Back"),
    (QWizard.WizardButton.NextButton, "Next"),
    (QWizard.WizardButton.CancelButton, "Cancel"),
    (QWizard.WizardButton.FinishButton, "Finish"),
)


@pytest.mark.parametrize("lang", ["en", "ar", "zh_Hans", "en-XA"])
def test_wizard_buttons_carry_our_words_without_arrows(qtbot, paths: AppPaths, lang: str) -> None:
    activate(lang)
    wizard = FirstRunWizard(paths, Runner())
    qtbot.addWidget(wizard)
    for which, english in BUTTONS:
        text = wizard.buttonText(which)
        assert text == _(english)
        assert "<" not in text
        assert ">" not in text
        if lang != "en":
            assert text != english, f"{english!r} is not translated into {lang}"


def test_titles_name_the_application_once_at_the_end(qtbot, paths: AppPaths) -> None:
    """Ending with the display name, a title is not extended by the system ("Unlock —
    Advisor Desktop", not "Advisor Desktop — unlock — Advisor Desktop"), and the plain X
    title that window lists and tools read still names the application."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    name = _("Advisor Desktop")
    app.setApplicationDisplayName(name)
    window = UnlockWindow(paths, Runner())
    wizard = FirstRunWizard(paths, Runner())
    for widget in (window, wizard):
        qtbot.addWidget(widget)
        title = widget.windowTitle()
        assert title.endswith(name)
        assert title.count(name) == 1


def test_shortcuts_dialog_fits_its_title_and_names_quit(qtbot, main: MainWindow) -> None:
    main.show_help()
    dialog = main.shortcuts_dialog
    assert isinstance(dialog, ShortcutsDialog)
    qtbot.waitExposed(dialog)
    title = dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
    assert dialog.width() > title + 100
    keys = [key.text() for key, _meaning in dialog.rows]
    assert any("Q" in key for key in keys)
    for _key, meaning in dialog.rows:
        assert meaning.width() >= min(meaning.sizeHint().width(), meaning.minimumSizeHint().width())
    dialog.close()


def test_ctrl_q_quits_even_when_locked(qtbot, main: MainWindow) -> None:
    main.lock()
    assert main.quit_action.shortcut().toString() == "Ctrl+Q"
    assert main.quit_action in main.actions()
    main.quit_action.trigger()
    qtbot.waitUntil(lambda: not main.isVisible(), timeout=5000)
    assert not main.session.is_open
