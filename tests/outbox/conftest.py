"""Fixtures of the outbox tests: the session's TLS files, an advisor enrolled at a desk with
its intake server folder, and that server running on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from tests.intake.harness import LiveServer, Tls, make_tls
from tests.outbox.harness import OutboxWorld


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A certificate for 127.0.0.1 from a test CA."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy, tls: Tls) -> OutboxWorld:
    """A desk and an advisor whose device it enrolled (no server running yet)."""
    return OutboxWorld(tmp_path, policy, tls)


@pytest.fixture
def live(world: OutboxWorld) -> Iterator[LiveServer]:
    """The world's intake server, running; the profile's desk points at it."""
    with world.server() as server:
        yield server
