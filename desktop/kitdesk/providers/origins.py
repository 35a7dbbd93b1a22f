"""A provider's origin (scheme, host, port): what a stored key is bound to.

A key saved for ``https://api.example.com/v1`` goes to that origin and no
other: testing a different address with a saved provider's key is refused,
and moving a provider to another origin forgets its key (the person enters it
again for the new host). A new path on the same origin keeps the key.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


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
