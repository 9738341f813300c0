"""The intake API as OpenAPI 3.1 (served at ``/v1/openapi.json``): every endpoint, body and
answer, refusals included. Kept beside the app and checked against it by the Schemathesis test
(tests/intake/test_schema.py): an answer the server gives that this document does not describe
fails that test.
"""

from __future__ import annotations

from typing import Any

from advisor_desktop import __version__
from advisor_desktop.protocol.http_signature import COVERED, IDEMPOTENCY_KEY, TAG
from advisor_desktop.protocol.intake_api import MAX_LISTING, MAX_STATUS_BLOB_BYTES
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES

_UUID = {"type": "string", "format": "uuid", "pattern": "^[0-9a-f-]{36}$"}
_HEX32 = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_STAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"}
_B64 = {"type": "string", "contentEncoding": "base64"}

_ERROR_CODES = [
    "unsigned",
    "malformed-signature",
    "unknown-key",
    "digest-mismatch",
    "bad-signature",
    "stale",
    "replayed-nonce",
    "forbidden",
    "rate-limited",
    "too-large",
    "bad-request",
    "bad-referral-id",
    "not-age",
    "bad-withdrawal",
    "bad-status",
    "unknown-device",
    "not-found",
    "method-not-allowed",
    "conflict",
    "unavailable",
]

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "description": "Every refusal: a stable code and a sentence for a person.",
        "required": ["error", "reason"],
        "additionalProperties": False,
        "properties": {
            "error": {"type": "string", "enum": _ERROR_CODES},
            "reason": {"type": "string"},
        },
    },
    "Signature": {
        "type": "object",
        "required": ["algorithm", "key_id", "value"],
        "additionalProperties": False,
        "properties": {
            "algorithm": {"const": "ed25519"},
            "key_id": _HEX32,
            "value": {**_B64, "description": "64 bytes"},
        },
    },
    "Receipt": {
        "type": "object",
        "description": (
            "The intake server's receipt (receipt format version 2), exactly in canonical "
            "JSON: verify its bytes. Signed by the intake key over "
            "'advisor-desktop-receipt/v2\\0' + canonical_json(receipt); that key is "
            "certified by the desk key (GET /v1/intake-certificate, desk-public.json)."
        ),
        "required": ["format", "version", "receipt", "signature"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "advisor-desktop-receipt"},
            "version": {"const": 2},
            "receipt": {
                "type": "object",
                "required": ["referral_id", "package_sha256", "received_at", "intake_key_id"],
                "additionalProperties": False,
                "properties": {
                    "referral_id": _UUID,
                    "package_sha256": _HEX64,
                    "received_at": _STAMP,
                    "intake_key_id": _HEX32,
                },
            },
            "signature": {"$ref": "#/components/schemas/Signature"},
        },
    },
    "Certificate": {
        "type": "object",
        "description": (
            "The desk key's certificate of the intake key (canonical JSON), signed over "
            "'advisor-desktop-intake-certificate/v1\\0' + canonical_json(certificate)."
        ),
        "required": ["format", "version", "certificate", "signature"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "advisor-desktop-intake-certificate"},
            "version": {"const": 1},
            "certificate": {
                "type": "object",
                "required": [
                    "intake_key",
                    "intake_key_id",
                    "desk_key_id",
                    "issued_at",
                    "expires_at",
                ],
                "additionalProperties": False,
                "properties": {
                    "intake_key": {"type": "string", "pattern": "^ed25519:"},
                    "intake_key_id": _HEX32,
                    "desk_key_id": _HEX32,
                    "issued_at": _STAMP,
                    "expires_at": _STAMP,
                },
            },
            "signature": {"$ref": "#/components/schemas/Signature"},
        },
    },
    "Withdrawal": {
        "type": "object",
        "description": (
            "An advisor's signed withdrawal of one of its referrals, in canonical JSON, signed "
            "by the device key over 'advisor-desktop-withdrawal/v1\\0' + "
            "canonical_json(withdrawal)."
        ),
        "required": ["format", "version", "withdrawal", "signature"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": "advisor-desktop-withdrawal"},
            "version": {"const": 1},
            "withdrawal": {
                "type": "object",
                "required": ["referral_id", "device_key_id", "withdrawn_at"],
                "additionalProperties": False,
                "properties": {
                    "referral_id": _UUID,
                    "device_key_id": _HEX32,
                    "withdrawn_at": _STAMP,
                },
            },
            "signature": {"$ref": "#/components/schemas/Signature"},
        },
    },
    "WithdrawalAccepted": {
        "type": "object",
        "required": ["referral_id", "received_at"],
        "additionalProperties": False,
        "properties": {"referral_id": _UUID, "received_at": _STAMP},
    },
    "Inbox": {
        "type": "object",
        "description": "What the workstation has not acknowledged yet, oldest first.",
        "required": ["packages", "withdrawals", "more"],
        "additionalProperties": False,
        "properties": {
            "packages": {
                "type": "array",
                "maxItems": MAX_LISTING,
                "items": {
                    "type": "object",
                    "required": ["referral_id", "size", "package_sha256", "received_at"],
                    "additionalProperties": False,
                    "properties": {
                        "referral_id": _UUID,
                        "size": {"type": "integer", "minimum": 1},
                        "package_sha256": _HEX64,
                        "received_at": _STAMP,
                    },
                },
            },
            "withdrawals": {
                "type": "array",
                "maxItems": MAX_LISTING,
                "items": {
                    "type": "object",
                    "required": ["referral_id", "received_at", "withdrawal"],
                    "additionalProperties": False,
                    "properties": {
                        "referral_id": _UUID,
                        "received_at": _STAMP,
                        "withdrawal": {
                            **_B64,
                            "description": "the signed withdrawal document's exact bytes",
                        },
                    },
                },
            },
            "more": {"type": "boolean", "description": "more is waiting than was listed"},
        },
    },
    "Acked": {
        "type": "object",
        "required": ["referral_id", "kind", "acked"],
        "additionalProperties": False,
        "properties": {
            "referral_id": _UUID,
            "kind": {"enum": ["package", "withdrawal"]},
            "acked": {"const": True},
        },
    },
    "StatusUpload": {
        "type": "object",
        "description": "One status message for a device; the blob is opaque to the server.",
        "required": ["message_id", "device_key_id", "referral_id", "blob"],
        "additionalProperties": False,
        "properties": {
            "message_id": _UUID,
            "device_key_id": _HEX32,
            "referral_id": _UUID,
            "blob": {**_B64, "description": f"1 to {MAX_STATUS_BLOB_BYTES} bytes"},
        },
    },
    "StatusAccepted": {
        "type": "object",
        "required": ["message_id", "seq"],
        "additionalProperties": False,
        "properties": {"message_id": _UUID, "seq": {"type": "integer", "minimum": 1}},
    },
    "StatusListing": {
        "type": "object",
        "required": ["messages", "next"],
        "additionalProperties": False,
        "properties": {
            "messages": {
                "type": "array",
                "maxItems": MAX_LISTING,
                "items": {
                    "type": "object",
                    "required": ["seq", "message_id", "referral_id", "stored_at", "blob"],
                    "additionalProperties": False,
                    "properties": {
                        "seq": {"type": "integer", "minimum": 1},
                        "message_id": _UUID,
                        "referral_id": _UUID,
                        "stored_at": _STAMP,
                        "blob": _B64,
                    },
                },
            },
            "next": {
                "type": "integer",
                "minimum": 0,
                "description": "pass as since= to get the messages after these",
            },
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {"status": {"const": "ok"}},
    },
}

_SIGNATURE_HEADERS = [
    {
        "name": "Signature-Input",
        "in": "header",
        "required": True,
        "description": (
            "RFC 9421: label 'adv', covered "
            + " ".join(f'"{c}"' for c in COVERED)
            + f' (and "{IDEMPOTENCY_KEY}" where the request has it); parameters created, '
            f'keyid (32 hex), alg="ed25519", nonce, tag="{TAG}"'
        ),
        "schema": {"type": "string"},
    },
    {
        "name": "Signature",
        "in": "header",
        "required": True,
        "description": "RFC 9421: adv=:<base64 Ed25519 signature>:",
        "schema": {"type": "string"},
    },
    {
        "name": "Content-Digest",
        "in": "header",
        "required": True,
        "description": "RFC 9530: sha-256=:<base64>: of the exact body (also when empty)",
        "schema": {"type": "string"},
    },
]


def _idempotency(description: str) -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "description": description,
        "schema": _UUID,
    }


_REFERRAL_ID_PATH = {
    "name": "referral_id",
    "in": "path",
    "required": True,
    "schema": _UUID,
}


def _error(description: str, retry: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if retry:
        answer["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        }
    return answer


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _signed(responses: dict[str, Any], *, path_id: bool = False) -> dict[str, Any]:
    """The answers every signed endpoint may give, besides its own."""
    common = {
        "400": _error("the request is malformed (the code says what)"),
        "401": _error(
            "the signature is missing, malformed, by an unknown key, does not verify, does "
            "not match the body, is stale (±5 min) or its nonce was used before"
        ),
        "403": _error("the key is known but may not use this endpoint"),
        "405": _error("the method is not allowed here"),
        "413": _error("the body is too large"),
        "429": _error("too many requests from this key", retry=True),
        "503": _error("the store is unavailable", retry=True),
    }
    if path_id:
        common["404"] = _error("nothing with this id is held here")
    return {**common, **responses}


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    device: list[dict[str, list[str]]] = [{"deviceSignature": []}]
    desk: list[dict[str, list[str]]] = [{"deskSignature": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Advisor Desktop intake server",
            "version": __version__,
            "description": (
                "The desk's intake server stores sealed referral packages from enrolled "
                "advisor devices and hands them to the desk workstation; it cannot read them. "
                "See docs/sync-protocol.md."
            ),
        },
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "deviceSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Signature",
                    "description": "HTTP Message Signature (RFC 9421, Ed25519) by an enrolled "
                    "device key; see the Signature-Input parameter.",
                },
                "deskSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Signature",
                    "description": "HTTP Message Signature by the desk key (the workstation).",
                },
            },
        },
        "paths": {
            "/v1/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Is the server up",
                    "responses": {
                        "200": _json("Health", "the server answers"),
                        "405": _error("the method is not allowed here"),
                    },
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/v1/intake-certificate": {
                "get": {
                    "operationId": "intakeCertificate",
                    "summary": "The desk key's certificate of the key that signs receipts",
                    "responses": {"200": _json("Certificate", "the certificate")},
                }
            },
            "/v1/referrals": {
                "post": {
                    "operationId": "deliverReferral",
                    "summary": "Deliver a sealed referral package",
                    "description": (
                        "The body is the .referral file (an age v1 file). The server checks "
                        "what it can without the desk's key: the request's signature, the size, "
                        "the id, the age header. The same id and bytes again answer 200 with "
                        "the same receipt; the same id with other bytes 409, storing nothing."
                    ),
                    "security": device,
                    "parameters": [
                        *_SIGNATURE_HEADERS,
                        _idempotency("the referral's id (UUID v4, lower case)"),
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/octet-stream": {
                                "schema": {
                                    "type": "string",
                                    "format": "binary",
                                    "maxLength": MAX_PACKAGE_BYTES,
                                }
                            }
                        },
                    },
                    "responses": _signed(
                        {
                            "201": _json("Receipt", "stored durably; the receipt"),
                            "200": _json("Receipt", "stored before; the same receipt"),
                            "409": _error("another package was delivered under this id"),
                        }
                    ),
                }
            },
            "/v1/receipts/{referral_id}": {
                "get": {
                    "operationId": "getReceipt",
                    "summary": "The receipt of a package this device delivered",
                    "security": device,
                    "parameters": [*_SIGNATURE_HEADERS, _REFERRAL_ID_PATH],
                    "responses": _signed(
                        {"200": _json("Receipt", "the receipt given at delivery")}, path_id=True
                    ),
                }
            },
            "/v1/withdrawals": {
                "post": {
                    "operationId": "withdrawReferral",
                    "summary": "Withdraw one of this device's referrals",
                    "security": device,
                    "parameters": [
                        *_SIGNATURE_HEADERS,
                        _idempotency("the withdrawn referral's id"),
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Withdrawal"}
                            }
                        },
                    },
                    "responses": _signed(
                        {
                            "201": _json("WithdrawalAccepted", "stored for the desk"),
                            "200": _json("WithdrawalAccepted", "withdrawn before"),
                            "409": _error("the referral was delivered by another device"),
                        }
                    ),
                }
            },
            "/v1/status": {
                "get": {
                    "operationId": "listStatus",
                    "summary": "This device's status messages after a seq",
                    "security": device,
                    "parameters": [
                        *_SIGNATURE_HEADERS,
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 0, "default": 0},
                        },
                    ],
                    "responses": _signed({"200": _json("StatusListing", "the messages")}),
                },
                "post": {
                    "operationId": "uploadStatus",
                    "summary": "Leave a status message for a device (workstation)",
                    "security": desk,
                    "parameters": [
                        *_SIGNATURE_HEADERS,
                        _idempotency("the message's id (= message_id)"),
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StatusUpload"}
                            }
                        },
                    },
                    "responses": _signed(
                        {
                            "201": _json("StatusAccepted", "stored for the device"),
                            "200": _json("StatusAccepted", "stored before"),
                            "409": _error("another message has this id"),
                        }
                    ),
                },
            },
            "/v1/inbox": {
                "get": {
                    "operationId": "listInbox",
                    "summary": "What waits for the workstation",
                    "security": desk,
                    "parameters": [
                        *_SIGNATURE_HEADERS,
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LISTING,
                                "default": MAX_LISTING,
                            },
                        },
                    ],
                    "responses": _signed({"200": _json("Inbox", "the inbox")}),
                }
            },
            "/v1/inbox/{referral_id}": {
                "get": {
                    "operationId": "fetchPackage",
                    "summary": "A package's bytes (workstation)",
                    "security": desk,
                    "parameters": [*_SIGNATURE_HEADERS, _REFERRAL_ID_PATH],
                    "responses": _signed(
                        {
                            "200": {
                                "description": "the .referral file as delivered",
                                "content": {
                                    "application/octet-stream": {
                                        "schema": {"type": "string", "format": "binary"}
                                    }
                                },
                            }
                        },
                        path_id=True,
                    ),
                }
            },
            "/v1/inbox/{referral_id}/ack": {
                "post": {
                    "operationId": "acknowledge",
                    "summary": "The workstation has stored a package or withdrawal",
                    "description": (
                        "After this the server deletes the package's ciphertext once the "
                        "retention time has passed (7 days by default); the id, digest and "
                        "receipt stay, so a repeat still gets its receipt."
                    ),
                    "security": desk,
                    "parameters": [
                        *_SIGNATURE_HEADERS,
                        _REFERRAL_ID_PATH,
                        {
                            "name": "kind",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": ["package", "withdrawal"], "default": "package"},
                        },
                    ],
                    "responses": _signed({"200": _json("Acked", "acknowledged")}, path_id=True),
                }
            },
        },
    }
