"""Detectors for identifiers other than names: contacts written to fool a pattern, numbers,
documents, vehicle plates, street addresses and postcodes, dates in many forms.

Each reads the compatibility view of the text (fullwidth forms folded, invisible characters
left out: :func:`~.normalise.compat_view`) and returns redactions in the original text's
positions. Every pattern runs in linear time on any input: repetition is bounded, alternatives
inside a repetition do not overlap, and the patterns that need context on the left look at a
bounded window before an anchor instead of scanning back.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from babel.dates import get_day_names, get_month_names

from advisor_desktop.protocol.referral_terms import Granularity
from advisor_desktop.referral.anonymiser.model import Redaction, RedactionKind
from advisor_desktop.referral.anonymiser.normalise import View
from advisor_desktop.referral.names import word_set

# -- contacts ------------------------------------------------------------------------------

TLDS = word_set(
    "com org net info biz edu gov int eu nl de fr es be uk co io me tv ly app dev xyz online "
    "site blog news ch at se no dk fi pt gr cz hu ro pl it ie lu ca us au nz mx ar cl br pe ve "
    "ru su ua by kz tr ir iq sy jo lb ps sa ae qa kw om bh ye eg ma dz tn ly sd et ke ug tz rw "
    "ng gh sn cm za in pk bd lk np af cn hk tw jp kr id my sg th vn ph"
)
_TLD = "(?:" + "|".join(sorted(TLDS, key=len, reverse=True)) + ")"
_LABEL = r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
_DOT_WORD = r"(?:dot|punt|point|punto|ponto|punkt|точка|نقطة)"
# A dot, or a dot written out: ". " "(dot)" "[dot]" " dot ".
_DOT = rf"(?:\s?\.\s?|\s?[\(\[\{{<]\s?{_DOT_WORD}\s?[\)\]\}}>]\s?|\s{_DOT_WORD}\s)"
_AT_WORD = r"(?:at|arobase|chez|bij|собака|на)"
_AT = re.compile(
    rf"\s?@\s?|\s?[\(\[\{{<]\s?{_AT_WORD}\s?[\)\]\}}>]\s?|\s{_AT_WORD}\s", re.IGNORECASE
)
_ULABEL = r"[^\W_](?:[\w\-]{0,61}[^\W_])?"
_EMAIL_DOMAIN = re.compile(rf"{_ULABEL}(?:{_DOT}{_ULABEL}){{0,4}}", re.IGNORECASE)
_EMAIL_DOMAIN_END = re.compile(rf"(?:{_DOT}){_TLD}\Z", re.IGNORECASE)
_LOCAL_PART = re.compile(
    r"[\w+\-]{1,64}(?:(?:\s?\.\s?|\s" + _DOT_WORD + r"\s)[\w+\-]{1,64}){0,4}\Z"
)
_PLAIN_DOMAIN_END = re.compile(r"\.[^\W\d_]{2,24}\Z")


def find_emails(v: View) -> list[Redaction]:
    """E-mail addresses, also with spaces, ``(at)``, ``[at]``, ``at``/``dot`` in words, ``＠``."""
    text = v.text
    out: list[Redaction] = []
    for at in _AT.finditer(text):
        written = "@" in at.group()
        domain = _EMAIL_DOMAIN.match(text, at.end())
        if domain is None or (not written and domain.group().casefold().startswith("www")):
            continue  # "met Anna at www.example.org": a meeting and a web address
        dom = domain.group()
        # The domain must end in a dot and a top-level domain (any for a real "@").
        tail = _EMAIL_DOMAIN_END.search(dom)
        if tail is None and not (written and _PLAIN_DOMAIN_END.search(dom)):
            trimmed = _shrink_to_tld(dom, written)
            if trimmed is None:
                continue
            dom = trimmed
        lo = max(0, at.start() - 200)
        local = _LOCAL_PART.search(text, lo, at.start())
        if local is None:
            continue
        start, end = local.start(), at.end() + len(dom)
        out.append(Redaction(*v.span(start, end), RedactionKind.EMAIL, "[EMAIL]"))
    return out


def _shrink_to_tld(domain: str, written: bool) -> str | None:
    """The longest prefix of ``domain`` that ends in a top-level domain ("example dot org and")."""
    for m in reversed(list(re.finditer(_DOT, domain, re.IGNORECASE))):
        head = domain[: m.start()]
        rest = domain[m.end() :]
        label = re.match(_ULABEL, rest, re.IGNORECASE)
        if label and (written or re.fullmatch(_TLD, label.group(), re.IGNORECASE)) and head:
            return domain[: m.end() + label.end()]
    return None


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']{1,2000}", re.IGNORECASE)
_DOMAIN = re.compile(
    rf"(?<![\w@.\-/])(?:{_LABEL}\.){{1,5}}{_TLD}(?![\w\-])(?:[/?#][^\s<>\"']{{0,2000}})?",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?)]}»”'\""


def find_urls(v: View) -> list[Redaction]:
    """Web addresses with a scheme or ``www.``, and bare domains with a known top-level domain."""
    out = []
    for pattern in (_URL, _DOMAIN):
        for m in pattern.finditer(v.text):
            end = m.end()
            while end > m.start() and v.text[end - 1] in _URL_TRAIL:
                end -= 1
            if end > m.start():
                out.append(Redaction(*v.span(m.start(), end), RedactionKind.URL, "[URL]"))
    return out


_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,38}[A-Za-z0-9_])?")
_HANDLE_AFTER = re.compile(
    r"(?i:\b(?:insta(?:gram)?|twitter|telegram|tiktok|facebook|fb|snap(?:chat)?|linkedin|"
    r"signal|whatsapp|wechat|skype|discord|threads|viber|line|weibo|vk|x)|微信号?|QQ号?|"
    r"телеграм|инстаграм|تويتر|انستغرام|تلغرام)"
    r"(?:\s{1,3}(?i:handle|account|id|name|naam|nom|compte|cuenta))?\s?[:：]\s{0,3}"
    r"([A-Za-z0-9_][A-Za-z0-9_.\-]{1,38}[A-Za-z0-9_])"
)


def find_handles(v: View) -> list[Redaction]:
    """Social-media handles: ``@name``, and a name after ``insta:``, ``微信号：`` and the like."""
    out = [
        Redaction(*v.span(m.start(), m.end()), RedactionKind.HANDLE, "[HANDLE]")
        for m in _HANDLE.finditer(v.text)
    ]
    out += [
        Redaction(*v.span(m.start(1), m.end(1)), RedactionKind.HANDLE, "[HANDLE]")
        for m in _HANDLE_AFTER.finditer(v.text)
    ]
    return out


# -- numbers -------------------------------------------------------------------------------

NUMBER_WORDS = word_set(
    # en
    "zero oh nought one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty "
    "seventy eighty ninety hundred double triple "
    # nl
    "nul een één twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien "
    "twintig dertig veertig vijftig zestig zeventig tachtig negentig "
    # de
    "null eins zwei zwo drei vier fünf sechs sieben acht neun zehn elf zwölf zwanzig dreißig "
    "vierzig fünfzig sechzig siebzig achtzig neunzig "
    # fr
    "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze "
    "quinze seize vingt trente quarante cinquante soixante et "
    # es / pt / it
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa "
    "zero um dois três quatro cinco seis sete oito nove uno due tre quattro cinque sei sette "
    "otto nove "
    # ru / uk
    "ноль нуль один одна два две три четыре пять шесть семь восемь девять десять "
    "нуль один два три чотири п'ять шість сім вісім дев'ять "
    # ar
    "صفر واحد اثنان اثنين ثلاثة أربعة اربعة خمسة ستة سبعة ثمانية تسعة عشرة"
)
_NUMBER_TOKEN = re.compile(r"[^\W_]{1,20}(?:['’\-][^\W_]{1,20}){0,4}")
_NUMBER_GAP = re.compile(r"[\s,\-/.]{1,3}")
_MIN_NUMBER_TOKENS = 6


def _number_token(token: str) -> tuple[bool, bool]:
    """(is part of a spoken number, is a written word)."""
    if token.isdigit():
        return len(token) <= 4, False
    joined = token.casefold()
    if joined in NUMBER_WORDS:
        return True, True
    if "-" not in joined and "'" not in joined and "’" not in joined:
        return False, True
    return all(p in NUMBER_WORDS for p in re.split(r"['’\-]", joined)), True


def find_number_words(v: View) -> list[Redaction]:
    """Phone and other numbers written as words ("zero six one two …"), also mixed with digits."""
    text = v.text
    out: list[Redaction] = []
    run: list[re.Match[str]] = []
    words = 0

    def close() -> None:
        if len(run) >= _MIN_NUMBER_TOKENS and words >= 3:
            out.append(
                Redaction(*v.span(run[0].start(), run[-1].end()), RedactionKind.PHONE, "[PHONE]")
            )

    for m in _NUMBER_TOKEN.finditer(text):
        number, word = _number_token(m.group())
        if number and run and not _NUMBER_GAP.fullmatch(text, run[-1].end(), m.start()):
            close()
            run, words = [], 0
        if not number:
            close()
            run, words = [], 0
            continue
        run.append(m)
        words += word and m.group().casefold() not in ("et", "un", "une")
    close()
    return out


_PERSONNEL_CANDIDATE = re.compile(
    r"(?<![\w\-])(?:[^\W\d_]{1,3}[ \-]?)?\d(?:[ \-]?\d){3,13}(?![\w\-])"
)
_THOUSANDS = re.compile(r"\d{1,3}(?: \d{3})+")
_DATE_SHAPED = re.compile(r"(?:[^\W\d_]{1,3} )?(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2,4})")
_NOT_A_PREFIX = word_set("on at in of to op am im le el la de en um и в на")


def find_personnel_numbers(v: View, pattern: re.Pattern[str], default: bool) -> list[Redaction]:
    """Personnel numbers also in lower case or with spaces and dashes: a candidate counts when
    its compact upper-case form (or itself) is a full match of the pattern."""
    text = v.text
    out = []
    for m in pattern.finditer(text):
        if m.end() > m.start():
            out.append(
                Redaction(
                    *v.span(m.start(), m.end()),
                    RedactionKind.PERSONNEL_NUMBER,
                    "[PERSONNEL-NUMBER]",
                )
            )
    for m in _PERSONNEL_CANDIDATE.finditer(text):
        raw = m.group()
        if _THOUSANDS.fullmatch(raw) or _DATE_SHAPED.fullmatch(raw):
            continue  # 1 500 000: an amount; 2026-03-14: a date
        head = raw.split(" ", 1)[0]
        if head.isalpha() and head.casefold() in _NOT_A_PREFIX:
            continue  # "on 20260314": a word, then a number
        compact = re.sub(r"[ \-]", "", raw).upper()
        if default:
            hit = bool(re.fullmatch(r"[^\W\d_]{1,3}\d{4,8}|\d{6,9}", compact))
        else:
            hit = any(pattern.fullmatch(c) for c in (compact, raw.upper(), raw))
        if hit:
            out.append(
                Redaction(
                    *v.span(m.start(), m.end()),
                    RedactionKind.PERSONNEL_NUMBER,
                    "[PERSONNEL-NUMBER]",
                )
            )
    return out


_DOCUMENT_WORDS = (
    r"passport|paspoort|pas|reisepass|pass|passeport|pasaporte|passaporto|passaporte|"
    r"identity card|id card|id-kaart|identiteitskaart|personalausweis|ausweis|"
    r"carte d'identité|cni|dni|nie|bsn|sofinummer|ssn|national insurance|"
    r"паспорт|паспорта|загранпаспорт|жетон|جواز|جواز السفر|الهوية|护照|身份证|パスポート"
)
_DOCUMENT = re.compile(
    rf"(?i:(?<!\w)(?:{_DOCUMENT_WORDS}))"
    r"(?:\s{1,3}(?i:number|no\.?|nr\.?|nummer|numéro|número|n[º°]|номер|серия|رقم|号码?))?"
    r"\s{0,3}[:：#]?\s{0,3}"
    r"((?=[A-Za-z0-9 \-]{0,20}\d)[A-Za-z0-9]{1,10}(?:[ \-][A-Za-z0-9]{1,10}){0,3})"
)
_PLATE_WORDS = (
    r"kenteken|nummerplaat|kennzeichen|nummernschild|immatriculation|immatriculée|immatriculé|"
    r"plaque|matrícula|matricula|placa|targa|plate|number plate|registration|reg\.?|"
    r"госномер|номер машины|номерной знак|لوحة|رقم اللوحة|车牌号?"
)
_PLATE = re.compile(
    rf"(?i:(?<!\w)(?:{_PLATE_WORDS}))\s{{0,3}}[:：#]?\s{{0,3}}"
    r"((?=[A-Za-zА-Яа-я0-9 \-]{0,16}\d)[A-Za-zА-Яа-я0-9]{1,4}(?:[ \-][A-Za-zА-Яа-я0-9]{1,4}){0,3})"
)
_PLATE_SHAPES = re.compile(
    r"\b(?:[A-Z]{2}-\d{3}-[A-Z]{1,2}|\d{2}-[A-Z]{3}-\d|\d-[A-Z]{3}-\d{2}|[A-Z]-\d{3}-[A-Z]{2}|"
    r"[A-Z]{2}-\d{2}-[A-Z]{2}|\d{2}-[A-Z]{2}-[A-Z]{2}|[A-Z]{2}\d{2} [A-Z]{3})\b"
)


def find_documents(v: View) -> list[Redaction]:
    """Passport and identity-card numbers (after the document's name) and vehicle plates
    (after the plate's name, or in a national shape such as ``AB-123-C``)."""
    text = v.text
    out = []
    for m in _DOCUMENT.finditer(text):
        if sum(c.isdigit() for c in m.group(1)) >= 3 and len(m.group(1)) >= 5:
            out.append(
                Redaction(
                    *v.span(m.start(1), m.end(1)),
                    RedactionKind.DOCUMENT_NUMBER,
                    "[DOCUMENT-NUMBER]",
                )
            )
    for m in _PLATE.finditer(text):
        if len(m.group(1)) >= 4:
            out.append(
                Redaction(*v.span(m.start(1), m.end(1)), RedactionKind.VEHICLE_PLATE, "[PLATE]")
            )
    for m in _PLATE_SHAPES.finditer(text):
        out.append(Redaction(*v.span(m.start(), m.end()), RedactionKind.VEHICLE_PLATE, "[PLATE]"))
    return out


# -- addresses -----------------------------------------------------------------------------

_HOUSE = r"\d{1,5}(?:\s?[a-zA-Z]\b|[\-/]\d{1,4}[a-zA-Z]?)?"
_ADDRESS_PATTERNS = (
    # Dutch, German, Scandinavian compounds: Kerkstraat 12, Hauptstraße 5, Prinsengracht 263-1
    re.compile(
        r"\b[^\W\d_]{2,40}(?i:straat|laan|weg|plein|gracht|kade|dijk|singel|steeg|hof|pad|"
        r"straße|strasse|gasse|allee|platz|ring|damm|ufer|gatan|vägen|gade|vej)"
        rf"\s{{1,3}}{_HOUSE}"
    ),
    # English: 221B Baker Street, 14 Elm Road
    re.compile(
        r"\b\d{1,5}[A-Za-z]?\s{1,3}(?:[A-Z][\w'’\-]{1,30}\s{1,3}){1,3}"
        r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Boulevard|Blvd|Way|Close|Court|Place|"
        r"Square|Terrace|Crescent|Gardens|Hill|Row|Walk|Mews|Parade)\b\.?"
    ),
    # French: 12 rue de la Paix
    re.compile(
        r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s{1,3}(?i:rue|avenue|av\.|boulevard|bd|place|chemin|"
        r"impasse|allée|quai|route|cours)\s{1,3}(?:(?:de|du|des|la|le|l'|d')\s{0,3}){0,3}"
        r"[A-ZÀ-Ý][\w'’\-]{1,30}(?:\s[A-ZÀ-Ý][\w'’\-]{1,30}){0,3}"
    ),
    # Spanish, Portuguese, Italian: Calle Mayor 3, Avenida de la Paz 12, Via Roma 5
    re.compile(
        r"\b(?:Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Paseo|Carrera|Camino|Ronda|Rua|Via|Viale|"
        r"Piazza|Corso)\s{1,3}(?:(?:de|del|la|los|las|da|do|dos)\s{1,3}){0,3}"
        r"[A-ZÁ-Ú][\w'\-]{1,30}(?:\s[A-ZÁ-Ú][\w'\-]{1,30}){0,3},?\s{1,3}(?:n[º°o]\.?\s?)?\d{1,5}"
    ),
    # Russian / Ukrainian: ул. Ленина, д. 5
    re.compile(
        r"(?<!\w)(?:ул\.|улица|вул\.|вулиця|пр\.|просп\.|проспект|пер\.|переулок|пл\.|площадь|"
        r"наб\.|набережная|бульвар|б-р|шоссе)\s{0,3}[А-ЯЁІЇЄ][\w\-]{1,30}"
        r"(?:,?\s{0,3}(?:д\.|дом)\s{0,3}\d{1,4}[а-яё]?)?(?:,?\s{0,3}(?:кв\.|корп\.|стр\.)\s{0,3}\d{1,4}){0,2}"
    ),
    # Arabic: شارع الملك فهد رقم 12
    re.compile(r"(?<!\w)(?:شارع|طريق|حي|جادة)(?:\s[^\s\d،,.؛]{2,20}){1,3}(?:\s(?:رقم\s)?\d{1,5})?"),
)
_CJK_STREET = re.compile(r"(?:路|街|大道|巷|胡同|通り|丁目)(?:\s?\d{1,5}\s?[号號番]地?)?")
_CJK_STOP = frozenset("在住到去于从的是和与我他她它你们了着地")
_POSTCODES = (
    re.compile(r"\b[1-9]\d{3}\s?[A-Z]{2}\b"),  # NL
    re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s\d[A-Z]{2}\b"),  # UK
    re.compile(r"\b\d{5}(?=\s[A-ZÀ-Ý][a-zà-ÿ]{2,})"),  # DE, FR, ES, IT before the town
    re.compile(r"\b\d{2}-\d{3}(?=\s[A-ZŁŚŻ][a-ząćęłńóśźż]{2,})"),  # PL
)


def find_addresses(v: View) -> list[Redaction]:
    """Street addresses with a house number, and postcodes."""
    text = v.text
    out = []
    for pattern in _ADDRESS_PATTERNS:
        for m in pattern.finditer(text):
            out.append(Redaction(*v.span(m.start(), m.end()), RedactionKind.ADDRESS, "[ADDRESS]"))
    for m in _CJK_STREET.finditer(text):
        start = m.start()
        while start > 0 and m.start() - start < 4 and _is_han(text[start - 1]):
            if text[start - 1] in _CJK_STOP:
                break
            start -= 1
        if start < m.start() and m.end() - m.start() > 1:
            out.append(Redaction(*v.span(start, m.end()), RedactionKind.ADDRESS, "[ADDRESS]"))
    for pattern in _POSTCODES:
        for m in pattern.finditer(text):
            out.append(Redaction(*v.span(m.start(), m.end()), RedactionKind.ADDRESS, "[POSTCODE]"))
    return out


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


# -- dates ---------------------------------------------------------------------------------

_MONTH_LOCALES = ("en", "nl", "de", "fr", "es", "it", "pt", "pl", "ru", "uk", "tr", "id", "ar")
_DAY_LOCALES = ("en", "nl", "de", "fr", "es", "it", "pt", "pl", "ru", "uk", "tr", "id", "ar")
_AMBIGUOUS_MONTHS = frozenset({"may", "mar", "jan", "mai"})


def generalise_date(day: dt.date, granularity: Granularity | None) -> str:
    """``day`` at the consented granularity (``[DATE]`` when the period is not shared)."""
    if granularity is None:
        return "[DATE]"
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


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
    day = r"\d{1,2}(?:st|nd|rd|th|er|e|ste|de|º)?\.?"
    pattern = re.compile(
        rf"(?<!\w)(?:(?P<d1>{day})\s{{1,3}}(?:de\s|of\s)?\s{{0,2}})?(?P<m1>{names})(?!\w)\.?"
        rf"(?:\s{{1,3}}(?P<d2>{day})(?!\d),?)?(?:\s{{1,3}}(?:de\s{{1,3}})?(?P<y>\d{{4}})(?!\d))?",
        re.IGNORECASE,
    )
    return pattern, months


@functools.lru_cache(maxsize=1)
def _weekday_names() -> frozenset[str]:
    names: set[str] = set()
    for loc in _DAY_LOCALES:
        for context in ("format", "stand-alone"):
            days = get_day_names("wide", context=context, locale=loc).values()
            names.update(n.casefold() for n in days)
    names.update(("среду", "пятницу", "субботу", "середу", "п'ятницю", "суботу"))
    return frozenset(names)


_CJK_WEEKDAY = re.compile(r"(?:星期|礼拜|禮拜|周|週)[一二三四五六日天]|[月火水木金土日]曜日?")
_NUMERIC_DATE = re.compile(
    r"(?<![\d.\-/])(\d{1,4})([./\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/\-]|\.\d)"
)
_CJK_DATE = re.compile(r"(?:(\d{2,4})\s?[年/]\s?)?(\d{1,2})\s?月\s?(\d{1,2})\s?[日号號]")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def find_dates(v: View, period: Granularity | None) -> list[Redaction]:
    """Dates in numbers (14.3.26, 3/14/26, 2026-03-14), with a month's name (with or without
    a year or a day), in CJK (2026年3月14日), and weekdays. A date with a year becomes the
    consented granularity; one without a year its month (or ``[DATE]``); a weekday ``[DAY]``."""
    text = v.text
    out: list[Redaction] = []

    def add(start: int, end: int, year: int, month: int, day: int) -> None:
        try:
            when = dt.date(year, month, day)
        except ValueError:
            return
        replacement = generalise_date(when, period)
        if text[start:end] != replacement:
            out.append(Redaction(*v.span(start, end), RedactionKind.DATE, replacement))

    def no_year(start: int, end: int, month_text: str) -> None:
        if period is Granularity.DAY:
            return  # no finer than the consented day
        replacement = month_text if period is Granularity.MONTH else "[DATE]"
        out.append(Redaction(*v.span(start, end), RedactionKind.DATE, replacement))

    for m in _NUMERIC_DATE.finditer(text):
        a, b, c = int(m.group(1)), int(m.group(3)), m.group(4)
        if len(m.group(1)) == 4:  # 2026-03-14, 2026/03/14
            if len(c) <= 2:
                add(m.start(), m.end(), a, b, int(c))
            continue
        if len(m.group(1)) == 3:
            continue
        day, month = (b, a) if b > 12 >= a else (a, b)
        add(m.start(), m.end(), _year(c), month, day)
    for m in _CJK_DATE.finditer(text):
        month, day = int(m.group(2)), int(m.group(3))
        if m.group(1):
            add(m.start(), m.end(), _year(m.group(1)), month, day)
        elif 1 <= month <= 12 and 1 <= day <= 31:
            no_year(m.start(), m.end(), f"{month}月")
    pattern, months = _month_pattern()
    for m in _month_matches(text, pattern, months):
        month_text = m.group("m1")
        found_month = months.get(month_text.casefold())
        if found_month is None or (
            month_text.islower() and month_text.casefold() in _AMBIGUOUS_MONTHS and not m.group("y")
        ):
            continue
        day_text = m.group("d1") or m.group("d2")
        if m.group("y") is None:
            if day_text is not None:
                no_year(m.start(), m.end(), month_text)
            continue
        if day_text is None and period is not None and period is not Granularity.QUARTER:
            continue  # "March 2026" is already no finer than a month
        day = int(re.match(r"\d+", day_text).group()) if day_text else 1  # type: ignore[union-attr]
        add(m.start(), m.end(), int(m.group("y")), found_month, day)
    weekdays = _weekday_names()
    for m in _TOKEN.finditer(text):
        word = m.group().casefold()
        if word in weekdays or (word[-1:] == "s" and word[:-1] in weekdays):
            out.append(Redaction(*v.span(m.start(), m.end()), RedactionKind.DATE, "[DAY]"))
    for m in _CJK_WEEKDAY.finditer(text):
        out.append(Redaction(*v.span(m.start(), m.end()), RedactionKind.DATE, "[DAY]"))
    return out


_TOKEN = re.compile(r"[^\W\d_]{1,40}(?:['’][^\W\d_]{1,40})?")
_DAY_TOKEN = re.compile(r"\d{1,2}(?:st|nd|rd|th|er|e|ste|de|º)?\.?\s{1,3}(?:(?:de|of)\s{1,3})?\Z")


def _month_matches(
    text: str, pattern: re.Pattern[str], months: dict[str, int]
) -> list[re.Match[str]]:
    """The month pattern tried only where a month's name stands (and at the day before it)."""
    out: list[re.Match[str]] = []
    taken = 0
    for word in _TOKEN.finditer(text):
        if word.start() < taken or word.group().casefold() not in months:
            continue
        day = _DAY_TOKEN.search(text, max(0, word.start() - 16), word.start())
        for start in ((day.start(),) if day else ()) + (word.start(),):
            m = pattern.match(text, start)
            if m is not None and m.end() > word.start():
                out.append(m)
                taken = m.end()
                break
    return out
