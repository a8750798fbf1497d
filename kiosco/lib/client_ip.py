"""The client's IP address, believing ``X-Forwarded-For`` only from trusted proxies.

``KIOSCO_TRUSTED_PROXIES`` lists the addresses or networks of our own proxies. When the
peer (``REMOTE_ADDR``) is one of them, the header is read from the right, skipping our
proxies; the first address that is not ours is the client. Anything further left was
written by the client and is ignored. When the peer is not trusted, the header is
ignored entirely: a client cannot rotate it to dodge a per-IP rate limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(values: Iterable[str]) -> list[Network]:
    """Networks from ``["10.0.0.1", "10.1.0.0/16", …]``; a typo stops start-up."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"KIOSCO_TRUSTED_PROXIES: {value!r} is not an IP address or network"
            ) from None
    return networks


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]
) -> bool:
    return any(address in network for network in proxies)


def client_ip(request: HttpRequest, proxies: Sequence[Network]) -> str | None:
    """The client's address for this request, or None when the peer has none."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    if not _trusted(peer, proxies):
        return str(peer)
    hops = request.headers.get("x-forwarded-for", "").split(",")
    nearest = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Our proxy wrote something unreadable: stop at the last hop we trust.
            break
        nearest = address
        if not _trusted(address, proxies):
            break
    return str(nearest)


class ForwardedHeadersMiddleware:
    """Drops ``X-Forwarded-*`` headers that did not come from a trusted proxy, so that
    Django's SECURE_PROXY_SSL_HEADER (``X-Forwarded-Proto``) and anything else reading
    them believe only our own proxies. Place it first in MIDDLEWARE."""

    HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from kiosco.readers.app_settings import trusted_proxies

        peer = _address(request.META.get("REMOTE_ADDR", ""))
        if peer is None or not _trusted(peer, trusted_proxies()):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
