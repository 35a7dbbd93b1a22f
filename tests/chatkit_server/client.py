"""A small test client for any ChatKit endpoint: requests as dicts, events as SDK types.

Streams are decoded frame by frame into ``chatkit.types.ThreadStreamEvent``
with the SDK's own ``TypeAdapter``, so assertions work on typed events.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from chatkit.types import ThreadStreamEvent
from pydantic import TypeAdapter

STREAM_EVENT = TypeAdapter[ThreadStreamEvent](ThreadStreamEvent)


def sse_data(raw: bytes) -> Iterator[bytes]:
    """The ``data:`` payloads of the complete SSE frames in ``raw``."""
    for frame in raw.replace(b"\r\n", b"\n").split(b"\n\n"):
        data = [line[5:].lstrip() for line in frame.split(b"\n") if line.startswith(b"data:")]
        if data:
            yield b"\n".join(data)


def decode_events(raw: bytes) -> list[ThreadStreamEvent]:
    return [STREAM_EVENT.validate_json(data) for data in sse_data(raw)]


def user_input(text: str, attachments: list[str] | None = None) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": attachments or [],
        "inference_options": {},
    }


def create_thread(text: str) -> dict[str, Any]:
    return {"type": "threads.create", "params": {"input": user_input(text)}}


def add_message(thread_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "threads.add_user_message",
        "params": {"thread_id": thread_id, "input": user_input(text)},
    }


class ChatKitClient:
    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.http = httpx.Client(headers=headers, timeout=10)

    def close(self) -> None:
        self.http.close()

    def post(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(self.url, json=body)

    def call(self, body: dict[str, Any]) -> Any:
        """A non-streaming request; its JSON answer."""
        response = self.post(body)
        response.raise_for_status()
        return response.json()

    def events(self, body: dict[str, Any]) -> list[ThreadStreamEvent]:
        """A streaming request, read to the end and decoded."""
        response = self.post(body)
        response.raise_for_status()
        assert response.headers["content-type"].startswith("text/event-stream")
        return decode_events(response.content)
