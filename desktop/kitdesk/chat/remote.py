"""Talking to a ChatKit server that is a provider (kind ``chatkit``): the HTTP side.

Kitdesk's own ``/chatkit`` relays requests for such a server's conversations to
it (``web/routes/chatkit_proxy.py`` decides which). This module sends them:
one shared httpx pool, redirects off, timeouts on connecting and between
bytes, and the provider's secret request headers read from the keyring.

Streams pass through frame by frame, as they arrive: a frame is forwarded the
moment its closing blank line is read, never held for the rest. Each frame is
checked to be a JSON object with a ``type`` (cheap: one ``json.loads``), so a
server that sends garbage gets a readable ``error`` event instead of breaking
the page. Every failure becomes one sentence naming the server and what to do,
as a model provider's failures do (``chat/upstream_errors.py``): refused (an
HTTP error status), no answer (connect or read timeout), malformed events,
dropped stream. Nothing here knows about FastAPI or the store.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from chatkit.types import ErrorEvent

from kitdesk.chat.image_links import ImageLinks
from kitdesk.keys import KeyStore
from kitdesk.settings import Provider

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
# The longest silence accepted between two bytes of an answer (an agent may
# think or call tools for a while before its next event).
READ_TIMEOUT = 120.0
MAX_ERROR_BODY_BYTES = 64 * 1024
MAX_FRAME_BYTES = 16 * 1024 * 1024
# The stream events that change what a thread holds: the mirror replays them.
MIRRORED_EVENTS = frozenset(
    {
        "thread.created",
        "thread.updated",
        "thread.item.done",
        "thread.item.replaced",
        "thread.item.removed",
    }
)


class RemoteFailure(Exception):
    """A ChatKit server could not answer; ``str()`` is the sentence for a person."""

    def __init__(self, message: str, *, status: int, code: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.status = status  # for a JSON answer to a non-streaming request
        self.code = code
        self.unreachable = unreachable  # nothing answered: offline reading applies


@dataclass(frozen=True)
class RemoteEndpoint:
    provider_id: str
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # secrets: never logged


def endpoint_for(provider: Provider, keys: KeyStore) -> RemoteEndpoint:
    """The server's URL and request headers (values from the keyring; a D-Bus call, so
    run this off the event loop). A header without a stored value is not sent."""
    headers: dict[str, str] = {}
    for name in provider.headers:
        value = keys.get_header(provider.id, name)
        if value is not None:
            headers[name] = value
    return RemoteEndpoint(provider.id, provider.name, provider.base_url, headers)


def error_frame(message: str, *, allow_retry: bool) -> bytes:
    event = ErrorEvent(code="custom", message=message, allow_retry=allow_retry)
    return b"data: " + event.model_dump_json().encode() + b"\n\n"


def _refusal(endpoint: RemoteEndpoint, response: httpx.Response) -> RemoteFailure:
    status = response.status_code
    name = f"The ChatKit server “{endpoint.name}”"
    if 300 <= status < 400:
        return RemoteFailure(
            f"{name} answered with a redirect (HTTP {status}). Kitdesk does not follow "
            f"redirects: put the final address in Settings instead of {endpoint.url}.",
            status=502,
            code="remote_redirect",
        )
    if status in (401, 403):
        return RemoteFailure(
            f"{name} refused the request (HTTP {status}). Check its request headers in Settings.",
            status=502,
            code="remote_refused",
        )
    if status == 404:
        return RemoteFailure(
            f"{name} answered “not found” (HTTP 404). The conversation may have been deleted "
            f"there, or {endpoint.url} is not its ChatKit endpoint.",
            status=404,
            code="remote_not_found",
        )
    if status == 429:
        return RemoteFailure(
            f"{name} is rate limiting requests (HTTP 429). Try again in a moment.",
            status=502,
            code="remote_rate_limited",
        )
    if status >= 500:
        return RemoteFailure(
            f"{name} is unavailable or failed (HTTP {status}). Try again later.",
            status=502,
            code="remote_unavailable",
        )
    return RemoteFailure(
        f"{name} could not do that (HTTP {status}).", status=502, code="remote_refused"
    )


def _transport_failure(endpoint: RemoteEndpoint, exc: Exception) -> RemoteFailure:
    name = f"The ChatKit server “{endpoint.name}”"
    if isinstance(exc, httpx.ConnectTimeout):
        return RemoteFailure(
            f"{name} did not answer within {CONNECT_TIMEOUT:g} seconds. Is it running at "
            f"{endpoint.url}?",
            status=504,
            code="remote_timeout",
            unreachable=True,
        )
    if isinstance(exc, httpx.TimeoutException):
        return RemoteFailure(
            f"{name} stopped answering for {READ_TIMEOUT:g} seconds. Try again later.",
            status=504,
            code="remote_timeout",
        )
    if isinstance(exc, httpx.ConnectError):
        return RemoteFailure(
            f"Could not connect to the ChatKit server “{endpoint.name}” at {endpoint.url}. "
            "Is it running?",
            status=502,
            code="remote_unreachable",
            unreachable=True,
        )
    return RemoteFailure(
        f"The connection to the ChatKit server “{endpoint.name}” dropped. Try again.",
        status=502,
        code="remote_dropped",
    )


def _not_chatkit(endpoint: RemoteEndpoint) -> RemoteFailure:
    return RemoteFailure(
        f"The server at {endpoint.url} did not answer like a ChatKit server. "
        "Check the provider's base URL: it is the server's ChatKit endpoint.",
        status=502,
        code="remote_malformed",
    )


class RemoteChatKit:
    """Sends ChatKit requests to remote servers over one connection pool."""

    def __init__(self) -> None:
        self._http: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http[0] is not loop or self._http[1].is_closed:
            timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
            # TCP_NODELAY: httpx writes a request's headers and body in two sends, and
            # Nagle's algorithm would hold the body for the server's delayed ACK (~40 ms).
            transport = httpx.AsyncHTTPTransport(
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            )
            client = httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
            )
            self._http = (loop, client)
        return self._http[1]

    async def aclose(self) -> None:
        if self._http is not None:
            _loop, client = self._http
            self._http = None
            await client.aclose()

    def _request(self, endpoint: RemoteEndpoint, body: dict[str, Any]) -> httpx.Request:
        headers = {**endpoint.headers, "accept": "text/event-stream, application/json"}
        timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
        return self._client().build_request(
            "POST",
            endpoint.url,
            content=json.dumps(body).encode(),
            headers={**headers, "content-type": "application/json"},
            extensions={"timeout": timeout.as_dict()},
        )

    async def call(self, endpoint: RemoteEndpoint, body: dict[str, Any]) -> dict[str, Any]:
        """A non-streaming request: the server's decoded JSON object, or RemoteFailure."""
        try:
            response = await self._client().send(self._request(endpoint, body))
        except httpx.HTTPError as exc:
            raise _transport_failure(endpoint, exc) from None
        if response.status_code != 200:
            raise _refusal(endpoint, response)
        try:
            answer = response.json()
        except ValueError:
            raise _not_chatkit(endpoint) from None
        if not isinstance(answer, dict):
            raise _not_chatkit(endpoint)
        return answer

    async def open_stream(self, endpoint: RemoteEndpoint, body: dict[str, Any]) -> RemoteStream:
        """Send a streaming request; once its headers are in, the stream of frames.

        Raises RemoteFailure when the server cannot be reached or refuses."""
        client = self._client()
        try:
            response = await client.send(self._request(endpoint, body), stream=True)
        except httpx.HTTPError as exc:
            raise _transport_failure(endpoint, exc) from None
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200 or not content_type.startswith("text/event-stream"):
            await response.aclose()
            raise (
                _refusal(endpoint, response)
                if response.status_code != 200
                else _not_chatkit(endpoint)
            )
        return RemoteStream(endpoint, response)


class RemoteStream:
    """The frames of one streamed answer, each checked and forwarded as soon as it is whole.

    ``thread_id`` is known once the server's ``thread.created`` has passed; after
    the iteration ends, ``failed`` tells whether it ended with our error event, and
    ``changes`` holds the decoded events that change the stored thread (created,
    updated, item done / replaced / removed), in order, for the mirror."""

    links: ImageLinks | None = None  # set before iterating: image URLs pointed at Kitdesk

    def __init__(self, endpoint: RemoteEndpoint, response: httpx.Response) -> None:
        self.endpoint = endpoint
        self.response = response
        self.thread_id: str | None = None
        self.failed = False
        self.changes: list[dict[str, Any]] = []

    async def frames(self) -> AsyncIterator[bytes]:
        name = f"The ChatKit server “{self.endpoint.name}”"
        buffer = b""
        try:
            async for chunk in self._chunks():
                buffer += chunk
                if b"\r" in buffer:
                    buffer = buffer.replace(b"\r\n", b"\n")
                # Every whole frame of this read goes out at once, in one write.
                ready: list[bytes] = []
                while (end := buffer.find(b"\n\n")) >= 0:
                    frame, buffer = buffer[: end + 2], buffer[end + 2 :]
                    checked = self._check(frame)
                    if checked is None:
                        self.failed = True
                        ready.append(
                            error_frame(
                                f"{name} sent an answer Kitdesk could not read (a malformed "
                                "event). What arrived before it is kept.",
                                allow_retry=True,
                            )
                        )
                        yield b"".join(ready)
                        return
                    ready.append(checked)
                if ready:
                    yield b"".join(ready)
                if len(buffer) > MAX_FRAME_BYTES:
                    self.failed = True
                    yield error_frame(f"{name} sent an event that is too large.", allow_retry=False)
                    return
        except httpx.HTTPError as exc:
            self.failed = True
            failure = _transport_failure(self.endpoint, exc)
            if failure.code == "remote_dropped":
                failure = RemoteFailure(
                    f"The connection to the ChatKit server “{self.endpoint.name}” dropped "
                    "mid-answer. What arrived is kept; try again.",
                    status=502,
                    code="remote_dropped",
                )
            yield error_frame(str(failure), allow_retry=True)
            return
        finally:
            await self.response.aclose()
        if buffer.strip():
            self.failed = True
            yield error_frame(
                f"The answer from the ChatKit server “{self.endpoint.name}” ended mid-event. "
                "What arrived is kept; try again.",
                allow_retry=True,
            )

    async def _read(self, queue: asyncio.Queue[bytes | BaseException | None]) -> None:
        try:
            async for chunk in self.response.aiter_bytes():
                await queue.put(chunk)
        except httpx.HTTPError as exc:
            await queue.put(exc)
            return
        await queue.put(None)

    async def _chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, with everything read in one go joined into one piece.

        httpx hands over one piece per HTTP chunk, and servers write one chunk per
        event; forwarding each alone would cost a write per event. A reader task
        queues the pieces; whatever has queued up by the time the relay is ready
        goes on together (nothing waits for more to arrive)."""
        queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(maxsize=4096)
        reader = asyncio.ensure_future(self._read(queue))
        try:
            while True:
                pieces = [await queue.get()]
                while not queue.empty():
                    pieces.append(queue.get_nowait())
                data = b"".join(piece for piece in pieces if isinstance(piece, bytes))
                if data:
                    yield data
                last = pieces[-1]
                if last is None:
                    return
                if isinstance(last, BaseException):
                    raise last
        finally:
            reader.cancel()

    def _check(self, frame: bytes) -> bytes | None:
        """The frame to forward, or None when it is malformed. A frame is comments and
        ``data:`` lines whose JSON is an object with a type; an ``error`` event without
        a message gets one, so the window never shows an empty error."""
        data = [line[5:] for line in frame.split(b"\n") if line.startswith(b"data:")]
        if not data:
            comments = all(not line or line.startswith(b":") for line in frame.split(b"\n"))
            return frame if comments else None
        try:
            event = json.loads(b"\n".join(data))
        except ValueError:
            return None
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return None
        kind = event["type"]
        if kind in MIRRORED_EVENTS:
            self.changes.append(event)
        if kind == "thread.created" and self.thread_id is None:
            thread = event.get("thread")
            if isinstance(thread, dict) and isinstance(thread.get("id"), str):
                self.thread_id = thread["id"]
        elif kind == "error" and not event.get("message"):
            return error_frame(
                f"The ChatKit server “{self.endpoint.name}” failed while answering. Try again.",
                allow_retry=bool(event.get("allow_retry", True)),
            )
        return frame if self.links is None else self.links.rewrite_frame(frame, b"\n".join(data))


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
        return False, str(_not_chatkit(endpoint))
    return True, "Connected: the ChatKit server answers"
