"""A provider's origin (scheme, host, port): what a stored key is bound to.

A key saved for ``https://api.example.com/v1`` goes to that origin and no
other: testing a different address with a saved provider's key is refused,
and moving a provider to another origin forgets its key (the person enters it
again for the new host). A new path on the same origin keeps the key.
``sends_in_cleartext`` flags an ``http://`` address off this machine and off
private networks, so the settings can warn before a key is sent there.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# This machine and private networks, named one by one (``ipaddress``'s ``is_private``
# also counts documentation and reserved ranges, which are nobody's local network).
LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "127.0.0.0/8",  # loopback
        "0.0.0.0/8",  # "this host"
        "10.0.0.0/8",  # private (RFC 1918)
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",  # link-local
        "::1/128",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
    )
)


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the default port spelled out, lower-cased."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:  # a port that is not a number: no origin matches it
        port = -1
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def same_origin(first: str, second: str) -> bool:
    return origin_of(first) == origin_of(second)


def sends_in_cleartext(url: str) -> bool:
    """True for ``http://`` to a host that is neither this machine nor a private
    network: a key sent there can be read on the way."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "http":
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: it may resolve anywhere
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not any(address in network for network in LOCAL_NETWORKS)
