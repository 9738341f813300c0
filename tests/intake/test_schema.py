"""The API is what ``/v1/openapi.json`` says: Schemathesis generates requests for every
operation against the live server (no 5xx, every status, content type, header and body as
described; unsigned requests get the documented 401), and real signed exchanges — every
endpoint's success answers — are checked against the same document."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.server.openapi import openapi_document
from advisor_desktop.protocol.intake_api import StatusUpload, build_withdrawal
from tests.desk.conftest import DESK_PASS
from tests.intake.harness import LiveServer, TestDesk, Tls, random_id

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_generated_requests_get_only_described_answers(server: LiveServer, tls: Tls) -> None:
    schema = schemathesis.openapi.from_url(server.url + "/v1/openapi.json", verify=str(tls.ca))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the schema document itself may be left out
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=25,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def exchange(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=server.url, verify=str(tls.ca), timeout=10, checks=CHECKS
                )

            try:
                exchange()
            except Unsatisfiable:
                # An operation with no parameters and no body has nothing to make invalid.
                if mode is schemathesis.GenerationMode.POSITIVE:
                    raise


def _validator(name: str) -> Any:
    document = openapi_document()
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    )


def _check(name: str, data: bytes) -> None:
    errors = [str(e) for e in _validator(name).iter_errors(json.loads(data))]
    assert not errors, (name, errors)


def test_signed_exchanges_match_the_description(desk: TestDesk, server: LiveServer) -> None:
    device = desk.devices[0]
    desk_key = unlock(desk.runner.folder, DESK_PASS.encode()).signing_key
    referral_id, package = device.package(desk.recipient)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with server.client(device.key) as client:
        _check("Receipt", client.deliver(referral_id, package).receipt)
        _check("Receipt", client.receipt(referral_id))
        answer = client.request(
            "POST",
            "/v1/withdrawals",
            build_withdrawal(referral_id, stamp, device.key),
            idempotency_key=referral_id,
        )
        _check("WithdrawalAccepted", answer.content)
        _check("Certificate", client.request("GET", "/v1/intake-certificate").content)
    with server.client(desk_key) as workstation:
        _check("Inbox", workstation.request("GET", "/v1/inbox").content)
        upload = StatusUpload(random_id(), device.key_id, referral_id, b"blob")
        answer = workstation.request(
            "POST",
            "/v1/status",
            json.dumps(upload.to_doc()).encode(),
            idempotency_key=upload.message_id,
        )
        _check("StatusAccepted", answer.content)
        _check("Acked", workstation.request("POST", f"/v1/inbox/{referral_id}/ack").content)
    with server.client(device.key) as client:
        _check("StatusListing", client.request("GET", "/v1/status").content)
    error = server.client(device.key)
    with error, pytest.raises(Exception, match="404"):
        error.receipt(random_id())
