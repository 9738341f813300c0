"""Notices printed with a guide in the guide's own language (``resources/guides/notices.json``):
complete for every guide language, validated, checked, with an English fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advisor_desktop.guides import (
    EXPECTED_LOCALES,
    check_guides,
    language_statuses,
    load_notices,
    page_label,
    review_notice,
    shipped_root,
)
from advisor_desktop.guides.model import discover_languages
from advisor_desktop.guides.notices import ENGLISH, NOTICES_FILE, parse_notices, read_notices
from tests.conftest import CliRunner

ROOT = shipped_root()
SHIPPED = json.loads((ROOT / NOTICES_FILE).read_text(encoding="utf-8"))


def test_every_guide_language_has_its_notice_and_page_label() -> None:
    table = read_notices(ROOT / NOTICES_FILE)
    assert table.issues == ()
    langs = set(EXPECTED_LOCALES) | set(discover_languages(ROOT))
    for lang in sorted(langs):
        strings = table.strings.get(lang, {})
        assert set(strings) == {"not_reviewed", "page"}, lang
        label = table.page_label(lang, 3, 7)
        assert "3" in label, lang
        assert "7" in label, lang
        assert "{" not in label, lang
        if lang != "en":
            # Translated, not copied: neither string is the English one.
            assert strings["not_reviewed"] != ENGLISH["not_reviewed"], lang
            assert strings["page"] != ENGLISH["page"], lang


def test_notices_are_in_their_own_script() -> None:
    samples = {"ar": "\u0600", "fa": "\u0600", "ur": "\u0600", "ps": "\u0600", "hi": "\u0900",
               "bn": "\u0980", "am": "\u1200", "th": "\u0e00", "ru": "\u0400", "uk": "\u0400",
               "zh-Hans": "\u4e00", "ja": "\u3040", "ko": "\uac00"}  # fmt: skip
    for lang, block_start in samples.items():
        text = review_notice(lang)
        base = ord(block_start)
        span = 0x5200 if lang == "zh-Hans" else (0x1000 if lang == "ko" else 0x100)
        assert any(base <= ord(ch) < base + span for ch in text), (lang, text)


def test_fallbacks() -> None:
    assert review_notice("pt-BR") == review_notice("pt")
    assert review_notice("xx") == ENGLISH["not_reviewed"]
    assert page_label("xx", 1, 2) == "Page 1 of 2"
    assert page_label("ar", 2, 9) == "صفحة 2 من 9"


@pytest.fixture
def guides(tmp_path: Path) -> Path:
    """English and French guides with their own copy of the notices file."""
    root = tmp_path / "guides"
    for lang in ("en", "fr"):
        shutil.copytree(ROOT / lang, root / lang)
    write_notices(root, {lang: SHIPPED[lang] for lang in ("en", "fr")})
    assert check_guides(root) == []
    return root


def write_notices(root: Path, doc: object) -> None:
    (root / NOTICES_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_a_folder_without_notices_uses_the_shipped_ones(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    shutil.copytree(ROOT / "en", root / "en")
    shutil.copytree(ROOT / "hi", root / "hi")
    assert check_guides(root) == []
    assert review_notice("hi", root) == SHIPPED["hi"]["not_reviewed"]


def test_check_catches_a_missing_notice(guides: Path) -> None:
    write_notices(guides, {"en": SHIPPED["en"], "fr": {"page": SHIPPED["fr"]["page"]}})
    problems = check_guides(guides)
    assert [(p.lang, p.kind) for p in problems] == [("fr", "missing-notice")]
    assert "not_reviewed" in problems[0].message
    # The guide itself is complete; the notice falls back to English.
    assert {s.lang: s.complete for s in language_statuses(guides)} == {"en": True, "fr": True}
    assert review_notice("fr", guides) == ENGLISH["not_reviewed"]


def test_check_catches_a_language_without_an_entry(guides: Path) -> None:
    write_notices(guides, {"en": SHIPPED["en"]})
    problems = check_guides(guides)
    assert [(p.lang, p.kind) for p in problems] == [("fr", "missing-notice")] * 2


def test_check_catches_a_broken_page_pattern(guides: Path) -> None:
    broken = {"not_reviewed": SHIPPED["fr"]["not_reviewed"], "page": "Page {page} sur {total}"}
    write_notices(guides, {"en": SHIPPED["en"], "fr": broken})
    problems = check_guides(guides)
    assert [(p.lang, p.kind) for p in problems] == [("fr", "bad-notice")]
    assert page_label("fr", 1, 4, guides) == "Page 1 of 4"  # never a KeyError at print time


@pytest.mark.parametrize(
    "page",
    [
        "Page {page}",
        "Page {page} of {pages} {pages}",
        "Page {page!r} of {pages}",
        "Page {page:>3} of {pages}",
        "Page {page} of {pages",
        "Page {0} of {1}",
        "Page {page}\nof {pages}",
        "\u202ePage {page} of {pages}",
        "",
        "x" * 200 + "{page}{pages}",
    ],
)
def test_page_patterns_are_validated(page: str) -> None:
    table = parse_notices(json.dumps({"fr": {"page": page}}))
    assert [(i.lang, i.field) for i in table.issues] == [("fr", "page")]
    assert table.page_label("fr", 1, 2) == "Page 1 of 2"


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '"text"', '{"fr": "Pas relu"}', '{"../x": {}}', '{"fr": {"other": "x"}}'],
)
def test_malformed_files_are_problems_not_crashes(guides: Path, text: str) -> None:
    (guides / NOTICES_FILE).write_text(text, encoding="utf-8")
    kinds = {p.kind for p in check_guides(guides)}
    assert "bad-notice" in kinds
    assert review_notice("fr", guides) == ENGLISH["not_reviewed"]


def test_joiners_are_allowed() -> None:
    # Persian and Indic text uses zero-width (non-)joiners; they are ordinary characters.
    table = parse_notices(json.dumps({"fa": {"not_reviewed": "بازبینی نشده\u200cاست."}}))
    assert table.issues == ()


def test_edits_are_picked_up(guides: Path) -> None:
    assert load_notices(guides).review_notice("fr") == SHIPPED["fr"]["not_reviewed"]
    changed = dict(SHIPPED["fr"], not_reviewed="Pas encore relu.")
    write_notices(guides, {"en": SHIPPED["en"], "fr": changed, "de": SHIPPED["de"]})
    assert review_notice("fr", guides) == "Pas encore relu."


def test_cli_check_reports_a_missing_notice(cli: CliRunner, guides: Path) -> None:
    write_notices(guides, {"en": SHIPPED["en"]})
    result = cli("guides", "check", "--root", str(guides))
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if line.startswith("fr:")]
    assert len(lines) == 2, result.out
    assert NOTICES_FILE in lines[0]
