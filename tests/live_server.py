"""A real Kitdesk server on a free loopback port, for HTTP-level tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from chatkit.types import ThreadStreamEvent
from kitdesk.paths import Paths
from kitdesk.web.server import RunningServer, start_server
from pydantic import TypeAdapter

from tests.upstream import Upstream

EVENT_ADAPTER: TypeAdapter[ThreadStreamEvent] = TypeAdapter(ThreadStreamEvent)


@dataclass
class LiveServer:
    running: RunningServer
    client: httpx.Client

    @property
    def base_url(self) -> str:
        return self.running.base_url

    def chatkit(self, op: str, **params: Any) -> httpx.Response:
        return self.client.post("/chatkit", json={"type": op, "params": params})

    def stream(self, op: str, **params: Any) -> list[ThreadStreamEvent]:
        """Run a streaming op and decode every SSE frame into a typed ChatKit event."""
        with self.client.stream("POST", "/chatkit", json={"type": op, "params": params}) as reply:
            assert reply.status_code == 200, reply.read()
            assert reply.headers["content-type"].startswith("text/event-stream")
            return decode_sse(reply.iter_bytes())


def decode_sse(chunks: Iterator[bytes]) -> list[ThreadStreamEvent]:
    buffer = b""
    events: list[ThreadStreamEvent] = []
    for chunk in chunks:
        buffer += chunk
        while b"\n\n" in buffer:
            frame, buffer = buffer.split(b"\n\n", 1)
            assert frame.startswith(b"data: "), frame
            events.append(EVENT_ADAPTER.validate_python(json.loads(frame[6:])))
    assert buffer.strip() == b"", f"stream ended mid-frame: {buffer[:200]!r}"
    return events


@pytest.fixture
def live_server(kitdesk_home: Paths) -> Iterator[LiveServer]:
    running = start_server(kitdesk_home)
    client = httpx.Client(
        base_url=running.base_url,
        headers={"Authorization": f"Bearer {running.token}"},
        timeout=30,
    )
    try:
        yield LiveServer(running, client)
    finally:
        client.close()
        running.stop()


@pytest.fixture
def live_chat(
    live_server: LiveServer, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> LiveServer:
    """A live server whose read-only environment provider is the fake upstream."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-environment-key-0001")
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url)
    return live_server
