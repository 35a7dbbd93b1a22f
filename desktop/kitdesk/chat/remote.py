"""Talking to a ChatKit server that is a provider (kind ``chatkit``): the HTTP side.

Kitdesk's own ``/chatkit`` relays requests for such a server's conversations to
it (``web/routes/chatkit_proxy.py`` decides which). This module sends them:
one connection pool for every server, kept for the life of the app, redirects
off, timeouts on connecting and between bytes, and the provider's secret request
headers read from the keyring. Streamed answers are relayed by
``chat/remote_stream.py``; every failure becomes a sentence
(``chat/remote_failures.py``). Nothing here knows about FastAPI or the store.

A relayed turn is on the path of every word the person waits for, so the request
goes to the pool's transport directly: httpx's client layer (redirect and auth
hooks, a cookie jar consulted on every request) cost more CPU than the rest of
the exchange. The cookie jar is kept, but only touched when a server sets a
cookie. The body is sent as the window sent it whenever Kitdesk changes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx

from kitdesk.chat.remote_failures import (
    RemoteFailure,
    not_chatkit,
    refusal,
    transport_failure,
)
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


def _headers(endpoint: RemoteEndpoint) -> httpx.Headers:
    headers = httpx.Headers({"user-agent": "Kitdesk"})
    headers.update(endpoint.headers)  # names match whatever their case
    headers.update(REQUEST_HEADERS)
    return headers


def request_timeout() -> httpx.Timeout:
    return httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


class RemoteChatKit:
    """Sends ChatKit requests to remote servers over one connection pool."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pools: dict[str, httpx.AsyncHTTPTransport] = {}  # by URL scheme
        self._cookies = httpx.Cookies()

    def _transport(self, scheme: str) -> httpx.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._pools = loop, {}
        transport = self._pools.get(scheme)
        if transport is None:
            # Loading the CA certificates costs ~150 ms, which the first turn would wait
            # for: only https needs them. The plain pool's context has none, so it could
            # never accept a certificate.
            verify: ssl.SSLContext | bool = (
                True if scheme == "https" else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            )
            # TCP_NODELAY: httpx writes a request's headers and body in two sends, and
            # Nagle's algorithm would hold the body for the server's delayed ACK (~40 ms).
            transport = httpx.AsyncHTTPTransport(
                verify=verify, socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            )
            self._pools[scheme] = transport
        return transport

    async def aclose(self) -> None:
        pools, self._pools, self._loop = self._pools, {}, None
        for transport in pools.values():
            await transport.aclose()

    async def _send(
        self, endpoint: RemoteEndpoint, content: bytes, limits: httpx.Timeout
    ) -> httpx.Response:
        """The server's response, its headers read and its body not yet; or RemoteFailure."""
        url = _parsed_url(endpoint.url)
        request = httpx.Request(
            "POST",
            url,
            content=content,
            headers=_headers(endpoint),
            extensions={"timeout": limits.as_dict()},
        )
        if self._cookies:
            self._cookies.set_cookie_header(request)
        try:
            response = await self._transport(url.scheme).handle_async_request(request)
        except httpx.HTTPError as exc:
            raise transport_failure(endpoint, exc, limits) from None
        response.request = request
        if "set-cookie" in response.headers:
            self._cookies.extract_cookies(response)
        return response

    async def call(self, endpoint: RemoteEndpoint, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming request: the server's decoded JSON object, or RemoteFailure."""
        timeout = request_timeout()
        response = await self._send(endpoint, json.dumps(body).encode(), timeout)
        try:
            await response.aread()
        except httpx.HTTPError as exc:
            raise transport_failure(endpoint, exc, timeout) from None
        finally:
            await response.aclose()
        if response.status_code != 200:
            raise refusal(endpoint, response.status_code)
        try:
            answer = response.json()
        except ValueError:
            raise not_chatkit(endpoint) from None
        if not isinstance(answer, dict):
            raise not_chatkit(endpoint)
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
                else not_chatkit(endpoint)
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
        return False, str(not_chatkit(endpoint))
    return True, "Connected: the ChatKit server answers"
