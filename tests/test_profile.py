"""The organisation profile: the shipped one loads; malformed ones name the bad field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.protocol.profile import (
    CHANNEL_IDS,
    default_profile_path,
    load_profile,
    parse_profile,
)

from .conftest import CliRunner

CATEGORY_IDS = [
    "sexual-harassment",
    "discrimination",
    "bullying",
    "aggression",
    "abuse-of-power",
    "fraud",
    "conflict-of-interest",
    "misuse-of-information",
    "other",
]
OPTION_IDS = [
    "manager",
    "central-desk",
    "external-reporting-point",
    "external-support-point",
    "informal-conversation",
    "mediation",
    "formal-report",
    "no-action",
]


@pytest.fixture
def doc() -> dict[str, Any]:
    return json.loads(default_profile_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_shipped_profile_loads() -> None:
    profile = load_profile()
    assert [c.id for c in profile.channels] == list(CHANNEL_IDS)
    assert [c.id for c in profile.categories] == CATEGORY_IDS
    assert [o.id for o in profile.options] == OPTION_IDS
    assert profile.retention.months_after_close == 24
    assert profile.retention.warn_days == 30
    assert profile.category("bullying").label("en") == "Bullying"
    assert profile.category("bullying").label("nl") == "Pesten"
    assert profile.category("bullying").label("nl-BE") == "Pesten"  # base language
    assert profile.category("bullying").label("xx") == "Bullying"  # English fallback
    assert profile.category("bullying").label("ar") not in ("", "Bullying")
    assert profile.channel("external-support-point").kind == "external"
    assert "NGO" in profile.channel("external-support-point").description("en")
    assert profile.name("en")
    with pytest.raises(KeyError):
        profile.category("nope")


def test_round_trip_through_vault_json() -> None:
    profile = load_profile()
    again = parse_profile(profile.to_json())
    assert again == profile


def _fails(doc: Any, *fragments: str) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        parse_profile(json.dumps(doc))
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "\n" not in message
    return info.value


def test_bad_json_names_the_line() -> None:
    with pytest.raises(ProfileError, match=r"not valid JSON.*line 3"):
        parse_profile('{\n  "format": "advisor-desktop-profile",\n  "version": 1,,\n}')


@pytest.mark.parametrize("channel", CHANNEL_IDS)
def test_missing_channel(doc: dict[str, Any], channel: str) -> None:
    doc["channels"] = [c for c in doc["channels"] if c["id"] != channel]
    _fails(doc, "channels", channel)


@pytest.mark.parametrize("section", ["channels", "categories", "options"])
def test_duplicate_ids(doc: dict[str, Any], section: str) -> None:
    doc[section].append(copy.deepcopy(doc[section][0]))
    _fails(doc, section, "unique")


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["categories"][2]["label"].pop("en"), "categories[2].label"),
        (lambda d: d["options"][0]["label"].pop("en"), "options[0].label"),
        (lambda d: d["channels"][1]["name"].pop("en"), "channels[1].name"),
        (lambda d: d["name"].pop("en"), "name"),
        (lambda d: d["channels"][0]["description"].pop("en"), "channels[0].description"),
    ],
)
def test_missing_english_label(doc: dict[str, Any], mutate: Any, where: str) -> None:
    mutate(doc)
    _fails(doc, where, "'en'")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"format": "something-else"}, "format"),
        ({"format": None}, "format"),
        ({"version": 2}, "version"),
        ({"version": 0}, "version"),
        ({"version": "1"}, "version"),
        ({"version": None}, "version"),
    ],
)
def test_wrong_format_or_version(doc: dict[str, Any], change: dict[str, Any], where: str) -> None:
    doc.update(change)
    _fails(doc, where)


@pytest.mark.parametrize(
    ("retention", "where"),
    [
        ({"months_after_close": 0}, "retention.months_after_close"),
        ({"months_after_close": 241}, "retention.months_after_close"),
        ({"months_after_close": "24"}, "retention.months_after_close"),
        ({"months_after_close": 12.5}, "retention.months_after_close"),
        ({"warn_days": -1}, "retention.warn_days"),
        ({"warn_days": 366}, "retention.warn_days"),
        ({"warn_days": None}, "retention.warn_days"),
        ("24 months", "retention"),
    ],
)
def test_bad_retention(doc: dict[str, Any], retention: Any, where: str) -> None:
    doc["retention"] = retention
    _fails(doc, where)


def test_retention_defaults(doc: dict[str, Any]) -> None:
    del doc["retention"]
    profile = parse_profile(json.dumps(doc))
    assert (profile.retention.months_after_close, profile.retention.warn_days) == (24, 30)
    doc["retention"] = {"months_after_close": 6, "warn_days": 0}
    assert parse_profile(json.dumps(doc)).retention.months_after_close == 6


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d.__setitem__("categories", []), "categories"),
        (lambda d: d.__setitem__("options", "manager"), "options"),
        (lambda d: d.pop("channels"), "channels"),
        (lambda d: d["categories"].__setitem__(1, "bullying"), "categories[1]"),
        (lambda d: d["categories"][1].__setitem__("id", "Bad Id!"), "categories[1].id"),
        (lambda d: d["categories"][1].__setitem__("id", ""), "categories[1].id"),
        (lambda d: d["categories"][1]["label"].__setitem__("en", ""), "categories[1].label.en"),
        (lambda d: d["categories"][1]["label"].__setitem__("en", "x" * 2001), "label.en"),
        (lambda d: d.__setitem__("id", "ünïcode"), "id"),
        (lambda d: d.__setitem__("desks", {}), "desks"),
        (lambda d: d.__setitem__("desks", [{"name": "Desk"}]), "desks[0].age_recipient"),
        (lambda d: d["channels"][0].__setitem__("contact", []), "channels[0].contact"),
    ],
)
def test_other_malformed_fields(doc: dict[str, Any], mutate: Any, where: str) -> None:
    mutate(doc)
    _fails(doc, where)


@pytest.mark.parametrize("top", [[], "profile", 3, None])
def test_not_an_object(top: Any) -> None:
    _fails(top, "(top)")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"missing\.json"):
        load_profile(tmp_path / "missing.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"name": "Minist\xe8re"}'.encode("latin-1"))
    with pytest.raises(ProfileError, match=r"latin\.json"):
        load_profile(latin)


def test_cli_init_with_bad_profile(cli: CliRunner, tmp_path: Path, doc: dict[str, Any]) -> None:
    doc["retention"] = {"months_after_close": 999}
    bad = tmp_path / "bad-profile.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    r = cli("init", "--profile", str(bad))
    assert r.code == 1
    assert "retention.months_after_close" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert not (cli.data_dir / "vault.db").exists()


def test_cli_init_with_custom_profile(cli: CliRunner, tmp_path: Path, doc: dict[str, Any]) -> None:
    doc["categories"].append({"id": "visa-pressure", "label": {"en": "Visa pressure"}})
    doc["retention"] = {"months_after_close": 12, "warn_days": 10}
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps(doc), encoding="utf-8")
    assert cli("init", "--profile", str(custom)).code == 0
    # The profile is stored inside the vault: changing the file later changes nothing.
    custom.write_text("{}", encoding="utf-8")
    export = tmp_path / "x.csv"
    export.write_text(
        "date,channel,role,categories,options,agreed,follow_up,status,language,notes\n"
        "2026-01-01,phone,hq,Visa pressure,,,,closed,en,x\n",
        encoding="utf-8",
    )
    r = cli("import", str(export))
    assert r.code == 0, r.err
    shown = json.loads(cli("show", "1", "--json").out)
    assert shown["categories"] == ["visa-pressure"]
    assert shown["purge_date"] is not None
    closed = shown["closed_at"][:10]
    year, month = int(closed[:4]), int(closed[5:7])
    assert shown["purge_date"][:7] == f"{year + 1}-{month:02d}"  # 12 months after closing
