"""One provider endpoint (and its connection pool) per base URL, key and kind.

Pooled per key as well as per URL: two providers on one host with different
keys must never share a connection's credentials. Per kind too, as the kind
decides headers (Azure's ``api-key``, OpenAI's organisation and project).
"""

from __future__ import annotations

import httpx2

from kitdesk.providers.endpoint import ProviderEndpoint
from kitdesk.providers.resolver import ResolvedModel
from kitdesk.providers.timeouts import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS


class ClientCache:
    """Hands out the ``ProviderEndpoint`` of a resolved model, built on first use."""

    def __init__(
        self,
        *,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        # Per phase: connecting, and then between two reads (or writes) of a request.
        self.timeout = httpx2.Timeout(read_timeout, connect=connect_timeout)
        self._endpoints: dict[tuple[str, str, str | None, str | None], ProviderEndpoint] = {}

    def get(self, model: ResolvedModel) -> ProviderEndpoint:
        cache_key = (model.kind, model.base_url, model.api_key, model.api_version)
        endpoint = self._endpoints.get(cache_key)
        if endpoint is None:
            endpoint = ProviderEndpoint(
                base_url=model.base_url,
                key=model.api_key,
                kind=model.kind,
                api_version=model.api_version,
                timeout=self.timeout,
            )
            self._endpoints[cache_key] = endpoint
        return endpoint

    async def aclose(self) -> None:
        endpoints, self._endpoints = list(self._endpoints.values()), {}
        for endpoint in endpoints:
            await endpoint.aclose()
