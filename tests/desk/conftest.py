"""Fixtures for the desk's tests: an in-process ``advisor-desk`` on a desk folder, an advisor
CLI that exports real packages to it, and hand-made packages for hostile content."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.cli.common import Console
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.protocol.keys import encode_public_key, key_id, raw_public
from advisor_desktop.protocol.referral_package import encrypt_to, sign_envelope
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import open_vault
from tests.conftest import PASSPHRASE, CliRunner
from tests.helpers.records import make_record

DESK_PASS = "desk passphrase for tests"
NOW = dt.datetime(2026, 4, 2, 9, 30, tzinfo=dt.UTC)
NOTES = "Maria Jansen was insulted in the canteen on 2026-03-14."


class Terminal(io.StringIO):
    """Typed answers on a terminal (``isatty`` is true)."""

    def isatty(self) -> bool:
        return True


@dataclass
class Result:
    code: int
    out: str
    err: str


class DeskRunner:
    """Runs ``advisor-desk`` in-process on one desk folder, with a fast KDF and a fixed clock.

    The desk passphrase comes from ``ADVISOR_DESK_PASSPHRASE`` unless ``env`` says otherwise
    (``env={"ADVISOR_DESK_PASSPHRASE": ""}``: none at all).
    """

    def __init__(self, folder: Path, policy: KdfPolicy) -> None:
        self.folder = folder
        self.policy = policy
        self.now = NOW

    def __call__(
        self, *argv: str, env: dict[str, str] | None = None, terminal: str | None = None
    ) -> Result:
        from advisor_desktop.cli.desk.main import main

        out, err = io.StringIO(), io.StringIO()
        stdin: io.StringIO = Terminal(terminal) if terminal is not None else io.StringIO("")
        console = Console(
            stdin=stdin,
            stdout=out,
            stderr=err,
            env={"ADVISOR_DESK_PASSPHRASE": DESK_PASS, **(env or {})},
            prompt=lambda _prompt: "",
        )
        code = main(
            ["--desk-dir", str(self.folder), *argv],
            console=console,
            policy=self.policy,
            clock=lambda: self.now,
        )
        return Result(code, out.getvalue(), err.getvalue())

    def public(self) -> dict[str, Any]:
        """The desk's ``desk-public.json``."""
        return dict(json.loads((self.folder / "desk-public.json").read_text(encoding="utf-8")))


@pytest.fixture
def desk(tmp_path: Path, policy: KdfPolicy) -> DeskRunner:
    """A desk folder with nothing in it yet."""
    return DeskRunner(tmp_path / "desk", policy)


@pytest.fixture
def new_desk(desk: DeskRunner) -> DeskRunner:
    """A desk with its store and identity (``init --name``)."""
    made = desk("init", "--name", "Central desk")
    assert made.code == 0, made.err
    return desk


class Advisor:
    """An advisor's vault (the ``advisor`` CLI in-process) that sends referrals to a desk."""

    def __init__(self, cli: CliRunner, policy: KdfPolicy) -> None:
        self.cli = cli
        self.policy = policy
        self.record_id = 0

    def join(self, desk: DeskRunner) -> str:
        """Create the vault, import the desk's public file; returns the device key text."""
        assert self.cli("init").code == 0
        imported = self.cli("profile", "import", str(desk.folder / "desk-public.json"))
        assert imported.code == 0, imported.err
        vault = open_vault(
            resolve_paths(self.cli.data_dir), bytearray(PASSPHRASE.encode()), self.policy
        )
        with vault:
            notebook = Notebook(vault, load_vault_profile(vault))
            self.record_id = int(
                notebook.add(make_record(notes=NOTES, identifiers=("Maria Jansen",)))
            )
        key = self.cli("device-key", "--json")
        assert key.code == 0
        return str(json.loads(key.out)["public_key"])

    def package(self, out: Path, scopes: str = "category,role,period,summary") -> str:
        """Draft, confirm and export a referral to ``out``; returns its id."""
        made = self.cli(
            "referral", "new", str(self.record_id), "--desk", "Central desk", "--scopes", scopes
        )
        assert made.code == 0, made.err
        ref = made.out.strip()
        assert self.cli("referral", "confirm", ref).code == 0
        exported = self.cli("referral", "export", ref, "--out", str(out))
        assert exported.code == 0, exported.err
        return ref


@pytest.fixture
def advisor(tmp_path: Path, policy: KdfPolicy) -> Advisor:
    """An advisor with no vault yet."""
    return Advisor(CliRunner(tmp_path / "advisor", policy), policy)


@pytest.fixture
def ready(new_desk: DeskRunner, advisor: Advisor) -> tuple[DeskRunner, Advisor]:
    """A desk that enrolled the advisor's device as "Advisor Kyiv"."""
    key = advisor.join(new_desk)
    enrolled = new_desk("enrol", key, "--name", "Advisor Kyiv", "--yes")
    assert enrolled.code == 0, enrolled.err
    return new_desk, advisor


def payload(signing_key: Ed25519PrivateKey, **content: Any) -> dict[str, Any]:
    """A valid referral payload (format v1) signed by ``signing_key``'s device; ``content``
    (scope → value) is what is shared, consented to as given."""
    scopes = [f"period={v['granularity']}" if k == "period" else k for k, v in content.items()]
    return {
        "schema": "advisor-desktop-referral-payload",
        "schema_version": 1,
        "referral_id": str(uuid.uuid4()),
        "created": "2026-04-01T08:00:00Z",
        "language": "en",
        "requested_action": "assess",
        "advisor_key_id": key_id(raw_public(signing_key.public_key())),
        "desk": "Central desk",
        "consent": {
            "scopes": scopes,
            "language": "en",
            "statement_version": "1",
            "method": "verbal",
            "given": "2026-04-01T08:00:00Z",
        },
        "content": content,
    }


class Forger:
    """An advisor device made in the test (its own Ed25519 key): builds packages with any
    payload, for content the advisor's app would never produce."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()

    @property
    def public_text(self) -> str:
        """``ed25519:BASE64``, as ``enrol`` takes it."""
        return encode_public_key(raw_public(self.key.public_key()))

    def seal(self, desk: DeskRunner, doc: dict[str, Any], out: Path) -> Path:
        """``doc`` signed by this device and encrypted to ``desk``, written to ``out``."""
        out.write_bytes(encrypt_to(sign_envelope(doc, self.key), [desk.public()["age_recipient"]]))
        return out


@pytest.fixture
def forger() -> Forger:
    """A fresh device key."""
    return Forger()


def receipt_key(desk: DeskRunner) -> dict[str, bytes]:
    """The desk's receipt key as the advisor's profile holds it: key id → raw key."""
    text = desk.public()["signing_key"]
    raw = base64.b64decode(text.removeprefix("ed25519:"))
    return {key_id(raw): raw}
