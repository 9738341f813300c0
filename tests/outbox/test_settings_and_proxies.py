"""Where the sender goes and how: the intake address (``--server`` over Settings over the desk's
public file), the proxy (``--proxy`` over Settings over the resolver; the CLI's resolver reads
the standard library's proxy settings), the desk's certificate pin carried from its public
file, and the settings' checks."""

from __future__ import annotations

import json

import pytest

from advisor_desktop.app.outbox import ConnectionOptions, intake_url, make_sender, proxy_resolver
from advisor_desktop.app.preferences import SyncSettings, load_sync_settings, save_sync_settings
from advisor_desktop.app.trust import import_trust_file
from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.protocol.desk_public import parse_desk_public
from advisor_desktop.protocol.profile import load_profile
from advisor_desktop.referral.transport import (
    TransportConfigError,
    environment_proxy_resolver,
    parse_pin,
    parse_proxy_url,
)
from tests.outbox.harness import DESK, OutboxWorld


def test_the_address_comes_from_server_then_settings_then_the_desk(world: OutboxWorld) -> None:
    world.set_desk_url("https://desk.example.org")
    with world.workspace() as ws:
        assert intake_url(ws, DESK) == "https://desk.example.org"
        save_sync_settings(ws.vault, SyncSettings(intake_url="https://other.example.org/"))
        assert intake_url(ws, DESK) == "https://other.example.org"
        assert (
            intake_url(ws, DESK, ConnectionOptions(server="https://127.0.0.1:8443"))
            == "https://127.0.0.1:8443"
        )
        save_sync_settings(ws.vault, SyncSettings())
        assert intake_url(ws, DESK) == "https://desk.example.org"


def test_the_proxy_comes_from_the_option_then_settings_then_the_resolver(
    world: OutboxWorld,
) -> None:
    def system(url: str) -> str | None:
        return "http://system-proxy:3128"

    with world.workspace() as ws:
        assert proxy_resolver(ws, ConnectionOptions(proxy_resolver=system))("https://x") == (
            "http://system-proxy:3128"
        )
        save_sync_settings(ws.vault, SyncSettings(proxy="http://settings-proxy:8080"))
        chosen = proxy_resolver(ws, ConnectionOptions(proxy_resolver=system))
        assert chosen("https://x") == "http://settings-proxy:8080"
        explicit = ConnectionOptions(proxy="http://cli-proxy:1", proxy_resolver=system)
        assert proxy_resolver(ws, explicit)("https://x") == "http://cli-proxy:1"
        sender = make_sender(ws, DESK, ConnectionOptions(server="https://127.0.0.1:9"))
        try:
            assert sender.transport.proxy == "http://settings-proxy:8080"
        finally:
            sender.transport.close()


def test_the_cli_resolver_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "https_proxy",
        "HTTPS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "intranet.example.org")
    monkeypatch.setenv("https_proxy", "proxy.example.org:3128")
    resolve = environment_proxy_resolver()
    assert resolve("https://desk.example.org") == "http://proxy.example.org:3128"
    assert resolve("https://intranet.example.org") is None
    monkeypatch.delenv("https_proxy")
    assert resolve("https://desk.example.org") is None


def test_settings_are_checked(world: OutboxWorld) -> None:
    with world.workspace() as ws:
        with pytest.raises(ProfileError):
            save_sync_settings(ws.vault, SyncSettings(intake_url="http://desk.example.org"))
        with pytest.raises(TransportConfigError):
            save_sync_settings(ws.vault, SyncSettings(proxy="socks5://proxy:1080"))
        assert load_sync_settings(ws.vault) == SyncSettings()
        stored = save_sync_settings(ws.vault, SyncSettings(" ", " http://p:1/ "))
        assert stored == SyncSettings(None, "http://p:1")
        assert load_sync_settings(ws.vault) == stored
    for bad in ("", "p:1", "http://", "http://p:1/path", "http://p:1?x=1", "ftp://p:1"):
        with pytest.raises(TransportConfigError):
            parse_proxy_url(bad)
    assert parse_proxy_url("http://user:pw@proxy:3128") == "http://user:pw@proxy:3128"
    assert parse_pin("AB:" * 31 + "AB") == "ab" * 32
    with pytest.raises(TransportConfigError):
        parse_pin("ab" * 31)


def test_the_desks_public_file_brings_its_address_and_pin(world: OutboxWorld) -> None:
    doc = world.desk.runner.public()
    doc["intake_url"] = "https://desk.example.org:8443"
    doc["intake_spki_sha256"] = "cd" * 32
    assert parse_desk_public(doc).intake_spki_sha256 == "cd" * 32
    imported = import_trust_file(json.dumps(doc).encode(), load_profile())
    (desk,) = [d for d in imported.profile.desks if d.name == DESK]
    assert desk.url == "https://desk.example.org:8443"
    assert desk.tls_pin == "cd" * 32
    doc["intake_spki_sha256"] = "not a pin"
    with pytest.raises(ProfileError):
        parse_desk_public(doc)
