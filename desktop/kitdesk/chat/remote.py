"""Talking to a ChatKit server that is a provider (kind ``chatkit``): the HTTP side.

Kitdesk's own ``/chatkit`` relays requests for such a server's conversations to
it (``web/routes/chatkit_proxy.py`` decides which). This module sends them:
one connection pool for every server, kept for the life of the app, redirects
off, timeouts on connecting and between bytes, and the provider's secret request
headers read from the keyring. Streamed answers are relayed by
``chat/remote_stream.py``; every failure becomes a sentence
(``chat/remote_failures.py``). Nothing here knows about FastAPI or the store.

A relayed turn is on the path of every word the person waits for, so requests go
through a lean HTTP/1.1 client (``chat/remote_http.py``): httpx's client layer and
its transport's stack cost more CPU than the rest of the exchange. httpx still
names the failures and keeps the cookie jar, touched only when a server sets a
cookie. The body is sent as the window sent it whenever Kitdesk changes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from kitdesk.chat.remote_failures import (
    RemoteFailure,
    failure,
    refusal,
    transport_failure,
)
from kitdesk.chat.remote_http import UpstreamPool, UpstreamResponse
from kitdesk.chat.remote_stream import RemoteStream
from kitdesk.keys import KeyStore
from kitdesk.settings import Provider

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
# The longest silence accepted between two bytes of an answer (an agent may
# think or call tools for a while before its next event).
READ_TIMEOUT = 120.0
# Sent with every request, over the provider's own headers of the same names.
REQUEST_HEADERS = {
    "accept": "text/event-stream, application/json",
    "content-type": "application/json",
}


@dataclass(frozen=True)
class RemoteEndpoint:
    provider_id: str
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # secrets: never logged


def endpoint_for(provider: Provider, keys: KeyStore) -> RemoteEndpoint:
    """The server's URL and request headers (values from the keyring; a D-Bus call unless
    remembered, so run this off the event loop). A header without a stored value is not
    sent."""
    headers: dict[str, str] = {}
    for name in provider.headers:
        value = keys.get_header(provider.id, name)
        if value is not None:
            headers[name] = value
    return RemoteEndpoint(provider.id, provider.name, provider.base_url, headers)


def remembered_endpoint(provider: Provider, keys: KeyStore) -> RemoteEndpoint | None:
    """``endpoint_for`` from the key store's memory alone; None when a value would need
    the keyring (so the caller reads it off the event loop)."""
    headers: dict[str, str] = {}
    for name in provider.headers:
        value = keys.remembered_header(provider.id, name)
        if value is None:
            return None
        headers[name] = value
    return RemoteEndpoint(provider.id, provider.name, provider.base_url, headers)


@functools.lru_cache(maxsize=64)
def _parsed_url(url: str) -> httpx.URL:
    return httpx.URL(url)


def _headers(endpoint: RemoteEndpoint) -> list[tuple[str, str]]:
    """The request's headers: the provider's, then Kitdesk's over any of the same name
    (whatever their case)."""
    ours = {name.lower() for name in REQUEST_HEADERS}
    head = [("User-Agent", "Kitdesk")] if "user-agent" not in _lower(endpoint.headers) else []
    head += [(n, v) for n, v in endpoint.headers.items() if n.lower() not in ours]
    head += list(REQUEST_HEADERS.items())
    return head


def _lower(headers: dict[str, str]) -> set[str]:
    return {name.lower() for name in headers}


def request_timeout() -> httpx.Timeout:
    return httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


class RemoteChatKit:
    """Sends ChatKit requests to remote servers over one pool of keep-alive connections."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool = UpstreamPool()
        self._cookies = httpx.Cookies()

    def _current_pool(self) -> UpstreamPool:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # connections belong to the loop that made them
            self._loop, self._pool = loop, UpstreamPool()
        return self._pool

    async def aclose(self) -> None:
        pool, self._pool, self._loop = self._pool, UpstreamPool(), None
        await pool.aclose()

    async def _send(
        self, endpoint: RemoteEndpoint, content: bytes, limits: httpx.Timeout
    ) -> UpstreamResponse:
        """The server's response, its headers read and its body not yet; or RemoteFailure."""
        url = _parsed_url(endpoint.url)
        head = _headers(endpoint)
        request: httpx.Request | None = None
        if self._cookies:
            request = httpx.Request("POST", url)
            self._cookies.set_cookie_header(request)
            cookie = request.headers.get("cookie")
            if cookie:
                head.append(("Cookie", cookie))
        try:
            response = await self._current_pool().post(url, head, content, limits)
        except httpx.HTTPError as exc:
            raise transport_failure(endpoint, exc, limits) from None
        if "set-cookie" in response.headers:
            self._cookies.extract_cookies(
                httpx.Response(
                    response.status_code,
                    headers=response.headers,
                    request=request or httpx.Request("POST", url),
                )
            )
        return response

    async def call(self, endpoint: RemoteEndpoint, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming request: the server's decoded JSON object, or RemoteFailure."""
        timeout = request_timeout()
        response = await self._send(endpoint, json.dumps(body).encode(), timeout)
        try:
            content = await response.aread()
        except httpx.HTTPError as exc:
            raise transport_failure(endpoint, exc, timeout) from None
        finally:
            await response.aclose()
        if response.status_code != 200:
            raise refusal(endpoint, response.status_code)
        try:
            answer = json.loads(content)
        except ValueError:
            raise failure("not_chatkit", endpoint) from None
        if not isinstance(answer, dict):
            raise failure("not_chatkit", endpoint)
        return answer

    async def open_stream(self, endpoint: RemoteEndpoint, content: bytes) -> RemoteStream:
        """Send a streaming request (``content``: its JSON body); once the response
        headers are in, the stream of frames.

        Raises RemoteFailure when the server cannot be reached or refuses."""
        timeout = request_timeout()
        response = await self._send(endpoint, content, timeout)
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200 or not content_type.startswith("text/event-stream"):
            await response.aclose()
            raise (
                refusal(endpoint, response.status_code)
                if response.status_code != 200
                else failure("not_chatkit", endpoint)
            )
        return RemoteStream(endpoint, response, timeout)


async def check_chatkit_server(
    provider: Provider,
    keys: KeyStore,
    *,
    limit_seconds: float,
    headers: dict[str, str] | None = None,
) -> tuple[bool, str]:
    """Settings' connection test: does the endpoint answer ``threads.list`` as ChatKit does?

    ``headers`` (a form not saved yet) are sent over the stored values of the same names."""
    endpoint = await asyncio.to_thread(endpoint_for, provider, keys)
    if headers:
        endpoint.headers.update(headers)
    remote = RemoteChatKit()
    try:
        answer = await asyncio.wait_for(
            remote.call(endpoint, {"type": "threads.list", "params": {"limit": 1}}), limit_seconds
        )
    except RemoteFailure as exc:
        return False, str(exc)
    except TimeoutError:
        return False, f"No answer from {provider.base_url} within {limit_seconds:g} seconds."
    finally:
        await remote.aclose()
    if not isinstance(answer.get("data"), list):
        return False, str(failure("not_chatkit", endpoint))
    return True, "Connected: the ChatKit server answers"
