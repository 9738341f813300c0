"""The anonymiser: finds direct identifiers in free text and proposes redactions.

It never decides alone. :meth:`Anonymiser.propose` returns every change it would make as a
:class:`Redaction` (so a UI can highlight it); the advisor accepts, undoes or adds redactions
through :meth:`Anonymiser.resolve`. One rule is not negotiable: a redaction covering a name the
advisor listed as an identifier cannot be undone (remove the name from the list instead), which
is what lets us promise that listed identifiers never leave the device.

Listed identifiers are matched on the folded form of the text (:mod:`.normalise`: compatibility
form, case folded, diacritics, Arabic marks, tatweel and invisible characters removed, spacing
collapsed), as whole words with inflection endings and Arabic clitics, inside a longer word for
identifiers of 4+ letters, as substrings in scripts written without spaces, spelt out
(``V r i e s``, ``D.U.P.O.N.T``), as initials (``J.d.V.``) and, for CJK names, as the surname
with an honorific (``王先生``, ``田中さん``); every match is mapped back to the exact span of the
original text. The other detectors (:mod:`.detectors`, :mod:`.likely`) propose what is not on the
list; the advisor's review is the last safeguard.
"""

from __future__ import annotations

import bisect
import functools
import re
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence

import phonenumbers

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import ReferralError
from advisor_desktop.protocol.referral_terms import Granularity
from advisor_desktop.referral.anonymiser import detectors
from advisor_desktop.referral.anonymiser.likely import find_likely_names
from advisor_desktop.referral.anonymiser.model import (
    MANUAL_REPLACEMENT,
    DecisionKind,
    Redaction,
    RedactionDecision,
    RedactionKind,
    RedactionLocked,
    join_name_parts,
    merge_redactions,
)
from advisor_desktop.referral.anonymiser.normalise import (
    View,
    compat_view,
    fold,
    fold_view,
    is_invisible,
)
from advisor_desktop.referral.names import (
    ARABIC_PREFIXES,
    ARABIC_SUFFIXES,
    CJK_HONORIFICS_AFTER,
    CJK_HONORIFICS_BEFORE,
    INFLECTION_ENDINGS,
    NAME_PARTICLES,
)

DEFAULT_PERSONNEL_PATTERN = r"\b[A-Z]{1,3}-?\d{4,8}\b|\b\d{6,9}\b"
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "NL", "GB", "US", "DE", "FR", "ES", "IT", "PL", "RU", "UA", "TR", "MA", "EG", "SA", "IR",
    "PK", "IN", "CN", "JP", "KR", "ID", "KE", "ET", "BR",
)  # fmt: skip

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
# Bounded: a phone number has at most 15 digits, so a longer run is cut into candidates (the
# next one starts after the last number found in a window).
_PHONE_CANDIDATE = re.compile(r"(?:\+|\b00|\()?\d[\d \t().\-/]{4,22}\d")
_WORD_RUN = re.compile(r"[^\W_]+")
_SEPARATORS = frozenset(" .-_·•/")
_INITIALS = re.compile(r"(?<![^\W\d_])[^\W\d_]\.(?: ?[^\W\d_]\.){1,7}(?![^\W\d_])")
_INITIAL_BEFORE = re.compile(r"([^\W\d_])\. ?((?:[^\W\d_]{1,4} ){0,3})\Z")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                           "ß": "ss", "å": "aa", "Å": "Aa", "ø": "oe", "Ø": "Oe"})  # fmt: skip

_ENDINGS = frozenset(fold(e) for e in INFLECTION_ENDINGS if fold(e))
_AR_PREFIXES = frozenset(fold(p) for p in ARABIC_PREFIXES)
_AR_SUFFIXES = frozenset(fold(s) for s in ARABIC_SUFFIXES)
_PARTICLES = frozenset(fold(p) for p in NAME_PARTICLES)


def normalize_text(text: str) -> str:
    """NFC form: the anonymiser and the stored draft both work on this form."""
    import unicodedata

    return unicodedata.normalize("NFC", text)


def _letter_label(index: int) -> str:
    label = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        label = chr(ord("A") + rem) + label
    return label


def is_unspaced(ch: str) -> bool:
    """True for a character of a script written without spaces (CJK, kana, Hangul, Thai …)."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
        or 0x0E00 <= code <= 0x0EFF
        or 0x1780 <= code <= 0x17FF
        or 0x1100 <= code <= 0x11FF
    )


def _is_arabic(token: str) -> bool:
    return any(0x0600 <= ord(ch) <= 0x06FF or 0x0750 <= ord(ch) <= 0x077F for ch in token)


class _Token:
    """One folded form of a listed identifier to look for."""

    __slots__ = ("arabic", "inside", "stem", "text", "unspaced")

    def __init__(self, text: str, *, inside: bool, stem: bool = False) -> None:
        self.text = text
        self.unspaced = all(is_unspaced(c) for c in text.replace(" ", ""))
        self.arabic = _is_arabic(text)
        self.inside = inside and not self.unspaced and " " not in text and len(text) >= 4
        self.stem = stem


class _Identifier:
    """A listed identifier's folded forms: the whole name, its parts, their stems, the spelt-out
    forms, initials and (CJK) the surname for honorifics."""

    def __init__(self, name: str, replacement: str, *, whole: bool = False) -> None:
        self.replacement = replacement
        folded = {fold(name), fold(name.translate(_TRANSLIT))} - {""}
        tokens: dict[str, _Token] = {}
        for full in sorted(folded):
            parts = [full] if whole else [full, *full.split(" ")]
            for part in parts:
                if part in _PARTICLES or part in tokens:
                    continue
                unspaced = all(is_unspaced(c) for c in part.replace(" ", ""))
                if not unspaced and len(part) < 2:
                    continue
                if unspaced and len(part) < 2:
                    continue
                tokens[part] = _Token(part, inside=True)
                if unspaced and not whole and " " not in part and len(part) == 3:
                    tokens.setdefault(part[1:], _Token(part[1:], inside=False))  # given name
                if not unspaced:
                    endings = _AR_SUFFIXES if _is_arabic(part) else _ENDINGS
                    for ending in endings:
                        stem = part[: -len(ending)]
                        if part.endswith(ending) and len(stem) >= 3 and stem not in tokens:
                            tokens[stem] = _Token(stem, inside=False, stem=True)
        self.tokens = list(tokens.values())
        compact = {f.replace(" ", "") for f in folded}
        compact |= {p for f in folded for p in f.split(" ") if p not in _PARTICLES}
        self.spelt = sorted(
            c for c in compact if len(c) >= 2 and (len(c) >= 3 or all(is_unspaced(x) for x in c))
        )
        self.initials: set[str] = set()
        self.first_initial = ""
        self.surnames: set[str] = set()
        if whole:
            return
        for full in folded:
            parts = full.split(" ")
            if len(parts) >= 2 and not all(is_unspaced(c) for c in full.replace(" ", "")):
                self.initials.add("".join(p[0] for p in parts))
                self.initials.add("".join(p[0] for p in parts if p not in _PARTICLES))
                self.first_initial = parts[0][0]
            squeezed = full.replace(" ", "")
            if squeezed and all(is_unspaced(c) for c in squeezed) and 2 <= len(squeezed) <= 4:
                first = parts[0] if len(parts) > 1 else squeezed[: 2 if len(squeezed) == 4 else 1]
                self.surnames.add(first)
        self.initials = {i for i in self.initials if len(i) >= 2}


class _Words:
    """Word runs of a folded text: for each position, the run it lies in (or -1). Built on
    first use (only a text with a match needs it), in one pass."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._of: array[int] | None = None
        self.starts = array("i")
        self.ends = array("i")

    @property
    def of(self) -> array[int]:
        if self._of is None:
            self._of = array("i", [-1]) * len(self._text)
            for n, m in enumerate(_WORD_RUN.finditer(self._text)):
                self.starts.append(m.start())
                self.ends.append(m.end())
                self._of[m.start() : m.end()] = array("i", [n]) * (m.end() - m.start())
        return self._of

    def run(self, pos: int) -> tuple[int, int]:
        n = self.of[pos]
        return self.starts[n], self.ends[n]


_Add = Callable[[int, int, _Identifier], None]


class Anonymiser:
    """Proposes redactions for one record's free text.

    ``identifiers`` are the names the advisor listed on the record; ``places`` maps place names
    (the post) to what replaces them (the region, or ``[PLACE]``).
    """

    def __init__(
        self,
        identifiers: Sequence[str] = (),
        *,
        places: Mapping[str, str] | None = None,
        personnel_pattern: str = DEFAULT_PERSONNEL_PATTERN,
        phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    ) -> None:
        self.identifiers = tuple(i for i in (normalize_text(x).strip() for x in identifiers) if i)
        try:
            self._personnel = re.compile(personnel_pattern)
        except re.error:
            raise ReferralError(_("The personnel-number pattern is not valid.")) from None
        self._default_personnel = personnel_pattern == DEFAULT_PERSONNEL_PATTERN
        self._regions = tuple(phone_regions)
        self._names = [
            _Identifier(ident, f"[PERSON-{_letter_label(i)}]")
            for i, ident in enumerate(self.identifiers)
        ]
        self._names = [n for n in self._names if n.tokens]
        self._places = [
            _Identifier(normalize_text(place), replacement, whole=True)
            for place, replacement in (places or {}).items()
            if place.strip()
        ]
        self._places = [p for p in self._places if p.tokens]

    # -- detection -----------------------------------------------------------------------

    def propose(self, text: str, period: Granularity | None = Granularity.MONTH) -> list[Redaction]:
        """Every redaction the anonymiser proposes for ``text`` (NFC), sorted, non-overlapping.

        ``period`` is the consented granularity for dates (None: the period is not shared).
        """
        cv = compat_view(text)
        found: list[Redaction] = []
        found += detectors.find_emails(cv)
        found += detectors.find_urls(cv)
        found += detectors.find_handles(cv)
        found += [
            Redaction(*cv.span(m.start(), m.end()), RedactionKind.IBAN, "[ACCOUNT]")
            for m in _IBAN.finditer(cv.text)
        ]
        fv = fold_view(text) if self._names or self._places else None
        listed = self._find_listed(text, self._names, RedactionKind.NAME, fv)
        found += listed
        found += self._find_phones(cv)
        found += detectors.find_number_words(cv)
        found += detectors.find_personnel_numbers(cv, self._personnel, self._default_personnel)
        found += detectors.find_documents(cv)
        found += detectors.find_addresses(cv)
        found += detectors.find_dates(cv, period)
        found += self._find_listed(text, self._places, RedactionKind.PLACE, fv)
        found = [_widen(text, r) for r in found]
        found += _outside(text, find_likely_names(cv), found)
        return join_name_parts(text, merge_redactions(found))

    def locked_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of listed identifiers in ``text``: their redactions cannot be undone."""
        return [(r.start, r.end) for r in self._find_listed(text, self._names, RedactionKind.NAME)]

    def _find_phones(self, v: View) -> list[Redaction]:
        text = v.text
        out = []
        pos = 0
        while (cand := _PHONE_CANDIDATE.search(text, pos)) is not None:
            pos = cand.end()
            if sum(ch.isdigit() for ch in cand.group()) < 6:
                continue
            lo = max(0, cand.start() - 1)
            snippet = text[lo : cand.end() + 1]
            found = _phone_matches(snippet, self._regions)
            for start, end in found:
                out.append(Redaction(*v.span(lo + start, lo + end), RedactionKind.PHONE, "[PHONE]"))
            if found and lo + found[-1][1] < cand.end():
                pos = lo + found[-1][1]  # numbers side by side: go on after the last one
        return out

    # -- listed identifiers ----------------------------------------------------------------

    def _find_listed(
        self,
        text: str,
        identifiers: Sequence[_Identifier],
        kind: RedactionKind,
        fv: View | None = None,
    ) -> list[Redaction]:
        if not identifiers:
            return []
        if fv is None:
            fv = fold_view(text)
        folded = fv.text
        words = _Words(folded)
        out: list[Redaction] = []

        def add(start: int, end: int, ident: _Identifier) -> None:
            out.append(Redaction(*fv.span(start, end), kind, ident.replacement))

        for ident in identifiers:
            for token in ident.tokens:
                for start, end in _occurrences(folded, token, words):
                    add(start, end, ident)
            if kind is RedactionKind.NAME:
                self._find_initials(fv, words, ident, add)
                self._find_surname_honorifics(folded, ident, add)
        if kind is RedactionKind.NAME and any(i.spelt for i in identifiers):
            out += _find_spelt(fv, identifiers, kind)
        return out

    @staticmethod
    def _find_initials(fv: View, words: _Words, ident: _Identifier, add: _Add) -> None:
        folded = fv.text
        if ident.initials:
            for m in _INITIALS.finditer(folded):
                letters = m.group().replace(".", "").replace(" ", "")
                if letters in ident.initials:
                    add(m.start(), m.end(), ident)
        if not ident.first_initial:
            return
        # "J. de Vries": an initial before a listed surname goes with it.
        for token in ident.tokens:
            if " " in token.text or token.text == ident.tokens[0].text.split(" ")[0]:
                continue
            for start, _end in _occurrences(folded, token, words):
                window = folded[max(0, start - 24) : start]
                before = _INITIAL_BEFORE.search(window)
                if before and before.group(1) == ident.first_initial:
                    between = before.group(2).split()
                    if all(w in _PARTICLES for w in between):
                        begin = start - len(window) + before.start()
                        add(begin, begin + 2, ident)

    @staticmethod
    def _find_surname_honorifics(folded: str, ident: _Identifier, add: _Add) -> None:
        for surname in ident.surnames:
            pos = folded.find(surname)
            while pos >= 0:
                end = pos + len(surname)
                after = folded[end : end + 4].lstrip(" ")
                before = folded[pos - 1] if pos else ""
                if after.startswith(CJK_HONORIFICS_AFTER) or before in CJK_HONORIFICS_BEFORE:
                    add(pos, end, ident)
                pos = folded.find(surname, end)

    # -- the advisor's decisions ---------------------------------------------------------

    def resolve(
        self, text: str, proposed: Sequence[Redaction], decisions: Iterable[RedactionDecision]
    ) -> list[Redaction]:
        """The redactions after the advisor's decisions (applied in order).

        ``accept`` keeps a proposal (the default); ``undo`` drops the proposal at exactly that
        span, refused with :class:`RedactionLocked` when it covers a listed identifier; ``add``
        redacts a new span (merged with anything it overlaps).
        """
        current = list(proposed)
        locked = self.locked_spans(text)
        for decision in decisions:
            if not (0 <= decision.start < decision.end <= len(text)):
                raise ReferralError(_("A redaction lies outside the text."))
            if decision.kind is DecisionKind.ADD:
                current = merge_redactions(
                    [
                        *current,
                        Redaction(
                            decision.start,
                            decision.end,
                            RedactionKind.MANUAL,
                            decision.replacement or MANUAL_REPLACEMENT,
                        ),
                    ]
                )
            elif decision.kind is DecisionKind.UNDO:
                target = [r for r in current if (r.start, r.end) == (decision.start, decision.end)]
                if not target:
                    raise ReferralError(_("There is no redaction at that place to undo."))
                if any(s < decision.end and decision.start < e for s, e in locked):
                    raise RedactionLocked(
                        _(
                            "A name listed as an identifier of this record is always removed; "
                            "take it off the record's identifiers to keep it."
                        )
                    )
                current = [r for r in current if r not in target]
        return sorted(current, key=lambda r: r.start)


def _phone_matches(snippet: str, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    return list(_phone_matches_cached(snippet, regions))


@functools.lru_cache(maxsize=2048)
def _phone_matches_cached(snippet: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    for region in regions:
        matches = list(phonenumbers.PhoneNumberMatcher(snippet, region))
        if matches:
            return tuple((m.start, m.end) for m in matches)
    return ()


def _occurrences(folded: str, token: _Token, words: _Words) -> list[tuple[int, int]]:
    """Where ``token`` stands in ``folded`` as a name: whole word, word with an ending or clitic,
    inside a longer word (4+ letters), or anywhere (scripts without spaces)."""
    out: list[tuple[int, int]] = []
    needle = token.text
    size = len(folded)
    pos = folded.find(needle)
    if pos < 0:
        return out
    of = words.of
    while pos >= 0:
        end = pos + len(needle)
        if token.unspaced:
            out.append((pos, end))
            pos = folded.find(needle, end)
            continue
        start, stop, ok = pos, end, True
        if pos > 0 and of[pos - 1] >= 0 and of[pos] == of[pos - 1]:
            run_start, _ = words.run(pos - 1)
            if (token.arabic and folded[run_start:pos] in _AR_PREFIXES) or token.inside:
                start = run_start
            else:
                ok = False
        if ok and end < size and of[end] >= 0 and of[end] == of[end - 1]:
            _, run_end = words.run(end)
            ending = folded[end:run_end]
            if ending in (_AR_SUFFIXES if token.arabic else _ENDINGS):
                stop = run_end
            elif token.inside:
                start, stop = min(start, words.run(pos)[0]), run_end
            else:
                ok = False
        if ok and token.stem and stop == end:
            ok = False  # a stem alone is not the name ("Мари" of "Мария" needs its ending)
        if ok:
            out.append((start, stop))
            pos = folded.find(needle, max(stop, pos + 1))
        else:
            pos = folded.find(needle, pos + 1)
    return out


_SEP = r"[ .\-_·•/]"
_CJK = r"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
# Letters standing alone between separators ("v r i e s"), and CJK with separators inside.
_SPELT_REGION = re.compile(
    rf"[{_CJK}]{{1,8}}(?:{_SEP}{{1,3}}[{_CJK}]{{1,8}}){{1,64}}"
    rf"|(?<![^\W\d_])[^\W\d_](?:{_SEP}{{1,3}}[^\W\d_](?![^\W\d_])){{2,}}"
)


def _find_spelt(
    fv: View, identifiers: Sequence[_Identifier], kind: RedactionKind
) -> list[Redaction]:
    """Names spelt out letter by letter (``V r i e s``, ``M-ü-l-l-e-r``, ``D.U.P.O.N.T``) and CJK
    names with spaces between the characters (``王 小 明``)."""
    folded = fv.text
    out: list[Redaction] = []
    for region in _SPELT_REGION.finditer(folded):
        where = [k for k in range(region.start(), region.end()) if folded[k] not in _SEPARATORS]
        squeezed = "".join(folded[k] for k in where)
        cjk = is_unspaced(squeezed[0])
        for ident in identifiers:
            for needle in ident.spelt:
                if all(is_unspaced(c) for c in needle) != cjk:
                    continue
                pos = squeezed.find(needle)
                while pos >= 0:
                    end = pos + len(needle)
                    # Spelt letters: the whole name, at least three of them, nothing glued on.
                    spread = where[end - 1] - where[pos] > end - 1 - pos
                    if (cjk and spread) or (not cjk and len(needle) >= 3):
                        lo, hi = where[pos], where[end - 1] + 1
                        out.append(Redaction(*fv.span(lo, hi), kind, ident.replacement))
                    pos = squeezed.find(needle, pos + 1)
    return out


def _widen(text: str, r: Redaction) -> Redaction:
    """``r`` grown over invisible characters and combining marks right after it (so nothing of
    a name's last letter is left behind)."""
    end = r.end
    limit = min(len(text), end + 8)
    while end < limit and (is_invisible(text[end]) or _combining(text[end])):
        end += 1
    return r if end == r.end else Redaction(r.start, end, r.original_kind, r.replacement)


def _combining(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch) in ("Mn", "Me")


def _outside(
    text: str, candidates: Iterable[Redaction], taken: Sequence[Redaction]
) -> list[Redaction]:
    """The parts of ``candidates`` that no span in ``taken`` covers, as whole words.

    A likely name overlapping a listed one keeps only its own words ("Peter" of "Peter
    Müller"), instead of growing the listed name's redaction over its neighbours.
    """
    spans = merge_redactions(taken)
    starts = [t.start for t in spans]
    out: list[Redaction] = []
    for cand in candidates:
        k = max(0, bisect.bisect_right(starts, cand.start) - 1)
        pieces: list[tuple[int, int]] = []
        cursor = cand.start
        while k < len(spans) and spans[k].start < cand.end:
            t = spans[k]
            k += 1
            if t.end <= cursor:
                continue
            if t.start > cursor:
                pieces.append((cursor, t.start))
            cursor = max(cursor, t.end)
        if cursor == cand.start:
            out.append(cand)  # nothing taken inside it
            continue
        if cursor < cand.end:
            pieces.append((cursor, cand.end))
        for lo, hi in pieces:
            for word in _WORD_RUN.finditer(text, lo, hi):
                if fold(word.group()) not in _PARTICLES:
                    out.append(
                        Redaction(word.start(), word.end(), cand.original_kind, cand.replacement)
                    )
    return out
