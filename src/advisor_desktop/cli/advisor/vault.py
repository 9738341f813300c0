"""``advisor`` commands on the vault itself: init, passwd, backup, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.app.notebook_setup import create_notebook
from advisor_desktop.cli.advisor.context import PASSPHRASE_ENV, CliContext
from advisor_desktop.cli.common import get_passphrase, get_secret
from advisor_desktop.crypto.recovery import normalize_recovery_code
from advisor_desktop.crypto.secret_text import candidate_forms, require_passphrase
from advisor_desktop.platform.errors import UsageError, VaultExists, VaultMissing
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.protocol.profile import load_profile
from advisor_desktop.storage.backup import make_backup, restore_backup
from advisor_desktop.storage.store import open_vault, open_vault_with_recovery, vault_exists

RECOVERY_ENV = "ADVISOR_RECOVERY_CODE"
NEW_PASSPHRASE_ENV = "ADVISOR_NEW_PASSPHRASE"  # noqa: S105 - a variable name


def register(sub: Any) -> None:
    """Add the vault commands to the ``advisor`` parser."""
    p = sub.add_parser("init", help=_("create a new encrypted vault"))
    p.add_argument("--profile", metavar="FILE", help=_("organisation profile (default: shipped)"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "passwd",
        help=_("change the passphrase (or set a new one with the recovery code)"),
        description=_(
            "Change the passphrase: the vault is rekeyed (a new database key), so the old "
            "passphrase, even with an old copy of the key file, opens nothing written from now "
            "on. Backups made before keep their own passphrase. The recovery code stays the same "
            "unless --new-recovery-code is given."
        ),
    )
    p.add_argument(
        "--recovery",
        action="store_true",
        help=_("unlock with the recovery code instead of the passphrase"),
    )
    p.add_argument(
        "--new-recovery-code",
        action="store_true",
        help=_(
            "issue a new recovery code (shown once; the old one stops working); the passphrase "
            "is kept unless --new-passphrase-file or --recovery is given"
        ),
    )
    _recovery_args(p)
    p.add_argument("--new-passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("backup", help=_("write one encrypted backup file"))
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help=_("restore a backup into the data folder"),
        description=_(
            "Restore a backup into the data folder. The backup is checked first (it opens, its "
            "manifest is authentic, its database is intact); a vault there is replaced only "
            "with --replace and is kept aside. Refused with exit code 5 while another window or "
            "command has the vault open."
        ),
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--replace",
        action="store_true",
        help=_("replace an existing vault (it is kept aside, not deleted)"),
    )
    p.add_argument(
        "--recovery",
        action="store_true",
        help=_("open the backup with its recovery code; then set a new passphrase"),
    )
    _recovery_args(p)
    p.add_argument("--new-passphrase-file", metavar="FILE")
    p.set_defaults(func=cmd_restore)


def _recovery_args(p: Any) -> None:
    p.add_argument(
        "--recovery-code-file",
        metavar="FILE",
        help=_("read the recovery code from FILE (or {env})").format(env=RECOVERY_ENV),
    )


def _new_passphrase(ctx: CliContext) -> bytearray:
    return get_secret(
        ctx.console,
        file=getattr(ctx.args, "new_passphrase_file", None) or None,
        env_name=NEW_PASSPHRASE_ENV,
        prompt=_("New passphrase: "),
        confirm=True,
    )


def _recovery_code(ctx: CliContext) -> str:
    secret = get_secret(
        ctx.console,
        file=ctx.args.recovery_code_file,
        env_name=RECOVERY_ENV,
        prompt=_("Recovery code: "),
    )
    try:
        return normalize_recovery_code(secret.decode("utf-8", "replace"))
    finally:
        wipe(secret)


def cmd_init(ctx: CliContext) -> int:
    if vault_exists(ctx.paths):
        raise VaultExists(_("A vault already exists in {folder}.").format(folder=ctx.paths.data))
    profile = load_profile(Path(ctx.args.profile) if ctx.args.profile else None)
    secret = get_secret(
        ctx.console,
        file=ctx.args.passphrase_file,
        env_name=PASSPHRASE_ENV,
        prompt=_("Choose a passphrase: "),
        confirm=True,
    )
    created = create_notebook(ctx.paths, secret, profile, policy=ctx.policy, clock=ctx.clock)
    recovery = created.recovery_code
    with created.workspace as workspace:
        params = workspace.vault.settings().kdf
    ctx.console.out(_("Vault created in {folder}.").format(folder=ctx.paths.data))
    ctx.console.out(
        ngettext(
            "Key derivation: Argon2id, {mem} MiB, {n} pass, parallelism {lanes}.",
            "Key derivation: Argon2id, {mem} MiB, {n} passes, parallelism {lanes}.",
            params.time_cost,
        ).format(mem=params.memory_kib // 1024, n=params.time_cost, lanes=params.lanes)
    )
    ctx.console.out("")
    ctx.console.out(
        _(
            "Your recovery code (shown only this once; write it down and keep it "
            "somewhere safe, away from this laptop):"
        )
    )
    ctx.console.out("")
    ctx.console.out(f"    {recovery}")
    ctx.console.out("")
    return 0


def cmd_passwd(ctx: CliContext) -> int:
    rotate = bool(ctx.args.new_recovery_code)
    if ctx.args.recovery:
        code = _recovery_code(ctx)
        vault = open_vault_with_recovery(ctx.paths, code, ctx.policy)
        with vault:
            secret = _new_passphrase(ctx)
            try:
                issued = vault.change_passphrase(
                    secret, recovery_code=code, new_recovery_code=rotate
                )
            finally:
                wipe(secret)
    elif rotate and not ctx.args.new_passphrase_file:
        # Only the recovery code changes: the vault is rekeyed under the same passphrase.
        if not vault_exists(ctx.paths):
            raise VaultMissing(_("No vault was found in {folder}.").format(folder=ctx.paths.data))
        current = get_passphrase(
            ctx.console,
            file=getattr(ctx.args, "passphrase_file", None),
            env_name=PASSPHRASE_ENV,
            prompt=_("Passphrase: "),
        )
        try:
            with open_vault(ctx.paths, current, ctx.policy) as vault:
                issued = vault.change_passphrase(current, new_recovery_code=True)
        finally:
            for buffer in candidate_forms(current):
                wipe(buffer)
    else:
        with ctx.vault() as vault:
            vault.require_writable()  # read-only media: refused before a new one is asked
            secret = _new_passphrase(ctx)
            try:
                issued = vault.change_passphrase(secret, new_recovery_code=rotate)
            finally:
                wipe(secret)
    if not rotate or ctx.args.recovery or ctx.args.new_passphrase_file:
        ctx.console.out(_("The passphrase was changed."))
    if issued is not None:
        _show_recovery_code(ctx, issued)
    return 0


def _show_recovery_code(ctx: CliContext, code: str) -> None:
    ctx.console.out(
        _(
            "Your new recovery code (shown only this once; write it down and keep it somewhere "
            "safe, away from this laptop). The old recovery code no longer opens the vault:"
        )
    )
    ctx.console.out("")
    ctx.console.out(f"    {code}")
    ctx.console.out("")


def cmd_backup(ctx: CliContext) -> int:
    out = Path(ctx.args.out)
    if out.is_dir():
        raise UsageError(_("--out must name a file, not a folder."))
    with ctx.vault() as vault:
        make_backup(vault, out)
    ctx.console.out(_("Backup written to {path}.").format(path=out))
    return 0


def cmd_restore(ctx: CliContext) -> int:
    path = Path(ctx.args.file)
    if ctx.args.recovery:
        code = _recovery_code(ctx)
        # Restoring with the recovery code means the passphrase is lost: a new one is set right
        # after. Ask for it (and check it) first, so a missing or too short one changes nothing.
        secret = _new_passphrase(ctx)
        try:
            require_passphrase(secret)
            kept = restore_backup(path, ctx.paths, recovery_code=code, replace=ctx.args.replace)
            with open_vault_with_recovery(ctx.paths, code, ctx.policy) as vault:
                vault.change_passphrase(secret, recovery_code=code)
        finally:
            wipe(secret)
    else:
        secret = ctx.passphrase()
        try:
            kept = restore_backup(path, ctx.paths, passphrase=secret, replace=ctx.args.replace)
        finally:
            wipe(secret)
    ctx.console.out(_("The backup was restored into {folder}.").format(folder=ctx.paths.data))
    if kept is not None:
        ctx.console.out(_("The previous vault was kept in {folder}.").format(folder=kept))
    return 0
