"""A desk, its enrolled devices and a live intake server on 127.0.0.1 over real TLS (a trustme
test CA), for the intake tests and the intake benchmark."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.server.app import IntakeSettings, build_app
from advisor_desktop.desk.server.folder import load_server_folder
from advisor_desktop.desk.server.run import Listen, uvicorn_config
from advisor_desktop.desk.server.store import SqliteIntakeStore
from advisor_desktop.desk.sync import IntakeClient
from advisor_desktop.protocol.keys import encode_public_key, key_id, raw_public
from advisor_desktop.protocol.referral_package import encrypt_to, sign_envelope
from tests.desk.conftest import DeskRunner, payload

SUMMARY = "The visitor was shouted at in two team meetings and wants the desk to look at it."


@dataclass(frozen=True)
class Tls:
    """A server certificate for 127.0.0.1 and the CA that issued it."""

    cert: Path
    key: Path
    ca: Path

    def context(self) -> ssl.SSLContext:
        """A client context that trusts only the test CA."""
        return ssl.create_default_context(cafile=str(self.ca))


def make_tls(folder: Path) -> Tls:
    """A test CA and a certificate for 127.0.0.1 and localhost, as PEM files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    tls = Tls(folder / "server.pem", folder / "server.key", folder / "ca.pem")
    leaf.cert_chain_pems[0].write_to_path(str(tls.cert))
    leaf.private_key_pem.write_to_path(str(tls.key))
    ca.cert_pem.write_to_path(str(tls.ca))
    return tls


class Device:
    """An advisor device made in the test: its own key, packages sealed to the desk."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = Ed25519PrivateKey.generate()
        self.key_id = key_id(raw_public(self.key.public_key()))

    @property
    def public_text(self) -> str:
        """``ed25519:BASE64``, as ``enrol`` takes it."""
        return encode_public_key(raw_public(self.key.public_key()))

    def package(self, recipient: str, summary: str = SUMMARY) -> tuple[str, bytes]:
        """A valid sealed package for the desk ``recipient``: (referral id, bytes)."""
        doc = payload(self.key, category=["bullying"], summary=summary)
        return str(doc["referral_id"]), encrypt_to(sign_envelope(doc, self.key), [recipient])


def random_id() -> str:
    """A referral id."""
    return str(uuid.uuid4())


class TestDesk:
    """A desk workstation (in-process ``advisor-desk``) with enrolled devices and a server
    folder written by ``server-setup``."""

    __test__ = False

    def __init__(self, root: Path, policy: KdfPolicy, devices: int = 2) -> None:
        self.runner = DeskRunner(root / "desk", policy)
        self.runner.now = dt.datetime.now(dt.UTC)
        made = self.runner("init", "--name", "Central desk")
        assert made.code == 0, made.err
        self.devices = [Device(f"Advisor {i}") for i in range(devices)]
        for device in self.devices:
            enrolled = self.runner("enrol", device.public_text, "--name", device.name, "--yes")
            assert enrolled.code == 0, enrolled.err
        self.server_dir = root / "server"
        setup = self.runner("server-setup", "--server-dir", str(self.server_dir))
        assert setup.code == 0, setup.err

    @property
    def recipient(self) -> str:
        """The desk's age recipient."""
        return str(self.runner.public()["age_recipient"])

    def __call__(self, *argv: str, **kw: Any) -> Any:
        """Run an ``advisor-desk`` command on this desk."""
        self.runner.now = dt.datetime.now(dt.UTC)
        return self.runner(*argv, **kw)


class LiveServer:
    """``build_app`` over a server folder, served by uvicorn in a thread on a free port."""

    def __init__(
        self, folder: Path, tls: Tls | None, settings: IntakeSettings | None = None
    ) -> None:
        self.folder = folder
        self.tls = tls
        self.settings = settings or IntakeSettings()
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LiveServer:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        checked = load_server_folder(self.folder, now)
        self.store = SqliteIntakeStore(self.folder)
        app = build_app(checked, self.store, self.settings)
        listen = Listen(
            "127.0.0.1", 0, self.tls.cert if self.tls else None, self.tls.key if self.tls else None
        )
        self._server = uvicorn.Server(uvicorn_config(app, listen))
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the intake server did not start")
            time.sleep(0.02)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def client(self, key: Ed25519PrivateKey) -> IntakeClient:
        """A signed client with ``key``, trusting the test CA."""
        return IntakeClient(self.url, key, verify=self.tls.context() if self.tls else False)
