"""The shipped organisation profile speaks every guide language.

A visitor's guide fills its contacts section from the profile in the guide's language, and the
advisor's UI shows categories and options in the UI language. Each text of the shipped profile
must therefore exist in every language the guides ship in, without falling back to English.
"""

from __future__ import annotations

from collections import Counter

import pytest

from advisor_desktop.guides import GuideLibrary, shipped_root
from advisor_desktop.protocol.profile import Labelled, OrgProfile, load_profile

GUIDE_LANGUAGES = sorted(p.name for p in shipped_root().iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def shipped() -> OrgProfile:
    return load_profile()


def test_guide_languages_are_found() -> None:
    assert "en" in GUIDE_LANGUAGES
    assert len(GUIDE_LANGUAGES) > 1


def _own_text(texts: dict[str, str], lang: str, what: str) -> str:
    """The text written for ``lang`` itself (not a base-language or English fallback)."""
    text = texts.get(lang, "")
    assert text.strip(), f"{what}: no text in {lang!r}"
    assert text == text.strip(), f"{what} ({lang}): leading or trailing whitespace"
    assert "  " not in text, f"{what} ({lang}): double space"
    return text


@pytest.mark.parametrize("lang", GUIDE_LANGUAGES)
def test_organisation_name(shipped: OrgProfile, lang: str) -> None:
    text = _own_text(shipped.names, lang, "organisation name")
    assert shipped.name(lang) == text


@pytest.mark.parametrize("lang", GUIDE_LANGUAGES)
def test_every_channel_has_name_and_description(shipped: OrgProfile, lang: str) -> None:
    for channel in shipped.channels:
        name = _own_text(channel.labels, lang, f"channel {channel.id} name")
        description = _own_text(channel.descriptions, lang, f"channel {channel.id} description")
        assert channel.label(lang) == name
        assert channel.description(lang) == description
        if lang != "en":
            # A sentence copied from English would pass the presence check; it must not.
            assert description != channel.descriptions["en"], (channel.id, lang)


def _check_labels(items: tuple[Labelled, ...], lang: str, what: str) -> None:
    labels = []
    for item in items:
        text = _own_text(item.labels, lang, f"{what} {item.id}")
        assert item.label(lang) == text
        labels.append(text.casefold())
    doubles = [label for label, count in Counter(labels).items() if count > 1]
    assert doubles == [], f"{what} labels shared in {lang!r}: {doubles}"


@pytest.mark.parametrize("lang", GUIDE_LANGUAGES)
def test_category_labels(shipped: OrgProfile, lang: str) -> None:
    _check_labels(shipped.categories, lang, "category")


@pytest.mark.parametrize("lang", GUIDE_LANGUAGES)
def test_option_labels(shipped: OrgProfile, lang: str) -> None:
    _check_labels(shipped.options, lang, "option")


def test_profile_has_no_languages_without_a_guide(shipped: OrgProfile) -> None:
    """Every language the profile carries has a guide (a typo in a key would hide a text)."""
    keys: set[str] = set(shipped.names)
    for channel in shipped.channels:
        keys |= set(channel.labels) | set(channel.descriptions)
    for item in (*shipped.categories, *shipped.options):
        keys |= set(item.labels)
    assert keys - set(GUIDE_LANGUAGES) == set()


def test_contacts_section_shows_channel_names_in_the_guide_language(shipped: OrgProfile) -> None:
    library = GuideLibrary(shipped)
    for lang in GUIDE_LANGUAGES:
        filled = library.filled(library.guide(lang).section(6)).replace("\\", "")
        for channel in shipped.channels:
            assert f"**{channel.label(lang)}**" in filled, (lang, channel.id)
            assert channel.description(lang) in filled, (lang, channel.id)
