"""An advisor's vault whose device is enrolled at a desk, that desk's intake server on
127.0.0.1 over real TLS (a trustme CA), and quick ways to seal many referrals: the world of the
outbox tests, the fault, proxy and kill tests, and the outbox benchmark.

``OutboxWorld`` builds it all in a folder: the desk (``advisor-desk init``, ``server-setup``),
the advisor's vault with the desk's public file imported, the device enrolled and the signed
device list copied to the server folder. :meth:`OutboxWorld.server` starts the server and
points the profile's desk at it; :meth:`OutboxWorld.workspace` opens the vault for a moment
(the CLI can open it in between).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from advisor_desktop.app.outbox import ConnectionOptions
from advisor_desktop.app.trust import import_trust
from advisor_desktop.app.workspace import Workspace, open_workspace
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.server.app import IntakeSettings
from advisor_desktop.notebook.models import RecordId
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.protocol.desk_public import parse_desk_public
from advisor_desktop.protocol.intake_api import verify_intake_receipt
from advisor_desktop.protocol.keys import decode_public_key, key_id
from advisor_desktop.protocol.profile import with_desk
from advisor_desktop.protocol.receipt import package_sha256
from advisor_desktop.protocol.referral_terms import ConsentMethod
from advisor_desktop.referral.consent import load_statement, parse_scopes
from advisor_desktop.referral.draft import DraftInputs
from advisor_desktop.referral.outbox import Outbox, OutboxState, ReceiptSource
from advisor_desktop.referral.sender import RetryPolicy
from advisor_desktop.storage.meta import store_profile
from advisor_desktop.storage.store import create_vault
from tests.conftest import PASSPHRASE, CliResult, CliRunner
from tests.helpers.records import make_record
from tests.intake.harness import LiveServer, TestDesk, Tls

DESK = "Central desk"
NOTES = "The visitor was shouted at in two team meetings and asks the desk to look at it."
#: Back-off for tests: retries come quickly, so a run can be repeated at once.
FAST_RETRY = RetryPolicy(base=0.01, cap=0.05, max_retry_after=0.05)


class OutboxWorld:
    """A desk with its server folder and an advisor whose device it enrolled."""

    def __init__(
        self,
        root: Path,
        policy: KdfPolicy,
        tls: Tls,
        settings: IntakeSettings | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.root = root
        self.policy = policy
        self.tls = tls
        self.clock = clock
        self.settings = settings or IntakeSettings(enrolment_check_seconds=0.0)
        self.desk = TestDesk(root, policy, devices=0)
        self.data_dir = root / "advisor"
        self.paths: AppPaths = resolve_paths(self.data_dir)
        self.passphrase = PASSPHRASE
        vault, _code = create_vault(self.paths, bytearray(PASSPHRASE.encode()), policy)
        from advisor_desktop.protocol.profile import load_profile

        store_profile(vault, load_profile())
        with Workspace(vault, self.paths, clock) as ws:
            import_trust(ws, self.public_file.read_bytes())
            self.device = ws.referrals.device_keys.public_key()
            self.record_id = int(ws.notebook.add(make_record(notes=NOTES)))
        enrolled = self.desk(
            "enrol", self.device.text, self.device.age_recipient, "--name", "Advisor Kyiv", "--yes"
        )
        assert enrolled.code == 0, enrolled.err
        exported = self.desk(
            "export-enrolment", "--out", str(self.desk.server_dir / "enrolment.json")
        )
        assert exported.code == 0, exported.err
        self.cli = CliRunner(self.data_dir, policy)
        self.live: LiveServer | None = None

    # -- the desk ------------------------------------------------------------------------------

    @property
    def public_file(self) -> Path:
        """The desk's ``desk-public.json``."""
        return self.desk.runner.folder / "desk-public.json"

    def trusted(self) -> tuple[dict[str, bytes], bytes]:
        """The desk key (id → raw) and the intake certificate from the public file."""
        public = parse_desk_public(self.desk.runner.public())
        raw = decode_public_key(public.signing_key)
        assert public.intake_certificate is not None
        return {key_id(raw): raw}, public.intake_certificate

    @contextlib.contextmanager
    def server(self, settings: IntakeSettings | None = None) -> Iterator[LiveServer]:
        """The intake server over TLS on 127.0.0.1; the profile's desk points at it."""
        with LiveServer(self.desk.server_dir, self.tls, settings or self.settings) as live:
            self.live = live
            self.set_desk_url(live.url)
            try:
                yield live
            finally:
                self.live = None

    def set_desk_url(self, url: str, pin: str | None = None) -> None:
        """Point the profile's desk at ``url`` (and pin its certificate, if given)."""
        with self.workspace() as ws:
            desk = ws.referrals.desk(DESK)
            changed = dataclasses.replace(
                desk, url=url, tls_pin=pin if pin is not None else desk.tls_pin
            )
            ws.set_profile(with_desk(ws.profile, changed))

    def server_rows(self) -> list[tuple[str, str]]:
        """(referral id, sha256) of every package the server stored, in order."""
        with sqlite3.connect(self.desk.server_dir / "intake.db") as conn:
            return list(conn.execute("SELECT referral_id, sha256 FROM packages ORDER BY seq"))

    # -- the advisor ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Workspace]:
        """The advisor's vault, open for the duration (closed after: the CLI can open it)."""
        with open_workspace(
            self.paths, bytearray(PASSPHRASE.encode()), self.policy, self.clock
        ) as ws:
            yield ws

    def options(self, **kw: Any) -> ConnectionOptions:
        """Connection options trusting the test CA, with the fast test back-off."""
        kw.setdefault("ca_file", self.tls.ca)
        kw.setdefault("policy", FAST_RETRY)
        kw.setdefault("proxy_resolver", lambda url: None)
        return ConnectionOptions(**kw)

    def seal(self, n: int = 1, *, workspace: Workspace | None = None) -> list[str]:
        """``n`` referrals of the world's record, consented, sealed and queued in the outbox;
        their ids, in order."""
        if workspace is None:
            with self.workspace() as ws:
                return self.seal(n, workspace=ws)
        ws = workspace
        record = ws.notebook.get(RecordId(self.record_id))
        statement = load_statement("en", DESK)
        ids = []
        for _ in range(n):
            draft = ws.referrals.create(
                record,
                DraftInputs(desk=DESK, scopes=parse_scopes("category,summary")),
                statement,
                ConsentMethod.VERBAL,
            )
            ws.referrals.confirm(draft.referral_id)
            ids.append(draft.referral_id)
        return ids

    def run(self, *argv: str, env: dict[str, str] | None = None) -> CliResult:
        """``advisor`` in-process on the world's data folder."""
        return self.cli(*argv, env=env)

    def desk_to_server(self, *argv: str) -> Any:
        """An ``advisor-desk`` command that talks to the running server (``pull``, ``push``)."""
        assert self.live is not None
        done = self.desk(*argv, "--server", self.live.url, "--ca-file", str(self.tls.ca))
        assert done.code == 0, done.err
        return done

    def states(self) -> dict[str, OutboxState]:
        """Every outbox item's state."""
        with self.workspace() as ws:
            return {i.referral_id: i.state for i in Outbox(ws.vault).items()}

    def assert_exactly_once(self, ids: Sequence[str]) -> None:
        """Every id delivered with a stored receipt that verifies to the desk key and names the
        exact bytes; the server stored each id exactly once, with those bytes."""
        trusted, _certificate = self.trusted()
        rows = self.server_rows()
        stored = [r[0] for r in rows]
        assert len(stored) == len(set(stored)), "a referral was stored twice"
        by_id = dict(rows)
        with self.workspace() as ws:
            outbox = Outbox(ws.vault)
            for referral_id in ids:
                item = outbox.get(referral_id)
                assert item.state is OutboxState.DELIVERED, (
                    referral_id,
                    item.state,
                    item.last_reason,
                )
                receipt = outbox.receipt(referral_id)
                assert receipt is not None
                assert receipt.source is ReceiptSource.NETWORK
                assert receipt.certificate is not None
                checked = verify_intake_receipt(receipt.document, receipt.certificate, trusted)
                package = outbox.package(referral_id)
                assert checked.referral_id == referral_id
                assert checked.package_sha256 == package_sha256(package) == item.package_sha256
                assert by_id[referral_id] == item.package_sha256


def later(seconds: float) -> Clock:
    """A clock ``seconds`` from now (to make failed items due)."""
    return lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
