"""Guides core: the completeness check over the real guides and on broken copies, placeholders,
language metadata and search."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from advisor_desktop.guides import (
    EXPECTED_LOCALES,
    GuideLibrary,
    check_guides,
    fill_placeholders,
    language_info,
    language_statuses,
    load_guide,
    markdown_to_text,
    search_guide,
    shipped_root,
)
from advisor_desktop.guides.errors import GuideError
from advisor_desktop.guides.model import parse_section
from advisor_desktop.protocol.profile import OrgProfile, parse_profile

ROOT = shipped_root()


def test_real_guides_are_complete_for_every_language_present() -> None:
    problems = check_guides(ROOT)
    assert problems == [], "\n".join(map(str, problems))


def test_all_promised_languages_exist() -> None:
    present = {p.name for p in ROOT.iterdir() if p.is_dir()}
    missing = [code for code in EXPECTED_LOCALES if code not in present]
    assert missing == [], f"guide languages still missing: {missing}"
    assert len(EXPECTED_LOCALES) == 25


@pytest.fixture
def guides(tmp_path: Path) -> Path:
    """A writable copy of the English and one other shipped guide."""
    root = tmp_path / "guides"
    other = next(c for c in ("fr", "nl", "de") if (ROOT / c).is_dir())
    for lang in ("en", other):
        shutil.copytree(ROOT / lang, root / lang)
    if other != "fr":
        (root / other).rename(root / "fr")
        for path in (root / "fr").iterdir():
            path.write_text(path.read_text().replace(f"lang: {other}", "lang: fr"))
    assert check_guides(root) == []
    return root


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def kinds(root: Path) -> set[str]:
    return {p.kind for p in check_guides(root)}


def test_check_catches_missing_section(guides: Path) -> None:
    (guides / "fr" / "03-after-report.md").unlink()
    problems = check_guides(guides)
    assert [(p.lang, p.section, p.kind) for p in problems] == [("fr", 3, "missing-section")]


def test_check_catches_changed_headings(guides: Path) -> None:
    path = guides / "fr" / "01-advisor.md"
    text = path.read_text(encoding="utf-8")
    second = next(line for line in text.splitlines() if line.startswith("## "))
    _edit(path, second, "#" + second)
    assert kinds(guides) == {"headings"}


def test_check_catches_dropped_heading(guides: Path) -> None:
    path = guides / "fr" / "02-options.md"
    text = path.read_text(encoding="utf-8")
    second = next(line for line in text.splitlines() if line.startswith("## "))
    _edit(path, second, second.removeprefix("## "))
    assert kinds(guides) == {"headings"}


def test_check_catches_missing_placeholder(guides: Path) -> None:
    _edit(guides / "fr" / "06-contacts.md", "{{contact:manager}}", "")
    problems = check_guides(guides)
    assert [p.kind for p in problems] == ["placeholders"]
    assert "contact:manager" in problems[0].message


def test_check_catches_inline_and_unknown_placeholder(guides: Path) -> None:
    _edit(guides / "fr" / "06-contacts.md", "{{contact:manager}}", "Voir {{contact:manager}}")
    _edit(guides / "en" / "05-topics.md", "# Topics", "# Topics\n\n{{contact:nobody}}")
    found = kinds(guides)
    assert {"placeholder-inline", "unknown-placeholder"} <= found


def test_check_catches_stale_translation(guides: Path) -> None:
    for path in (guides / "en").iterdir():
        _edit(path, "source_version: 1", "source_version: 2")
    for path in (guides / "fr").iterdir():
        if path.name != "04-protection.md":
            _edit(path, "source_version: 1", "source_version: 2")
    problems = check_guides(guides)
    assert [(p.lang, p.section, p.kind) for p in problems] == [("fr", 4, "stale")]
    status = {s.lang: s for s in language_statuses(guides)}
    assert status["fr"].stale
    assert not status["en"].stale


def test_check_catches_bad_front_matter_and_forbidden_markup(guides: Path) -> None:
    _edit(guides / "fr" / "01-advisor.md", "review: machine", "review: maybe")
    _edit(guides / "fr" / "02-options.md", "lang: fr", "lang: es")
    _edit(guides / "fr" / "05-topics.md", "\n\n", "\n\n<b>x</b> [a](http://x)\n\n")
    found = kinds(guides)
    assert {"malformed", "wrong-lang", "forbidden-html", "forbidden-link"} <= found


def test_check_reports_missing_required_language(guides: Path) -> None:
    problems = check_guides(guides, required=["en", "fr", "am"])
    assert [(p.lang, p.kind) for p in problems] == [("am", "missing-language")]


@pytest.mark.parametrize(
    "text",
    [
        "no front matter",
        "---\nlang: en\nsection: 1\n",
        "---\nlang: en\nsection: x\nsource_version: 1\nreview: machine\n---\n# T\n",
        "---\nlang: en\nsection: 1\nreview: machine\n---\n# T\n",
    ],
)
def test_parse_rejects_malformed_files(text: str) -> None:
    with pytest.raises(GuideError):
        parse_section(text, Path("en/01-advisor.md"))


def test_language_metadata_uses_own_names_and_direction() -> None:
    assert language_info("zh-Hans").own_name == "中文 (简体)"
    assert language_info("am").own_name == "አማርኛ"
    assert language_info("fr").own_name == "Français"
    assert language_info("hi").own_name == "हिन्दी"
    for code in ("ar", "fa", "ur", "ps"):
        assert language_info(code).rtl
        assert language_info(code).direction == "rtl"
    assert not language_info("en").rtl
    assert language_info("xx-Qqqq").own_name == "xx-Qqqq"


PROFILE_WITH_CONTACTS = """{
 "format": "advisor-desktop-profile", "version": 1, "id": "t",
 "name": {"en": "Test ministry"},
 "channels": [
  {"id": "manager", "name": {"en": "Your manager", "fr": "Votre responsable"}, "contact": {}},
  {"id": "central-desk", "name": {"en": "Central desk"},
   "description": {"en": "Independent *and* confidential."},
   "contact": {"email": "desk_1@example.org", "phone": "+31 70 000 0000", "hours": ""}},
  {"id": "external-reporting-point", "name": {"en": "External point"}, "contact": {}},
  {"id": "external-support-point", "name": {"en": "Support point"}, "contact": {}},
  {"id": "confidential-advisor", "name": {"en": "Advisor"},
   "contact": {"email": "", "phone": ""}}
 ],
 "categories": [{"id": "other", "label": {"en": "Other"}}],
 "options": [{"id": "no-action", "label": {"en": "No action"}}]
}"""


@pytest.fixture
def contact_profile() -> OrgProfile:
    return parse_profile(PROFILE_WITH_CONTACTS)


def test_placeholders_are_filled_from_the_profile(contact_profile: OrgProfile) -> None:
    body = (
        "# C\n\n{{contact:central-desk}}\n\n{{contact:manager}}\n\n"
        "{{contact:confidential-advisor}}\n"
    )
    filled = fill_placeholders(body, contact_profile, "fr")
    assert "{{" not in filled
    assert "**Central desk**" in filled
    assert r"Independent \*and\* confidential." in filled  # profile text is data, not markup
    assert r"desk\_1@example.org" in filled
    assert "\\+31 70 000 0000" in filled
    assert "**Votre responsable**" in filled  # localized name where the profile has one
    assert "**Advisor**\n" in filled  # all contact fields empty: name only, no empty lines
    text = markdown_to_text(filled)
    assert "desk_1@example.org" in text
    assert "+31 70 000 0000" in text
    assert "**" not in text


def test_rtl_contact_values_are_isolated(contact_profile: OrgProfile) -> None:
    filled = fill_placeholders("{{contact:central-desk}}\n", contact_profile, "ar")
    assert "\u2066+31 70 000 0000\u2069" in filled
    assert "\u2066" not in markdown_to_text(filled)


def test_every_language_fills_section_six(profile: OrgProfile) -> None:
    library = GuideLibrary(profile)
    for info in library.languages():
        filled = library.filled(library.guide(info.code).section(6))
        assert "{{" not in filled
        assert profile.channel("central-desk").label(info.code) in filled.replace("\\", "")


def test_search_within_a_guide() -> None:
    guide = load_guide(ROOT, "en")
    hits = search_guide(guide, "MEDIATION")
    assert hits
    assert {h.section for h in hits} >= {2}
    assert all("mediat" in h.snippet.lower() or "mediat" in h.heading.lower() for h in hits)
    assert search_guide(guide, "   ") == []
    assert search_guide(guide, "xyzzy-nothing") == []


def test_search_is_accent_insensitive_and_works_without_spaces() -> None:
    if (ROOT / "fr").is_dir():
        assert search_guide(load_guide(ROOT, "fr"), "mediation")
    if (ROOT / "zh-Hans").is_dir():
        guide = load_guide(ROOT, "zh-Hans")
        word = guide.section(2).title[:2]
        assert search_guide(guide, word)


def test_library_lists_languages_in_documented_order(profile: OrgProfile) -> None:
    codes = [info.code for info in GuideLibrary(profile).languages()]
    assert codes[0] == "en"
    assert codes == sorted(codes, key=EXPECTED_LOCALES.index)
