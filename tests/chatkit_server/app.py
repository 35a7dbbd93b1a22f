"""The HTTP side of the test ChatKit server: ``POST /chatkit`` and the files it links to.

The SDK's ``ChatKitServer.process()`` does the protocol; this module adds what
a real deployment's web layer does around it, plus the failures tests need:

- a request that does not parse, or names a thread or item that does not exist,
  gets a 400/404 JSON error (``{"error": {"code", "message"}}``), not a 500;
- the user text ``refuse`` gets a 503 before any stream starts;
- ``CutConnection`` from a script drops the connection mid-body, and
  ``MalformedFrame`` writes a ``data:`` frame that is not JSON and ends the body;
- ``/uploads/{id}`` takes two-phase attachment uploads; ``/static/sample.png``
  is the image used by the Image widget and the generated image; the other
  ``STATIC`` files are the images a proxy must refuse or handle with care (an
  SVG, a redirect on this origin and one to another, a "PNG" that is HTML, one
  that never arrives); ``GET /state`` reports what the server recorded
  (feedback, thread count) for assertions.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
from chatkit.server import StreamingResult
from chatkit.store import NotFoundError
from chatkit.types import (
    ChatKitReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    UserMessageTextContent,
)
from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.chatkit_server.scripts import CutConnection, MalformedFrame, foreign_base_url
from tests.chatkit_server.server import ScriptedChatKitServer, script_key
from tests.chatkit_server.store import RequestContext

CHATKIT_REQUEST = TypeAdapter[ChatKitReq](ChatKitReq)
MALFORMED_FRAME = b"data: {this is not json\n\n"
SAMPLE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<rect width="64" height="64" fill="#4285f4"/></svg>'
)
STATIC = ("sample.png", "sample.svg", "moved.png", "away.png", "fake.png", "slow.png")


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def sample_png(size: int = 64) -> bytes:
    """A PNG of four flat quadrants (mid-tones that read on light and dark backgrounds)."""
    colours = [(66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88)]
    half = size // 2
    rows = b""
    for y in range(size):
        row = bytearray([0])  # filter type: none
        for x in range(size):
            row += bytes(colours[(y >= half) * 2 + (x >= half)])
        rows += bytes(row)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class ScriptedStreamResponse:
    """Streams the SDK's SSE bytes; turns the scripts' special exceptions into wire faults."""

    def __init__(self, first: bytes, rest: AsyncIterator[bytes]) -> None:
        self.first = first
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def cancel_on_disconnect() -> None:
                # As Starlette's StreamingResponse does: a client that leaves cancels the
                # stream, which is how the SDK learns of it (handle_stream_cancelled).
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(cancel_on_disconnect)
            await self._stream(send)
            group.cancel_scope.cancel()

    async def _stream(self, send: Send) -> None:
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.first, "more_body": True})
        try:
            async for chunk in self.rest:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except CutConnection:
            return  # uvicorn closes the socket with the chunked body unfinished
        except MalformedFrame:
            await send({"type": "http.response.body", "body": MALFORMED_FRAME, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def user_text_of(request: Any) -> str | None:
    if isinstance(request, ThreadsCreateReq | ThreadsAddUserMessageReq):
        content = request.params.input.content
        return "".join(part.text for part in content if isinstance(part, UserMessageTextContent))
    return None


def build_app(server: ScriptedChatKitServer | None = None) -> Starlette:
    chatkit = server or ScriptedChatKitServer()
    png = sample_png()

    def context(request: Request) -> RequestContext:
        return RequestContext(base_url=str(request.base_url).rstrip("/"))

    async def endpoint(request: Request) -> Response | ScriptedStreamResponse:
        body = await request.body()
        try:
            parsed = CHATKIT_REQUEST.validate_json(body)
        except ValidationError as exc:
            return error(400, "invalid_request", f"Not a ChatKit request: {exc.errors()[0]['msg']}")
        text = user_text_of(parsed)
        if text is not None and script_key(text) == "refuse":
            return error(503, "unavailable", "The scripted server refuses this request.")
        try:
            result = await chatkit.process(body, context(request))
            if not isinstance(result, StreamingResult):
                return Response(result.json, media_type="application/json")
            stream = aiter(result)
            # The SDK loads the thread before its first event: a missing one fails here,
            # before any header is sent, so it can still become a 404.
            first = await anext(stream)
        except NotFoundError as exc:
            return error(404, "not_found", str(exc))
        except ValueError as exc:
            return error(400, "invalid_request", str(exc))
        return ScriptedStreamResponse(first, stream)

    async def upload(request: Request) -> Response:
        attachment_id = request.path_params["attachment_id"]
        form = await request.form()
        file = form.get("file")
        data = await file.read() if file is not None and not isinstance(file, str) else b""
        chatkit.memory_attachments.uploads[attachment_id] = data
        attachment = chatkit.memory_store.attachments.get(attachment_id)
        if attachment is None:
            return error(404, "not_found", f"Attachment {attachment_id} not found")
        chatkit.memory_store.attachments[attachment_id] = attachment.model_copy(
            update={"upload_descriptor": None}
        )
        return JSONResponse({"id": attachment_id, "size": len(data)})

    async def uploaded(request: Request) -> Response:
        attachment_id = request.path_params["attachment_id"]
        data = chatkit.memory_attachments.uploads.get(attachment_id)
        if data is None:
            return error(404, "not_found", f"No upload {attachment_id}")
        attachment = chatkit.memory_store.attachments.get(attachment_id)
        media_type = attachment.mime_type if attachment else "application/octet-stream"
        return Response(data, media_type=media_type)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        base_url = str(request.base_url).rstrip("/")
        match name:
            case "sample.png":
                return Response(png, media_type="image/png")
            case "sample.svg":
                return Response(SAMPLE_SVG, media_type="image/svg+xml")
            case "moved.png":
                return Response(status_code=302, headers={"location": "/static/sample.png"})
            case "away.png":
                away = foreign_base_url(base_url) + "/static/sample.png"
                return Response(status_code=302, headers={"location": away})
            case "fake.png":
                return Response(b"<!doctype html><p>not a picture", media_type="image/png")
            case "slow.png":
                await anyio.sleep(3600)
                return Response(png, media_type="image/png")
            case _:
                return error(404, "not_found", f"No file {name}")

    async def state(_: Request) -> Response:
        return JSONResponse(
            {
                "threads": len(chatkit.memory_store.threads),
                "feedback": [
                    {"thread_id": thread_id, "item_ids": item_ids, "kind": kind}
                    for thread_id, item_ids, kind in chatkit.feedback
                ],
            }
        )

    return Starlette(
        routes=[
            Route("/chatkit", endpoint, methods=["POST"]),
            Route("/uploads/{attachment_id}", upload, methods=["POST"]),
            Route("/uploads/{attachment_id}", uploaded, methods=["GET"]),
            Route("/static/{name}", static, methods=["GET"]),
            Route("/state", state, methods=["GET"]),
        ]
    )
