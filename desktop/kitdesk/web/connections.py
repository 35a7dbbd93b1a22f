"""Limits on connections, enforced before a request exists.

uvicorn bounds neither how long a request's head may take to arrive nor how
many connections stay open: measured here, 80 connections that each sent
half a request line were all accepted and held for good, and a 2 MB header
was buffered without complaint (its ``h11_max_incomplete_event_size`` only
applies to the h11 parser; httptools is the one uvicorn picks). Its
``limit_concurrency`` answers 503 only once a request's head is complete,
which a half-open connection never is.

``guarded_protocol`` returns uvicorn's httptools protocol with three limits
added, each answered with a JSON sentence and a closed connection:

- the head (request line and headers) must arrive within ``head_timeout``
  seconds of the connection opening or of the request's first byte (408);
- the head may take at most ``max_head_bytes`` (431);
- at most ``max_connections`` connections are open at once; one more is
  answered and closed at once (503).

A request body is not timed here: bodies are capped as they stream (limits.py).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

HEAD_TIMEOUT_MESSAGE = "The request's headers did not arrive in time."
HEAD_TOO_LARGE_MESSAGE = "The request's headers are too large."
TOO_MANY_CONNECTIONS_MESSAGE = (
    "Kitdesk has too many connections open at once. Try again in a moment."
)


@dataclass(frozen=True)
class ConnectionLimits:
    # One window makes a handful of connections; 64 leaves room for streams.
    max_connections: int = 64
    head_timeout: float = 10.0
    max_head_bytes: int = 64 * 1024
    keep_alive: int = 5


def refusal(status: int, reason: str, code: str, message: str) -> bytes:
    """A whole HTTP/1.1 response with the server's JSON error shape; closes the connection."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def guarded_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with ``limits`` on heads and connections."""

    class GuardedHttpProtocol(HttpToolsProtocol):
        def __init__(
            self,
            config: Config,
            server_state: ServerState,
            app_state: dict[str, object],
            _loop: asyncio.AbstractEventLoop | None = None,
        ) -> None:
            super().__init__(config, server_state, app_state, _loop)
            self._head_timer: asyncio.TimerHandle | None = None
            self._awaiting_head = True
            self._head_bytes = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections:
                self._refuse(
                    refusal(
                        503,
                        "Service Unavailable",
                        "too_many_connections",
                        TOO_MANY_CONNECTIONS_MESSAGE,
                    )
                )
                return
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._awaiting_head and not self.transport.is_closing():
                self._head_bytes += len(data)
                if self._head_bytes > limits.max_head_bytes:
                    self._refuse(
                        refusal(
                            431,
                            "Request Header Fields Too Large",
                            "headers_too_large",
                            HEAD_TOO_LARGE_MESSAGE,
                        )
                    )

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._awaiting_head = True
            self._head_bytes = 0
            self._arm_head_timer()

        def on_headers_complete(self) -> None:
            self._awaiting_head = False
            self._cancel_head_timer()
            super().on_headers_complete()

        def _arm_head_timer(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(limits.head_timeout, self._head_too_slow)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self._awaiting_head:
                self._refuse(
                    refusal(408, "Request Timeout", "request_timeout", HEAD_TIMEOUT_MESSAGE)
                )

        def _refuse(self, response: bytes) -> None:
            self._cancel_head_timer()
            if not self.transport.is_closing():
                self.transport.write(response)
                self.transport.close()

    return GuardedHttpProtocol
