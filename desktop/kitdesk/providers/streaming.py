"""Sending a streamed model request through the openai client's own HTTP client, lean.

Why: the relay reads a provider's body as raw bytes (``chat/sse.py``), so the
openai client's typed machinery only built the request and wrapped the
response, yet that was most of the client's cost on every model request: a
pydantic ``FinalRequestOptions`` copied twice, the headers merged, validated
and normalised, the URL and query re-derived, the response wrapped twice.
Measured on the MCP tool-turn bench (``tests/bench/bench_mcp.py``), where each
tool turn makes two model requests.

What stays the client's: the ``httpx`` client and its connection pool, the
timeouts, and the request itself: the first request of each path is built by
the client's own ``_build_request`` (URL with base URL and default query such
as Azure's api-version, auth and default headers with omitted ones removed),
and later requests reuse that URL and those headers with a new body. A status
error is built by the client's own ``_make_status_error_from_response``, so
``upstream_errors.py`` sees the same typed ``openai`` exceptions as before;
transport failures become ``APITimeoutError`` / ``APIConnectionError`` as the
client names them. The clients make no retries (``timeouts.MAX_RETRIES``), so
no retry logic is lost.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
from openai import AsyncOpenAI
from openai._models import FinalRequestOptions

from kitdesk.chat.sse import as_connection_error

# Transport packages whose exceptions mean "the request could not be made".
TRANSPORT_MODULES = ("httpx", "httpx2", "httpcore", "httpcore2")


@dataclass(frozen=True)
class RequestTemplate:
    """What every request to one path of one client shares: all but the body."""

    url: str
    headers: list[tuple[str, str]]
    # The same, parsed once: a request built from these skips the HTTP client's
    # merging of its defaults (URL, headers, timeout), which the template already has.
    parsed_url: httpx2.URL
    parsed_headers: httpx2.Headers


_templates: weakref.WeakKeyDictionary[AsyncOpenAI, dict[str, RequestTemplate]] = (
    weakref.WeakKeyDictionary()
)


async def _template(client: AsyncOpenAI, path: str) -> RequestTemplate:
    by_path = _templates.setdefault(client, {})
    template = by_path.get(path)
    if template is None:
        options = FinalRequestOptions.construct(  # pyright: ignore[reportDeprecated]
            method="post",
            url=path,
            json_data={},
            headers={"X-Stainless-Raw-Response": "stream"},
            security={"bearer_auth": True},
        )
        # The platform headers are looked up once (blocking calls, then cached
        # by the client): off the loop. The request is built on the loop, as
        # the client names the async library it runs under in a header.
        await asyncio.to_thread(client.platform_headers)
        request = client._build_request(options)  # pyright: ignore[reportPrivateUsage]
        headers = [
            (name, value)
            for name, value in request.headers.multi_items()
            if name.lower() != "content-length"
        ]
        template = RequestTemplate(
            url=str(request.url),
            headers=headers,
            parsed_url=httpx2.URL(str(request.url)),
            parsed_headers=httpx2.Headers(headers),
        )
        by_path[path] = template
    return template


def _build(
    http: httpx2.AsyncClient, template: RequestTemplate, body: bytes, timeout: Any
) -> httpx2.Request:
    """The request the client's ``build_request`` would make, without re-merging what the
    template holds; with cookies or query defaults on the client, its own merge."""
    if http.cookies or http.params:
        return http.build_request(
            "POST", template.url, headers=template.headers, content=body, timeout=timeout
        )
    return httpx2.Request(
        "POST",
        template.parsed_url,
        headers=template.parsed_headers,
        content=body,
        extensions={"timeout": httpx2.Timeout(timeout).as_dict()},
    )


def _is_transport_error(exc: BaseException) -> bool:
    if isinstance(exc, ssl.SSLError | anyio.EndOfStream):
        return True
    return type(exc).__module__.split(".", 1)[0] in TRANSPORT_MODULES


@asynccontextmanager
async def post_streaming(
    client: AsyncOpenAI, path: str, body: dict[str, Any]
) -> AsyncIterator[Any]:
    """POST ``body`` to ``path`` and yield the open, successful ``httpx`` response.

    A non-2xx status raises the client's own ``APIStatusError`` subclass; a
    failed connection ``APITimeoutError`` or ``APIConnectionError``.
    """
    template = await _template(client, path)
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    http = client._client  # pyright: ignore[reportPrivateUsage]
    request = _build(http, template, content.encode(), client.timeout)
    try:
        response = await http.send(request, stream=True)
    except Exception as exc:
        if _is_transport_error(exc):
            raise as_connection_error(exc, request) from exc
        raise
    try:
        if not response.is_success:
            try:
                await response.aread()
            except Exception as exc:
                if _is_transport_error(exc):
                    raise as_connection_error(exc, request) from exc
                raise
            raise client._make_status_error_from_response(response)  # pyright: ignore[reportPrivateUsage]
        yield response
    finally:
        await response.aclose()
