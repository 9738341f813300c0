"""Likely names that are not on the record's list: a proposal for the advisor to check.

Hints, each cheap and linear: capitalised runs with a known given name or away from a
sentence start; a word after a title (``Mr``, ``Mevr.``, ``Frau``, ``г-н``, ``السيد``);
a surname in capitals; a known given name in lower case with the word after it; a
capitalised word inside a sentence (not in German-like text, where every noun is
capitalised); Chinese surnames with an honorific or in a name's place, Japanese and Korean
names before their honorific; Arabic given names and the family name (``ال…ي``) after them.
The advisor's review is the last word.
"""

from __future__ import annotations

import re

from advisor_desktop.referral.anonymiser.model import Redaction, RedactionKind
from advisor_desktop.referral.anonymiser.normalise import View, fold, fold_word
from advisor_desktop.referral.names import (
    AMBIGUOUS_GIVEN_NAMES,
    ARABIC_PREFIXES,
    ARABIC_STOPWORDS,
    CAPITALS_NOT_NAMES,
    CHINESE_HONORIFICS,
    CHINESE_NAME_AFTER,
    CHINESE_NAME_BEFORE,
    CHINESE_NOT_NAMES,
    CHINESE_SURNAMES,
    GERMAN_CUES,
    GIVEN_NAMES,
    JAPANESE_HONORIFICS,
    KOREAN_HONORIFICS,
    LOWER_CASE_TITLES,
    NAME_PARTICLES,
    NOT_NAMES,
    STOPWORDS,
    TITLES,
)

_WORD = re.compile(r"[^\W\d_]{1,60}(?:['’\-][^\W\d_]{1,60}){0,4}")
_MAX_NAME_WORDS = 6
# Stripped before deciding whether a word starts a sentence: list markers, heading marks,
# dashes, opening quotes and the Spanish opening marks.
_OPENERS = " \u00a0\t-*•–—#>¿¡\"'“‘«„「『"
_SENTENCE_END = '.!?:;\n"“«(['
_GIVEN = frozenset(fold(n) for n in GIVEN_NAMES)
_GIVEN_EXACT = frozenset(GIVEN_NAMES)
_NOT_NAMES = frozenset(fold(n) for n in NOT_NAMES)
_TITLES = frozenset(fold(t) for t in TITLES)
_LOWER_TITLES = frozenset(fold(t) for t in LOWER_CASE_TITLES)
_STOP = frozenset(fold(w) for w in STOPWORDS)
_AR_STOP = frozenset(ARABIC_STOPWORDS)
_CAPS_OK = frozenset(fold(w) for w in CAPITALS_NOT_NAMES)
_GERMAN = frozenset(GERMAN_CUES)
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_JA_NAME = re.compile(rf"(?<![{_HAN}])([{_HAN}]{{1,4}})(?:{'|'.join(JAPANESE_HONORIFICS)})")
_HANGUL = r"\uac00-\ud7a3"
_KO_NAME = re.compile(
    rf"(?<![{_HANGUL}])([{_HANGUL}]{{1,4}}) ?(?:{'|'.join(KOREAN_HONORIFICS)})"
    rf"(?![{_HANGUL}]{{2}})"
)
_ZH_HONORIFIC = re.compile(rf"([{CHINESE_SURNAMES}])(?:{'|'.join(CHINESE_HONORIFICS)})")
_ZH_FAMILIAR = re.compile(rf"(?<![{_HAN}])[老小阿]([{CHINESE_SURNAMES}])(?![{_HAN}]{{2}}[了的])")
_ZH_NAME = re.compile(
    rf"(?:^|(?<=[{CHINESE_NAME_BEFORE}]))([{CHINESE_SURNAMES}][{_HAN}]{{1,2}}?)"
    rf"(?=(?:{'|'.join(CHINESE_NAME_AFTER)}))"
)


def _name(v: View, start: int, end: int) -> Redaction:
    return Redaction(*v.span(start, end), RedactionKind.LIKELY_NAME, "[NAME]")


def _capitalised(word: str) -> bool:
    return len(word) >= 2 and word[0].isupper() and any(c.islower() for c in word[1:])


def _in_capitals(word: str) -> bool:
    return (
        len(word) >= 3
        and word.isupper()
        and all(c.isupper() for c in word if c.isalpha())  # "NGOの職員": not all capitals
        and fold_word(word) not in _CAPS_OK
    )


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def _strip_arabic(word: str) -> str:
    for prefix in ARABIC_PREFIXES:
        if word.startswith(prefix) and word[len(prefix) :] in GIVEN_NAMES:
            return word[len(prefix) :]
    return word


def _sentence_start(text: str, start: int) -> bool:
    """True at the start of a sentence, a line, a list item or a heading."""
    before = text[max(0, start - 40) : start].rstrip(_OPENERS)
    return not before or before[-1] in _SENTENCE_END


def find_likely_names(v: View) -> list[Redaction]:
    """Every likely name in the compatibility view ``v``, in the original text's positions."""
    text = v.text
    words = list(_WORD.finditer(text))
    folded = [fold_word(m.group()) for m in words]
    german = sum(f in _GERMAN for f in folded) >= 2
    in_capitals = sum(_in_capitals(m.group()) for m in words)
    mostly_capitals = in_capitals >= 4 and in_capitals > 0.5 * len(words)
    out: list[Redaction] = []

    def gap_ok(i: int, dots: bool = False) -> bool:
        gap = text[words[i - 1].end() : words[i].start()]
        return gap in (" ", "\u00a0") or (dots and gap in (". ", "."))

    i = 0
    while i < len(words):
        word, f = words[i].group(), folded[i]
        # A word after a title: "Mr Jansen", "mr smith", "Frau Schneider", "السيد الشمري".
        if f.rstrip(".") in _TITLES or f in _TITLES:
            j = i + 1
            while j < len(words) and folded[j] in _TITLES and gap_ok(j, dots=True):
                j += 1
            if (
                j < len(words)
                and gap_ok(j, dots=True)
                and (len(f) > 1 or text[words[i].end() : words[i].end() + 1] == ".")
                and _after_title(words[j].group(), folded[j], f)
            ):
                k = j + 1
                while (
                    k < len(words)
                    and gap_ok(k)
                    and (
                        _capitalised(words[k].group())
                        or _in_capitals(words[k].group())
                        or (_is_arabic(words[k].group()) and _arabic_family(words[k].group()))
                    )
                    and folded[k] not in _NOT_NAMES
                ):
                    k += 1
                out.append(_name(v, words[j].start(), words[k - 1].end()))
                i = k
                continue
        # Capitalised runs (with particles): "Pieter van den Berg", "Maria JANSEN".
        if _capitalised(word) or (_in_capitals(word) and not mostly_capitals):
            run = [i]
            j = i + 1
            while j < len(words) and gap_ok(j) and j - i < _MAX_NAME_WORDS:
                w = words[j].group()
                if _capitalised(w) or (_in_capitals(w) and not mostly_capitals):
                    run.append(j)
                elif folded[j] not in NAME_PARTICLES:
                    break
                j += 1
            while run and run[-1] >= j:
                run.pop()
            if (
                len(run) >= 2
                and folded[run[0]] not in _GIVEN
                and not _in_capitals(words[run[0]].group())
                and _sentence_start(text, words[run[0]].start())
            ):
                run = run[1:]  # "Zie JANSEN": the sentence's first word is not the name
                while run and folded[run[0]] in NAME_PARTICLES:
                    run = run[1:]
            if _run_is_name(text, words, folded, run, german, mostly_capitals):
                out.append(_name(v, words[run[0]].start(), words[run[-1]].end()))
                i = max(run[-1] + 1, i + 1)
                continue
        # A known given name in lower case, and the surname after it.
        if (
            word.islower()
            and word in _GIVEN_EXACT  # as written: "tìm" (Vietnamese) is not "Tim"
            and f not in AMBIGUOUS_GIVEN_NAMES
            and not _is_arabic(word)
        ):
            start, end = words[i].start(), words[i].end()
            k = i + 1
            while k < len(words) and gap_ok(k) and folded[k] in NAME_PARTICLES:
                k += 1
            if k < len(words) and gap_ok(k) and _lower_surname(words[k].group(), folded[k]):
                end = words[k].end()
                i = k
            out.append(_name(v, start, end))
            i += 1
            continue
        # Arabic script has no capitals: common given names, and the family name after them.
        if _is_arabic(word) and _strip_arabic(word) in GIVEN_NAMES:
            start, end = words[i].start(), words[i].end()
            if i + 1 < len(words) and gap_ok(i + 1) and _arabic_family(words[i + 1].group()):
                end = words[i + 1].end()
                i += 1
            out.append(_name(v, start, end))
        i += 1
    out += _cjk_names(v)
    return out


def _lower_surname(word: str, f: str) -> bool:
    return word.islower() and len(f) >= 2 and f not in _STOP and f not in _GIVEN


def _arabic_family(word: str) -> bool:
    """``العتيبي``: the article, and the relation ending ``ي`` (a family or tribe name)."""
    return word.startswith("ال") and word.endswith("ي") and len(word) >= 5 and word not in _AR_STOP


def _after_title(word: str, f: str, title: str) -> bool:
    if f in _NOT_NAMES or f in _STOP:
        return False
    if _is_arabic(word):
        return word not in _AR_STOP and len(word) >= 2
    if _capitalised(word) or _in_capitals(word):
        return True
    return word.islower() and title.rstrip(".") in _LOWER_TITLES and len(word) >= 2


def _run_is_name(
    text: str,
    words: list[re.Match[str]],
    folded: list[str],
    run: list[int],
    german: bool,
    mostly_capitals: bool,
) -> bool:
    if not run:
        return False
    parts = [words[k].group() for k in run]
    keys = [folded[k] for k in run]
    if any(k in _NOT_NAMES for k in keys):
        return False
    start = _sentence_start(text, words[run[0]].start())
    if len(run) == 1 and start and keys[0] in AMBIGUOUS_GIVEN_NAMES:
        return False  # "Mark the date": a verb at the start of a sentence
    if any(k in _GIVEN for k in keys):
        return True
    if not mostly_capitals and any(_in_capitals(p) for p in parts):
        return True
    if start:
        return False
    if len(run) >= 2:
        return not german  # German capitalises its nouns: a run needs a known given name
    # One capitalised word inside a sentence: a surname ("Then Jansen left"), unless every noun
    # is capitalised in this language.
    return not german and len(parts[0]) >= 3


def _cjk_names(v: View) -> list[Redaction]:
    text = v.text
    out = []
    for pattern in (_JA_NAME, _KO_NAME, _ZH_HONORIFIC, _ZH_FAMILIAR, _ZH_NAME):
        for m in pattern.finditer(text):
            if pattern is _ZH_NAME and m.group(1)[:2] in CHINESE_NOT_NAMES:
                continue
            out.append(_name(v, m.start(1), m.end(1)))
    return out
