"""The anonymiser: finds direct identifiers in free text and proposes redactions.

It never decides alone. :meth:`Anonymiser.propose` returns every change it would make as a
:class:`Redaction` (so a UI can highlight it); the advisor accepts, undoes or adds redactions
through :meth:`Anonymiser.resolve`. One rule is not negotiable: a redaction covering a name the
advisor listed as an identifier cannot be undone (remove the name from the list instead), which
is what lets us promise that listed identifiers never leave the device.

Detected: listed identifiers (whole words, case-insensitive, with inflection endings and Arabic
clitics; any occurrence inside a longer word for identifiers of 4+ letters; substrings in
scripts written without spaces), likely names not on the list, e-mail addresses, URLs,
IBAN-like account numbers, phone numbers in national and international formats
(``phonenumbers``), personnel numbers (a configurable pattern), dates (generalised to the
consented granularity) and the post's name (generalised to its region when only that is shared).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from babel.dates import get_month_names

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import ReferralError
from advisor_desktop.protocol.referral_terms import Granularity
from advisor_desktop.referral.names import (
    ARABIC_PREFIXES,
    ARABIC_SUFFIXES,
    GIVEN_NAMES,
    INFLECTION_ENDINGS,
    NAME_PARTICLES,
    NOT_NAMES,
)


class RedactionKind(StrEnum):
    """What a redacted span was."""

    NAME = "name"
    LIKELY_NAME = "likely-name"
    EMAIL = "email"
    URL = "url"
    IBAN = "iban"
    PHONE = "phone"
    PERSONNEL_NUMBER = "personnel-number"
    DATE = "date"
    PLACE = "place"
    MANUAL = "manual"


# Lower number wins when spans overlap (the merged span keeps that kind and replacement).
_PRIORITY = {
    RedactionKind.MANUAL: 0,
    RedactionKind.EMAIL: 1,
    RedactionKind.URL: 2,
    RedactionKind.IBAN: 3,
    RedactionKind.NAME: 4,
    RedactionKind.PHONE: 5,
    RedactionKind.PERSONNEL_NUMBER: 6,
    RedactionKind.DATE: 7,
    RedactionKind.PLACE: 8,
    RedactionKind.LIKELY_NAME: 9,
}

MANUAL_REPLACEMENT = "[REDACTED]"
DEFAULT_PERSONNEL_PATTERN = r"\b[A-Z]{1,3}-?\d{4,8}\b|\b\d{6,9}\b"
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "NL", "GB", "US", "DE", "FR", "ES", "IT", "PL", "RU", "UA", "TR", "MA", "EG", "SA", "IR",
    "PK", "IN", "CN", "JP", "KR", "ID", "KE", "ET", "BR",
)  # fmt: skip
_MONTH_LOCALES = ("en", "nl", "de", "fr", "es", "it", "pt", "pl", "ru", "uk", "tr", "id")


@dataclass(frozen=True)
class Redaction:
    """Replace ``text[start:end]`` (a ``original_kind`` identifier) by ``replacement``."""

    start: int
    end: int
    original_kind: RedactionKind
    replacement: str


class DecisionKind(StrEnum):
    """What the advisor decided about a redaction."""

    ACCEPT = "accept"
    UNDO = "undo"
    ADD = "add"


@dataclass(frozen=True)
class RedactionDecision:
    """Accept or undo the proposed redaction at ``start``–``end``, or add a new one there."""

    kind: DecisionKind
    start: int
    end: int
    replacement: str = MANUAL_REPLACEMENT


class RedactionLocked(ReferralError):
    """The advisor tried to undo the removal of a listed identifier."""


def normalize_text(text: str) -> str:
    """NFC form: the anonymiser and the stored draft both work on this form."""
    return unicodedata.normalize("NFC", text)


def apply_redactions(text: str, redactions: Iterable[Redaction]) -> str:
    """``text`` with every redaction applied (redactions must not overlap)."""
    out: list[str] = []
    pos = 0
    for r in sorted(redactions, key=lambda r: r.start):
        if r.start < pos:
            raise ValueError("overlapping redactions")
        out.append(text[pos : r.start])
        out.append(r.replacement)
        pos = r.end
    out.append(text[pos:])
    return "".join(out)


def _letter_label(index: int) -> str:
    label = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        label = chr(ord("A") + rem) + label
    return label


def _is_unspaced_script(token: str) -> bool:
    """True for scripts written without spaces between words (CJK, Thai, …)."""
    for ch in token:
        name = unicodedata.name(ch, "")
        if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "KHMER", "LAO")):
            return True
    return False


def _is_arabic(token: str) -> bool:
    return any(unicodedata.name(ch, "").startswith("ARABIC") for ch in token)


_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_PHONE_CANDIDATE = re.compile(r"(?:\+|\b00|\()?\d[\d\s().\-/]{4,}\d")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DMY_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b")
_SENTENCE_END = '.!?:;\n"“«(['


@functools.lru_cache(maxsize=1)
def _month_pattern() -> tuple[re.Pattern[str], dict[str, int]]:
    months: dict[str, int] = {}
    for loc in _MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for num, name in get_month_names(width, context=context, locale=loc).items():
                    key = name.rstrip(".").casefold()
                    if len(key) >= 3:
                        months.setdefault(key, int(num))
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    pattern = re.compile(
        rf"\b(?:(?P<d1>\d{{1,2}})\.?\s+)?(?P<m1>{names})\.?(?:\s+(?P<d2>\d{{1,2}}),?)?"
        rf"\s+(?P<y>\d{{4}})\b",
        re.IGNORECASE,
    )
    return pattern, months


def generalise_date(day: dt.date, granularity: Granularity | None) -> str:
    """``day`` at the consented granularity (``[DATE]`` when the period is not shared)."""
    if granularity is None:
        return "[DATE]"
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


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
        self._regions = tuple(phone_regions)
        self._names = [
            (self._token_patterns(ident), f"[PERSON-{_letter_label(i)}]")
            for i, ident in enumerate(self.identifiers)
        ]
        self._places = [
            (self._token_patterns(normalize_text(place), whole=True), replacement)
            for place, replacement in (places or {}).items()
            if place.strip()
        ]

    # -- building patterns ---------------------------------------------------------------

    def _token_patterns(self, identifier: str, *, whole: bool = False) -> list[re.Pattern[str]]:
        tokens = [identifier] if whole else [identifier, *identifier.split()]
        patterns: list[re.Pattern[str]] = []
        for token in dict.fromkeys(tokens):
            if token.casefold() in NAME_PARTICLES:
                continue
            if _is_unspaced_script(token):
                if len(token) >= 2:
                    patterns.append(re.compile(re.escape(token), re.IGNORECASE))
                if not whole and " " not in token and len(token) == 3:
                    # Chinese: one-character surname, two-character given name.
                    patterns.append(re.compile(re.escape(token[1:]), re.IGNORECASE))
                continue
            if len(token) < 2:
                continue
            patterns.append(self._word_pattern(token))
            if len(token) >= 4 and " " not in token:
                # Inside a longer word too: the promise is that the letters never leave.
                patterns.append(re.compile(rf"[^\W\d_]*{re.escape(token)}[^\W\d_]*", re.IGNORECASE))
        return patterns

    @staticmethod
    def _word_pattern(token: str) -> re.Pattern[str]:
        folded = token.casefold()
        stems = {token}
        for ending in INFLECTION_ENDINGS:
            if folded.endswith(ending) and len(token) - len(ending) >= 3:
                stems.add(token[: len(token) - len(ending)])
        stem_alt = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))
        stem_alt = re.sub(r"\\ ", r"\\s+", stem_alt)  # any whitespace inside a full name
        endings = INFLECTION_ENDINGS
        prefix = ""
        if _is_arabic(token):
            prefix = "(?:" + "|".join(ARABIC_PREFIXES) + ")?"
            endings = ARABIC_SUFFIXES
        ending_alt = "|".join(re.escape(e) for e in endings)
        return re.compile(rf"(?<!\w){prefix}(?:{stem_alt})(?:{ending_alt})?(?!\w)", re.IGNORECASE)

    # -- detection -----------------------------------------------------------------------

    def propose(self, text: str, period: Granularity | None = Granularity.MONTH) -> list[Redaction]:
        """Every redaction the anonymiser proposes for ``text`` (NFC), sorted, non-overlapping.

        ``period`` is the consented granularity for dates (None: the period is not shared).
        """
        found: list[Redaction] = []
        found += self._find_regex(text, _EMAIL, RedactionKind.EMAIL, "[EMAIL]")
        found += self._find_urls(text)
        found += self._find_regex(text, _IBAN, RedactionKind.IBAN, "[ACCOUNT]")
        found += self._find_names(text)
        found += self._find_phones(text)
        found += self._find_regex(
            text, self._personnel, RedactionKind.PERSONNEL_NUMBER, "[PERSONNEL-NUMBER]"
        )
        found += self._find_dates(text, period)
        for patterns, replacement in self._places:
            for pattern in patterns:
                found += self._find_regex(text, pattern, RedactionKind.PLACE, replacement)
        found += _outside(text, self._find_likely_names(text), found)
        return join_name_parts(text, merge_redactions(found))

    def locked_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of listed identifiers in ``text``: their redactions cannot be undone."""
        return [(r.start, r.end) for r in self._find_names(text)]

    @staticmethod
    def _find_regex(
        text: str, pattern: re.Pattern[str], kind: RedactionKind, replacement: str
    ) -> list[Redaction]:
        return [
            Redaction(m.start(), m.end(), kind, replacement)
            for m in pattern.finditer(text)
            if m.end() > m.start()
        ]

    @staticmethod
    def _find_urls(text: str) -> list[Redaction]:
        out = []
        for m in _URL.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?)]}»”":
                end -= 1
            out.append(Redaction(m.start(), end, RedactionKind.URL, "[URL]"))
        return out

    def _find_names(self, text: str) -> list[Redaction]:
        out = []
        for patterns, replacement in self._names:
            for pattern in patterns:
                out += self._find_regex(text, pattern, RedactionKind.NAME, replacement)
        return out

    def _find_phones(self, text: str) -> list[Redaction]:
        out = []
        for cand in _PHONE_CANDIDATE.finditer(text):
            if sum(ch.isdigit() for ch in cand.group()) < 6:
                continue
            lo = max(0, cand.start() - 1)
            snippet = text[lo : cand.end() + 1]
            for region in self._regions:
                matches = list(phonenumbers.PhoneNumberMatcher(snippet, region))
                if matches:
                    out += [
                        Redaction(lo + m.start, lo + m.end, RedactionKind.PHONE, "[PHONE]")
                        for m in matches
                    ]
                    break
        return out

    @staticmethod
    def _find_dates(text: str, period: Granularity | None) -> list[Redaction]:
        out = []

        def add(start: int, end: int, year: int, month: int, day: int) -> None:
            try:
                when = dt.date(year, month, day)
            except ValueError:
                return
            replacement = generalise_date(when, period)
            if text[start:end] != replacement:
                out.append(Redaction(start, end, RedactionKind.DATE, replacement))

        for m in _ISO_DATE.finditer(text):
            add(m.start(), m.end(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
        for m in _DMY_DATE.finditer(text):
            first, second = int(m.group(1)), int(m.group(2))
            day, month = (second, first) if second > 12 >= first else (first, second)
            add(m.start(), m.end(), int(m.group(3)), month, day)
        pattern, months = _month_pattern()
        for m in pattern.finditer(text):
            found_month = months.get(m.group("m1").casefold())
            if found_month is None:
                continue
            day_text = m.group("d1") or m.group("d2")
            if day_text is None and period is not None and period is not Granularity.QUARTER:
                continue  # "March 2026" is already no finer than a month
            add(m.start(), m.end(), int(m.group("y")), found_month, int(day_text or 1))
        return out

    def _find_likely_names(self, text: str) -> list[Redaction]:
        words = list(_WORD.finditer(text))
        out: list[Redaction] = []
        i = 0
        while i < len(words):
            run = [words[i]] if self._capitalised(words[i].group()) else []
            j = i + 1
            while run and j < len(words):
                gap = text[words[j - 1].end() : words[j].start()]
                if gap not in (" ", "\u00a0"):
                    break
                word = words[j].group()
                if self._capitalised(word):
                    run.append(words[j])
                elif word.casefold() not in NAME_PARTICLES:
                    break
                j += 1
            while run and not self._capitalised(run[-1].group()):
                run.pop()
            if run and self._looks_like_name(text, [m.group() for m in run], run[0].start()):
                out.append(
                    Redaction(run[0].start(), run[-1].end(), RedactionKind.LIKELY_NAME, "[NAME]")
                )
                i = max(j, i + 1)
                continue
            # Arabic script has no capitals: common given names are the only hint.
            word = words[i].group()
            if _is_arabic(word) and self._strip_arabic(word) in GIVEN_NAMES:
                out.append(
                    Redaction(words[i].start(), words[i].end(), RedactionKind.LIKELY_NAME, "[NAME]")
                )
            i += 1
        return out

    @staticmethod
    def _strip_arabic(word: str) -> str:
        for prefix in ARABIC_PREFIXES:
            if word.startswith(prefix) and word[len(prefix) :] in GIVEN_NAMES:
                return word[len(prefix) :]
        return word

    @staticmethod
    def _capitalised(word: str) -> bool:
        return len(word) >= 2 and word[0].isupper() and any(c.islower() for c in word[1:])

    @staticmethod
    def _looks_like_name(text: str, parts: list[str], start: int) -> bool:
        capitals = [p for p in parts if p[0].isupper()]
        if any(p.casefold() in NOT_NAMES for p in capitals):
            return False
        given = any(p.casefold() in GIVEN_NAMES for p in capitals)
        if len(capitals) == 1:
            return given
        before = text[:start].rstrip(" \u00a0")
        sentence_start = not before or before[-1] in _SENTENCE_END
        return given or not sentence_start

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


def _outside(
    text: str, candidates: Iterable[Redaction], taken: Sequence[Redaction]
) -> list[Redaction]:
    """The parts of ``candidates`` that no span in ``taken`` covers, as whole words.

    A likely name overlapping a listed one keeps only its own words ("Peter" of "Peter
    Müller"), instead of growing the listed name's redaction over its neighbours.
    """
    out: list[Redaction] = []
    for cand in candidates:
        pieces = [(cand.start, cand.end)]
        for t in taken:
            next_pieces = []
            for lo, hi in pieces:
                if t.end <= lo or hi <= t.start:
                    next_pieces.append((lo, hi))
                    continue
                next_pieces += [(lo, t.start), (t.end, hi)]
            pieces = next_pieces
        for lo, hi in pieces:
            for word in _WORD.finditer(text, lo, hi):
                if word.group()[0].isupper() or _is_arabic(word.group()):
                    out.append(Redaction(word.start(), word.end(), cand.original_kind, "[NAME]"))
    return out


def merge_redactions(found: Iterable[Redaction]) -> list[Redaction]:
    """Overlapping spans become one span (the highest-priority kind names it); adjacent
    parts of the same listed name separated by spaces become one."""
    ordered = sorted(found, key=lambda r: (r.start, -r.end))
    merged: list[Redaction] = []
    for r in ordered:
        if merged and r.start < merged[-1].end:
            last = merged[-1]
            best = last if _PRIORITY[last.original_kind] <= _PRIORITY[r.original_kind] else r
            merged[-1] = Redaction(
                last.start, max(last.end, r.end), best.original_kind, best.replacement
            )
        else:
            merged.append(r)
    return merged


def join_name_parts(text: str, redactions: Sequence[Redaction]) -> list[Redaction]:
    """``[PERSON-A] [PERSON-A]`` → ``[PERSON-A]``: join parts of one name split by spaces."""
    out: list[Redaction] = []
    for r in redactions:
        if (
            out
            and r.original_kind in (RedactionKind.NAME, RedactionKind.LIKELY_NAME)
            and out[-1].original_kind is r.original_kind
            and out[-1].replacement == r.replacement
            and all(w.casefold() in NAME_PARTICLES for w in text[out[-1].end : r.start].split())
        ):
            out[-1] = Redaction(out[-1].start, r.end, r.original_kind, r.replacement)
        else:
            out.append(r)
    return out
