"""Running the intake server: the listening address, TLS, uvicorn.

TLS takes a certificate and key from files. Plain HTTP only on a loopback address (a test, or a
TLS-terminating proxy on the same machine): a non-loopback ``--listen`` without TLS is refused.
uvicorn's access log is off: it would write every advisor's address and every referral id to
a log; the server's own log has event names and ids only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from advisor_desktop.desk.server.app import IntakeSettings, build_app
from advisor_desktop.desk.server.folder import load_server_folder
from advisor_desktop.desk.server.store import SqliteIntakeStore
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import is_loopback_host


@dataclass(frozen=True)
class Listen:
    """Where to listen and how."""

    host: str
    port: int
    tls_cert: Path | None = None
    tls_key: Path | None = None


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8443`` for IPv6) → host and port."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(_("--listen must be HOST:PORT, e.g. 127.0.0.1:8443."))
    return host, int(port)


def check_listen(listen: Listen) -> None:
    """Refuse plain HTTP off loopback, and half a TLS configuration."""
    if (listen.tls_cert is None) != (listen.tls_key is None):
        raise UsageError(_("--tls-cert and --tls-key go together."))
    for path in (listen.tls_cert, listen.tls_key):
        if path is not None and not path.is_file():
            raise UsageError(_("The TLS file {name} was not found.").format(name=path))
    if listen.tls_cert is None and not is_loopback_host(listen.host):
        raise UsageError(
            _(
                "Without --tls-cert and --tls-key the server listens only on a loopback "
                "address (127.0.0.1, ::1): an advisor's delivery must not cross a network "
                "unencrypted."
            )
        )


def uvicorn_config(app: object, listen: Listen, *, limit_concurrency: int = 200) -> uvicorn.Config:
    """The uvicorn configuration (TLS when given, no access log, no server header)."""
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=listen.host,
        port=listen.port,
        ssl_certfile=str(listen.tls_cert) if listen.tls_cert else None,
        ssl_keyfile=str(listen.tls_key) if listen.tls_key else None,
        access_log=False,
        server_header=False,
        log_level="warning",
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=15,
        lifespan="on",
    )


def serve(folder: Path, listen: Listen, settings: IntakeSettings | None = None) -> None:
    """Check the folder (refused when the certificate or the device list does not verify
    with the desk key), open the store and serve until stopped."""
    check_listen(listen)
    settings = settings or IntakeSettings()
    now = dt.datetime.fromtimestamp(settings.clock(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    checked = load_server_folder(folder, now)
    store = SqliteIntakeStore(folder)
    try:
        app = build_app(checked, store, settings)
    except BaseException:
        store.close()
        raise
    uvicorn.Server(uvicorn_config(app, listen)).run()
