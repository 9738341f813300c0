"""The language lists a user sees: the UI languages, never the developers' pseudo-locale."""

from __future__ import annotations

from advisor_desktop.platform.languages import PSEUDO_LOCALE, ui_languages
from advisor_desktop.ui.shell.first_run import FirstRunWizard


def _codes(combo) -> list[str]:  # type: ignore[no-untyped-def]
    return [combo.itemData(i) for i in range(combo.count())]


def _labels(combo) -> list[str]:  # type: ignore[no-untyped-def]
    return [combo.itemText(i) for i in range(combo.count())]


def test_wizard_lists_the_ui_languages_only(qtbot, desktop) -> None:  # type: ignore[no-untyped-def]
    wizard = desktop.start()
    assert isinstance(wizard, FirstRunWizard)
    combo = wizard.language_page.combo
    assert _codes(combo) == ui_languages()
    assert PSEUDO_LOCALE not in _codes(combo)
    assert not any("XA" in label for label in _labels(combo))


def test_settings_lists_the_ui_languages_only(qtbot, main) -> None:  # type: ignore[no-untyped-def]
    main.show_page("settings")
    combo = main.page("settings").language
    assert _codes(combo) == ui_languages()
    assert not any("XA" in label for label in _labels(combo))
