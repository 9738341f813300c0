"""Typed secret text → secret bytes: one normal form (NFC), one minimum length."""

from __future__ import annotations

import unicodedata

import pytest

from advisor_desktop.crypto.secret_text import (
    MIN_PASSPHRASE_LENGTH,
    SecretText,
    candidate_forms,
    is_long_enough,
    normal_form,
    passphrase_length,
    require_passphrase,
    same_secret,
    secret_bytes,
)
from advisor_desktop.platform.errors import ValidationError

PHRASES = ("Tiếng Việt mật khẩu", "한국어 비밀번호 문장")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("phrase", PHRASES)
def test_nfc_and_nfd_give_identical_bytes(phrase: str) -> None:
    assert nfc(phrase) != nfd(phrase)  # the test means something
    composed, decomposed = secret_bytes(nfc(phrase)), secret_bytes(nfd(phrase))
    assert isinstance(composed, bytearray)
    assert isinstance(decomposed, bytearray)
    assert composed == decomposed == bytearray(nfc(phrase).encode("utf-8"))
    assert normal_form(nfd(phrase)) == nfc(phrase)
    assert same_secret(nfc(phrase), nfd(phrase))
    assert not same_secret(nfc(phrase), nfc(phrase) + "x")


@pytest.mark.parametrize("phrase", PHRASES)
def test_secret_text_tries_the_normal_form_then_the_typed_bytes(phrase: str) -> None:
    typed = SecretText.from_text(nfd(phrase))
    assert [bytes(f) for f in typed.forms] == [
        nfc(phrase).encode("utf-8"),
        nfd(phrase).encode("utf-8"),
    ]
    assert typed.canonical == secret_bytes(phrase)
    assert all(isinstance(f, bytearray) for f in typed.forms)
    # Already in normal form: one candidate only (no second key derivation).
    assert len(SecretText.from_text(nfc(phrase)).forms) == 1


def test_secret_text_is_wiped_and_never_shown() -> None:
    typed = SecretText.from_text(nfd(PHRASES[0]))
    forms = typed.forms
    assert "Vi" not in repr(typed)
    assert nfc(PHRASES[0]).encode() not in repr(typed).encode()
    with typed:
        pass
    assert all(set(form) <= {0} for form in forms)


def test_exact_bytes_are_one_candidate_taken_as_they_are() -> None:
    raw = bytearray(nfd(PHRASES[1]).encode("utf-8"))
    assert candidate_forms(raw) == (raw,)
    assert candidate_forms(raw)[0] is raw
    typed = SecretText.from_text(PHRASES[1])
    assert candidate_forms(typed) == typed.forms


def test_the_minimum_length_counts_characters_of_the_normal_form() -> None:
    assert MIN_PASSPHRASE_LENGTH == 8
    seven = "비밀번호문장입"  # 7 syllables: 21 bytes in UTF-8, 17 code points when decomposed
    eight = seven + "니"
    for text in (nfc(seven), nfd(seven)):
        assert not is_long_enough(text)
        with pytest.raises(ValidationError):
            require_passphrase(secret_bytes(text))
        with pytest.raises(ValidationError):
            require_passphrase(SecretText.from_text(text))
    for text in (nfc(eight), nfd(eight)):
        assert is_long_enough(text)
        require_passphrase(secret_bytes(text))
        assert passphrase_length(secret_bytes(text)) == 8


def test_surrounding_spaces_do_not_count() -> None:
    assert not is_long_enough("   short   ")
    assert not is_long_enough(" " * 20)
    assert is_long_enough("  eight ch  ")
    assert passphrase_length(bytearray(b"  ab cd  ")) == 5
    with pytest.raises(ValidationError, match="8"):
        require_passphrase(bytearray(b"1234567"))
