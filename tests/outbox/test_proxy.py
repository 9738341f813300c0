"""Delivery through a real HTTP proxy: Debian's ``squid``, started on 127.0.0.1 with its own
configuration, is the only route to the intake server. The server is addressed by a name only
squid resolves (``intake.test``, in squid's own hosts file; the TLS certificate is for that
name), so a client that went around the proxy could not find it, and squid's access log shows
the CONNECT of every delivery. Delivery works with the proxy set explicitly (``--proxy``,
``ConnectionOptions.proxy``) and from the environment (``HTTPS_PROXY``, the CLI's standard
resolver); when squid refuses the CONNECT the items stay undelivered and say that the proxy
refused.

squid is in packaging/system-packages.txt; without it these tests fail and say so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from advisor_desktop.app.outbox import outbox_of, sync
from advisor_desktop.desk.server.app import IntakeSettings, Rate
from advisor_desktop.referral.outbox import OutboxItem, OutboxState
from tests.conftest import CliResult
from tests.helpers.squid import AccessLine, Squid, require_squid
from tests.intake.harness import LiveServer, Tls
from tests.outbox.delivery_checks import assert_exactly_once, server_rows
from tests.outbox.harness import OutboxWorld

HOST = "intake.test"  # resolvable by squid only
SETTINGS = IntakeSettings(
    device_rate=Rate(burst=1000, per_second=1000.0), enrolment_check_seconds=0.0
)


@pytest.fixture(scope="module")
def named_tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A test CA and a server certificate for ``intake.test`` only."""
    folder = tmp_path_factory.mktemp("named-tls")
    ca = trustme.CA()
    leaf = ca.issue_cert(HOST)
    tls = Tls(folder / "server.pem", folder / "server.key", folder / "ca.pem")
    leaf.cert_chain_pems[0].write_to_path(str(tls.cert))
    leaf.private_key_pem.write_to_path(str(tls.key))
    ca.cert_pem.write_to_path(str(tls.ca))
    return tls


@pytest.fixture
def hidden(world: OutboxWorld, named_tls: Tls) -> Iterator[tuple[LiveServer, str]]:
    """The intake server on 127.0.0.1 and the address only squid can reach it by."""
    require_squid()
    with LiveServer(world.desk.server_dir, named_tls, SETTINGS) as live:
        port = live.url.rsplit(":", 1)[1]
        url = f"https://{HOST}:{port}"
        world.set_desk_url(url)
        yield live, url


def squid_for(tmp_path: Path, live: LiveServer, *, allow: bool) -> Squid:
    port = int(live.url.rsplit(":", 1)[1])
    return Squid(tmp_path / "squid", port, allow_connect=allow, hosts={HOST: "127.0.0.1"})


def test_delivery_goes_through_squid_and_only_through_it(
    world: OutboxWorld, hidden: tuple[LiveServer, str], named_tls: Tls, tmp_path: Path
) -> None:
    live, url = hidden
    ids = world.seal(3)
    options = world.options(ca_file=named_tls.ca)
    # Without the proxy the server cannot even be found.
    with world.workspace() as ws:
        report = sync(ws, options)[0]
        assert report.delivered == []
        assert report.stopped
        assert all(not i.delivered for i in outbox_of(ws).items())
    assert server_rows(world.desk.server_dir) == []

    squid = squid_for(tmp_path, live, allow=True)
    try:
        with squid:
            with world.workspace() as ws:
                report = sync(ws, world.options(ca_file=named_tls.ca, proxy=squid.url))[0]
                assert sorted(report.delivered) == sorted(ids), report
                assert report.ok, report
                assert_exactly_once(ws, ids, world.desk.server_dir)
            lines = squid.wait_for_requests(1)
            assert lines, "squid logged nothing: the traffic did not go through it"
            target = f"{HOST}:{url.rsplit(':', 1)[1]}"
            assert {(line.method, line.target) for line in lines} == {("CONNECT", target)}
            assert all(line.status == 200 and line.result == "TCP_TUNNEL" for line in lines)
    finally:
        squid.remove()


def test_the_cli_finds_the_proxy_in_the_environment(
    world: OutboxWorld,
    hidden: tuple[LiveServer, str],
    named_tls: Tls,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live, _url = hidden
    ids = world.seal(2)
    squid = squid_for(tmp_path, live, allow=True)
    try:
        with squid:
            for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
                monkeypatch.delenv(name, raising=False)
            monkeypatch.setenv("https_proxy", squid.url)
            monkeypatch.setenv("HTTPS_PROXY", squid.url)
            sent = world.run("outbox", "send", "--ca-file", str(named_tls.ca))
            assert sent.code == 0, sent.err + sent.out
            # And with --proxy, for a second batch, with the environment saying nothing.
            monkeypatch.delenv("https_proxy")
            monkeypatch.delenv("HTTPS_PROXY")
            more = world.seal(1)
            sent = world.run("sync", "--ca-file", str(named_tls.ca), "--proxy", squid.url)
            assert sent.code == 0, sent.err + sent.out
            lines = squid.wait_for_requests(2)
            assert len(lines) >= 2
            assert all(line.result == "TCP_TUNNEL" for line in lines)
    finally:
        squid.remove()
    listed = world.run("outbox", "list", "--json")
    assert {r["referral_id"] for r in json.loads(listed.out) if r["delivered"]} == {*ids, *more}
    with world.workspace() as ws:
        assert_exactly_once(ws, [*ids, *more], world.desk.server_dir)


def refused_run(
    world: OutboxWorld, live: LiveServer, named_tls: Tls, tmp_path: Path
) -> tuple[Any, list[OutboxItem], CliResult, list[AccessLine]]:
    """One sync and one ``advisor outbox send`` through a squid that refuses every CONNECT."""
    squid = squid_for(tmp_path, live, allow=False)
    try:
        with squid:
            with world.workspace() as ws:
                report = sync(ws, world.options(ca_file=named_tls.ca, proxy=squid.url))[0]
                items = outbox_of(ws).items()
            cli = world.run("outbox", "send", "--ca-file", str(named_tls.ca), "--proxy", squid.url)
            lines = squid.wait_for_requests(2)
    finally:
        squid.remove()
    return report, items, cli, lines


def test_a_proxy_that_refuses_leaves_the_items_queued_and_says_so(
    world: OutboxWorld, hidden: tuple[LiveServer, str], named_tls: Tls, tmp_path: Path
) -> None:
    live, _url = hidden
    ids = world.seal(2)
    report, items, cli, lines = refused_run(world, live, named_tls, tmp_path)
    assert report.delivered == []
    assert report.stopped is not None
    assert "proxy" in report.stopped
    assert "refused" in report.stopped
    assert "127.0.0.1:" in report.stopped  # which proxy
    assert {i.referral_id for i in items} == set(ids)
    assert all(not i.delivered and i.retryable for i in items)
    for item in items:  # each waiting item says why, and when it is tried again
        assert item.state is OutboxState.FAILED, item
        assert item.last_reason is not None, item
        assert "proxy" in item.last_reason, item
        assert "refused" in item.last_reason, item
        assert item.next_attempt_at is not None, item
    assert cli.code == 1
    assert "proxy" in cli.out + cli.err
    assert "refused" in cli.out + cli.err
    assert server_rows(world.desk.server_dir) == []
    assert len(lines) >= 2
    assert all(line.status == 403 and line.result == "TCP_DENIED" for line in lines)


def test_without_squid_the_tests_fail_and_say_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    monkeypatch.setattr("os.access", lambda _path, _mode: False)
    hint = r"squid is not installed.*system_packages\.py test"
    with pytest.raises(pytest.fail.Exception, match=hint):
        require_squid()
