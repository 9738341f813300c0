"""Fixtures of the intake tests: a desk with two enrolled devices and its server folder, TLS
files from a test CA, and a live intake server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from tests.intake.harness import LiveServer, TestDesk, Tls, make_tls


@pytest.fixture
def desk(tmp_path: Path, policy: KdfPolicy) -> TestDesk:
    """A desk workstation, two enrolled devices, a server folder."""
    return TestDesk(tmp_path, policy)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A certificate for 127.0.0.1 from a test CA."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(desk: TestDesk, tls: Tls) -> Iterator[LiveServer]:
    """The intake server on the desk's server folder, over TLS."""
    with LiveServer(desk.server_dir, tls) as live:
        yield live
