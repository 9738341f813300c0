"""Manage the UI message catalogs with Babel.

    python translations/manage.py extract   # src/ → translations/advisor_desktop.pot
    python translations/manage.py update    # .pot → translations/<lang>/LC_MESSAGES/*.po
    python translations/manage.py compile   # .po → src/advisor_desktop/locale/<lang>/…/*.mo
    python translations/manage.py all       # the three, in order (run after changing strings)

Sources and built files: the template (``.pot``) and the ``.po`` files are sources, committed
and reviewed. The ``.mo`` files are built, never committed: ``setup.py`` compiles them into the
package on every install (``pip install .`` or ``-e .``), and ``compile`` rebuilds them in a
checkout after a ``.po`` changed. tests/test_i18n.py fails when the template is stale, when a
catalog has empty or fuzzy entries, or when the compiled catalogs do not hold exactly the
messages of the sources (whatever Babel version compiled them). ``en_XA`` is a generated
pseudo-locale (accented, ~40 % longer) that makes clipped or untranslated text visible; it is
for developers (``--lang en_XA``) and is never offered in a language list.
"""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "advisor_desktop"
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "advisor_desktop.pot"
LOCALE_OUT = SRC / "locale"
DOMAIN = "advisor_desktop"
LANGUAGES = ("nl", "fr", "es", "ar", "ru", "zh_Hans")
PSEUDO = "en_XA"
# Fixed header dates keep generated files byte-for-byte reproducible (checked by a test).
FIXED_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
# pgettext:1c,2 and npgettext:1c,2,3: the first argument is the context.
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķĺɱñóƥʠŕšťúṽŵẋýžÅƁÇĐÉƑĜĤÍĴĶĹṀÑÓƤɊŔŠŤÚṼŴẊÝŽ",
)


def extract() -> Catalog:
    """Every translatable string in src/ (keywords _, N_, ngettext, pgettext, npgettext)."""
    catalog = Catalog(
        project="Advisor Desktop",
        domain=DOMAIN,
        charset="utf-8",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
    )
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SRC),
        method_map=method_map,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(f"src/advisor_desktop/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def _po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _mo_path(lang: str, folder: Path | None = None) -> Path:
    return (folder or LOCALE_OUT) / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _serialize_po(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=False, sort_output=True, width=100, include_lineno=False)
    return buffer.getvalue()


def _serialize_mo(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def write_template() -> None:
    """Write the .pot template."""
    catalog = extract()
    POT.write_bytes(_serialize_po(catalog))


def _pseudo(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "{":  # keep format placeholders intact
            j = text.find("}", i)
            j = len(text) - 1 if j < 0 else j
            out.append(text[i : j + 1])
            i = j + 1
            continue
        out.append(text[i].translate(_ACCENTS))
        i += 1
    padded = "".join(out)
    return f"[{padded}{'·' * max(1, len(text) * 2 // 5)}]"


def load(path: Path, locale: str) -> Catalog:
    """Read a .po file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update() -> None:
    """Merge the template into every language's .po file (new strings get empty entries)."""
    with POT.open("rb") as handle:
        template = read_po(handle)
    for lang in LANGUAGES:
        path = _po_path(lang)
        if path.exists():
            catalog = load(path, lang)
        else:
            catalog = Catalog(
                locale=lang,
                domain=DOMAIN,
                project="Advisor Desktop",
                charset="utf-8",
                creation_date=FIXED_DATE,
                revision_date=FIXED_DATE,
            )
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_serialize_po(catalog))


def pseudo_catalog() -> Catalog:
    """The generated pseudo-locale catalog."""
    with POT.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(
        locale="en",
        domain=DOMAIN,
        charset="utf-8",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
    )
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(_pseudo(x) for x in message.id), context=message.context)
        else:
            catalog.add(message.id, _pseudo(message.id), context=message.context)
    return catalog


def compiled(lang: str) -> bytes:
    """The .mo bytes a language's .po compiles to (the pseudo-locale is generated)."""
    return _serialize_mo(source_catalog(lang))


def compile_all(folder: Path | None = None) -> None:
    """Compile every .po (and the pseudo-locale) into ``folder`` (default: the package's
    locale folder in this checkout)."""
    for lang in (*LANGUAGES, PSEUDO):
        path = _mo_path(lang, folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(compiled(lang))


def source_catalog(lang: str) -> Catalog:
    """The catalog a language's compiled file must hold (the pseudo-locale is generated)."""
    return pseudo_catalog() if lang == PSEUDO else load(_po_path(lang), lang)


def messages(catalog: Catalog) -> dict[tuple[str | None, str | tuple[str, ...]], object]:
    """What a catalog translates: (context, id) → translation, header and untranslated or
    fuzzy entries left out (a compiled file does not carry them)."""
    out: dict[tuple[str | None, str | tuple[str, ...]], object] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        plural = isinstance(message.id, list | tuple)
        key = tuple(message.id) if plural else message.id
        strings = tuple(message.string) if plural else (message.string,)
        if not all(strings):
            continue
        out[(message.context or None, key)] = strings
    return out


def read_compiled(path: Path) -> Catalog:
    """A compiled ``.mo`` file, read back."""
    from babel.messages.mofile import read_mo

    with path.open("rb") as handle:
        return read_mo(handle)


def main(argv: list[str]) -> int:
    """Command-line entry: extract, update, compile or all."""
    commands = {
        "extract": [write_template],
        "update": [update],
        "compile": [compile_all],
        "all": [write_template, update, compile_all],
    }
    if len(argv) != 1 or argv[0] not in commands:
        print(__doc__)
        return 2
    for step in commands[argv[0]]:
        step()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
