"""Highlight spans and text direction of a note, as the search and the list use them."""

from __future__ import annotations

from advisor_desktop.platform.textnorm import match_spans, text_direction


def test_spans_ignore_case_and_marks_and_point_into_the_original() -> None:
    text = "Meeting with José about the Café rota"
    spans = match_spans(text, "jose CAFE")
    assert [text[a:b] for a, b in spans] == ["José", "Café"]


def test_spans_merge_and_prefix() -> None:
    text = "harassment and harass"
    assert [text[a:b] for a, b in match_spans(text, "harass")] == ["harass", "harass"]
    assert match_spans(text, "ment harassment") == [(0, 10)]


def test_spans_of_nothing() -> None:
    assert match_spans("anything", "") == []
    assert match_spans("anything", "!!") == []
    assert match_spans("", "a") == []


def test_arabic_marks_and_expanding_folds() -> None:
    text = "مُدِير Straße"
    assert [text[a:b] for a, b in match_spans(text, "مدير")] == ["مُدِير"]
    assert [text[a:b] for a, b in match_spans(text, "strasse")] == ["Straße"]


def test_direction_follows_first_strong_character() -> None:
    assert text_direction("12. Meeting about the rota.") == "ltr"
    assert text_direction("٣ اجتماع. Meeting") == "rtl"
    assert text_direction("שלום") == "rtl"
    assert text_direction("123 …") is None
