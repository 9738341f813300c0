"""The About box: version, licence, and third-party notices collected from the installation."""

from __future__ import annotations

import pytest

from advisor_desktop import __version__
from advisor_desktop.ui.shell.common import app_icon

pytestmark = pytest.mark.gui


def test_about_box_shows_version_licence_and_notices(qtbot, main) -> None:  # type: ignore[no-untyped-def]
    assert main.about_action in main.toolbar.actions()
    dialog = main.show_about()
    qtbot.waitUntil(lambda: "Loading" not in dialog.notices.toPlainText(), timeout=20_000)
    assert __version__ in dialog.version.text()
    assert "EUPL" in dialog.licence.toPlainText()
    notices = dialog.notices.toPlainText()
    # Collected from the metadata of what the application is built from, not written by hand.
    for dependency in ("PySide6", "cryptography", "sqlcipher3", "Babel"):
        assert dependency.lower() in notices.lower(), dependency
    dialog.close()


def test_the_application_has_its_icon(qtbot) -> None:  # type: ignore[no-untyped-def]
    icon = app_icon()
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()
