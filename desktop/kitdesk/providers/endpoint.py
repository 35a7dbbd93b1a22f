"""One model provider's endpoint and key: the requests Kitdesk sends it, on ``httpx2``.

Why not the ``openai`` client: the relay reads a provider's body as raw bytes
(``chat/sse.py``) and sends bodies already in wire form, so the client only
built requests and named failures, yet importing it and building one cost the
server about 20 MB on its first turn (12.5 MB of modules, 7 MB of client and
resources: most of what a thousand turns may add) and, per request, a pydantic
options copy and a header merge. ``httpx2`` is the HTTP library the ``openai``
client itself runs on, so TLS trusts the same certificates.

What a provider acts on is sent as the client sent it: the key as a bearer
token (and as ``api-key`` for Azure), JSON content type and accept,
``api-version`` as a query parameter, and OpenAI's organisation and project
from ``OPENAI_ORG_ID`` / ``OPENAI_PROJECT_ID`` to OpenAI only (they are OpenAI
account ids). The client's ``X-Stainless-*`` telemetry headers are not sent.

No retries (errors surface at once, with a retry button) and no redirects (a
key header must not follow a redirect to another host). Failures are
``provider_errors``' types.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx2

from kitdesk import __version__
from kitdesk.providers.provider_errors import (
    ProviderMalformedReply,
    connection_error,
    is_transport_error,
    status_error,
)
from kitdesk.providers.tls import shared_tls_context

USER_AGENT = f"Kitdesk/{__version__}"
# Local servers (Ollama, LM Studio, llama.cpp) want no key; they receive this placeholder,
# as they did from the openai client, which insists on one.
NO_KEY_PLACEHOLDER = "no-key"
# The openai client's pool limits: concurrent turns never queue behind each other.
POOL_LIMITS = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)


def provider_headers(kind: str, key: str) -> dict[str, str]:
    """The headers every request to a provider of ``kind`` carries (JSON ones add their
    content type, ``RequestTemplate``)."""
    headers = {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {key}",
    }
    if kind == "azure":
        # Azure OpenAI's v1 endpoint takes the key as "api-key".
        headers["api-key"] = key
    if kind == "openai":
        for header, variable in (
            ("OpenAI-Organization", "OPENAI_ORG_ID"),
            ("OpenAI-Project", "OPENAI_PROJECT_ID"),
        ):
            if value := os.environ.get(variable):
                headers[header] = value
    return headers


@dataclass(frozen=True)
class RequestTemplate:
    """What every request to one path shares: all but the body, parsed once."""

    url: httpx2.URL
    headers: httpx2.Headers


class ProviderEndpoint:
    """One base URL and key, with its own connection pool."""

    def __init__(
        self,
        *,
        base_url: str,
        key: str | None,
        kind: str,
        api_version: str | None,
        timeout: httpx2.Timeout,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._query = {"api-version": api_version} if api_version else {}
        # The client's own defaults (Accept-Encoding, Connection) stay, as with the
        # openai client; ours replace its Accept and User-Agent.
        self.http = httpx2.AsyncClient(
            headers=provider_headers(kind, key or NO_KEY_PLACEHOLDER),
            follow_redirects=False,
            timeout=timeout,
            limits=POOL_LIMITS,
            verify=shared_tls_context(),
        )
        self._templates: dict[str, RequestTemplate] = {}

    def _template(self, path: str) -> RequestTemplate:
        template = self._templates.get(path)
        if template is None:
            url = httpx2.URL(self.base_url + path)
            if self._query:
                url = url.copy_merge_params(self._query)
            headers = httpx2.Headers(self.http.headers)
            headers["Content-Type"] = "application/json"
            template = RequestTemplate(url, headers)
            self._templates[path] = template
        return template

    def request(
        self, path: str, body: Mapping[str, Any], *, timeout: httpx2.Timeout | None = None
    ) -> httpx2.Request:
        """A POST of ``body`` (already in wire form: sent as is) to ``path``."""
        content = json_body(body)
        template = self._template(path)
        timeout = timeout or self.timeout
        if self.http.cookies:
            # A provider's load balancer set a cookie: the client's own merge sends it back.
            return self.http.build_request(
                "POST", template.url, headers=template.headers, content=content, timeout=timeout
            )
        # Built directly: the client's merge of its defaults into every request is
        # measurable per tool turn, and the template holds all of them already.
        return httpx2.Request(
            "POST",
            template.url,
            headers=template.headers,
            content=content,
            extensions={"timeout": timeout.as_dict()},
        )

    async def send(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` and return the open, successful response (the body unread).

        A non-2xx status raises ``ProviderStatusError`` (its body read); a
        failed connection ``ProviderTimeout`` or ``ProviderConnectionError``.
        """
        try:
            response = await self.http.send(request, stream=True)
        except Exception as exc:
            if is_transport_error(exc):
                raise connection_error(exc) from exc
            raise
        if response.is_success:
            return response
        await _read_whole(response)
        raise status_error(response)

    @asynccontextmanager
    async def stream(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Response]:
        """Send ``request`` (from ``request()``) and yield the open, successful response.

        Built apart so the caller can drop the body's dicts before the answer streams."""
        response = await self.send(request)
        try:
            yield response
        finally:
            await response.aclose()

    async def post_json(
        self, path: str, body: Mapping[str, Any], *, phase_timeout: float | None = None
    ) -> dict[str, Any]:
        """POST ``body`` to ``path`` and return the JSON object the provider answers.

        ``phase_timeout`` replaces the endpoint's for each phase (connect, each read)."""
        timeout = None if phase_timeout is None else httpx2.Timeout(phase_timeout)
        request = self.request(path, body, timeout=timeout)
        return await self._read_json(request)

    async def post_form(
        self, path: str, fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes, str]]
    ) -> dict[str, Any]:
        """POST a multipart form (an upload) to ``path`` and return the JSON answer."""
        request = self.http.build_request(
            "POST", self._template(path).url, data=dict(fields), files=dict(files)
        )
        return await self._read_json(request)

    async def _read_json(self, request: httpx2.Request) -> dict[str, Any]:
        content = await _read_whole(await self.send(request))
        try:
            data = json.loads(content)
        except ValueError:
            raise ProviderMalformedReply("the reply is not JSON") from None
        if not isinstance(data, dict):
            raise ProviderMalformedReply("the reply is not a JSON object")
        return cast(dict[str, Any], data)

    async def aclose(self) -> None:
        await self.http.aclose()


async def _read_whole(response: httpx2.Response) -> bytes:
    """The rest of the response's body, then the response closed; a connection
    lost on the way is the provider's connection error."""
    try:
        return await response.aread()
    except Exception as exc:
        if is_transport_error(exc):
            raise connection_error(exc) from exc
        raise
    finally:
        await response.aclose()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def json_body(body: Mapping[str, Any]) -> bytes:
    """``body`` as compact JSON, the same bytes as one ``json.dumps``.

    Its top-level lists (a history's input items or messages) are encoded an
    element at a time: encoding a 2,000-message body in one call peaked at
    1.9 MB of the encoder's pieces for 0.67 MB of output, this way at 0.71 MB.
    """
    out = io.BytesIO()
    out.write(b"{")
    for index, (key, value) in enumerate(body.items()):
        if index:
            out.write(b",")
        out.write(_json(key) + b":")
        if isinstance(value, list):
            out.write(b"[")
            for position, element in enumerate(cast(list[Any], value)):
                if position:
                    out.write(b",")
                out.write(_json(element))
            out.write(b"]")
        else:
            out.write(_json(value))
    out.write(b"}")
    return out.getvalue()
