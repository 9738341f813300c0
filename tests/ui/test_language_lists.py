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


def test_conversation_languages_are_every_guide_language(qtbot, profile) -> None:  # type: ignore[no-untyped-def]
    """The record editor once kept its own copy of the list, without Pashto."""
    from advisor_desktop.platform.languages import GUIDE_LANGUAGES, language_label
    from advisor_desktop.ui.notebook.editor_form import RecordForm

    form = RecordForm(profile)
    qtbot.addWidget(form)
    codes = [c for c in _codes(form.language) if c]
    assert codes == list(GUIDE_LANGUAGES)
    assert "ps" in codes
    assert language_label("nl") in _labels(form.language)


def test_one_language_name_helper() -> None:
    from advisor_desktop.guides.languages import language_info
    from advisor_desktop.platform.languages import language_label, language_name

    assert language_name("nl") == "Nederlands"
    assert language_name("zh_Hans") == language_name("zh-Hans")
    assert language_name("nl", "fr") == "Néerlandais"
    assert language_label("fr") == "Français (fr)"
    assert language_name("xx-unknown") == "xx-unknown"
    assert language_info("nl").own_name == language_name("nl")
