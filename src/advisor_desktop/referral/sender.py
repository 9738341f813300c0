"""The sender: takes the outbox's due items to one desk's intake server, exactly once each.

Exactly once rests on three things. The package's bytes and id are frozen when sealed, and
``POST /v1/referrals`` is idempotent by that id (the same bytes again get the same receipt; other
bytes under the id are a conflict), so repeating a delivery is harmless. The state ``sending``
is written *before* a request leaves, so an item whose run was killed is found at the next start
and resolved by asking for its receipt (``GET /v1/receipts/{id}``) before anything is posted
again; an answer lost on the way back is recovered the same way. And an item becomes
``delivered`` only with a receipt that verifies back to the desk key in the profile and names
the id and the SHA-256 of the exact bytes: an HTTP success with a receipt that does not verify is
a failure, shown with its reason.

Failures wait: exponential back-off with full jitter and a cap (:func:`backoff_delay`), or the
server's ``Retry-After`` when it is longer. A server that cannot be reached, is overloaded
(503) or limits this device (429) ends the run for that desk; the rest waits for the next run.
Each run also hands over the signed withdrawals that are waiting and fetches the desk's status
messages (verified and kept as ``advisor status import`` keeps them).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.intake_api import IntakeFormatError, verify_certificate
from advisor_desktop.protocol.keys import decode_public_key, key_id
from advisor_desktop.protocol.profile import Desk
from advisor_desktop.referral.desk_status import StatusImport
from advisor_desktop.referral.outbox import (
    Outbox,
    OutboxError,
    OutboxItem,
    OutboxState,
    ReceiptMismatch,
    ReceiptSource,
    check_intake_receipt,
)
from advisor_desktop.referral.transport import (
    IntakeAnswerInvalid,
    IntakeRefused,
    IntakeTransport,
    IntakeUnreachable,
    PinMismatch,
    TransportError,
)

log = logging.getLogger(__name__)

MAX_STATUS_PAGES = 1000


def backoff_delay(
    attempt: int,
    *,
    base: float = 5.0,
    cap: float = 3600.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after the ``attempt``-th failed attempt (1, 2, …): "full jitter", a
    uniform draw between 0 and ``min(cap, base · 2^(attempt-1))`` (``rand`` in [0, 1)), so
    many devices coming back at once do not retry in step."""
    if attempt < 1:
        return 0.0
    ceiling = cap if attempt > 64 else min(cap, base * 2 ** (attempt - 1))
    return max(0.0, min(1.0, rand())) * ceiling


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """A ``Retry-After`` header as seconds from ``now``: delta-seconds or an HTTP-date; None
    when absent or unreadable (a date in the past is 0)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text[:12]))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """The back-off of failed items: ``base`` and ``cap`` of :func:`backoff_delay`, and the
    longest ``Retry-After`` believed."""

    base: float = 5.0
    cap: float = 3600.0
    max_retry_after: float = 86400.0


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one item in a run."""

    referral_id: str
    state: OutboxState
    reason: str | None
    next_attempt_at: str | None


@dataclass
class SyncReport:
    """What a run did for one desk."""

    desk: str
    delivered: list[str] = field(default_factory=list)
    """Ids delivered in this run (a verified receipt stored)."""
    failed: list[ItemOutcome] = field(default_factory=list)
    untried: int = 0
    """Due items not tried because the run ended early."""
    withdrawals_sent: list[str] = field(default_factory=list)
    withdrawals_failed: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[StatusImport] = field(default_factory=list)
    status_refused: int = 0
    stopped: str | None = None
    """Why the run for this desk ended early (a sentence), None when it went through."""
    stopped_code: int = 0
    """The exit code of what stopped it (0: it did not stop)."""

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing left untried, nothing stopped it."""
        return (
            not self.failed
            and not self.untried
            and self.stopped is None
            and not self.withdrawals_failed
        )


class _Stop(Exception):
    """Ends the run for this desk (the server is down, overloaded or limits us)."""

    def __init__(self, reason: str, code: int = 1, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retry_after = retry_after


class Sender:
    """Delivers one desk's due items, its withdrawals, and fetches its status messages."""

    def __init__(
        self,
        outbox: Outbox,
        transport: IntakeTransport,
        *,
        desk: Desk,
        status_sink: Callable[[bytes], StatusImport] | None = None,
        clock: Clock = utc_now,
        rand: Callable[[], float] = random.random,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.desk = desk
        raw = decode_public_key(desk.signing_key)
        self.trusted: Mapping[str, bytes] = {key_id(raw): raw}
        self.desk_key_id = key_id(raw)
        self._status_sink = status_sink
        self._clock = clock
        self._rand = rand
        self.policy = policy or RetryPolicy()
        self._certificate: bytes | None = None

    # -- the whole run -------------------------------------------------------------------------

    def run(
        self,
        *,
        force: bool = False,
        statuses: bool = True,
        progress: Callable[[ItemOutcome], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> SyncReport:
        """:meth:`send`, then (unless it stopped) :meth:`fetch_statuses`."""
        report = self.send(force=force, progress=progress, should_stop=should_stop)
        if statuses and report.stopped is None and not (should_stop and should_stop()):
            self.fetch_statuses(report)
        return report

    def send(
        self,
        *,
        force: bool = False,
        progress: Callable[[ItemOutcome], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> SyncReport:
        """Deliver the due items of this desk (all undelivered ones with ``force``), then its
        waiting withdrawals. When the run ends early because of the server (down, busy,
        limiting, not the pinned one), the items it did not try are marked failed with that
        reason and the same next try, so each says why it is still waiting."""
        report = SyncReport(self.desk.name)
        now = self._clock()
        items = [i for i in self.outbox.due(now, force=force) if i.desk == self.desk.name]
        withdrawals = [w for w in self.outbox.pending_withdrawals() if w.desk == self.desk.name]
        if not items and not withdrawals:
            return report
        untried = list(items)
        try:
            if items or self.transport.pinned:
                # First, unsigned: the receipts' certificate, and the pin checked before any
                # signed request.
                self.certificate()
            if items:
                untried = self._resolve_interrupted(items, report, progress)
            while untried:
                if should_stop is not None and should_stop():
                    report.untried = len(untried)
                    report.stopped = _("Stopped before every item was tried.")
                    return report
                item = untried.pop(0)
                try:
                    outcome = self._deliver(item)
                except OutboxError:
                    # Withdrawn (or delivered by a receipt file) while this run went on.
                    continue
                except _Stop:
                    report.failed.append(_outcome(self.outbox.get(item.referral_id)))
                    raise
                if outcome.state is OutboxState.DELIVERED:
                    report.delivered.append(item.referral_id)
                else:
                    report.failed.append(outcome)
                if progress is not None:
                    progress(outcome)
            for pending in withdrawals:
                if should_stop is not None and should_stop():
                    break
                self._withdraw(pending.referral_id, pending.document, report)
        except _Stop as stop:
            report.stopped = stop.reason
            report.stopped_code = stop.code
            if untried:
                self._defer(untried, stop, report)
        log.info(
            "outbox_run delivered=%s failed=%s untried=%s stopped=%s",
            len(report.delivered),
            len(report.failed),
            report.untried,
            report.stopped is not None,
        )
        return report

    def _defer(self, items: list[OutboxItem], stop: _Stop, report: SyncReport) -> None:
        """The run stopped before ``items``: each is failed with the reason that stopped it
        and the next try of the desk (the one failed item's, else a back-off of its own)."""
        now = self._clock()
        tried = [o.next_attempt_at for o in report.failed if o.next_attempt_at]
        if tried:
            when = dt.datetime.fromisoformat(max(tried))
        else:
            delay = backoff_delay(1, base=self.policy.base, cap=self.policy.cap, rand=self._rand)
            asked = retry_after_seconds(stop.retry_after, now)
            if asked is not None:
                delay = max(delay, min(asked, self.policy.max_retry_after))
            when = now + dt.timedelta(seconds=delay)
        deferred = self.outbox.defer([i.referral_id for i in items], stop.reason, when)
        report.untried = len(items)
        report.failed.extend(_outcome(i) for i in deferred)

    def _resolve_interrupted(
        self,
        items: list[OutboxItem],
        report: SyncReport,
        progress: Callable[[ItemOutcome], None] | None,
    ) -> list[OutboxItem]:
        """Before anything is posted: each item a killed run left ``sending`` is asked for
        by its receipt; delivered if the server has it (and it verifies), else queued again.
        Returns the items still to deliver."""
        rest: list[OutboxItem] = []
        for item in items:
            if item.state is not OutboxState.SENDING:
                rest.append(item)
                continue
            try:
                found = self.transport.get_receipt(item.referral_id)
            except IntakeRefused as exc:
                if exc.status in {429, 503}:
                    raise _Stop(exc.message, retry_after=exc.retry_after) from None
                rest.append(item)
                continue
            except PinMismatch as exc:
                raise _Stop(exc.message, exc.exit_code) from None
            except IntakeUnreachable as exc:
                raise _Stop(exc.message) from None
            except IntakeAnswerInvalid:
                rest.append(item)
                continue
            if found is None:
                rest.append(
                    self.outbox.back_to_queue(
                        item.referral_id,
                        _("The desk's server had not received it; sending again."),
                    )
                )
                continue
            outcome = self._accept(item, found)
            if outcome.state is OutboxState.DELIVERED:
                report.delivered.append(item.referral_id)
            else:
                report.failed.append(outcome)
            if progress is not None:
                progress(outcome)
        return rest

    # -- the certificate of the server's receipt key -----------------------------------------

    def certificate(self, *, again: bool = False) -> bytes:
        """The intake certificate, fetched once per run and verified with the desk key of the
        profile (a certificate from elsewhere is never believed). The first request of a run:
        unsigned, so a server that fails the pin gets nothing signed."""
        if self._certificate is not None and not again:
            return self._certificate
        try:
            data = self.transport.certificate()
            verify_certificate(data, self.trusted)
        except PinMismatch as exc:
            raise _Stop(exc.message, exc.exit_code) from None
        except IntakeUnreachable as exc:
            raise _Stop(exc.message) from None
        except IntakeRefused as exc:
            raise _Stop(exc.message, retry_after=exc.retry_after) from None
        except (IntakeFormatError, IntakeAnswerInvalid) as exc:
            raise _Stop(
                _("The server's intake certificate is not the desk's: {reason}").format(
                    reason=exc.message
                ),
                exc.exit_code,
            ) from None
        self._certificate = data
        return data

    # -- one item --------------------------------------------------------------------------------

    def _deliver(self, item: OutboxItem) -> ItemOutcome:
        referral_id = item.referral_id
        try:
            if item.state is OutboxState.SENDING or item.attempts > 0:
                # A run cut short, or an earlier attempt whose fate is unknown: ask first.
                found = self.transport.get_receipt(referral_id)
                if found is not None:
                    return self._accept(item, found)
                if item.state is OutboxState.SENDING:
                    self.outbox.back_to_queue(
                        referral_id, _("The desk's server had not received it; sending again.")
                    )
            self.outbox.begin_sending(referral_id)
            package = self.outbox.package(referral_id)
            try:
                _status, receipt = self.transport.post_referral(referral_id, package)
            except IntakeUnreachable as exc:
                if not exc.lost:
                    raise
                # The request may have arrived: ask for its receipt before anything else. A
                # server that answers that (404: it has nothing) is up, and the run goes on;
                # one that does not answer that either ends the run.
                recovered = self.transport.get_receipt(referral_id)
                if recovered is not None:
                    return self._accept(item, recovered)
                return self._fail(item, exc.message, None)
            return self._accept(item, receipt)
        except IntakeUnreachable as exc:
            self._fail(item, exc.message, None)
            raise _Stop(exc.message) from None
        except PinMismatch as exc:
            self._fail(item, exc.message, None)
            raise _Stop(exc.message, exc.exit_code) from None
        except IntakeRefused as exc:
            outcome = self._fail(item, exc.message, exc.retry_after, refused=exc.status)
            if exc.status in {429, 503}:
                raise _Stop(exc.message, retry_after=exc.retry_after) from None
            return outcome
        except IntakeAnswerInvalid as exc:
            return self._fail(item, exc.message, None)

    def _accept(self, item: OutboxItem, document: bytes) -> ItemOutcome:
        """Store the receipt if it proves delivery of exactly this item; a failure if not."""
        try:
            try:
                checked = check_intake_receipt(
                    document,
                    self.certificate(),
                    referral_id=item.referral_id,
                    package_sha256=item.package_sha256,
                    trusted=self.trusted,
                )
            except ReceiptMismatch:
                # The server's receipt key may have been renewed since the run began.
                checked = check_intake_receipt(
                    document,
                    self.certificate(again=True),
                    referral_id=item.referral_id,
                    package_sha256=item.package_sha256,
                    trusted=self.trusted,
                )
        except ReceiptMismatch as exc:
            log.warning("outbox_receipt_mismatch")
            return self._fail(
                item,
                _("The server's answer is not a valid receipt; not delivered: {reason}").format(
                    reason=exc.message
                ),
                None,
            )
        done = self.outbox.record_delivered(
            item.referral_id,
            document,
            ReceiptSource.NETWORK,
            checked.received_at,
            self.certificate(),
        )
        return _outcome(done)

    def _fail(
        self,
        item: OutboxItem,
        reason: str,
        retry_after: str | None,
        *,
        refused: int | None = None,
    ) -> ItemOutcome:
        now = self._clock()
        current = self.outbox.get(item.referral_id)
        attempts = max(1, current.attempts)
        if refused is not None and 400 <= refused < 500 and refused not in {408, 429}:
            delay = self.policy.cap  # it will not change by itself: wait long, stay retryable
        else:
            delay = backoff_delay(
                attempts, base=self.policy.base, cap=self.policy.cap, rand=self._rand
            )
        asked = retry_after_seconds(retry_after, now)
        if asked is not None:
            delay = max(delay, min(asked, self.policy.max_retry_after))
        failed = self.outbox.record_failure(
            item.referral_id, reason, now + dt.timedelta(seconds=delay)
        )
        return _outcome(failed)

    # -- withdrawals ------------------------------------------------------------------------------

    def _withdraw(self, referral_id: str, document: bytes, report: SyncReport) -> None:
        try:
            self.transport.post_withdrawal(referral_id, document)
        except IntakeUnreachable as exc:
            raise _Stop(exc.message) from None
        except PinMismatch as exc:
            raise _Stop(exc.message, exc.exit_code) from None
        except IntakeRefused as exc:
            if exc.status in {429, 503}:
                raise _Stop(exc.message, retry_after=exc.retry_after) from None
            report.withdrawals_failed.append((referral_id, exc.message))
            return
        except IntakeAnswerInvalid as exc:
            report.withdrawals_failed.append((referral_id, exc.message))
            return
        self.outbox.mark_withdrawal_sent(referral_id, self._clock())
        report.withdrawals_sent.append(referral_id)

    # -- status messages --------------------------------------------------------------------------

    def fetch_statuses(self, report: SyncReport) -> None:
        """Take this device's new status messages from the server: each decrypted, verified
        against its referral's desk and kept (``status_sink``); one that is refused is counted
        and skipped (the listing moves on past it)."""
        if self._status_sink is None:
            return
        try:
            if self.transport.pinned:
                self.certificate()  # the pin, before the signed listing request
        except _Stop as stop:
            report.stopped = stop.reason
            report.stopped_code = stop.code
            return
        since = self.outbox.status_cursor(self.desk_key_id)
        for _page in range(MAX_STATUS_PAGES):
            try:
                messages, following = self.transport.get_status(since)
            except TransportError as exc:
                report.stopped = exc.message
                report.stopped_code = exc.exit_code
                return
            for message in messages:
                try:
                    report.statuses.append(self._status_sink(message.blob))
                except AdvisorError as exc:
                    report.status_refused += 1
                    log.warning("outbox_status_refused kind=%s", type(exc).__name__)
            if following <= since or not messages:
                break
            since = following
            self.outbox.set_status_cursor(self.desk_key_id, since)


def _outcome(item: OutboxItem) -> ItemOutcome:
    return ItemOutcome(item.referral_id, item.state, item.last_reason, item.next_attempt_at)
