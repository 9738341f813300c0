"""Debian's real ``squid`` on 127.0.0.1, started by a test as the route to an intake server.

Its own configuration in a temporary folder: an ``http_port`` on a free loopback port, no cache
(``cache deny all``, no cache directory), the pid file and the logs in that folder, CONNECT
allowed only to 127.0.0.1 on the one port of the server under test (or refused,
``allow_connect=False``, to see how a client reports a proxy that refuses), squid in the
foreground (``-N``). ``hosts`` are names that only squid resolves (its own ``hosts_file``): a
server reached by such a name is reachable through squid and nothing else. Squid writes one
access-log line per request it handled (``CONNECT intake.test:PORT 200 TCP_TUNNEL``), which is
how a test proves that its traffic went through the proxy.

The ``squid`` package is in ``packaging/system-packages.txt`` ([test]); a test that needs it
fails, not skips, when it is absent (:func:`require_squid`): CI installs the list.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

INSTALL_HINT = (
    "squid is not installed: install the test system packages, e.g. "
    "sudo apt-get install $(python3 packaging/system_packages.py test)"
)


def require_squid() -> str:
    """The path of the ``squid`` program; fails the test (never skips) when it is missing."""
    import pytest

    found = shutil.which("squid") or next(
        (p for p in ("/usr/sbin/squid", "/usr/local/sbin/squid") if os.access(p, os.X_OK)), None
    )
    if found is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return found


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("proxy", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("squid run by root needs the user 'proxy' or 'nobody'")


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class AccessLine:
    """One line of squid's access log (the native format, with our ``logformat``)."""

    method: str
    target: str
    status: int
    result: str


class Squid:
    """``squid -N`` on 127.0.0.1 with a configuration of its own; a context manager."""

    def __init__(
        self,
        folder: Path,
        target_port: int,
        *,
        allow_connect: bool = True,
        hosts: Mapping[str, str] | None = None,
        program: str = "",
    ) -> None:
        self.folder = folder
        self.hosts = dict(hosts or {})
        self.target_port = target_port
        self.allow_connect = allow_connect
        self.program = program or require_squid()
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._user: pwd.struct_passwd | None = None
        self._own_folder = False
        self.service = ""

    @property
    def url(self) -> str:
        """The proxy's address, as a client's proxy setting takes it."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    @property
    def cache_log(self) -> Path:
        return self.folder / "cache.log"

    def config(self) -> str:
        """The whole ``squid.conf``."""
        verdict = "allow" if self.allow_connect else "deny"
        lines = [
            f"http_port 127.0.0.1:{self.port}",
            f"pid_filename {self.folder / 'squid.pid'}",
            "logformat advisor %rm %ru %>Hs %Ss",
            f"access_log stdio:{self.access_log} advisor",
            f"cache_log {self.cache_log}",
            "cache_store_log none",
            "logfile_rotate 0",
            "cache deny all",
            "cache_mem 4 MB",
            f"coredump_dir {self.folder}",
            f"netdb_filename {self.folder / 'netdb.state'}",
            "pinger_enable off",
            "icp_port 0",
            "htcp_port 0",
            "visible_hostname advisor-test-proxy",
            f"hosts_file {self.folder / 'hosts'}",
            "dns_nameservers 127.0.0.1",
            "negative_dns_ttl 1 seconds",
            "shutdown_lifetime 0 seconds",
            "acl client src 127.0.0.1/32",
            "acl CONNECT method CONNECT",
            f"acl intake_port port {self.target_port}",
            "acl intake_host dst 127.0.0.1/32",
            f"http_access {verdict} client CONNECT intake_host intake_port",
            "http_access deny all",
        ]
        if self._user is not None:
            lines.append(f"cache_effective_user {self._user.pw_name}")
        return "\n".join(line for line in lines if line) + "\n"

    def __enter__(self) -> Squid:
        if os.geteuid() == 0:
            # Squid refuses to run as root and drops to its unprivileged user, which cannot
            # enter pytest's 0700 folders: it gets a folder of its own in the temp folder.
            self._user = _unprivileged_user()
            self.folder = Path(tempfile.mkdtemp(prefix="advisor-squid-"))
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
            self._own_folder = True
        else:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.port = free_port()
        # The service name keys squid's shared-memory segments: one of its own per instance.
        self.service = f"advisor{os.getpid()}x{self.port}"
        # Names only squid resolves: a client that bypassed it could not find the server.
        (self.folder / "hosts").write_text(
            "".join(f"{address} {name}\n" for name, address in self.hosts.items()),
            encoding="utf-8",
        )
        conf = self.folder / "squid.conf"
        conf.write_text(self.config(), encoding="utf-8")
        # Syntax first: a broken configuration is a clear failure, not a timeout.
        parsed = subprocess.run(
            [self.program, "-n", self.service, "-k", "parse", "-f", str(conf)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if parsed.returncode != 0:
            raise RuntimeError(f"squid refused its configuration:\n{parsed.stderr[-2000:]}")
        self._proc = subprocess.Popen(
            [self.program, "-N", "-n", self.service, "-f", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.log").open("wb"),
            cwd=self.folder,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"squid exited at start:\n{self._logs()}")
            if self._listening():
                return self
            time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError(f"squid did not start listening:\n{self._logs()}")

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def _logs(self) -> str:
        parts = []
        for path in (self.folder / "stderr.log", self.cache_log):
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace")[-2000:])
        return "\n".join(parts)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def remove(self) -> None:
        """Remove the folder squid was given when it made its own (run by root)."""
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def requests(self) -> list[AccessLine]:
        """What squid logged so far (it writes each line when a request or tunnel ends)."""
        if not self.access_log.exists():
            return []
        found = []
        for line in self.access_log.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            # "-" lines are connections that sent nothing (the start-up probe).
            if len(parts) == 4 and parts[2].isdigit() and parts[0] != "-":
                found.append(AccessLine(parts[0], parts[1], int(parts[2]), parts[3]))
        return found

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[AccessLine]:
        """The access log once it has ``count`` lines (squid logs a tunnel when it closes)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.requests()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)
