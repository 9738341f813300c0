"""Consent scopes and the statements in the visitor's language."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from advisor_desktop.protocol.errors import ConsentError
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope
from advisor_desktop.referral.consent import (
    CONTROL_KEYS,
    consent_dir,
    load_statement,
    parse_scopes,
    record_consent,
    statement_languages,
)

GUIDE_LANGUAGES = [
    "nl",
    "en",
    "fr",
    "es",
    "pt",
    "de",
    "ar",
    "fa",
    "ur",
    "ps",
    "zh-Hans",
    "ru",
    "uk",
    "tr",
    "id",
    "hi",
    "bn",
    "sw",
    "am",
    "ja",
    "ko",
    "vi",
    "th",
    "pl",
    "it",
]


def test_parse_scopes() -> None:
    scopes = parse_scopes("category, role,period=quarter,summary")
    assert scopes.scopes == {Scope.CATEGORY, Scope.ROLE, Scope.PERIOD, Scope.SUMMARY}
    assert scopes.period is Granularity.QUARTER
    assert scopes.to_text() == "category,role,period=quarter,summary"
    assert parse_scopes("period").period is Granularity.MONTH
    assert parse_scopes(scopes.to_list()) == scopes
    every = parse_scopes(",".join(s.value for s in Scope))
    assert every.scopes == set(Scope)


@pytest.mark.parametrize("bad", ["", "name", "period=week", "summary=yes", ",,"])
def test_bad_scopes(bad: str) -> None:
    with pytest.raises(ConsentError) as err:
        parse_scopes(bad)
    assert err.value.exit_code == 2


def test_statements_for_every_guide_language() -> None:
    assert set(GUIDE_LANGUAGES) <= set(statement_languages())
    english = json.loads((consent_dir() / "en.json").read_text(encoding="utf-8"))
    for code in statement_languages():
        doc = json.loads((consent_dir() / f"{code}.json").read_text(encoding="utf-8"))
        assert doc["language"] == code
        assert doc["text"].count("{desk}") == 1, code
        assert set(doc["scopes"]) == set(english["scopes"]) == {s.value for s in Scope}
        assert all(v.strip() for v in doc["scopes"].values())
        assert doc["direction"] == ("rtl" if code in ("ar", "fa", "ur", "ps") else "ltr")
        statement = load_statement(code, "The Desk")
        assert "The Desk" in statement.text
        assert "{" not in statement.text


def test_statement_fallbacks_and_errors() -> None:
    assert load_statement("pt-BR", "D").language == "pt"
    assert load_statement("zh-Hans", "D").language == "zh-Hans"
    with pytest.raises(ConsentError):
        load_statement("xx", "D")


def test_consent_record() -> None:
    now = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    statement = load_statement("ru", "Desk")
    record = record_consent(parse_scopes("category,period=day"), statement, "verbal", now)
    assert record.method is ConsentMethod.VERBAL
    assert record.statement_text == statement.text
    # What travels: the time at the period's granularity, no language without its scope.
    assert record.summary() == {
        "scopes": ["category", "period=day"],
        "statement_version": "1",
        "method": "verbal",
        "given": "2026-03-01",
    }
    quarter = record_consent(parse_scopes("language,period=quarter"), statement, "verbal", now)
    assert quarter.summary() == {
        "scopes": ["period=quarter", "language"],
        "language": "ru",
        "statement_version": "1",
        "method": "verbal",
        "given": "2026-Q1",
    }
    bare = record_consent(parse_scopes("category"), statement, "verbal", now).summary()
    assert set(bare) == {"scopes", "statement_version", "method"}
    assert record.given_at == now  # the vault keeps the exact time
    with pytest.raises(ConsentError):
        record_consent(parse_scopes("category"), statement, "telepathy", now)


def test_controls_for_every_statement() -> None:
    """Every language has every visitor-facing control text, distinct and without placeholders."""
    english = json.loads((consent_dir() / "en.json").read_text(encoding="utf-8"))
    assert tuple(english["controls"]) == CONTROL_KEYS
    assert english["controls"]["contact_placeholder"] == "Phone or e-mail"
    languages = statement_languages()
    assert len(languages) >= len(GUIDE_LANGUAGES) == 25
    for code in languages:
        doc = json.loads((consent_dir() / f"{code}.json").read_text(encoding="utf-8"))
        assert tuple(doc["controls"]) == CONTROL_KEYS, code
        texts = doc["controls"].values()
        assert all(isinstance(t, str) and t.strip() == t and t for t in texts), code
        assert not any("{" in t or "}" in t for t in texts), code
        periods = [doc["controls"][k] for k in ("day", "month", "quarter")]
        assert len(set(periods)) == 3, code
        assert doc["controls"]["contact_typed"][-1] in ":：፦", code
        controls = load_statement(code, "D").controls
        assert controls is not None
        assert {k: getattr(controls, k) for k in CONTROL_KEYS} == doc["controls"]
        assert controls.period_label(Granularity.QUARTER) == doc["controls"]["quarter"]
        if code != "en":  # translated, not copied from the source
            assert doc["controls"]["contact_advisor"] != english["controls"]["contact_advisor"]


def test_controls_leave_the_consent_record_alone() -> None:
    """The control texts are labels: the statement's text and version are what is recorded."""
    now = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    for code in ("en", "ar", "zh-Hans"):
        doc = json.loads((consent_dir() / f"{code}.json").read_text(encoding="utf-8"))
        statement = load_statement(code, "Desk")
        record = record_consent(parse_scopes("contact"), statement, "on-screen", now)
        assert record.statement_version == doc["version"] == doc["source_version"]
        assert record.statement_text == doc["text"].replace("{desk}", "Desk")
        assert "controls" not in json.dumps(record.summary())


def _broken_copy(folder: Path, change: Any) -> Path:
    """A statement folder with Dutch (``nl.json``) changed by ``change(doc)``."""
    folder.mkdir()
    shutil.copy(consent_dir() / "en.json", folder / "en.json")
    doc = json.loads((consent_dir() / "nl.json").read_text(encoding="utf-8"))
    change(doc)
    (folder / "nl.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


def _set(key: str, value: object) -> Any:
    return lambda doc: doc["controls"].__setitem__(key, value)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda doc: doc.pop("controls"), "no texts for the consent controls"),
        (lambda doc: doc.__setitem__("controls", ["Dag", "Maand"]), "no texts for the consent"),
        (lambda doc: doc["controls"].pop("quarter"), "(quarter)"),
        (_set("contact_typed", "   "), "(contact_typed)"),
        (_set("day", 3), "(day)"),
        (_set("region_placeholder", None), "(region_placeholder)"),
        (_set("contact_adviser", "Via je vertrouwenspersoon"), "(contact_adviser)"),
    ],
    ids=["missing", "not-an-object", "key-missing", "empty", "number", "null", "unknown-key"],
)
def test_broken_controls_are_refused(tmp_path: Path, change: Any, named: str) -> None:
    folder = _broken_copy(tmp_path / "consent", change)
    assert load_statement("en", "D", folder).controls is not None  # the others still load
    with pytest.raises(ConsentError) as err:
        load_statement("nl", "D", folder)
    assert "nl" in err.value.message
    assert named in err.value.message
    assert "reinstall" in err.value.message
