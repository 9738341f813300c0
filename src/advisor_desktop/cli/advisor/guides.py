"""``advisor guides …``: list, show, check, save as PDF and import the signposting guides.

Guides are not secret, so ``list``, ``show``, ``check`` and ``pdf`` work without the
passphrase: they fill contacts from the shipped organisation profile, and an installed guide
pack is shown only when its signature verifies against the desk keys of that shipped profile
(else the shipped guides are, with a note on stderr). When a passphrase is given
(``--passphrase-file`` or ``ADVISOR_PASSPHRASE``) and a vault exists, the vault's profile is
used instead (its contacts, and its desk keys to re-verify an installed guide pack).
``import`` always unlocks the vault: the desk keys a pack is verified against are the ones in
the vault's profile, never a file on disk that could have been swapped. ``check`` also warns
about every channel the guides refer to that has no contact details in that profile.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.cli.advisor.context import PASSPHRASE_ENV, CliContext
from advisor_desktop.guides import (
    EXPECTED_LOCALES,
    SECTION_FILES,
    GuideLibrary,
    active_source,
    check_guides,
    install_pack,
    language_info,
    language_statuses,
    markdown_to_text,
    trusted_keys,
)
from advisor_desktop.guides.check import channels_without_contacts
from advisor_desktop.guides.pack import MAX_PACK_BYTES
from advisor_desktop.guides.store import withheld_note
from advisor_desktop.platform.errors import EXIT_OK, EXIT_OTHER, UsageError
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.platform.languages import match_tag
from advisor_desktop.protocol.profile import OrgProfile, load_profile


def register(sub: Any) -> None:
    """Add ``guides`` and its subcommands to the ``advisor`` parser."""
    p = sub.add_parser("guides", help=_("signposting guides: list, show, check, pdf, import"))
    gsub = p.add_subparsers(dest="guides_command", metavar="SUBCOMMAND")
    gsub.required = True

    q = gsub.add_parser("list", help=_("every guide language with its status"))
    q.add_argument("--json", action="store_true", help=_("machine-readable output"))
    q.set_defaults(func=cmd_list)

    q = gsub.add_parser("show", help=_("print a guide as plain text"))
    q.add_argument("--lang", dest="guide_lang", metavar="CODE", required=True,
                   help=_("guide language, e.g. fr, ar, zh-Hans"))  # fmt: skip
    q.add_argument("--section", type=int, metavar="N", help=_("only section N (1-6)"))
    q.set_defaults(func=cmd_show)

    q = gsub.add_parser("check", help=_("check that every guide is complete and up to date"))
    q.add_argument("--root", metavar="DIR", help=_("check the guides in DIR instead"))
    q.set_defaults(func=cmd_check)

    q = gsub.add_parser("pdf", help=_("save a guide as a PDF"))
    q.add_argument("--lang", dest="guide_lang", metavar="CODE", required=True,
                   help=_("guide language, e.g. fr, ar, zh-Hans"))  # fmt: skip
    q.add_argument("--out", metavar="FILE", required=True, help=_("where to write the PDF"))
    q.set_defaults(func=cmd_pdf)

    q = gsub.add_parser("import", help=_("install a signed guide pack from the central desk"))
    q.add_argument("file", metavar="FILE", help=_("the guide pack file"))
    q.set_defaults(func=cmd_import)


def _passphrase_given(ctx: CliContext) -> bool:
    return bool(getattr(ctx.args, "passphrase_file", None) or ctx.console.env.get(PASSPHRASE_ENV))


def _vault_profile(ctx: CliContext) -> OrgProfile | None:
    """The vault's profile when it can be unlocked without a prompt, else None."""
    if ctx.paths.vault_db.exists() and _passphrase_given(ctx):
        with ctx.workspace() as workspace:
            return workspace.profile
    return None


def _library(ctx: CliContext) -> GuideLibrary:
    """Guides with the vault's profile when it can be unlocked without a prompt (the
    workspace's library: a pack verified with its desk keys), else the shipped profile (a
    pack verified with its desk keys). An installed pack that was not verified is never
    served; a note on stderr says the shipped guides are shown instead."""
    if ctx.paths.vault_db.exists() and _passphrase_given(ctx):
        with ctx.workspace() as workspace:
            library = workspace.guides
    else:
        library = GuideLibrary(load_profile(), active_source(ctx.paths))
    note = withheld_note(library.source)
    if note is not None:
        ctx.console.err(note)
    return library


def _guide_lang(library: GuideLibrary, code: str) -> str:
    """The guide language ``code`` names, in any spelling (``zh_Hans``, ``zh-hans``)."""
    known = [info.code for info in library.languages()]
    found = match_tag(code, known)
    if found is None:
        raise UsageError(
            _("There is no guide in {lang}. Available: {langs}").format(
                lang=code, langs=", ".join(known)
            )
        )
    return found


def cmd_list(ctx: CliContext) -> int:
    """``advisor guides list``."""
    library = _library(ctx)
    statuses = {s.lang: s for s in language_statuses(library.root)}
    rows: list[dict[str, Any]] = []
    for info in library.languages():
        status = statuses[info.code]
        rows.append(
            {
                "code": info.code,
                "name": info.own_name,
                "english_name": info.english_name,
                "direction": info.direction,
                "review": "reviewed" if status.reviewed else "machine",
                "source_version": status.source_version,
                "stale": status.stale,
                "complete": status.complete,
            }
        )
    if ctx.args.json:
        doc = {"source": library.source.origin, "pack_version": library.source.version,
               "languages": rows}  # fmt: skip
        ctx.console.out(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    for row in rows:
        flags = [str(row["direction"]), str(row["review"]), "v{}".format(row["source_version"])]
        if row["stale"]:
            flags.append(_("stale"))
        if not row["complete"]:
            flags.append(_("incomplete"))
        ctx.console.out("{code:8} {name}  ({flags})".format(
            code=row["code"], name=row["name"], flags=", ".join(flags)))  # fmt: skip
    return EXIT_OK


def cmd_show(ctx: CliContext) -> int:
    """``advisor guides show``."""
    library = _library(ctx)
    lang = _guide_lang(library, ctx.args.guide_lang)
    guide = library.guide(lang)
    if ctx.args.section is not None and ctx.args.section not in SECTION_FILES:
        raise UsageError(_("--section must be a number from 1 to 6."))
    sections = guide.sections if ctx.args.section is None else (guide.section(ctx.args.section),)
    texts = [markdown_to_text(library.filled(section)) for section in sections]
    ctx.console.out("\n".join(texts).rstrip("\n"))
    return EXIT_OK


def cmd_check(ctx: CliContext) -> int:
    """``advisor guides check``: exit 0 when complete, else list the problems and exit 1.

    Channels the guides refer to without contact details in the profile are warnings: they
    are listed, but do not change the exit code.
    """
    profile: OrgProfile
    if ctx.args.root:
        root = Path(ctx.args.root)
        if not root.is_dir():
            raise UsageError(_("{folder} is not a folder.").format(folder=ctx.args.root))
        profile = _vault_profile(ctx) or load_profile()
    else:
        library = _library(ctx)
        root, profile = library.root, library.profile
    problems = check_guides(root, required=EXPECTED_LOCALES)
    langs = language_statuses(root)
    for problem in problems:
        ctx.console.out(str(problem))
    for channel in channels_without_contacts(root, profile):
        ctx.console.out(
            _(
                "Warning: channel {channel} has no contact details; fill in its contact "
                "details in the organisation profile and import it with "
                "`advisor profile import FILE`."
            ).format(channel=channel)
        )
    if not problems:
        ctx.console.out(
            ngettext(
                "The {n} guide language is complete and up to date.",
                "All {n} guide languages are complete and up to date.",
                len(langs),
            ).format(n=len(langs))
        )
        return EXIT_OK
    ctx.console.err(
        ngettext("{n} problem found.", "{n} problems found.", len(problems)).format(n=len(problems))
    )
    return EXIT_OTHER


def cmd_pdf(ctx: CliContext) -> int:
    """``advisor guides pdf``: the whole guide in one language as an A4 PDF."""
    library = _library(ctx)
    lang = _guide_lang(library, ctx.args.guide_lang)
    # Qt is loaded only here, so the rest of the command line starts without it.
    from advisor_desktop.guides.render.headless import rendering_application
    from advisor_desktop.guides.render.pdf import export_pdf

    app = rendering_application()
    notice = "" if library.guide(lang).reviewed else _("Not yet reviewed by a native speaker.")
    pages = export_pdf(library, lang, Path(ctx.args.out), notice=notice)
    del app
    ctx.console.out(
        ngettext(
            "Saved the guide in {lang} ({n} page) to {file}.",
            "Saved the guide in {lang} ({n} pages) to {file}.",
            pages,
        ).format(lang=language_info(lang).english_name, n=pages, file=ctx.args.out)
    )
    return EXIT_OK


def cmd_import(ctx: CliContext) -> int:
    """``advisor guides import FILE``: verify a signed pack and install it atomically."""
    path = Path(ctx.args.file)
    try:
        if path.stat().st_size > MAX_PACK_BYTES:
            raise UsageError(_("The guide pack file is too large."))
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            _("The guide pack file cannot be read: {reason}").format(reason=exc.strerror)
        ) from None
    with ctx.workspace() as workspace:
        version = install_pack(ctx.paths, data, trusted_keys(workspace.profile))
    ctx.console.out(_("Installed guide pack version {version}.").format(version=version))
    return EXIT_OK
