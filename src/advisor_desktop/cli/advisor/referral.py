"""``advisor referral …`` and ``advisor device-key``: consent, draft, preview, confirm, export.

The advisor's confirmation is an explicit step: ``new`` records the consent and a draft,
``preview`` prints exactly what the desk will read (and a digest of it), ``confirm`` seals that
exact content (optionally checking the digest from the preview), and only then does ``export``
write the package file. ``redact`` lists the anonymiser's changes and undoes or adds some.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.notebook.models import RecordId
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.referral_package import FILE_SUFFIX
from advisor_desktop.protocol.referral_terms import ConsentMethod
from advisor_desktop.referral.anonymiser import DecisionKind, RedactionDecision
from advisor_desktop.referral.consent import load_statement, parse_scopes
from advisor_desktop.referral.draft import DraftInputs
from advisor_desktop.referral.service import (
    ReferralService,
    ReferralSummary,
    payload_digest,
    render_preview,
)
from advisor_desktop.storage.meta import load_vault_profile


def register(sub: Any) -> None:
    """Add ``referral`` (with its sub-commands) and ``device-key`` to the ``advisor`` parser."""
    p = sub.add_parser("device-key", help=_("show this device's public key for desk enrolment"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_device_key)

    ref = sub.add_parser("referral", help=_("refer a case to a desk, with the visitor's consent"))
    rsub = ref.add_subparsers(dest="referral_command", metavar="STEP", parser_class=type(ref))
    rsub.required = True

    p = rsub.add_parser("new", help=_("record consent and draft a referral; prints its id"))
    p.add_argument("record_id", metavar="RECORD_ID", type=int)
    p.add_argument("--desk", required=True, metavar="NAME", help=_("desk from the profile"))
    p.add_argument(
        "--scopes",
        required=True,
        metavar="LIST",
        help=_(
            "what the visitor consented to share, comma-separated: category, role, post, "
            "region, period[=day|month|quarter], summary, contact, secretary-general"
        ),
    )
    p.add_argument("--summary-file", metavar="FILE", help=_("summary text (default: the notes)"))
    p.add_argument("--consent-language", metavar="CODE", help=_("language of the statement"))
    p.add_argument(
        "--consent-method",
        choices=[m.value for m in ConsentMethod],
        default=ConsentMethod.ON_SCREEN.value,
    )
    p.add_argument("--post", default="", metavar="TEXT", help=_("the post (if shared)"))
    p.add_argument("--region", default="", metavar="TEXT", help=_("the post's region"))
    p.add_argument(
        "--contact", metavar="TEXT", help=_("a contact the visitor typed (default: via advisor)")
    )
    p.set_defaults(func=cmd_new)

    p = rsub.add_parser("preview", help=_("print exactly what the desk will read"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.set_defaults(func=cmd_preview)

    p = rsub.add_parser("redact", help=_("list, undo or add redactions of the summary"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument("--undo", action="append", default=[], metavar="START:END")
    p.add_argument("--add", action="append", default=[], metavar="START:END")
    p.add_argument("--reset", action="store_true", help=_("back to the proposals"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_redact)

    p = rsub.add_parser("confirm", help=_("confirm the previewed content; seals the package"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument("--digest", metavar="HEX", help=_("the digest the preview printed"))
    p.set_defaults(func=cmd_confirm)

    p = rsub.add_parser("export", help=_("write a confirmed package to a file"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help=_("file to write, or a folder (a neutral random name is chosen)"),
    )
    p.set_defaults(func=cmd_export)

    p = rsub.add_parser("withdraw", help=_("the visitor withdraws consent (before sending)"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.set_defaults(func=cmd_withdraw)

    p = rsub.add_parser("list", help=_("list referrals and their state"))
    p.add_argument("--record", type=int, metavar="RECORD_ID")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)


@contextlib.contextmanager
def _open(ctx: CliContext) -> Iterator[tuple[Notebook, ReferralService]]:
    with ctx.vault() as vault:
        profile = load_vault_profile(vault)
        yield Notebook(vault, profile, ctx.clock), ReferralService(vault, profile, ctx.clock)


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise UsageError(
            _("The file {name} cannot be read as UTF-8 text.").format(name=Path(path).name)
        ) from None


def cmd_device_key(ctx: CliContext) -> int:
    with ctx.vault() as vault:
        key = ReferralService(vault, load_vault_profile(vault), ctx.clock).device_keys.public_key()
    if ctx.args.json:
        doc = {"public_key": key.text, "key_id": key.key_id, "fingerprint": key.fingerprint}
        ctx.console.out(json.dumps(doc))
        return 0
    ctx.console.out(key.text)
    ctx.console.out(_("Fingerprint: {fp}").format(fp=key.fingerprint))
    return 0


def cmd_new(ctx: CliContext) -> int:
    scopes = parse_scopes(ctx.args.scopes)
    summary = _read_text(ctx.args.summary_file) if ctx.args.summary_file else None
    with _open(ctx) as (notebook, service):
        record = notebook.get(RecordId(ctx.args.record_id))
        desk = service.desk(ctx.args.desk)
        language = ctx.args.consent_language or record.language or "en"
        statement = load_statement(language, desk.name)
        draft = service.create(
            record,
            DraftInputs(
                desk=desk.name,
                scopes=scopes,
                summary=summary,
                post=ctx.args.post,
                region=ctx.args.region,
                contact=ctx.args.contact,
            ),
            statement,
            ctx.args.consent_method,
        )
    ctx.console.out(draft.referral_id)
    return 0


def cmd_preview(ctx: CliContext) -> int:
    with _open(ctx) as (_notebook, service):
        payload = service.payload_bytes(ctx.args.referral_id)
    ctx.console.out(render_preview(payload))
    ctx.console.err(
        _("Digest: {digest}  (advisor referral confirm {id} --digest {digest})").format(
            digest=payload_digest(payload), id=ctx.args.referral_id
        )
    )
    return 0


def _span(text: str) -> tuple[int, int]:
    start, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError(text)
        return int(start), int(end)
    except ValueError:
        raise UsageError(_("A span is written START:END, e.g. 10:25.")) from None


def cmd_redact(ctx: CliContext) -> int:
    decisions = [RedactionDecision(DecisionKind.UNDO, *_span(s)) for s in ctx.args.undo]
    decisions += [RedactionDecision(DecisionKind.ADD, *_span(s)) for s in ctx.args.add]
    with _open(ctx) as (_notebook, service):
        if ctx.args.reset:
            service.reset_decisions(ctx.args.referral_id)
        draft = (
            service.decide(ctx.args.referral_id, decisions)
            if decisions
            else service.get(ctx.args.referral_id).draft
        )
    rows = [
        {
            "start": r.start,
            "end": r.end,
            "kind": r.original_kind.value,
            "original": draft.source[r.start : r.end],
            "replacement": r.replacement,
        }
        for r in draft.redactions
    ]
    if ctx.args.json:
        ctx.console.out(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        ctx.console.out(
            f"{row['start']:>6}:{row['end']:<6} {row['kind']:<17} "
            f"{row['original']!r} → {row['replacement']}"
        )
    return 0


def cmd_confirm(ctx: CliContext) -> int:
    with _open(ctx) as (_notebook, service):
        digest = service.confirm(ctx.args.referral_id, ctx.args.digest)
    ctx.console.out(_("Confirmed and sealed (digest {digest}).").format(digest=digest))
    return 0


def cmd_export(ctx: CliContext) -> int:
    out = Path(ctx.args.out).expanduser()
    if out.is_dir():
        # Nothing identifying outside the encryption, not even in the file name.
        out = out / (secrets.token_hex(8) + FILE_SUFFIX)
    with _open(ctx) as (_notebook, service):
        package = service.package(ctx.args.referral_id)
        atomic_write(out, package, what=out.name)
        service.mark_exported(ctx.args.referral_id)
    ctx.console.out(str(out))
    return 0


def cmd_withdraw(ctx: CliContext) -> int:
    with _open(ctx) as (_notebook, service):
        before = service.withdraw(ctx.args.referral_id)
    ctx.console.out(_("Consent withdrawn; the referral was removed from the outbox."))
    if before.summary.state == "exported":
        ctx.console.err(
            _(
                "It had already been exported as a file: destroy that file, or ask the desk "
                "to disregard referral {id}."
            ).format(id=ctx.args.referral_id)
        )
    return 0


def _summary_json(s: ReferralSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "record_id": s.record_id,
        "desk": s.desk,
        "state": s.state,
        "scopes": s.scopes.split(","),
        "created": s.created_at,
        "updated": s.updated_at,
    }


def cmd_list(ctx: CliContext) -> int:
    with _open(ctx) as (_notebook, service):
        items = service.list_referrals(ctx.args.record)
    if ctx.args.json:
        ctx.console.out(json.dumps([_summary_json(s) for s in items], ensure_ascii=False))
        return 0
    for s in items:
        ctx.console.out(
            f"{s.id}  {s.record_id if s.record_id is not None else '-':>6}  {s.state:<9}  "
            f"{s.created_at[:10]}  {s.desk}  [{s.scopes}]"
        )
    return 0
