"""One ``openai`` client (and its connection pool) per provider endpoint and key.

Clients make no silent retries (the openai client would otherwise sleep up to
a minute on a 429's Retry-After before failing: errors surface at once, with
a retry button), follow no redirects (a provider's key must not follow a
redirect to another host), and send OpenAI's organization and project headers
to OpenAI only.
"""

from __future__ import annotations

import random
from typing import Any

import openai
from openai import AsyncOpenAI, omit

from kitdesk.providers.resolver import ResolvedModel
from kitdesk.providers.timeouts import CONNECT_TIMEOUT_SECONDS, MAX_RETRIES, READ_TIMEOUT_SECONDS

# Local servers (Ollama, LM Studio, llama.cpp) want no key, but the openai
# client insists on one; this placeholder is what they receive.
NO_KEY_PLACEHOLDER = "no-key"


class ProviderClient(AsyncOpenAI):
    """The openai client, with an idempotency key that costs no system call.

    The client draws each request's key from ``uuid.uuid4()``, i.e. ``os.urandom``,
    which releases the GIL: with the store's threads busy at the start of a turn,
    getting it back cost the event loop up to milliseconds before the provider
    request was sent (py-spy, tests/bench/bench_relay.py). The key only pairs a
    request with its own retries (Kitdesk makes none), so it need not be secret.
    """

    def _idempotency_key(self) -> str:
        return f"stainless-python-retry-{random.getrandbits(128):032x}"


class ClientCache:
    """One AsyncOpenAI client (and its connection pool) per provider endpoint and key."""

    def __init__(
        self,
        *,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.timeout = openai.Timeout(read_timeout, connect=connect_timeout)
        self.max_retries = max_retries
        self._clients: dict[tuple[str, str, str | None], AsyncOpenAI] = {}

    def get(self, model: ResolvedModel) -> AsyncOpenAI:
        key = model.api_key or NO_KEY_PLACEHOLDER
        cache_key = (model.base_url, key, model.api_version)
        client = self._clients.get(cache_key)
        if client is None:
            headers: dict[str, str] = {}
            query: dict[str, object] = {}
            if model.kind == "azure":
                # Azure OpenAI's v1 endpoint takes the key as "api-key" and, for
                # preview features, an api-version query parameter.
                headers["api-key"] = key
            if model.api_version:
                query["api-version"] = model.api_version
            default_headers: dict[str, Any] = dict(headers)
            if model.kind != "openai":
                # The openai client adds OPENAI_ORG_ID / OPENAI_PROJECT_ID from the
                # environment to every request: they are OpenAI's, for OpenAI only.
                default_headers["OpenAI-Organization"] = omit
                default_headers["OpenAI-Project"] = omit
            client = ProviderClient(
                base_url=model.base_url,
                api_key=key,
                timeout=self.timeout,
                max_retries=self.max_retries,
                default_headers=default_headers or None,
                default_query=query or None,
                # A key header must not follow a redirect to another host.
                http_client=openai.DefaultAsyncHttpxClient(follow_redirects=False),
            )
            self._clients[cache_key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()
