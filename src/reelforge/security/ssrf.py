"""SSRF guard for URLs a remote party hands us (Runware result URLs).

A URL is checked *before any connection*: https only, then the host is resolved and every
address must be public (no loopback, private, link-local such as 169.254.169.254, multicast,
reserved). The connection then goes to the address that was checked (the request is pinned to
it, with the original host name kept for TLS SNI, certificate checks and the Host header), so a
DNS answer that changes between check and connect (rebinding) cannot slip through. Every
redirect hop passes the same transport and is checked again.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from reelforge.errors import ProviderError

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ProviderError):
    """A URL we were asked to fetch points somewhere we must not go (never retried)."""

    code = "unsafe_url"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class UrlPolicy:
    """What a fetched URL may be. ``trusted_origins`` are operator-configured base URLs (the
    provider's own API, or the fakes on loopback): their URLs skip the address check."""

    allow_private: bool = False  # loopback/private addresses allowed (fakes, tests)
    allow_http: bool = False  # plain http allowed (fakes, tests)
    trusted_origins: frozenset[str] = field(default_factory=frozenset)
    resolve: Resolver = system_resolver  # tests pass a table; nothing else needs to


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved)


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    host: str
    address: str | None  # the address to connect to; None for a trusted origin


def check_url(url: str, policy: UrlPolicy, *, provider: str) -> CheckedUrl:
    """Refuse ``url`` unless it is safe to fetch; returns the address to connect to."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()

    def refuse(why: str) -> UnsafeUrl:
        return UnsafeUrl(f"refused to fetch {parts.scheme}://{host}/…: {why}", provider=provider,
                         retryable=False, hint="the provider returned a URL reelforge will not "
                         "fetch; set REELFORGE_SSRF_ALLOW_PRIVATE only for local fakes")

    if parts.scheme not in ("https", "http") or not host:
        raise refuse("only https URLs with a host are fetched")
    if origin_of(url) in policy.trusted_origins:
        return CheckedUrl(url, host, None)
    if parts.scheme != "https" and not policy.allow_http:
        raise refuse("plain http is not allowed")
    if parts.username or parts.password:
        raise refuse("credentials in the URL are not allowed")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal: Address | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        candidates = [str(literal)]
    else:
        try:
            candidates = policy.resolve(host, port)
        except OSError as exc:
            raise refuse(f"the host does not resolve ({exc})") from None
    if not candidates:
        raise refuse("the host has no address")
    for text in candidates:
        address = ipaddress.ip_address(text.split("%")[0])
        if not is_public(address) and not policy.allow_private:
            raise refuse(f"{address} is a private, loopback or link-local address")
    return CheckedUrl(url, host, candidates[0])


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks every request (and redirect hop) with ``check_url`` and
    connects to the checked address only."""

    def __init__(self, policy: UrlPolicy, *, provider: str,
                 inner: httpx.AsyncBaseTransport | None = None,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.policy = policy
        self.provider = provider
        self.inner = inner or httpx.AsyncHTTPTransport(verify=verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        checked = check_url(str(request.url), self.policy, provider=self.provider)
        if checked.address is not None and checked.address != checked.host:
            pinned = checked.address if ":" not in checked.address else f"[{checked.address}]"
            request.url = request.url.copy_with(host=pinned.strip("[]"))
            request.headers["Host"] = checked.host + (
                f":{request.url.port}" if request.url.port else "")
            request.extensions = {**request.extensions, "sni_hostname": checked.host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
