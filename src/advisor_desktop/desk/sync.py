"""The workstation's side of the intake server: a signed HTTP client, ``pull`` (fetch, decrypt,
verify and store exactly as ``import`` does, then acknowledge) and ``push`` (the status messages
waiting in the desk store).

The client signs every request (``protocol/http_signature.py``) with the key it is given: the
desk key for the workstation, a device key for an advisor (tests and benchmarks use that half;
the advisor's outbox has its own sender over the same protocol module).
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.intake import Received, receive_package
from advisor_desktop.desk.status_outbox import mark_pushed, waiting
from advisor_desktop.desk.withdrawals import StoredWithdrawal, receive_withdrawal
from advisor_desktop.desk.workstation import Desk
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import parse_intake_url
from advisor_desktop.protocol.errors import PackageError
from advisor_desktop.protocol.http_signature import sign_request
from advisor_desktop.protocol.intake_api import (
    Inbox,
    IntakeFormatError,
    StatusMessage,
    StatusUpload,
    parse_inbox,
    parse_status_listing,
    read_error_doc,
)
from advisor_desktop.protocol.keys import key_id, raw_public
from advisor_desktop.protocol.receipt import package_sha256
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES

log = logging.getLogger(__name__)

MAX_PAGES = 1000


class IntakeUnreachable(AdvisorError):
    """The intake server could not be reached, or its TLS certificate is not trusted."""


class IntakeRefused(AdvisorError):
    """The intake server answered with a refusal (``status``, its ``code``)."""

    def __init__(self, status: int, code: str, reason: str, retry_after: int | None) -> None:
        super().__init__(
            _("The intake server refused ({status} {code}): {reason}").format(
                status=status, code=code, reason=reason
            )
        )
        self.status = status
        self.code = code
        self.retry_after = retry_after


class IntakeAnswerInvalid(AdvisorError):
    """The intake server answered something that does not follow the protocol."""


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate checks against the system's CAs, or against ``ca_file`` only."""
    if ca_file is None:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=str(ca_file))


@dataclass(frozen=True)
class Delivery:
    """The answer to a delivery: 201 (stored now) or 200 (stored before), and the receipt."""

    status: int
    receipt: bytes


class IntakeClient:
    """Signed requests to one intake server."""

    def __init__(
        self,
        base_url: str,
        signing_key: Ed25519PrivateKey,
        *,
        verify: ssl.SSLContext | bool = True,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = parse_intake_url(base_url)
        self._key = signing_key
        self.key_id = key_id(raw_public(signing_key.public_key()))
        self._http = httpx.Client(verify=verify, timeout=timeout, transport=transport)

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> IntakeClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        content_type: str | None = None,
    ) -> httpx.Response:
        """One signed request; a refusal raises :class:`IntakeRefused`."""
        url = self.base_url + path + ("?" + urlencode(params) if params else "")
        headers = sign_request(
            method, url, body, self.key_id, self._key, idempotency_key=idempotency_key
        )
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            answer = self._http.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise IntakeUnreachable(
                _("The intake server {url} cannot be reached: {reason}").format(
                    url=self.base_url, reason=type(exc).__name__
                )
            ) from None
        if answer.status_code >= 300:
            raise _refusal(answer)
        return answer

    # --- the workstation's requests ---------------------------------------------------------

    def inbox(self, limit: int = 100) -> Inbox:
        """What waits for the workstation."""
        answer = self.request("GET", "/v1/inbox", params={"limit": str(limit)})
        try:
            return parse_inbox(answer.content)
        except IntakeFormatError as exc:
            raise IntakeAnswerInvalid(exc.message) from None

    def fetch(self, referral_id: str) -> bytes:
        """A package's bytes."""
        data = self.request("GET", f"/v1/inbox/{referral_id}").content
        if len(data) > MAX_PACKAGE_BYTES:
            raise IntakeAnswerInvalid(_("The server sent more than a package can be."))
        return data

    def ack(self, referral_id: str, kind: Literal["package", "withdrawal"] = "package") -> None:
        """Tell the server the workstation has it."""
        self.request("POST", f"/v1/inbox/{referral_id}/ack", params={"kind": kind})

    def push_status(self, upload: StatusUpload) -> int:
        """Leave a status message for its device; returns 201 (new) or 200 (held before)."""
        body = json.dumps(upload.to_doc(), separators=(",", ":")).encode("ascii")
        answer = self.request(
            "POST",
            "/v1/status",
            body,
            idempotency_key=upload.message_id,
            content_type="application/json",
        )
        return answer.status_code

    # --- an advisor device's requests -------------------------------------------------------

    def deliver(self, referral_id: str, package: bytes) -> Delivery:
        """Deliver a sealed package; the answer's receipt is returned unchecked."""
        answer = self.request(
            "POST",
            "/v1/referrals",
            package,
            idempotency_key=referral_id,
            content_type="application/octet-stream",
        )
        return Delivery(answer.status_code, answer.content)

    def receipt(self, referral_id: str) -> bytes:
        """The receipt of a package this device delivered."""
        return self.request("GET", f"/v1/receipts/{referral_id}").content

    def withdraw(self, referral_id: str, document: bytes) -> int:
        """Deliver a signed withdrawal; returns 201 or 200."""
        return self.request(
            "POST",
            "/v1/withdrawals",
            document,
            idempotency_key=referral_id,
            content_type="application/json",
        ).status_code

    def statuses(self, since: int = 0) -> tuple[list[StatusMessage], int]:
        """This device's status messages after ``since``, and the next ``since``."""
        answer = self.request("GET", "/v1/status", params={"since": str(since)})
        try:
            return parse_status_listing(answer.content)
        except IntakeFormatError as exc:
            raise IntakeAnswerInvalid(exc.message) from None


def _refusal(answer: httpx.Response) -> IntakeRefused:
    code, reason = read_error_doc(answer.content, answer.reason_phrase)
    retry = answer.headers.get("retry-after")
    return IntakeRefused(
        answer.status_code, code, reason, int(retry) if retry and retry.isdigit() else None
    )


@dataclass
class PullReport:
    """What a pull did, item by item."""

    received: list[Received] = field(default_factory=list)
    already: list[Received] = field(default_factory=list)
    refused: list[tuple[str, AdvisorError]] = field(default_factory=list)
    withdrawals: list[StoredWithdrawal] = field(default_factory=list)
    mismatched_ids: list[tuple[str, str]] = field(default_factory=list)

    @property
    def first_failure(self) -> int:
        """The exit code of the first refusal (0: none)."""
        return self.refused[0][1].exit_code if self.refused else 0


def pull(desk: Desk, client: IntakeClient, now: Callable[[], str]) -> PullReport:
    """Take everything waiting at the server into the desk store, acknowledging each item once
    it is stored (or refused and recorded, as ``import`` records refusals). A package whose
    bytes do not match the server's own listing is not acknowledged."""
    report = PullReport()
    identity = desk.keys()
    seen: set[tuple[str, str]] = set()
    for _page in range(MAX_PAGES):
        inbox = client.inbox()
        fresh = [p for p in inbox.packages if ("p", p.referral_id) not in seen]
        fresh_w = [w for w in inbox.withdrawals if ("w", w.referral_id) not in seen]
        if not fresh and not fresh_w:
            break
        for item in fresh:
            seen.add(("p", item.referral_id))
            data = client.fetch(item.referral_id)
            if len(data) != item.size or package_sha256(data) != item.package_sha256:
                report.refused.append(
                    (
                        item.referral_id,
                        IntakeAnswerInvalid(
                            _("The server sent other bytes than it listed; not acknowledged.")
                        ),
                    )
                )
                continue
            try:
                received = receive_package(desk.store, identity, data, source="server", now=now())
            except PackageError as exc:
                report.refused.append((item.referral_id, exc))
            else:
                (report.received if received.new else report.already).append(received)
                if received.referral_id != item.referral_id:
                    report.mismatched_ids.append((item.referral_id, received.referral_id))
            client.ack(item.referral_id, "package")
        for entry in fresh_w:
            seen.add(("w", entry.referral_id))
            try:
                report.withdrawals.append(receive_withdrawal(desk.store, entry.document, now()))
            except IntakeFormatError as exc:
                report.refused.append((entry.referral_id, exc))
            client.ack(entry.referral_id, "withdrawal")
        if not inbox.more:
            break
    log.info(
        "pulled received=%s already=%s refused=%s withdrawals=%s",
        len(report.received),
        len(report.already),
        len(report.refused),
        len(report.withdrawals),
    )
    return report


@dataclass
class PushReport:
    """What a push did."""

    pushed: int = 0
    refused: list[tuple[str, IntakeRefused]] = field(default_factory=list)


def push(desk: Desk, client: IntakeClient, now: Callable[[], str]) -> PushReport:
    """Hand every waiting status message to the server (a repeat is harmless: the server keeps
    each message id once)."""
    report = PushReport()
    for queued in waiting(desk.store):
        upload = StatusUpload(
            queued.message_id, queued.device_key_id, queued.referral_id, queued.blob
        )
        try:
            client.push_status(upload)
        except IntakeRefused as exc:
            if exc.status in {429, 503}:
                raise
            report.refused.append((queued.message_id, exc))
            continue
        mark_pushed(desk.store, queued.message_id, now())
        report.pushed += 1
    return report
