"""Normal forms of free text for matching, each with a map back to the original text.

Two views of a text are built once per proposal, in one pass each:

- :func:`compat_view`: compatibility form (NFKC per character: fullwidth letters and digits,
  ligatures, the fullwidth ``＠``), invisible characters left out. The contact, number and date
  detectors read this view.
- :func:`fold_view`: for names: the compatibility form case-folded, diacritics and Arabic marks
  (harakat) removed, tatweel and invisible characters removed, a few letters without a
  decomposition mapped (``ł`` → ``l``, ``ی`` → ``ي``; not ``ى``, which would make the word
  ``على`` the name ``علي``), whitespace runs collapsed to one space.

``index[k]`` is the position in the original text of the view's ``k``-th character, so a match
``[s, e)`` in a view is ``[index[s], index[e - 1] + 1)`` in the original (see
:meth:`View.span`).

Invisible characters: every format character (Unicode category Cf: zero-width space, joiners,
soft hyphen, word joiner, byte-order mark, direction marks and embeddings, Mongolian vowel
separator, tags) and the other default-ignorable code points (variation selectors, Hangul
fillers, the combining grapheme joiner). They are removed from everything the referral carries
(:func:`strip_invisible`), except the two joiners where a script needs them: ZWNJ/ZWJ between
letters of a joining or Indic script (Persian ``می‌خواهم``), ZWJ inside an emoji sequence, and a
variation selector right after a symbol or an ideograph. What is kept is shown, never hidden:
:func:`reveal_invisible` writes each invisible character as a visible marker (``⟨ZWNJ⟩``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

ZWNJ = "\u200c"
ZWJ = "\u200d"

# Default-ignorable code points that are not format characters (DerivedCoreProperties.txt).
_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
)

# Scripts in which ZWNJ/ZWJ change how a word is written (kept between their letters).
_JOINING_RANGES: tuple[tuple[int, int], ...] = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, NKo, Arabic Extended
    (0x0900, 0x0DFF),  # Devanagari … Sinhala
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0xA840, 0xA87F),  # Phags-pa
    (0xFB50, 0xFDFF),  # Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
)

MARKER_NAMES: dict[str, str] = {
    "\u00ad": "SHY",
    "\u061c": "ALM",
    "\u180e": "MVS",
    "\u200b": "ZWSP",
    ZWNJ: "ZWNJ",
    ZWJ: "ZWJ",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2060": "WJ",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
    "\ufeff": "BOM",
}

# Letters with no canonical decomposition that people write without their mark.
_LETTER_MAP: dict[str, str] = {
    "ł": "l",
    "đ": "d",
    "ø": "o",
    "ı": "i",
    "ħ": "h",
    "ŀ": "l",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ی": "ي",  # Farsi yeh
    "ک": "ك",  # keheh
    "ة": "ه",  # teh marbuta
    "ٱ": "ا",  # alef wasla
}
TATWEEL = "\u0640"
WHITESPACE = frozenset(" \t\n\r\f\v\u00a0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)


def _in_ranges(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


@functools.lru_cache(maxsize=4096)
def is_invisible(ch: str) -> bool:
    """True for a format character or another default-ignorable code point."""
    return unicodedata.category(ch) == "Cf" or _in_ranges(ord(ch), _IGNORABLE_RANGES)


def _joins(ch: str) -> bool:
    return _in_ranges(ord(ch), _JOINING_RANGES) and unicodedata.category(ch)[0] in "LM"


def _emoji_like(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or 0x1F000 <= ord(ch) <= 0x1FAFF


def needed_invisible(text: str, i: int) -> bool:
    """True when the invisible ``text[i]`` is part of how its word is written (kept)."""
    ch = text[i]
    before = _previous_visible(text, i)
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch in (ZWNJ, ZWJ) and before and after:
        if _joins(before) and _joins(after):
            return True
        if ch == ZWJ and _emoji_like(before) and _emoji_like(after):
            return True
    if 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
        return bool(before) and (
            _emoji_like(before) or (unicodedata.category(before) == "Lo" and ord(before) >= 0x3400)
        )
    return False


def _previous_visible(text: str, i: int) -> str:
    # One step back, over a variation selector (👩️‍💻): bounded, not a scan.
    j = i - 1
    if j >= 0 and 0xFE00 <= ord(text[j]) <= 0xFE0F:
        j -= 1
    return text[j] if j >= 0 else ""


# Format characters outside the Basic Multilingual Plane (the BMP ones are found by category).
_SUPPLEMENTARY_FORMAT = ((0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
                         (0x1D173, 0x1D17A), (0xE0001, 0xE0001))  # fmt: skip


@functools.lru_cache(maxsize=1)
def _invisible_pattern() -> re.Pattern[str]:
    codes = [c for c in range(0x80, 0x10000) if is_invisible(chr(c))]
    ranges = [*_IGNORABLE_RANGES, *_SUPPLEMENTARY_FORMAT]
    codes += [c for lo, hi in ranges if lo > 0xFFFF for c in range(lo, hi + 1)]
    return re.compile(_char_class(sorted(set(codes))))


def invisible_positions(text: str) -> list[int]:
    """Positions of every invisible character of ``text`` (kept or not)."""
    if text.isascii():
        return []
    return [m.start() for m in _invisible_pattern().finditer(text)]


def removable_positions(text: str) -> list[int]:
    """Positions of the invisible characters that do not travel (all but the needed ones)."""
    return [i for i in invisible_positions(text) if not needed_invisible(text, i)]


def strip_invisible(text: str) -> str:
    """``text`` without the invisible characters that do not travel."""
    drop = removable_positions(text)
    if not drop:
        return text
    out, pos = [], 0
    for i in drop:
        out.append(text[pos:i])
        pos = i + 1
    out.append(text[pos:])
    return "".join(out)


def marker(ch: str) -> str:
    """The visible marker for an invisible character (``⟨ZWSP⟩``, ``⟨U+E0041⟩``)."""
    name = MARKER_NAMES.get(ch)
    if name is None:
        name = f"VS{ord(ch) - 0xFE00 + 1}" if 0xFE00 <= ord(ch) <= 0xFE0F else f"U+{ord(ch):04X}"
    return f"⟨{name}⟩"


def reveal_invisible(text: str) -> str:
    """``text`` with every invisible character written as its visible marker."""
    positions = set(invisible_positions(text))
    if not positions:
        return text
    return "".join(marker(ch) if i in positions else ch for i, ch in enumerate(text))


@dataclass(frozen=True)
class View:
    """A normal form of a text and, for each of its characters, the original position."""

    text: str
    index: Sequence[int]
    source_length: int

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the view's ``[start, end)`` (``end > start``)."""
        return self.index[start], self.index[end - 1] + 1


# Runs the views copy as they are (printable ASCII), whitespace runs, and any other character.
_CHUNKS = re.compile(r"[ -~]{1,4096}|\s{1,4096}|[^ -~\s]")


# Scripts copied in runs when their characters are already in compatibility form / fold to one
# character (most text is), so only the rest goes one character at a time.
_FAST_RANGES = (
    (0x20, 0x7E), (0xC0, 0x24F), (0x370, 0x3FF), (0x400, 0x52F), (0x531, 0x58A),
    (0x5D0, 0x5EA), (0x621, 0x64A), (0x660, 0x669), (0x671, 0x6D3), (0x900, 0xD7F),
    (0xE00, 0xE7F), (0x10A0, 0x10FF), (0x1200, 0x137F), (0x1E00, 0x1EFF), (0x3041, 0x30FF),
    (0x4E00, 0x9FFF), (0xAC00, 0xD7A3),
)  # fmt: skip


def _char_class(codes: list[int]) -> str:
    parts: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        lo, hi = chr(start), chr(prev)
        parts.append(re.escape(lo) if start == prev else f"{re.escape(lo)}-{re.escape(hi)}")
        start = prev = code
    return "[" + "".join(parts) + "]"


@functools.lru_cache(maxsize=1)
def _fast_paths() -> tuple[re.Pattern[str], re.Pattern[str], dict[int, str]]:
    compat: list[int] = []
    folds: dict[int, str] = {}
    for lo, hi in _FAST_RANGES:
        for code in range(lo, hi + 1):
            ch = chr(code)
            category = unicodedata.category(ch)
            if is_invisible(ch) or ch == TATWEEL or category == "Cn":
                continue
            if category == "Mn" and (code < 0x0900 or fold_char(ch) != ch):
                continue  # a diacritic the folded form drops
            if unicodedata.normalize("NFKC", ch) == ch:
                compat.append(code)
                form = ch.lower() if ch.isascii() else fold_char(ch)
                if len(form) == 1 and (form != " " or ch == " "):
                    folds[code] = form
    fold_class = _char_class(sorted(folds))
    chunks = rf"{_char_class(compat)}{{1,4096}}|\s{{1,4096}}|[^ -~\s]"
    fold_chunks = rf"{fold_class}{{1,4096}}|\s{{1,4096}}|[^ -~\s]|[ -~]"
    return re.compile(chunks), re.compile(fold_chunks), folds


def compat_view(text: str) -> View:
    """Compatibility form, invisible characters left out; one original position per character."""
    out: list[str] = []
    index: list[int] = []
    chunks, _fold_chunks, _table = _fast_paths()
    for m in chunks.finditer(text):
        chunk, start = m.group(), m.start()
        if len(chunk) > 1 or chunk.isascii():
            out.append(chunk)
            index.extend(range(start, m.end()))
            continue
        if is_invisible(chunk):
            continue
        form = _compat_char(chunk)
        out.append(form)
        index.append(start)
    return View("".join(out), index, len(text))


@functools.lru_cache(maxsize=8192)
def _compat_char(ch: str) -> str:
    form = unicodedata.normalize("NFKC", ch)
    return form if len(form) == 1 else ch  # one character per position: "ﬁ" stays as written


@functools.lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """:func:`fold` of one word, remembered (word lists and the words of a text)."""
    return fold(word)


@functools.lru_cache(maxsize=16384)
def fold_char(ch: str) -> str:
    """One character's folded form (may be empty or longer than one character)."""
    if ch == TATWEEL or is_invisible(ch):
        return ""
    if ch in WHITESPACE:
        return " "
    if 0xAC00 <= ord(ch) <= 0xD7A3:  # Hangul syllables stay whole
        return ch
    folded = unicodedata.normalize("NFKC", ch).casefold()
    out = []
    for part in unicodedata.normalize("NFD", folded):
        code = ord(part)
        if unicodedata.category(part) == "Mn" and (
            code < 0x0900 or 0x1AB0 <= code <= 0x1DFF or 0x20D0 <= code <= 0x20FF
        ):
            continue  # diacritics, Hebrew points, Arabic harakat
        if part in WHITESPACE:
            part = " "
        out.append(_LETTER_MAP.get(part, part))
    return "".join(out)


def fold(text: str) -> str:
    """The folded form of ``text`` (no position map): for identifiers and word lists."""
    out: list[str] = []
    for ch in text:
        form = fold_char(ch)
        if form == " " and (not out or out[-1].endswith(" ")):
            continue
        out.append(form)
    return "".join(out).strip()


def fold_view(text: str) -> View:
    """The folded form of ``text`` with the original position of each of its characters."""
    out: list[str] = []
    index: list[int] = []
    last_space = True
    _chunks, fold_chunks, table = _fast_paths()
    for m in fold_chunks.finditer(text):
        chunk, start = m.group(), m.start()
        if chunk[0] in WHITESPACE and chunk.isspace() and (len(chunk) > 1 or chunk.isascii()):
            if not last_space:
                out.append(" ")
                index.append(start)
                last_space = True
            continue
        if len(chunk) > 1 or ord(chunk) in table:
            chunk = chunk.translate(table)
            if "  " not in chunk:
                if last_space and chunk[0] == " ":
                    chunk, start = chunk[1:], start + 1
                if chunk:
                    out.append(chunk)
                    index.extend(range(start, m.end()))
                    last_space = chunk[-1] == " "
                continue
            for k, ch in enumerate(chunk):
                if ch == " ":
                    if last_space:
                        continue
                    last_space = True
                else:
                    last_space = False
                out.append(ch)
                index.append(start + k)
            continue
        form = fold_char(chunk)
        if not form:
            continue
        if form == " ":
            if last_space:
                continue
            last_space = True
        else:
            last_space = False
        out.append(form)
        index.extend([start] * len(form))
    return View("".join(out), index, len(text))
