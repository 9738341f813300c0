"""One digit system and one date format per screen: Qt's fields write what Babel writes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QDateEdit, QSpinBox

from advisor_desktop.platform.i18n import activate
from advisor_desktop.ui.shell.application import install_qt_translator, layout_direction
from advisor_desktop.ui.shell.formatting import (
    format_date,
    qt_date_pattern,
    qt_locale_name,
    use_date_format,
)

pytestmark = pytest.mark.gui

EASTERN_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


@pytest.fixture
def ui_language(qapp):  # type: ignore[no-untyped-def]
    def use(lang: str) -> None:
        activate(lang)
        install_qt_translator(qapp, lang)
        qapp.setLayoutDirection(layout_direction(lang))

    yield use
    use("en")


@pytest.mark.parametrize("lang", ["en", "nl", "fr", "es", "ar", "ru", "zh_Hans", "en-XA"])
def test_date_fields_match_the_lists(qtbot, ui_language, lang: str) -> None:
    ui_language(lang)
    day = dt.date(2026, 10, 18)
    edit = QDateEdit()
    qtbot.addWidget(edit)
    use_date_format(edit)
    edit.setDate(QDate(day.year, day.month, day.day))
    assert edit.text() == format_date(day)


def test_arabic_uses_one_digit_system(qtbot, ui_language) -> None:
    ui_language("ar")
    assert QLocale().name() == "ar_001"
    spin = QSpinBox()
    qtbot.addWidget(spin)
    spin.setValue(24)
    edit = QDateEdit()
    qtbot.addWidget(edit)
    use_date_format(edit)
    edit.setDate(QDate(2026, 10, 18))
    for text in (spin.text(), edit.text(), format_date(dt.date(2026, 10, 18))):
        assert not EASTERN_DIGITS.search(text), text
        assert re.search("[0-9]", text), text


def test_cldr_patterns_become_qt_formats() -> None:
    assert qt_date_pattern("MMM d, y") == "MMM d, yyyy"
    assert qt_date_pattern("d 'de' MMMM 'de' y") == "d 'de' MMMM 'de' yyyy"
    assert qt_date_pattern("y年M月d日") == "yyyy年M月d日"
    assert qt_date_pattern("EEEE d MMM y G") == "dddd d MMM yyyy "
    assert qt_date_pattern("h 'o''clock'") == " 'o''clock'"
    assert qt_locale_name("en-XA") == "en_US"
    assert qt_locale_name("zh_Hans") == "zh_CN"
