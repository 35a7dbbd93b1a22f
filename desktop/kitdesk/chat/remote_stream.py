"""One streamed answer of a ChatKit server, relayed frame by frame as it arrives.

``RemoteChatKit.open_stream`` (``chat/remote.py``) returns a ``RemoteStream``
once the server's response headers are in; ``frames()`` then yields the bytes
to forward. The bytes pass through as they were sent: a frame goes out the
moment its closing blank line is read, never held for the rest, and is never
re-encoded unless an image URL in it must point at Kitdesk (``ImageLinks``) or
it is an ``error`` event without words (which gets a sentence).

Each frame is checked to be a JSON object with a ``type`` (parsed by pydantic's
JSON parser, a few times quicker than ``json.loads`` on these small frames), so
a server that sends garbage gets a readable ``error`` event instead of breaking
the page. The events that change the stored thread are kept, decoded, for the
mirror, which applies them after the answer has ended
(``web/routes/chatkit_proxy.py``). A dropped connection, a silence longer than
the read timeout, an event cut off at the end or one that is too large also end
the stream with an ``error`` event (``remote_failures``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic_core import from_json

from kitdesk.chat.image_links import ImageLinks
from kitdesk.chat.remote_failures import (
    Named,
    error_frame,
    transport_failure,
)
from kitdesk.chat.remote_failures import (
    failure as remote_failure,
)
from kitdesk.chat.remote_http import UpstreamResponse

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


class RemoteStream:
    """The frames of one streamed answer, each checked and forwarded as soon as it is whole.

    ``thread_id`` is known once the server's ``thread.created`` has passed; after
    the iteration ends, ``failed`` tells whether it ended with our error event, and
    ``changes`` holds the decoded events that change the stored thread (created,
    updated, item done / replaced / removed), in order, for the mirror."""

    links: ImageLinks | None = None  # set before iterating: image URLs pointed at Kitdesk

    def __init__(self, server: Named, response: UpstreamResponse, timeout: httpx.Timeout) -> None:
        self.server = server
        self.response = response
        self.timeout = timeout  # the request's, for the sentence when the server goes quiet
        self.thread_id: str | None = None
        self.failed = False
        self.changes: list[dict[str, Any]] = []

    async def frames(self) -> AsyncIterator[bytes]:
        name = f"The ChatKit server “{self.server.name}”"
        buffer = b""
        try:
            async for chunk in self.response.chunks():
                buffer = buffer + chunk if buffer else chunk
                if b"\r" in buffer:
                    buffer = buffer.replace(b"\r\n", b"\n")
                # Every whole frame of this read goes out at once, in one write.
                ready: list[bytes] = []
                start = 0
                while (end := buffer.find(b"\n\n", start)) >= 0:
                    checked = self._check(buffer[start : end + 2])
                    start = end + 2
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
                if start:
                    buffer = buffer[start:]
                    yield ready[0] if len(ready) == 1 else b"".join(ready)
                if len(buffer) > MAX_FRAME_BYTES:
                    self.failed = True
                    yield error_frame(f"{name} sent an event that is too large.", allow_retry=False)
                    return
        except httpx.HTTPError as exc:
            self.failed = True
            failure = transport_failure(self.server, exc, self.timeout)
            if failure.code == "remote_dropped":
                failure = remote_failure("dropped_mid_answer", self.server)
            yield error_frame(str(failure), allow_retry=True)
            return
        finally:
            await self.response.aclose()
        if buffer.strip():
            self.failed = True
            yield error_frame(
                f"The answer from the ChatKit server “{self.server.name}” ended mid-event. "
                "What arrived is kept; try again.",
                allow_retry=True,
            )

    def _check(self, frame: bytes) -> bytes | None:
        """The frame to forward, or None when it is malformed. A frame is comments and
        ``data:`` lines whose JSON is an object with a type; an ``error`` event without
        a message gets one, so the window never shows an empty error."""
        if frame.startswith(b"data:") and frame.count(b"\n") == 2:  # the usual: one data line
            payload = frame[5:-2]
        else:
            lines = frame.split(b"\n")
            data = [line[5:] for line in lines if line.startswith(b"data:")]
            if not data:
                comments = all(not line or line.startswith(b":") for line in lines)
                return frame if comments else None
            payload = b"\n".join(data)
        try:
            event = from_json(payload)
        except ValueError:  # not JSON, or nested deeper than any ChatKit event
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
                f"The ChatKit server “{self.server.name}” failed while answering. Try again.",
                allow_retry=bool(event.get("allow_retry", True)),
            )
        return frame if self.links is None else self.links.rewrite_frame(frame, payload)
