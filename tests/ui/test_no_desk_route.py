"""A referral with no trusted desk is not a dead end: the wizard offers the way to Keys and
updates, and the window shows that page."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from advisor_desktop.protocol.profile import OrgProfile
from advisor_desktop.ui.referral import ReferralWizard
from advisor_desktop.ui.shell.main_window import MainWindow
from tests.ui.test_referral_wizard import Setup, setup  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui


def test_no_desk_offers_keys_and_updates(qtbot, setup: Setup, profile: OrgProfile) -> None:  # noqa: F811
    setup.workspace.set_profile(profile)
    wizard = ReferralWizard(setup.workspace, setup.record)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.desk_page
    assert "Keys and updates" in page.no_desk.text()
    assert "Settings" not in page.no_desk.text()
    assert page.open_keys.isVisibleTo(wizard)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    with qtbot.waitSignal(wizard.keys_requested, timeout=2000):
        page.open_keys.click()
    assert not wizard.isVisible()
    assert wizard.result() == QWizard.DialogCode.Rejected


def test_with_a_desk_the_way_to_keys_is_not_offered(qtbot, setup: Setup) -> None:  # noqa: F811
    wizard = ReferralWizard(setup.workspace, setup.record)
    qtbot.addWidget(wizard)
    wizard.show()
    assert not wizard.desk_page.open_keys.isVisibleTo(wizard)
    # The wizard keeps its size: it fits a 1366×768 screen, and no smaller than its pages need.
    assert (wizard.minimumWidth(), wizard.minimumHeight()) == (760, 520)
    assert (wizard.width(), wizard.height()) == (1080, 680)


def test_window_shows_keys_and_updates_when_asked(qtbot, main: MainWindow) -> None:
    notebook = main.page("notebook")
    notebook.keys_requested.emit()
    assert main.current_page_key() == "trust"
