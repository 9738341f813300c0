"""platform/terminal.py: what the desk prints of a package can never act on the terminal."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from advisor_desktop.platform.terminal import (
    is_unsafe,
    json_for_terminal,
    safe_for_terminal,
    safe_lines,
)

HOSTILE = "Signed by: Advisor Kyiv\x1b[2K\r\u202eelif\u202c \x9b31m \u2066x\u2069 \x7f\u2028"


def test_controls_and_bidi_are_escaped() -> None:
    shown = safe_for_terminal(HOSTILE)
    for raw in ("\x1b", "\r", "\u202e", "\u202c", "\x9b", "\u2066", "\u2069", "\x7f", "\u2028"):
        assert raw not in shown
    assert "\\u001b[2K" in shown
    assert "\\u202eelif\\u202c" in shown
    assert "\\u009b31m" in shown
    assert shown.startswith("Signed by: Advisor Kyiv")


def test_ordinary_text_is_unchanged() -> None:
    for text in ("Kyiv, Київ, كييف, 基辅", "Ĳsselmeer — naïve", "emoji 👩‍⚕️ stays", ""):
        assert safe_for_terminal(text) == text
    # Joiners and marks that scripts need are not controls.
    assert safe_for_terminal("می\u200cخواهم") == "می\u200cخواهم"


def test_newlines_and_tabs() -> None:
    assert safe_for_terminal("a\nb\tc") == "a\\u000ab\\u0009c"
    assert safe_for_terminal("a\nb\x1b", keep_newlines=True) == "a\nb\\u001b"
    assert safe_lines("one\ntwo\u202e") == ["one", "two\\u202e"]


def test_json_stays_json_with_the_same_values() -> None:
    doc = {"summary": HOSTILE, "n": 1, "list": ["\u2067", "ok"]}
    text = json_for_terminal(doc)
    assert not any(is_unsafe(c) for c in text.replace("\n", ""))
    assert json.loads(text) == doc


@given(st.text())
def test_nothing_unsafe_survives(text: str) -> None:
    shown = safe_for_terminal(text)
    assert not any(is_unsafe(c) for c in shown)


@given(st.recursive(st.text() | st.integers() | st.booleans(), lambda inner: st.lists(inner)))
def test_json_round_trip(doc: object) -> None:
    text = json_for_terminal(doc)
    assert json.loads(text) == doc
    assert not any(is_unsafe(c) for c in text.replace("\n", ""))
