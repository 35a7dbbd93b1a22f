"""A lean HTTP/1.1 client for the relay to ChatKit servers: one POST, its answer as it arrives.

Profiled relaying a short answer, httpx's stack (httpcore's state machine, h11's
pure-Python parsing, anyio cancel scopes around every read, a reader task and a
queue) was about 40% of Kitdesk's CPU per turn, much of it before the first word
reached the window. This client does the one thing the relay needs: an
``asyncio.Protocol`` per connection, the response parsed by httptools (the C
parser uvicorn already uses for Kitdesk's own server), keep-alive connections
reused per origin, and everything read by the time the relay asks handed over
in one piece, so a burst of events goes to the window in one write.

It speaks httpx's language where the rest of Kitdesk listens: its failures are
httpx's exceptions (``ConnectTimeout``, ``ConnectError``, ``ReadTimeout``,
``RemoteProtocolError``...), which ``remote_failures.transport_failure`` turns
into sentences, and it takes an ``httpx.Timeout`` (connect; read = the longest
silence between two bytes). Redirects are not followed; a body the server
compresses anyway is decoded with httpx's decoders.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httptools
import httpx

# Reading from the server pauses while this much of its answer waits for the window.
MAX_BUFFERED_BYTES = 4 * 1024 * 1024
# Idle keep-alive connections kept per origin, and for how long (httpx's default:
# servers close idle connections after a few seconds, uvicorn after 5, and one reused
# just as it closes would cost a turn).
MAX_IDLE_PER_ORIGIN = 8
KEEPALIVE_EXPIRY = 5.0
_ILLEGAL = ("\r", "\n", "\0")

Origin = tuple[str, str, int]  # scheme, host, port


class _Connection(asyncio.Protocol):
    """One keep-alive connection; carries one response at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.busy = False
        self.idle_since = 0.0
        self._reset()

    def _reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.error: BaseException | None = None
        self.pieces: list[bytes] = []
        self.buffered = 0
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.read_timeout: float | None = None
        self.last_read = 0.0
        self.timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.busy:  # a server talking on an idle connection: not to be reused
            self.lost = True
            if self.transport is not None:
                self.transport.close()
            return
        self.last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("The server switched protocols."))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"Malformed HTTP response: {exc}"))
        if self.buffered > MAX_BUFFERED_BYTES and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.busy or self.complete or self.error is not None:
            self._wake()
            return
        if self.headers_done and self._ends_at_close():
            self.complete = True  # a body without a length ends when the connection does
            self._wake()
            return
        if isinstance(exc, OSError):
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        elif self.headers_done:
            self._fail(
                httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            )
        else:
            self._fail(httpx.RemoteProtocolError("Server disconnected without sending a response."))

    def pause_writing(self) -> None:  # the request is written at once; nothing to pause
        pass

    def resume_writing(self) -> None:
        pass

    # -- httptools callbacks -------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._informational():  # 100 Continue, 103 Early Hints: the answer follows
            self.raw_headers = []
            return
        self.headers_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.pieces.append(body)
        self.buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        if self._informational():
            return
        self.keep_alive = self.parser.should_keep_alive()
        self.complete = True
        self._stop_timer()
        self._wake()

    # -- the response ---------------------------------------------------------------

    def _informational(self) -> bool:
        return 100 <= self.parser.get_status_code() < 200 and not self.headers_done

    def _ends_at_close(self) -> bool:
        names = {name.lower() for name, _ in self.raw_headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def _fail(self, error: BaseException) -> None:
        if self.error is None:
            self.error = error
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _check_silence(self) -> None:
        # One timer for the whole answer, pushed back when bytes came meanwhile: cheaper
        # than re-arming it on every read.
        self.timer = None
        if self.complete or self.error is not None or self.read_timeout is None:
            return
        quiet = self.loop.time() - self.last_read
        if quiet >= self.read_timeout:
            self._fail(httpx.ReadTimeout("The server sent nothing for too long."))
        else:
            self.timer = self.loop.call_later(self.read_timeout - quiet, self._check_silence)

    def send(self, request: bytes, read_timeout: float | None) -> None:
        self._reset()
        self.busy = True
        self.read_timeout = read_timeout
        self.last_read = self.loop.time()
        if read_timeout is not None:
            self.timer = self.loop.call_later(read_timeout, self._check_silence)
        assert self.transport is not None
        self.transport.write(request)

    async def wait(self) -> None:
        """Until something new arrived, the answer ended or failed."""
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None

    def take(self) -> bytes:
        pieces, self.pieces, self.buffered = self.pieces, [], 0
        if self.paused and self.transport is not None and not self.lost:
            self.paused = False
            self.transport.resume_reading()
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def close(self) -> None:
        self.lost = True
        self._stop_timer()
        if self.transport is not None:
            self.transport.close()


class UpstreamResponse:
    """A server's answer: status and headers read, the body as it arrives."""

    def __init__(self, pool: UpstreamPool, origin: Origin, connection: _Connection) -> None:
        self._pool = pool
        self._origin = origin
        self._connection: _Connection | None = connection
        self.status_code = connection.parser.get_status_code()
        self.headers = httpx.Headers(connection.raw_headers)
        self._decoder: Any = None
        encoding = self.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            self._decoder = _decoder(encoding)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives: whatever was read by the time it is asked for, in one
        piece. Raises httpx's exceptions when the connection fails or goes quiet."""
        connection = self._connection
        if connection is None:
            return
        try:
            while True:
                if connection.pieces:
                    data = connection.take()
                    if self._decoder is not None:
                        data = self._decoder.decode(data)
                    if data:
                        yield data
                    continue
                if connection.error is not None:
                    raise connection.error
                if connection.complete:
                    break
                await connection.wait()
            if self._decoder is not None and (tail := self._decoder.flush()):
                yield tail
        finally:
            await self.aclose()

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.busy = False
        connection._stop_timer()
        if connection.complete and connection.keep_alive and not connection.lost:
            self._pool.release(self._origin, connection)
        else:
            connection.close()


def _decoder(encoding: str) -> Any:
    """httpx's decoder for a Content-Encoding (unknown ones pass the bytes as they are)."""
    from httpx._decoders import SUPPORTED_DECODERS, IdentityDecoder, MultiDecoder

    names = [name.strip() for name in encoding.split(",") if name.strip()]
    decoders = [SUPPORTED_DECODERS.get(name, IdentityDecoder)() for name in names]
    if len(decoders) == 1:
        return decoders[0]
    return MultiDecoder(children=decoders)


class UpstreamPool:
    """Keep-alive connections to ChatKit servers, for one event loop."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    def release(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= MAX_IDLE_PER_ORIGIN:
            connection.close()
        else:
            connection.idle_since = connection.loop.time()
            idle.append(connection)

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle = {}

    def _tls_context(self) -> ssl.SSLContext:
        # Loading the CA certificates costs ~150 ms: only once, and only for https.
        tls = self._tls
        if tls is None:
            tls = self._tls = httpx.create_ssl_context()
        return tls

    async def _connect(self, origin: Origin, connect_timeout: float | None) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = self._tls_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop),
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("Connecting timed out.") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
        return connection

    async def post(
        self,
        url: httpx.URL,
        head: list[tuple[str, str]],
        content: bytes,
        limits: httpx.Timeout,
    ) -> UpstreamResponse:
        """Send a POST (``head``: its headers, Host and Content-Length added here); return
        once the response's headers are in."""
        origin: Origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        request = _request_bytes(url, head, content)
        idle = self._idle.get(origin)
        connection = None
        while idle:
            candidate = idle.pop()
            fresh = candidate.loop.time() - candidate.idle_since < KEEPALIVE_EXPIRY
            if fresh and not candidate.lost and not candidate.transport.is_closing():  # type: ignore[union-attr]
                connection = candidate
                break
            candidate.close()
        if connection is None:
            connection = await self._connect(origin, limits.connect)
        connection.send(request, limits.read)
        try:
            while not connection.headers_done:
                if connection.error is not None:
                    raise connection.error
                await connection.wait()
        except BaseException:
            connection.close()
            raise
        return UpstreamResponse(self, origin, connection)


def _request_bytes(url: httpx.URL, head: list[tuple[str, str]], content: bytes) -> bytes:
    lines = [f"POST {url.raw_path.decode('ascii')} HTTP/1.1", f"Host: {url.netloc.decode('ascii')}"]
    for name, value in head:
        if any(c in name or c in value for c in _ILLEGAL) or ":" in name:
            raise httpx.LocalProtocolError(f"Illegal header: {name!r}")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(content)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + content
