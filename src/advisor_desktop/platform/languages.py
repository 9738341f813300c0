"""Language codes, in one place: spelling, direction, the UI languages, the pseudo-locale.

Every entry point that takes a language (``--lang`` of the three programs, ``guides show/pdf
--lang``, ``referral new --consent-language``, the saved UI choice) passes it through
:func:`normalise_tag`, so ``zh-Hans``, ``zh_Hans``, ``zh-hans`` and ``ZH_HANS`` are one
language, and ``pt_BR`` is ``pt-BR``. The project's canonical spelling is BCP 47 with its usual
case (language lower-case, script title-case, region upper-case); gettext folders use the POSIX
spelling (:func:`catalog_name`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from advisor_desktop.platform.errors import UsageError

#: The generated pseudo-locale (accented, longer text) that shows clipped or untranslated
#: text. A developer tool: accepted by ``--lang`` and ``ADVISOR_LANG``, never listed to users.
PSEUDO_LOCALE = "en-XA"
#: The language every message is written in, always available.
SOURCE_LANGUAGE = "en"
#: Environment variable that picks the UI language when ``--lang`` is not given.
LANG_ENV = "ADVISOR_LANG"

#: The languages the product speaks to visitors in (guides, consent statements, the
#: conversation language of a record), English first. docs/guides-format.md.
GUIDE_LANGUAGES: tuple[str, ...] = (
    "en", "nl", "fr", "es", "pt", "de", "ar", "fa", "ur", "ps", "zh-Hans", "ru", "uk",
    "tr", "id", "hi", "bn", "sw", "am", "ja", "ko", "vi", "th", "pl", "it",
)  # fmt: skip

#: Primary languages written right to left (Arabic script, Hebrew, Thaana, Syriac...).
RTL_LANGUAGES = frozenset(
    {"ar", "fa", "ur", "ps", "he", "yi", "sd", "ug", "dv", "ckb", "syr", "ks", "ku-Arab"}
)

_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")


def normalise_tag(text: str) -> str:
    """``text`` as a canonical language tag (``zh_hans`` → ``zh-Hans``, ``PT_br`` → ``pt-BR``).

    Raises :class:`ValueError` for something that is not a language tag at all.
    """
    parts = re.split(r"[-_]", text.strip())
    if not parts or not re.fullmatch(r"[A-Za-z]{2,3}", parts[0]):
        raise ValueError(text)
    out = [parts[0].lower()]
    for index, part in enumerate(parts[1:], start=1):
        if not _SUBTAG.match(part):
            raise ValueError(text)
        if index == 1 and len(part) == 4 and part.isalpha():
            out.append(part.title())  # script: Hans, Latn, Arab
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())  # region: BR, XA, 419
        else:
            out.append(part.lower())
    return "-".join(out)


def catalog_name(tag: str) -> str:
    """The POSIX spelling gettext folders and Babel use (``zh-Hans`` → ``zh_Hans``)."""
    return normalise_tag(tag).replace("-", "_")


def primary(tag: str) -> str:
    """The primary language subtag (``pt-BR`` → ``pt``)."""
    return tag.replace("_", "-").split("-")[0].lower()


def is_rtl(tag: str) -> bool:
    """True for languages written right to left."""
    try:
        tag = normalise_tag(tag)
    except ValueError:
        return False
    return primary(tag) in RTL_LANGUAGES or tag in RTL_LANGUAGES


def match_tag(text: str, known: Iterable[str]) -> str | None:
    """The entry of ``known`` that ``text`` names, whatever its spelling, or None."""
    try:
        wanted = normalise_tag(text)
    except ValueError:
        return None
    for code in known:
        try:
            if normalise_tag(code) == wanted:
                return code
        except ValueError:
            continue
    return None


@functools.lru_cache(maxsize=256)
def language_name(code: str, in_locale: str | None = None) -> str:
    """The name of language ``code`` in ``in_locale`` (default: in itself), capitalised as a
    title ("Français"), from Babel's CLDR data; the code itself when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(catalog_name(code))
        where = Locale.parse(catalog_name(in_locale)) if in_locale else None
        name = locale.get_display_name(where) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    # Scripts without case are unchanged.
    return name[:1].upper() + name[1:]


def language_label(code: str) -> str:
    """How a language list shows a language: its own name and its code ("Nederlands (nl)")."""
    return f"{language_name(code)} ({code})"


def locale_dir() -> Path:
    """Where the compiled ``.mo`` catalogs are (inside the installed package)."""
    from advisor_desktop.platform.paths import package_dir

    return package_dir() / "locale"


def ui_languages(folder: Path | None = None) -> list[str]:
    """The languages a user can choose for the interface: English first, then every language
    with a compiled catalog, in canonical spelling. The pseudo-locale is not among them."""
    folder = folder or locale_dir()
    found: set[str] = set()
    if folder.is_dir():
        for mo in folder.glob("*/LC_MESSAGES/*.mo"):
            try:
                found.add(normalise_tag(mo.parent.parent.name))
            except ValueError:
                continue
    found -= {SOURCE_LANGUAGE, PSEUDO_LOCALE}
    return [SOURCE_LANGUAGE, *sorted(found)]


def resolve_ui_language(text: str, folder: Path | None = None) -> str:
    """The UI language ``text`` names, canonical; a :class:`UsageError` with the list of UI
    languages when it names none (a guide-only language such as ``am`` included)."""
    from advisor_desktop.platform.i18n import _

    choices = ui_languages(folder)
    found = match_tag(text, [*choices, PSEUDO_LOCALE])
    if found is None:
        raise UsageError(
            _("{lang} is not a language of the user interface. Choose one of: {langs}").format(
                lang=text, langs=", ".join(choices)
            )
        )
    return found
