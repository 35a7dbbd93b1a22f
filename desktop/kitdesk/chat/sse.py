"""Reading a provider's streamed body: raw bytes -> complete SSE ``data`` payloads.

Every socket read returns whatever arrived, often many events; the payloads
of one read are handed on together so the relay can merge their deltas.
Transport failures while reading become ``ProviderTimeout`` /
``ProviderConnectionError`` (``providers/provider_errors.py``), as when sending,
so every provider failure is described by one module (``upstream_errors.py``).

An event has a size cap: a provider that sends a line with no end (a broken
proxy, a hostile server) would otherwise grow the buffer until memory ran
out. The largest real event, the Responses API's ``response.completed`` that
repeats a whole answer, stays far below it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2

from kitdesk.providers.provider_errors import ProviderError, connection_error, is_transport_error


class ProviderStreamError(Exception):
    """The provider reported an error inside the stream (``response.failed``, ``error``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.provider_message = message


class StreamEndedEarly(Exception):
    """The body ended before the provider said the answer was complete."""


# One event (all its lines) may take this much; past it the stream is refused.
MAX_EVENT_BYTES = 16 * 1024 * 1024


class ProviderEventTooLarge(Exception):
    """One SSE event grew past ``MAX_EVENT_BYTES`` without ending."""


class SSEDecoder:
    """Incremental SSE parsing: bytes in, the ``data`` payloads of complete events out.

    The unfinished tail is kept in a ``bytearray`` and only the new bytes are
    searched for an event's end, so an event arriving in many reads costs
    linear time, not quadratic.
    """

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._buffer = bytearray()
        self._max_event_bytes = max_event_bytes

    def feed(self, chunk: bytes) -> list[bytes]:
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        searched_from = max(0, len(self._buffer) - 1)  # "\n\n" may straddle the reads
        self._buffer += chunk
        if self._buffer.find(b"\n\n", searched_from) < 0:
            if len(self._buffer) > self._max_event_bytes:
                raise ProviderEventTooLarge
            return []
        *events, rest = bytes(self._buffer).split(b"\n\n")
        self._buffer = bytearray(rest)
        payloads: list[bytes] = []
        for event in events:
            data: list[bytes] = []
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    value = line[5:]
                    data.append(value[1:] if value.startswith(b" ") else value)
            if data:
                payloads.append(b"\n".join(data))
        if len(self._buffer) > self._max_event_bytes:
            raise ProviderEventTooLarge
        return payloads


async def read_payloads(response: httpx2.Response) -> AsyncIterator[list[bytes]]:
    """Complete SSE payloads of an open ``httpx2`` response, grouped by socket read."""
    decoder = SSEDecoder()
    try:
        async for chunk in response.aiter_bytes():
            payloads = decoder.feed(chunk)
            if payloads:
                yield payloads
    except ProviderError:
        raise
    except Exception as exc:
        if is_transport_error(exc):
            raise connection_error(exc) from exc
        raise
