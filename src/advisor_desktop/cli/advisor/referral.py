"""``advisor referral …`` and ``advisor device-key``: consent, draft, preview, confirm, export.

The advisor's confirmation is an explicit step: ``new`` records the consent and a draft,
``preview`` prints exactly what the desk will read (and a digest of it), ``confirm`` seals that
exact content (optionally checking the digest from the preview), and only then does ``export``
write the package file. ``redact`` lists the redactions under review with their state (the
review the wizard's draft page shows) and undoes or adds some. Each step is one call into
:mod:`advisor_desktop.app.referrals`, the flow the desktop's wizard runs too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.app.referrals import (
    decide_redactions,
    device_public_key,
    draft_referral,
    export_referral,
    referral_draft,
    referral_preview,
    reset_redactions,
    seal_referral,
    withdraw_referral,
)
from advisor_desktop.cli.advisor import argtypes
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.cli.advisor.status import status_doc
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _, active_locale
from advisor_desktop.protocol.referral_package import validate_payload
from advisor_desktop.protocol.referral_terms import ConsentMethod
from advisor_desktop.protocol.referral_words import referral_words
from advisor_desktop.referral.anonymiser import DecisionKind, RedactionDecision
from advisor_desktop.referral.consent import parse_scopes
from advisor_desktop.referral.draft import DraftInputs
from advisor_desktop.referral.review import RedactionRow, redaction_rows
from advisor_desktop.referral.service import ReferralSummary


def register(sub: Any) -> None:
    """Add ``referral`` (with its sub-commands) and ``device-key`` to the ``advisor`` parser."""
    p = sub.add_parser("device-key", help=_("show this device's public keys for desk enrolment"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_device_key)

    ref = sub.add_parser("referral", help=_("refer a case to a desk, with the visitor's consent"))
    rsub = ref.add_subparsers(dest="referral_command", metavar="STEP", parser_class=type(ref))
    rsub.required = True

    p = rsub.add_parser("new", help=_("record consent and draft a referral; prints its id"))
    p.add_argument("record_id", metavar="RECORD_ID", type=argtypes.record_id)
    p.add_argument("--desk", required=True, metavar="NAME", help=_("desk from the profile"))
    p.add_argument(
        "--scopes",
        required=True,
        metavar="LIST",
        help=_(
            "what the visitor consented to share, comma-separated: category, role, post, "
            "region, period[=day|month|quarter], language, summary, contact, "
            "secretary-general (times travel only with the period, at its precision; the "
            "conversation's language only with language)"
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
    p.add_argument(
        "--words",
        action="store_true",
        help=_("print it in words, as the desk will read it, instead of the exact JSON"),
    )
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

    p = rsub.add_parser("withdraw", help=_("the visitor withdraws consent"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument(
        "--out",
        metavar="FILE",
        help=_(
            "when the package had left this device: write the signed withdrawal for the desk "
            "to FILE, or into a folder (a neutral random name is chosen); again later too"
        ),
    )
    p.set_defaults(func=cmd_withdraw)

    p = rsub.add_parser("list", help=_("list referrals and their state"))
    p.add_argument("--record", type=argtypes.record_id, metavar="RECORD_ID")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise UsageError(
            _("The file {name} cannot be read as UTF-8 text.").format(name=Path(path).name)
        ) from None


def cmd_device_key(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        key = device_public_key(workspace)
    if ctx.args.json:
        doc = {
            "public_key": key.text,
            "key_id": key.key_id,
            "fingerprint": key.fingerprint,
            "age_recipient": key.age_recipient,
            "age_fingerprint": key.age_fingerprint,
        }
        ctx.console.out(json.dumps(doc))
        return 0
    ctx.console.out(key.text)
    ctx.console.out(key.age_recipient)
    ctx.console.out(_("Fingerprint: {fp}").format(fp=key.fingerprint))
    ctx.console.out(_("Age key fingerprint: {fp}").format(fp=key.age_fingerprint))
    ctx.console.err(
        _(
            "The desk enrols both keys: advisor-desk enrol {key} {age} --name NAME. Read both "
            "fingerprints out to the desk by phone."
        ).format(key=key.text, age=key.age_recipient)
    )
    return 0


def cmd_new(ctx: CliContext) -> int:
    scopes = parse_scopes(ctx.args.scopes)
    summary = _read_text(ctx.args.summary_file) if ctx.args.summary_file else None
    inputs = DraftInputs(
        desk=ctx.args.desk,
        scopes=scopes,
        summary=summary,
        post=ctx.args.post,
        region=ctx.args.region,
        contact=ctx.args.contact,
    )
    with ctx.workspace() as workspace:
        draft = draft_referral(
            workspace,
            ctx.args.record_id,
            inputs,
            ctx.args.consent_language,
            ctx.args.consent_method,
        )
    ctx.console.out(draft.referral_id)
    return 0


def cmd_preview(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        preview = referral_preview(workspace, ctx.args.referral_id)
        profile = workspace.profile
    if ctx.args.words:
        lang = active_locale()
        content = validate_payload(json.loads(preview.payload))
        for line in referral_words(content, lambda key: profile.category(key).label(lang)):
            first, *rest = line.text.split("\n")
            ctx.console.out(_("{label}: {text}").format(label=line.label, text=first))
            for more in rest:
                ctx.console.out("    " + more)
    else:
        ctx.console.out(preview.text)
    ctx.console.err(
        _("Digest: {digest}  (advisor referral confirm {id} --digest {digest})").format(
            digest=preview.digest, id=ctx.args.referral_id
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


def _row_json(row: RedactionRow) -> dict[str, Any]:
    return {
        "start": row.start,
        "end": row.end,
        "kind": row.kind.value,
        "original": row.original,
        "replacement": row.replacement,
        "state": row.state.value,
    }


def cmd_redact(ctx: CliContext) -> int:
    decisions = [RedactionDecision(DecisionKind.UNDO, *_span(s)) for s in ctx.args.undo]
    decisions += [RedactionDecision(DecisionKind.ADD, *_span(s)) for s in ctx.args.add]
    referral_id = ctx.args.referral_id
    with ctx.workspace() as workspace:
        if ctx.args.reset:
            reset_redactions(workspace, referral_id)
        draft = (
            decide_redactions(workspace, referral_id, decisions)
            if decisions
            else referral_draft(workspace, referral_id)
        )
    # The same review as the wizard's draft page: what is removed, and what was kept.
    rows = redaction_rows(draft)
    if ctx.args.json:
        ctx.console.out(json.dumps([_row_json(r) for r in rows], ensure_ascii=False))
        return 0
    for row in rows:
        ctx.console.out(
            f"{row.start:>6}:{row.end:<6} {row.kind.value:<17} "
            f"{row.original!r} → {row.replacement}  [{row.state_label()}]"
        )
    return 0


def cmd_confirm(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        digest = seal_referral(workspace, ctx.args.referral_id, ctx.args.digest)
    ctx.console.out(_("Confirmed and sealed (digest {digest}).").format(digest=digest))
    return 0


def cmd_export(ctx: CliContext) -> int:
    destination = Path(ctx.args.out).expanduser()
    with ctx.workspace() as workspace:
        written = export_referral(workspace, ctx.args.referral_id, destination)
    ctx.console.out(str(written))
    return 0


def cmd_withdraw(ctx: CliContext) -> int:
    destination = None if ctx.args.out is None else Path(ctx.args.out).expanduser()
    ref = ctx.args.referral_id
    with ctx.workspace() as workspace:
        withdrawal = withdraw_referral(workspace, ref, destination)
    if not withdrawal.again:
        ctx.console.out(_("Consent withdrawn; the referral was removed from the outbox."))
    if withdrawal.file is not None:
        ctx.console.out(str(withdrawal.file))
    if withdrawal.notice and withdrawal.file is None:
        ctx.console.err(
            _(
                "The package had left this device: take the signed withdrawal to the desk. "
                "Write it with: advisor referral withdraw {id} --out FOLDER"
            ).format(id=ref)
        )
    elif withdrawal.notice:
        ctx.console.err(
            _(
                "Take this withdrawal to the desk (advisor-desk import): the desk erases the "
                "referral's content when it reads it."
            )
        )
    if withdrawal.was_exported:
        ctx.console.err(_("It had already been exported as a file: destroy that file too."))
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
        "desk_status": None if s.desk_status is None else status_doc(s.desk_status),
    }


def cmd_list(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        items = workspace.referrals.list_referrals(ctx.args.record)
    if ctx.args.json:
        ctx.console.out(json.dumps([_summary_json(s) for s in items], ensure_ascii=False))
        return 0
    for s in items:
        at_desk = "-" if s.desk_status is None else s.desk_status.label
        # "sent" is set only once the desk's verified receipt is stored: say what it means.
        state = "delivered" if s.state == "sent" else s.state
        ctx.console.out(
            f"{s.id}  {s.record_id if s.record_id is not None else '-':>6}  {state:<9}  "
            f"{s.created_at[:10]}  {s.desk}  [{s.scopes}]  "
            + _("desk: {status}").format(status=at_desk)
        )
    return 0
