"""Consent scopes and the statements in the visitor's language."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from advisor_desktop.referral.consent import (
    ConsentMethod,
    Granularity,
    Scope,
    consent_dir,
    load_statement,
    parse_scopes,
    record_consent,
    statement_languages,
)
from advisor_desktop.referral.errors import ConsentError

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
    assert record.summary() == {
        "scopes": ["category", "period=day"],
        "language": "ru",
        "statement_version": "1",
        "method": "verbal",
        "given": "2026-03-01T09:30:00Z",
    }
    with pytest.raises(ConsentError):
        record_consent(parse_scopes("category"), statement, "telepathy", now)
