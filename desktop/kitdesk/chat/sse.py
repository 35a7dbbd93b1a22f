"""Reading a provider's streamed body: raw bytes -> complete SSE ``data`` payloads.

Every socket read returns whatever arrived, often many events; the payloads
of one read are handed on together so the relay can merge their deltas.
Transport failures while reading become the ``openai`` client's own error
types, so every provider failure is described by one module
(``upstream_errors.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai


class ProviderStreamError(Exception):
    """The provider reported an error inside the stream (``response.failed``, ``error``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.provider_message = message


class StreamEndedEarly(Exception):
    """The body ended before the provider said the answer was complete."""


class SSEDecoder:
    """Incremental SSE parsing: bytes in, the ``data`` payloads of complete events out."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        buffer = self._buffer + chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *events, self._buffer = buffer.split(b"\n\n")
        payloads: list[bytes] = []
        for event in events:
            data: list[bytes] = []
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    value = line[5:]
                    data.append(value[1:] if value.startswith(b" ") else value)
            if data:
                payloads.append(b"\n".join(data))
        return payloads


def as_connection_error(exc: Exception, request: Any) -> openai.OpenAIError:
    """Transport failures while reading the body, as the openai client would name them."""
    if "timeout" in type(exc).__name__.lower():
        return openai.APITimeoutError(request=request)
    return openai.APIConnectionError(request=request)


async def read_payloads(response: Any) -> AsyncIterator[list[bytes]]:
    """Complete SSE payloads, grouped by socket read."""
    decoder = SSEDecoder()
    try:
        async for chunk in response.iter_bytes():
            payloads = decoder.feed(chunk)
            if payloads:
                yield payloads
    except openai.OpenAIError:
        raise
    except Exception as exc:
        if type(exc).__module__.split(".", 1)[0] in ("httpx", "httpx2", "httpcore", "httpcore2"):
            raise as_connection_error(exc, response.http_request) from exc
        raise
