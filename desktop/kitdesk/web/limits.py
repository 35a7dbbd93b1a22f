"""Request bodies are capped before they are read, not after.

A body announced as too large (``Content-Length``) is refused at once; one
sent in chunks is counted as it arrives and refused the moment it passes the
limit, so a 100 MB post costs at most the limit in memory, never the whole
body. Limits by route: ``/chatkit`` has room for base64 audio, every other
``/api`` body (settings, providers, keys) is small; uploads (attachments, a
file to import, a backup to restore) stream to disk within their own limits
(web/uploads.py, web/routes/data.py).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kitdesk.web.security import route_path

MB = 1024 * 1024
CHATKIT_BODY_LIMIT = 32 * MB  # base64 audio for input.transcribe
API_BODY_LIMIT = 1 * MB
TOO_LARGE_MESSAGE = "The request is too large."
# Whole files sent as the body (an export to import, a backup to restore).
STREAMED_FILE_ROUTES = frozenset({"/api/data/import", "/api/data/restore/upload"})


def body_limit(path: str) -> int | None:
    if path == "/chatkit":
        return CHATKIT_BODY_LIMIT
    if path.startswith("/api/attachments/") and path.endswith("/upload"):
        return None  # web/uploads.py streams the file to disk within its own limit
    if path in STREAMED_FILE_ROUTES:
        return None  # routes/data.py streams the file to disk within its own limit
    if path.startswith("/api/"):
        return API_BODY_LIMIT
    return None


class BodyLimits:
    """ASGI middleware: refuse bodies over the route's limit, early."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = body_limit(route_path(scope)) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send)
            return
        received = 0
        started = False
        refused = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now; to the app the client has gone away.
                    refused = True
                    if not started:
                        await _refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send) -> None:
    body = b'{"error":{"code":"request_too_large","message":"' + TOO_LARGE_MESSAGE.encode() + b'"}}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
