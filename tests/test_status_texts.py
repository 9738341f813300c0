"""The visitor-facing status texts: complete in every guide language, same keys as English."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from advisor_desktop.platform.languages import GUIDE_LANGUAGES, is_rtl
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.referral.status_texts import (
    OUTCOME_KEYS,
    STATE_KEYS,
    STEP_KEYS,
    StatusLanguageUnknown,
    StatusTextsError,
    load_status_texts,
    status_dir,
    status_languages,
)


def _keys(doc: Any, prefix: str = "") -> set[str]:
    if not isinstance(doc, dict):
        return {prefix}
    out: set[str] = set()
    for key, value in doc.items():
        out |= _keys(value, f"{prefix}{key}.")
    return out


def _doc(code: str) -> dict[str, Any]:
    return dict(json.loads((status_dir() / f"{code}.json").read_text(encoding="utf-8")))


def test_every_guide_language_has_complete_texts() -> None:
    assert set(status_languages()) == set(GUIDE_LANGUAGES)
    english = _keys(_doc("en"))
    assert len(GUIDE_LANGUAGES) == 25
    for code in GUIDE_LANGUAGES:
        doc = _doc(code)
        assert _keys(doc) == english, code
        assert doc["language"] == code
        assert doc["direction"] == ("rtl" if is_rtl(code) else "ltr"), code
        texts = load_status_texts(code)
        assert texts.rtl is is_rtl(code)
        assert set(texts.states) == set(STATE_KEYS)
        assert set(texts.outcomes) == set(OUTCOME_KEYS) == {o.value for o in Outcome}
        assert set(texts.steps) == set(STEP_KEYS)
        every = [texts.title, texts.date_line, texts.desk_message, texts.footer]
        every += list(texts.steps.values())
        every += [t.heading for t in (*texts.states.values(), *texts.outcomes.values())]
        every += [t.text for t in (*texts.states.values(), *texts.outcomes.values())]
        assert all(t.strip() for t in every), code
        assert "{date}" in texts.date_line
        assert texts.since("3 May") != texts.date_line


def test_translations_are_not_english() -> None:
    english = load_status_texts("en")
    for code in GUIDE_LANGUAGES:
        if code == "en":
            continue
        texts = load_status_texts(code)
        for key in STATE_KEYS:
            assert texts.states[key].text != english.states[key].text, (code, key)
        for key in OUTCOME_KEYS:
            assert texts.outcomes[key].text != english.outcomes[key].text, (code, key)


def test_texts_are_short() -> None:
    for code in GUIDE_LANGUAGES:
        texts = load_status_texts(code)
        for entry in (*texts.states.values(), *texts.outcomes.values()):
            assert len(entry.text) <= 400, (code, entry.heading)


def test_every_desk_state_has_a_text() -> None:
    texts = load_status_texts("nl")
    for state in ReferralState:
        if state is ReferralState.CLOSED:
            for outcome in Outcome:
                assert texts.for_status(state, outcome) is texts.outcomes[outcome.value]
        else:
            assert texts.for_status(state) is texts.states[state.value]
    assert texts.for_status(None).heading == "Je melding is onderweg"
    assert texts.for_status(None, delivered=True).heading == "Je melding is aangekomen"
    assert texts.for_status(ReferralState.CLOSED, None) is texts.outcomes["other"]


def test_the_path_marks_where_the_report_is() -> None:
    texts = load_status_texts("en")
    path = texts.path(ReferralState.IN_ASSESSMENT)
    assert [s.key for s in path] == ["sent", "received", "in-assessment", "closed"]
    assert [s.current for s in path] == [False, False, True, False]
    assert [s.done for s in path] == [True, True, False, False]
    passed = texts.path(ReferralState.REFERRED_ON)
    assert [s.key for s in passed] == ["sent", "received", "referred-on", "closed"]
    assert [s.key for s in texts.path(None) if s.current] == ["sent"]
    assert [s.key for s in texts.path(None, delivered=True) if s.current] == ["received"]
    assert all(s.done for s in texts.path(ReferralState.CLOSED)[:-1])


def test_language_spellings_and_base_language() -> None:
    assert load_status_texts("zh_hans").language == "zh-Hans"
    assert load_status_texts("pt-BR").language == "pt"
    with pytest.raises(StatusLanguageUnknown) as err:
        load_status_texts("xx")
    assert err.value.exit_code == 2


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "status"
    shutil.copytree(status_dir(), folder)
    return folder


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["outcomes"].pop("mediation"),
        lambda d: d["states"]["received"].update(text="  "),
        lambda d: d["steps"].update(extra="x"),
        lambda d: d.update(footer=None),
        lambda d: d.update(date_line="Since then"),
        lambda d: d["states"]["delivered"].update(heading="On {date}"),
        lambda d: d.update(direction="up"),
        lambda d: d["outcomes"]["other"].update(note="x"),
        lambda d: d.pop("states"),
    ],
)
def test_an_incomplete_file_is_refused(tmp_path: Path, damage: Any) -> None:
    folder = _copy(tmp_path)
    doc = json.loads((folder / "fr.json").read_text(encoding="utf-8"))
    damage(doc)
    (folder / "fr.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(StatusTextsError) as err:
        load_status_texts("fr", folder)
    assert err.value.exit_code == 1
    assert "reinstall" in str(err.value)
    load_status_texts("de", folder)


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "ar.json").write_bytes(b"{not json")
    with pytest.raises(StatusTextsError):
        load_status_texts("ar", folder)
