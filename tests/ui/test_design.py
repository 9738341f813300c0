"""The design system: one style for all, schemes that follow the system, icons that mirror."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit

from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.ui.shell import design
from advisor_desktop.ui.shell.passphrase_fields import NewPassphraseFields, show_toggle
from advisor_desktop.ui.shell.screens import QuickHideScreen
from advisor_desktop.ui.shell.unlock import UnlockForm
from advisor_desktop.ui.shell.workers import Runner

pytestmark = pytest.mark.gui


@pytest.fixture
def app(qapp):  # type: ignore[no-untyped-def]
    yield qapp
    design.apply_design(qapp, design.LIGHT)


def test_schemes_set_palette_and_style(app: QApplication) -> None:
    for scheme in (design.LIGHT, design.DARK, design.HIGH_CONTRAST):
        assert design.apply_design(app, scheme) is scheme
        assert app.palette().color(QPalette.ColorRole.Window).name() == scheme.window
        assert scheme.accent in app.styleSheet()
        assert design.status_color(design.Status.OVERDUE).name() == scheme.overdue
    assert app.property("advisorDesign") == design.HIGH_CONTRAST.name


def test_high_contrast_is_asked_by_environment(monkeypatch) -> None:
    monkeypatch.setenv(design.CONTRAST_ENV, "high")
    assert design.system_tokens() is design.HIGH_CONTRAST
    monkeypatch.setenv(design.CONTRAST_ENV, "")
    monkeypatch.setenv("GTK_THEME", "HighContrast")
    assert design.wants_high_contrast()


def _image(name: str, rtl: bool) -> QImage:
    return design.icon(name, "#000000", rtl).pixmap(24, 24).toImage()


def test_icons_draw_and_mirror_only_where_they_point_a_way(app: QApplication) -> None:
    arrow, mirrored = _image("arrow-right", False), _image("arrow-right", True)
    assert not arrow.isNull()
    assert arrow != mirrored
    assert mirrored == arrow.flipped(Qt.Orientation.Horizontal)
    assert _image("lock", False) == _image("lock", True)
    assert design.icon("no-such-icon").isNull()
    for name in [*list(design.DIRECTIONAL), "notebook", "key", "gear", "signpost"]:
        assert (design.icon_dir() / f"{name}.svg").is_file(), name


def test_status_icons_use_status_colours(app: QApplication) -> None:
    image = design.status_icon(design.Status.OVERDUE).pixmap(32, 32).toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(32)
        for y in range(32)
        if image.pixelColor(x, y).alpha() == 255
    }
    assert design.LIGHT.overdue in colours


def test_passphrase_can_be_shown_and_hides_again_when_cleared(qtbot) -> None:
    fields = NewPassphraseFields()
    qtbot.addWidget(fields)
    toggle = show_toggle(fields.new)
    assert fields.new.echoMode() == QLineEdit.EchoMode.Password
    fields.new.setText("correct horse battery")
    toggle.trigger()
    assert fields.new.echoMode() == QLineEdit.EchoMode.Normal
    fields.new.clear()
    assert fields.new.echoMode() == QLineEdit.EchoMode.Password
    assert not toggle.isChecked()


def test_strength_meter_changes_colour_with_strength(qtbot) -> None:
    fields = NewPassphraseFields()
    qtbot.addWidget(fields)
    fields.new.setText("abc")
    assert fields.meter.property("level") == "weak"
    fields.new.setText("violet tractor umbrella glacier sonnet 4821")
    assert fields.meter.property("level") == "strong"


def test_quick_hide_and_recovery_look_clickable(qtbot, paths: AppPaths) -> None:
    hide = QuickHideScreen()
    qtbot.addWidget(hide)
    assert hide.button.property("role") == "primary"
    assert not hide.button.isFlat()
    form = UnlockForm(paths, Runner())
    qtbot.addWidget(form)
    assert form.use_recovery.property("role") == "link"
    assert form.use_recovery.cursor().shape() == Qt.CursorShape.PointingHandCursor
