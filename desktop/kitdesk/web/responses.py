"""One shape for every error the local server returns, written for a person.

``{"error": {"code": "<snake_case>", "message": "<sentence>"}}``
"""

from __future__ import annotations

import asyncio
import json

from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from kitdesk.errors import UserFacingError

__all__ = ["RelayResponse", "UserFacingError", "describe_validation_error", "error_response"]


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes: a lone surrogate echoed from a request (valid
    in JSON's ``\\ud800`` escapes, not in UTF-8) becomes U+FFFD instead of a 500."""

    def render(self, content: object) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8", "replace")


class RelayResponse(StreamingResponse):
    """A streamed answer that stops when the client goes away, as Starlette's does, on
    plain asyncio: Starlette's runs the stream in an anyio task group (cancel scopes, a
    second task), measurable before the first byte of every relayed turn.

    The stream runs in the request's own task; a watcher task waits for the client's
    ``http.disconnect`` and cancels it, and the cancellation ends here, as the task
    group's does."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        streaming = True
        gone = False

        async def watch() -> None:
            nonlocal gone
            await self.listen_for_disconnect(receive)
            if streaming:
                gone = True
                task.cancel()

        watcher = asyncio.ensure_future(watch())
        try:
            await self.stream_response(send)
        except asyncio.CancelledError:
            if not gone:
                raise
            task.uncancel()
        finally:
            streaming = False
            watcher.cancel()
        if self.background is not None:
            await self.background()


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return SafeJSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"cache-control": "no-store"},
    )


def _location(loc: tuple[int | str, ...]) -> str:
    # Drop pydantic's union-branch tags (e.g. "threads.create") so the path reads as the JSON does.
    parts = [str(p) for p in loc if not (isinstance(p, str) and "." in p and p != loc[-1])]
    return ".".join(parts) or "body"


def describe_validation_error(exc: ValidationError, *, limit: int = 3) -> str:
    """Summarise pydantic errors as 'field: problem' sentences."""
    problems = []
    for error in exc.errors(include_url=False)[:limit]:
        message = str(error.get("msg", "is not valid"))
        problems.append(f"{_location(tuple(error.get('loc', ())))}: {message}")
    more = len(exc.errors()) - limit
    if more > 0:
        problems.append(f"and {more} more problem{'s' if more > 1 else ''}")
    return "; ".join(problems)
