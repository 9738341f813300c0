"""The desktop app's proxy resolver: Qt's system proxy query (the environment on Linux), and an
explicit proxy from Settings winning over it."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtNetwork import QNetworkProxy

from advisor_desktop.referral.transport import TransportConfigError
from advisor_desktop.ui.shell.proxy import proxy_url, qt_proxy_resolver, system_proxy

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="Qt reads the proxy environment on Linux only"
)

_VARS = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*_VARS, "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@linux_only
def test_no_proxy_in_the_environment_is_direct(clean_env: pytest.MonkeyPatch) -> None:
    assert system_proxy("https://desk.example.net/v1/referrals") is None
    assert qt_proxy_resolver()("https://desk.example.net/") is None


@linux_only
def test_the_environment_names_the_proxy(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("https_proxy", "http://proxy.post.example:3128")
    clean_env.setenv("http_proxy", "http://plain.post.example:8000")
    clean_env.setenv("no_proxy", "localhost,intranet.example")
    resolve = qt_proxy_resolver()
    assert resolve("https://desk.example.net/") == "http://proxy.post.example:3128"
    assert resolve("http://desk.example.net/") == "http://plain.post.example:8000"
    assert resolve("https://intranet.example/") is None
    assert resolve("https://localhost:8443/") is None


@linux_only
def test_proxy_credentials_are_kept_and_quoted(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("https_proxy", "http://ann%40post:p%3Ass@10.0.0.1:8080")
    assert system_proxy("https://desk.example.net/") == "http://ann%40post:p%3Ass@10.0.0.1:8080"


@linux_only
def test_a_socks_proxy_is_named_as_such(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("https_proxy", "socks5://127.0.0.1:1080")
    assert system_proxy("https://desk.example.net/") == "socks5://127.0.0.1:1080"


def test_an_explicit_proxy_wins(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("https_proxy", "http://proxy.post.example:3128")
    resolve = qt_proxy_resolver("http://chosen.example:8080")
    assert resolve("https://desk.example.net/") == "http://chosen.example:8080"
    assert resolve("https://localhost/") == "http://chosen.example:8080"
    if sys.platform.startswith("linux"):
        # A blank setting is no setting: the system's proxy again.
        assert qt_proxy_resolver("  ")("https://desk.example.net/") == (
            "http://proxy.post.example:3128"
        )


def test_a_bad_explicit_proxy_is_refused() -> None:
    with pytest.raises(TransportConfigError) as err:
        qt_proxy_resolver("ftp://proxy:21")
    assert err.value.exit_code == 2


def test_each_kind_of_qt_proxy() -> None:
    Type = QNetworkProxy.ProxyType
    assert proxy_url(QNetworkProxy(Type.NoProxy)) is None
    assert proxy_url(QNetworkProxy(Type.DefaultProxy)) is None
    assert proxy_url(QNetworkProxy(Type.HttpProxy, "proxy.example", 3128)) == (
        "http://proxy.example:3128"
    )
    assert proxy_url(QNetworkProxy(Type.Socks5Proxy, "socks.example", 1080)) == (
        "socks5://socks.example:1080"
    )
    assert proxy_url(QNetworkProxy(Type.HttpProxy, "::1", 3128)) == "http://[::1]:3128"
    assert proxy_url(QNetworkProxy(Type.HttpProxy, "p.example", 3128, "ann", "")) == (
        "http://ann@p.example:3128"
    )
    # A caching-only proxy cannot tunnel HTTPS: not a route.
    assert proxy_url(QNetworkProxy(Type.HttpCachingProxy, "cache.example", 3128)) is None
