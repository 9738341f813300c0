"""The desktop app's proxy resolver: the system's proxy settings, through Qt.

The sender in the core takes a resolver, ``url -> proxy URL or None`` (``referral/transport.
ProxyResolver``). The CLI resolves with the standard library; the desktop app asks Qt's
``QNetworkProxyFactory.systemProxyForQuery``, which reads WinHTTP and PAC scripts on Windows,
the system settings on macOS, and ``http_proxy``/``https_proxy``/``no_proxy`` on Linux. An
explicit proxy from Settings wins over the system's.

The query may take a while (a PAC script is fetched and run), so the resolver is called on the
sync worker, never on the GUI thread; Qt's query is thread-safe.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from PySide6.QtCore import QUrl
from PySide6.QtNetwork import QNetworkProxy, QNetworkProxyFactory, QNetworkProxyQuery

from advisor_desktop.referral.transport import ProxyResolver, fixed_proxy

log = logging.getLogger(__name__)

_SCHEMES = {
    QNetworkProxy.ProxyType.HttpProxy: "http",
    QNetworkProxy.ProxyType.Socks5Proxy: "socks5",
}


def proxy_url(proxy: QNetworkProxy) -> str | None:
    """``http://[user:password@]host:port`` (or ``socks5://…``) for one of Qt's proxies; None
    for a direct connection or a kind the sender cannot tunnel HTTPS through."""
    scheme = _SCHEMES.get(proxy.type())
    if scheme is None or not proxy.hostName():
        return None
    host = proxy.hostName()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    auth = ""
    if proxy.user():
        auth = quote(proxy.user(), safe="")
        if proxy.password():
            auth += ":" + quote(proxy.password(), safe="")
        auth += "@"
    port = proxy.port() if proxy.port() > 0 else (1080 if scheme == "socks5" else 8080)
    return f"{scheme}://{auth}{host}:{port}"


def system_proxy(url: str) -> str | None:
    """The proxy the system names for ``url``, or None for a direct connection.

    Qt answers with a list in order of preference (a PAC script may say "PROXY a; DIRECT");
    the first entry that is a direct connection or a proxy the sender can use decides.
    """
    found = QNetworkProxyFactory.systemProxyForQuery(QNetworkProxyQuery(QUrl(url)))
    for proxy in found:
        kind = proxy.type()
        if kind == QNetworkProxy.ProxyType.NoProxy:
            return None
        answer = proxy_url(proxy)
        if answer is not None:
            return answer
        # DefaultProxy (the application's default: none is set), caching-only proxies:
        # not a route for HTTPS; look at the next one.
        log.debug("system_proxy_skipped type=%s", int(kind.value))
    return None


def qt_proxy_resolver(explicit: str | None = None) -> ProxyResolver:
    """The resolver the desktop app passes to the sender: ``explicit`` (the proxy set in
    Settings, checked like ``--proxy``) for every URL when given, else the system's proxy."""
    if explicit is not None and explicit.strip():
        return fixed_proxy(explicit)
    return system_proxy
