"""The outbox and the sync with the desk: the use cases behind the Outbox page, the sync
indicator and ``advisor outbox`` / ``advisor sync`` (docs/sync.md).

A sync takes every due item to its desk's intake server (``referral/sender.py``), hands over
waiting withdrawals and fetches the desk's status messages. Where the server is: ``--server``
(:attr:`ConnectionOptions.server`), else the address in Settings, else the desk's public file
in the profile. Which proxy: ``--proxy``, else the one in Settings, else the resolver given (the
desktop's Qt system proxy query; the CLI's standard-library ``getproxies()``).

Without a network an item is exported as a file (the same bytes, the same id) and waits for
the desk's receipt file (``advisor-desk import`` writes it): importing that receipt marks it
delivered once it verifies. A later network delivery of the same package is harmless: the
server answers it with its receipt for those bytes.

Nothing here touches Qt; the desktop runs :func:`sync` on a worker.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from advisor_desktop.app.preferences import load_sync_settings
from advisor_desktop.app.referrals import EXPORT_MODE, export_target
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.platform.fsutil import atomic_write, read_limited
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.keys import decode_public_key, key_id
from advisor_desktop.protocol.profile import Desk
from advisor_desktop.protocol.receipt import MAX_RECEIPT_BYTES, ReceiptError
from advisor_desktop.referral.outbox import (
    Outbox,
    OutboxError,
    OutboxItem,
    OutboxState,
    ReceiptMismatch,
    ReceiptSource,
    Transition,
    check_desk_receipt,
    check_receipt_matches,
)
from advisor_desktop.referral.sender import ItemOutcome, RetryPolicy, Sender, SyncReport
from advisor_desktop.referral.transport import (
    IntakeTransport,
    ProxyResolver,
    Timeouts,
    TlsOptions,
    TransportConfigError,
    environment_proxy_resolver,
    fixed_proxy,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConnectionOptions:
    """How a sync reaches the desks' servers (each None: as configured)."""

    server: str | None = None
    """The intake address to use (``--server``): over Settings and the desk's public file."""
    proxy: str | None = None
    """An explicit proxy URL (``--proxy``): over Settings and the resolver."""
    ca_file: Path | None = None
    """Trust only this CA file (tests, training), not the system's trust store."""
    proxy_resolver: ProxyResolver | None = None
    """Which proxy reaches a URL when none is set; None: the standard library's
    (``getproxies()``, ``proxy_bypass``)."""
    timeouts: Timeouts | None = None
    transport: httpx.BaseTransport | None = None
    """Tests only: an httpx transport in place of the network."""
    policy: RetryPolicy | None = None


def outbox_of(workspace: Workspace) -> Outbox:
    """The outbox over the workspace's vault."""
    return Outbox(workspace.vault, workspace.clock)


def intake_url(
    workspace: Workspace, desk_name: str, options: ConnectionOptions | None = None
) -> str | None:
    """Where the desk's intake server is: ``options.server``, else Settings, else the desk's
    address in the profile (from its public file); None when the desk is reached by files."""
    options = options or ConnectionOptions()
    if options.server:
        return options.server
    settings = load_sync_settings(workspace.vault)
    if settings.intake_url:
        return settings.intake_url
    desk = workspace.referrals.desk(desk_name)
    return desk.url or None


def proxy_resolver(workspace: Workspace, options: ConnectionOptions) -> ProxyResolver:
    """The explicit proxy (``--proxy``, else Settings), else the resolver given, else the
    standard library's."""
    if options.proxy:
        return fixed_proxy(options.proxy)
    settings = load_sync_settings(workspace.vault)
    if settings.proxy:
        return fixed_proxy(settings.proxy)
    return options.proxy_resolver or environment_proxy_resolver()


def make_sender(
    workspace: Workspace,
    desk_name: str,
    options: ConnectionOptions | None = None,
    *,
    rand: Callable[[], float] = random.random,
) -> Sender:
    """A sender for one desk over a fresh connection (close ``sender.transport`` after).

    Raises :class:`TransportConfigError` when the desk has no intake address (or an unusable
    one, or a bad proxy or pin)."""
    options = options or ConnectionOptions()
    desk = workspace.referrals.desk(desk_name)
    url = intake_url(workspace, desk_name, options)
    if url is None:
        raise TransportConfigError(
            _(
                "No intake address is known for the desk {desk}: import its public file again, "
                "set one in Settings, or give --server. Without one, export the referral as a "
                "file."
            ).format(desk=desk.name)
        )
    transport = IntakeTransport(
        url,
        workspace.referrals.device_keys.signing_key(),
        tls=TlsOptions(ca_file=options.ca_file, spki_sha256=desk.tls_pin or None),
        proxy_resolver=proxy_resolver(workspace, options),
        timeouts=options.timeouts,
        transport=options.transport,
    )
    return Sender(
        outbox_of(workspace),
        transport,
        desk=desk,
        status_sink=workspace.referrals.import_status,
        clock=workspace.clock,
        rand=rand,
        policy=options.policy,
    )


def _desks_to_sync(workspace: Workspace, options: ConnectionOptions) -> list[Desk]:
    outbox = outbox_of(workspace)
    waiting = {
        i.desk for i in outbox.items((OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED))
    }
    waiting |= {w.desk for w in outbox.pending_withdrawals()}
    desks = []
    for desk in workspace.profile.desks:
        if desk.name in waiting or intake_url(workspace, desk.name, options) is not None:
            desks.append(desk)
    return desks


def sync(
    workspace: Workspace,
    options: ConnectionOptions | None = None,
    *,
    force: bool = True,
    statuses: bool = True,
    progress: Callable[[ItemOutcome], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    rand: Callable[[], float] = random.random,
) -> list[SyncReport]:
    """Send every due item (all undelivered ones with ``force``, as "Send now" and the CLI
    do), hand over waiting withdrawals and, with ``statuses``, fetch the desks' status
    messages: one report per desk that has something waiting or an intake server.

    A desk without an intake address gets a report that says so (``stopped``); nothing is
    raised for one desk's trouble. A bad ``--server`` or ``--proxy`` raises
    :class:`TransportConfigError` before anything is sent.
    """
    options = options or ConnectionOptions()
    if options.proxy:
        fixed_proxy(options.proxy)
    reports = []
    for desk in _desks_to_sync(workspace, options):
        try:
            sender = make_sender(workspace, desk.name, options, rand=rand)
        except TransportConfigError as exc:
            if options.server or options.proxy:
                raise
            report = SyncReport(desk.name)
            report.untried = len(
                [
                    i
                    for i in outbox_of(workspace).due(workspace.clock(), force=True)
                    if i.desk == desk.name
                ]
            )
            report.stopped = exc.message
            report.stopped_code = exc.exit_code
            reports.append(report)
            continue
        try:
            reports.append(
                sender.run(
                    force=force, statuses=statuses, progress=progress, should_stop=should_stop
                )
            )
        finally:
            sender.transport.close()
    return reports


def send(
    workspace: Workspace,
    options: ConnectionOptions | None = None,
    *,
    force: bool = True,
    progress: Callable[[ItemOutcome], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    rand: Callable[[], float] = random.random,
) -> list[SyncReport]:
    """:func:`sync` without fetching status messages."""
    return sync(
        workspace,
        options,
        force=force,
        statuses=False,
        progress=progress,
        should_stop=should_stop,
        rand=rand,
    )


# --- reading ------------------------------------------------------------------------------------


def list_items(workspace: Workspace) -> list[OutboxItem]:
    """Every outbox item, oldest first."""
    return outbox_of(workspace).items()


def outbox_counts(workspace: Workspace) -> dict[OutboxState, int]:
    """How many items are in each state (the sync indicator)."""
    return outbox_of(workspace).counts()


def item_history(workspace: Workspace, referral_id: str) -> list[Transition]:
    """Every transition of an item, oldest first."""
    return outbox_of(workspace).history(referral_id)


def state_label(item: OutboxItem) -> str:
    """One translated line for an item's state; "delivered" only with a verified receipt."""
    if item.delivered:
        if item.receipt_source is ReceiptSource.FILE:
            return _("delivered (receipt file from the desk, {at})").format(at=item.received_at)
        return _("delivered (receipt from the desk's server, {at})").format(at=item.received_at)
    if item.state is OutboxState.WITHDRAWN:
        return _("withdrawn")
    if item.state is OutboxState.FAILED:
        return _("not delivered yet: {reason}; next try {at}").format(
            reason=item.last_reason or _("unknown reason"), at=item.next_attempt_at or "-"
        )
    if item.state is OutboxState.SENDING:
        return _("being sent (not delivered yet)")
    if item.exported_at is not None:
        return _("exported as a file, waiting for the desk's receipt")
    return _("queued, waiting to be sent")


# --- files ------------------------------------------------------------------------------------


def export_item(workspace: Workspace, referral_id: str, destination: Path) -> Path:
    """Write the sealed package of a queued item to ``destination`` (a file, or a folder: a
    neutral name inside it), atomically, readable by the advisor only: the same bytes and id
    as sealed, at every export. The item then waits for the desk's receipt and stays
    retryable by network. Returns the path written."""
    outbox = outbox_of(workspace)
    item = outbox.get(referral_id)
    if not item.retryable:
        raise OutboxError(
            _("Only a referral not yet delivered can be exported (it is {state}).").format(
                state=item.state.value
            )
        )
    package = outbox.package(referral_id)
    path = export_target(destination)
    atomic_write(path, package, what=path.name, mode=EXPORT_MODE)
    # The file's times date nothing more finely than the consent allows the payload to.
    from advisor_desktop.app.referrals import date_as_consented

    date_as_consented(workspace, referral_id, path)
    workspace.referrals.mark_exported(referral_id)
    log.info("outbox_exported")
    return path


def import_receipt(workspace: Workspace, data: bytes) -> OutboxItem:
    """Take a receipt file from the desk (``advisor-desk import``): signed by the desk key of
    the referral's desk in the profile, naming an item of this outbox and the SHA-256 of its
    exact bytes. Then the item is delivered. Refused with :class:`ReceiptMismatch` (exit 7)
    otherwise, and the item keeps the mismatch as its reason; an item already delivered stays
    as it is (its first receipt is kept)."""
    outbox = outbox_of(workspace)
    trusted: dict[str, bytes] = {}
    for desk in workspace.profile.desks:
        raw = decode_public_key(desk.signing_key)
        trusted[key_id(raw)] = raw
    try:
        receipt = check_desk_receipt(data, trusted=trusted)
    except ReceiptMismatch:
        raise
    item = outbox.get(receipt.referral_id)
    desk_raw = decode_public_key(workspace.referrals.desk(item.desk).signing_key)
    try:
        if key_id(desk_raw) != receipt.desk_key_id:
            raise ReceiptMismatch(
                _("The receipt is signed by another desk than the one the referral went to.")
            )
        check_receipt_matches(receipt, item)
    except ReceiptMismatch as exc:
        if item.retryable:
            outbox.note_reason(item.referral_id, exc.message)
        raise
    if item.delivered:
        return item
    return outbox.record_delivered(item.referral_id, data, ReceiptSource.FILE, receipt.received_at)


def import_receipt_file(workspace: Workspace, path: Path) -> OutboxItem:
    """:func:`import_receipt` of the file at ``path`` (refused unread when too large)."""
    data = read_limited(
        path,
        MAX_RECEIPT_BYTES,
        lambda: ReceiptError(_("The file is too large to be a receipt.")),
    )
    return import_receipt(workspace, data)
