"""A scripted fake of the OpenAI HTTP API, served for real by uvicorn on 127.0.0.1.

Tests reach it through the real ``openai`` client (and Kitdesk through the
Agents SDK), so everything between Kitdesk and the wire is exercised. It
speaks:

- ``POST /v1/responses``          streaming (typed SSE events) and not
- ``POST /v1/chat/completions``   streaming (``data:`` chunks, ``[DONE]``) and not
- ``GET  /v1/models``
- ``POST /v1/audio/transcriptions`` (multipart)
- ``/v1/chatkit/...``               hosted ChatKit sessions and threads (``upstream_chatkit``)

Events are built from the ``openai`` package's own pydantic types, so the wire
format is what the client library itself parses. For speed (the relay
benchmark pushes hundreds of thousands of deltas through it) a typed delta
event is built once per stream and then copied as a dict per delta.

Scripting: ``upstream.script(Turn(...), ...)`` queues answers for chat
requests, one per request (an SDK retry consumes the next turn). Title
requests (a system prompt containing ``TITLE_MARKER``) take turns from
``script_title()`` instead, so auto-titling never eats a test's scripted
answer. With nothing scripted the upstream echoes: ``Echo: <last user text>``
in several chunks, and a short title for title requests.

Tool calls: ``Turn(tool_calls=[ToolCall("name", '{"a": 1}')])`` answers with
function calls in either wire format (``upstream_tools``); several calls are
parallel calls. Like a real provider, the upstream refuses (400) a request whose
history has a tool call without its result; ``check_tool_results = False`` lets
such a request through.

Modules: ``upstream_turn`` (Turn), ``upstream_responses`` and ``upstream_chat``
(the two wire formats), ``upstream_tools`` (tool calls and the history check),
``upstream_chatkit`` (hosted ChatKit), ``upstream_errors`` (the error shape).

``python -m tests.upstream --port N`` runs it standalone and prints its base URL.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from tests.upstream_chat import ChatStream
from tests.upstream_chatkit import HostedChatKit
from tests.upstream_errors import openai_error
from tests.upstream_responses import ResponsesStream
from tests.upstream_tools import ToolCall, missing_tool_result
from tests.upstream_turn import Turn, UpstreamDisconnect, dump

__all__ = ["TITLE_MARKER", "RecordedRequest", "ToolCall", "Turn", "Upstream", "last_user_text"]

# The title prompt in kitdesk/titles.py contains this phrase; it is how the
# upstream tells a title request from a chat request.
TITLE_MARKER = "short title"
DEFAULT_MODELS = ("gpt-test", "gpt-test-mini")
DEFAULT_TRANSCRIPT = "Hello from the microphone"


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)

    @property
    def model(self) -> str | None:
        return self.json.get("model")

    @property
    def stream(self) -> bool:
        return bool(self.json.get("stream"))


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last user message in a Responses or Chat Completions body."""
    messages = body.get("messages")
    if messages is None:
        items = body.get("input")
        if isinstance(items, str):
            return items
        messages = items or []
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def system_text(body: dict[str, Any]) -> str:
    """Instructions (Responses) or system/developer messages, joined."""
    parts: list[str] = []
    if isinstance(body.get("instructions"), str):
        parts.append(body["instructions"])
    messages = body.get("messages") or (
        body.get("input") if isinstance(body.get("input"), list) else []
    )
    for message in messages or []:
        if isinstance(message, dict) and message.get("role") in ("system", "developer"):
            parts.append(_text_of(message.get("content")))
    return "\n".join(parts)


def default_title(body: dict[str, Any]) -> str:
    """A deterministic title: the first four words of the first user line."""
    text = last_user_text(body)
    for line in text.splitlines():
        if line.lower().startswith("user:"):
            text = line[5:]
            break
    words = text.split()[:4]
    return " ".join(words).title() if words else "New chat"


def error_response(turn: Turn) -> JSONResponse:
    status = turn.status or 500
    code = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
    headers = {"retry-after": turn.retry_after} if turn.retry_after is not None else {}
    return openai_error(status, turn.error_message, code=code.get(status), headers=headers)


class EventStreamResponse(StreamingResponse):
    """Streams SSE; on ``UpstreamDisconnect`` it stops without finishing the body.

    uvicorn then closes the socket with the chunked body incomplete, which is
    what a client sees when a provider or proxy drops a stream.
    """

    def __init__(self, body: AsyncIterator[bytes]) -> None:
        super().__init__(body, media_type="text/event-stream")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        try:
            async for chunk in self.body_iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except UpstreamDisconnect:
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _client_gone(_: Request, __: Exception) -> StarletteResponse:
    return StarletteResponse(status_code=499)


class Upstream:
    """The fake provider. Thread-safe enough for one test at a time."""

    def __init__(
        self,
        models: list[str] | None = None,
        require_key: str | None = None,
        port: int = 0,
    ) -> None:
        self.models: list[str] = list(models or DEFAULT_MODELS)
        self.require_key = require_key
        self.requests: list[RecordedRequest] = []
        self.transcript = DEFAULT_TRANSCRIPT
        self.transcription_status: int | None = None
        self.check_tool_results = True
        self.chatkit = HostedChatKit()
        # Seconds between the deltas of an unscripted (echo) answer: load tests
        # slow answers down so many streams are open at once.
        self.echo_delay = 0.0
        # Answer every request with a 307 to this base URL (+ the request's path).
        self.redirect_to: str | None = None
        self._turns: deque[Turn] = deque()
        self._title_turns: deque[Turn] = deque()
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = Starlette(
            # A client that gives up mid-request (Kitdesk cancelling a title request
            # when the answer fails) is normal here, not a server error to log.
            exception_handlers={ClientDisconnect: _client_gone},
            routes=[
                Route("/v1/responses", self._responses, methods=["POST"]),
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/audio/transcriptions", self._transcriptions, methods=["POST"]),
                # Azure's deployment-style path ends the same way.
                Route(
                    "/openai/deployments/{deployment}/chat/completions",
                    self._chat_completions,
                    methods=["POST"],
                ),
                *self.chatkit.routes(self._admit),
            ],
        )

    # --- scripting -----------------------------------------------------

    def script(self, *turns: Turn) -> None:
        """Queue answers for the next chat requests, in order."""
        self._turns.extend(turns)

    def script_title(self, *turns: Turn) -> None:
        """Queue answers for the next title requests, in order."""
        self._title_turns.extend(turns)

    def reset(self) -> None:
        self._turns.clear()
        self._title_turns.clear()
        self.requests.clear()
        self.models = list(DEFAULT_MODELS)
        self.require_key = None
        self.transcript = DEFAULT_TRANSCRIPT
        self.transcription_status = None
        self.check_tool_results = True
        self.chatkit.reset()
        self.echo_delay = 0.0
        self.redirect_to = None

    @property
    def pending(self) -> int:
        """Scripted chat turns not yet consumed."""
        return len(self._turns)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Recorded model requests that were not title requests."""
        return [
            r
            for r in self.requests
            if r.path.endswith(("/responses", "/chat/completions")) and not self.is_title(r.json)
        ]

    @property
    def title_requests(self) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path.endswith(("/responses", "/chat/completions")) and self.is_title(r.json)
        ]

    @staticmethod
    def is_title(body: dict[str, Any]) -> bool:
        return TITLE_MARKER in system_text(body).lower()

    # --- lifecycle -----------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None or not self._server.servers:
            raise RuntimeError("the upstream is not running")
        return self._server.servers[0].sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> Upstream:
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self._port,
            log_config=None,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="upstream", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake upstream did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> Upstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- request handling ------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        if self.require_key is None:
            return True
        bearer = request.headers.get("authorization", "")
        return bearer == f"Bearer {self.require_key}" or (
            request.headers.get("api-key") == self.require_key
        )

    async def _record(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            body = {}
        self.requests.append(
            RecordedRequest(
                path=request.url.path,
                headers=dict(request.headers),
                json=body if isinstance(body, dict) else {},
                query=dict(request.query_params),
            )
        )
        return body if isinstance(body, dict) else {}

    def _next_turn(self, body: dict[str, Any]) -> Turn:
        title = self.is_title(body)
        queue = self._title_turns if title else self._turns
        if queue:
            return queue.popleft()
        if title:
            return Turn(text=default_title(body))
        echo = f"Echo: {last_user_text(body)}"
        return Turn(text=echo, delay_between=self.echo_delay)

    def _redirect(self, request: Request) -> StarletteResponse:
        target = f"{self.redirect_to}{request.url.path.removeprefix('/v1')}"
        return StarletteResponse(status_code=307, headers={"location": target})

    @staticmethod
    def _unauthorized() -> JSONResponse:
        return error_response(
            Turn(status=401, error_message="Incorrect API key provided: sk-...wxyz.")
        )

    async def _models(self, request: Request) -> StarletteResponse:
        self.requests.append(
            RecordedRequest(path=request.url.path, headers=dict(request.headers), json={})
        )
        if self.redirect_to is not None:
            return self._redirect(request)
        if not self._authorized(request):
            return self._unauthorized()
        data = [
            {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "kitdesk-test"}
            for model in self.models
        ]
        return JSONResponse({"object": "list", "data": data})

    async def _transcriptions(self, request: Request) -> StarletteResponse:
        form = await request.form()
        upload = form.get("file")
        size = 0
        file_fields: dict[str, Any] = {}
        if upload is not None and not isinstance(upload, str):
            size = len(await upload.read())
            file_fields = {"file_name": upload.filename, "file_content_type": upload.content_type}
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        self.requests.append(
            RecordedRequest(
                path=request.url.path,
                headers=dict(request.headers),
                json={**fields, "file_size": size, **file_fields},
            )
        )
        if not self._authorized(request):
            return self._unauthorized()
        if self.transcription_status is not None:
            return error_response(Turn(status=self.transcription_status, error_message="Not found"))
        return JSONResponse({"text": self.transcript})

    async def _admit(self, request: Request) -> dict[str, Any] | StarletteResponse:
        """Record the request and check its key: its JSON body, or the error response to send."""
        body = await self._record(request)
        if self.redirect_to is not None:
            return self._redirect(request)
        if not self._authorized(request):
            return self._unauthorized()
        return body

    async def _answer(self, request: Request) -> tuple[dict[str, Any], Turn] | StarletteResponse:
        """Record the request and take its scripted turn; or the error response to send."""
        body = await self._admit(request)
        if isinstance(body, StarletteResponse):
            return body
        if self.check_tool_results:
            refused = missing_tool_result(request.url.path, body)
            if refused is not None:
                return refused
        turn = self._next_turn(body)
        if turn.delay_before:
            await asyncio.sleep(turn.delay_before)
        if turn.status is not None:
            return error_response(turn)
        return body, turn

    async def _responses(self, request: Request) -> StarletteResponse:
        answer = await self._answer(request)
        if isinstance(answer, StarletteResponse):
            return answer
        body, turn = answer
        model = str(body.get("model", "gpt-test"))
        if not body.get("stream"):
            return JSONResponse(dump(ResponsesStream(turn, model).final_response()))
        return EventStreamResponse(ResponsesStream(turn, model).events())

    async def _chat_completions(self, request: Request) -> StarletteResponse:
        answer = await self._answer(request)
        if isinstance(answer, StarletteResponse):
            return answer
        body, turn = answer
        model = str(body.get("model", "gpt-test"))
        stream = ChatStream(turn, model)
        if not body.get("stream"):
            return JSONResponse(dump(stream.completion()))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return EventStreamResponse(stream.chunks(include_usage))


# --- pytest plugin -------------------------------------------------------------


@pytest.fixture(scope="session")
def _upstream_server() -> Iterator[Upstream]:
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture
def upstream(_upstream_server: Upstream) -> Iterator[Upstream]:
    """The session's fake provider, emptied for this test."""
    _upstream_server.reset()
    yield _upstream_server
    _upstream_server.reset()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake OpenAI upstream.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--require-key", default=None)
    args = parser.parse_args(argv)
    server = Upstream(port=args.port, require_key=args.require_key).start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
