"""The client's network address, for rate limits and the audit log.

``REMOTE_ADDR`` is the peer of the TCP connection. Behind a reverse proxy (the usual intranet
deployment: nginx in front of the app server) that peer is the proxy, so every resident would share
one rate limit and every audit row would name the proxy. The proxy's own address therefore goes into
``FANZHA_TRUSTED_PROXIES`` (addresses or networks, comma-separated); only when the connection comes
from one of them is ``X-Forwarded-For`` read, from the right, skipping further trusted proxies: the
first address not ours is the client. Entries to its left were written by the client and are never
believed, so a resident cannot step around a rate limit by sending the header.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def _trusted_networks() -> tuple[Network, ...]:
    configured = getattr(settings, "FANZHA_TRUSTED_PROXIES", ()) or ()
    return _networks(tuple(configured))


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client, or "" when the request carries none."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    networks = _trusted_networks()
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if _is_trusted(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            # Our own proxy wrote something that is not an address: the chain cannot be read.
            return remote
    return remote
