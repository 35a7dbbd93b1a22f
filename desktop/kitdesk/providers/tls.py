"""The one TLS context every provider connection pool shares.

Each ``httpx2`` client otherwise builds its own and loads the system's CA
certificates into it: about 70 ms and 1-2 MB each, once for the model lists
(at launch) and again per provider endpoint (on the first turn with it). One
context serves any number of pools: it only holds the trust settings.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """The context ``httpx2`` would build by default (system CAs, ``SSL_CERT_FILE``/``DIR``)."""
    import httpx2

    return httpx2.create_ssl_context()
