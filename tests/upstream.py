"""A scripted fake of the OpenAI HTTP API, served for real by uvicorn on 127.0.0.1.

Tests reach it through the real ``openai`` client (and Kitdesk through the
Agents SDK), so everything between Kitdesk and the wire is exercised. It
speaks:

- ``POST /v1/responses``          streaming (typed SSE events) and not
- ``POST /v1/chat/completions``   streaming (``data:`` chunks, ``[DONE]``) and not
- ``GET  /v1/models``
- ``POST /v1/audio/transcriptions`` (multipart)

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

``python -m tests.upstream --port N`` runs it standalone and prints its base URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.chat_completion import Choice as CompletionChoice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.chat.chat_completion_message import ChatCompletionMessage
from openai.types.completion_usage import CompletionUsage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseError,
    ResponseFailedEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseReasoningItem,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_reasoning_item import Summary
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

# The title prompt in kitdesk/titles.py contains this phrase; it is how the
# upstream tells a title request from a chat request.
TITLE_MARKER = "short title"
DEFAULT_MODELS = ("gpt-test", "gpt-test-mini")
DEFAULT_TRANSCRIPT = "Hello from the microphone"
# Without delays, deltas go out in writes of up to this many SSE events, as a
# fast provider's do through TCP; each event is still its own SSE frame.
BURST_FRAMES = 32
# Placeholders in a pre-serialised delta event (see ResponsesStream.events).
DELTA_MARK = "@@kitdesk-delta@@"
SEQUENCE_MARK = "@@kitdesk-sequence@@"


@dataclass
class Turn:
    """One scripted answer. Every field has a default, so ``Turn()`` is a valid answer."""

    text: str = "..."
    # The deltas to send; default: ``text`` split after each space.
    chunks: list[str] | None = None
    delay_before: float = 0.0  # seconds before the response starts (headers included)
    delay_between: float = 0.0  # seconds between deltas
    reasoning_summary: str | None = None
    # Chat Completions only: the delta field carrying reasoning
    # ("reasoning_content" for vLLM/DeepSeek, "reasoning" for Ollama/OpenRouter).
    reasoning_field: str = "reasoning_content"
    status: int | None = None  # answer with this HTTP error instead
    retry_after: str | None = None
    error_message: str = "Scripted upstream error"
    disconnect_after: int | None = None  # drop the connection after N text deltas
    malformed: bool = False  # send an SSE event whose data is not JSON
    refusal: bool = False  # the text is a refusal (refusal deltas / content part)
    # After N text deltas, report an error inside the stream (Responses
    # "response.failed"; Chat Completions an {"error": ...} chunk, as OpenRouter
    # sends) and end the body.
    fail_after: int | None = None

    def deltas(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return split_words(self.text)

    @property
    def text_joined(self) -> str:
        return "".join(self.deltas())


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


def split_words(text: str) -> list[str]:
    """Split keeping the spaces, so the deltas join back to ``text``."""
    parts = text.split(" ")
    chunks = [part + " " for part in parts[:-1]] + [parts[-1]]
    return [chunk for chunk in chunks if chunk] or [""]


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


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
    body = {
        "error": {
            "message": turn.error_message,
            "type": "invalid_request_error" if status < 500 else "server_error",
            "param": None,
            "code": code.get(status),
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


class UpstreamDisconnect(Exception):
    """Raised inside a stream body to drop the connection mid-body."""


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

    async def _answer(self, request: Request) -> tuple[dict[str, Any], Turn] | StarletteResponse:
        """Record the request and take its scripted turn; or the error response to send."""
        body = await self._record(request)
        if self.redirect_to is not None:
            return self._redirect(request)
        if not self._authorized(request):
            return self._unauthorized()
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
            return JSONResponse(_dump(ResponsesStream(turn, model).final_response()))
        return EventStreamResponse(ResponsesStream(turn, model).events())

    async def _chat_completions(self, request: Request) -> StarletteResponse:
        answer = await self._answer(request)
        if isinstance(answer, StarletteResponse):
            return answer
        body, turn = answer
        model = str(body.get("model", "gpt-test"))
        stream = ChatStream(turn, model)
        if not body.get("stream"):
            return JSONResponse(_dump(stream.completion()))
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return EventStreamResponse(stream.chunks(include_usage))


def _usage() -> ResponseUsage:
    return ResponseUsage(
        input_tokens=10,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens=5,
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
        total_tokens=15,
    )


class ResponsesStream:
    """The event sequence OpenAI sends for one streamed Responses answer."""

    def __init__(self, turn: Turn, model: str) -> None:
        self.turn = turn
        self.model = model
        self.response_id = f"resp_{uuid.uuid4().hex}"
        self.message_id = f"msg_{uuid.uuid4().hex}"
        self.reasoning_id = f"rs_{uuid.uuid4().hex}"
        self.created_at = time.time()
        self.sequence = 0

    def _output(self, text: str, complete: bool) -> list[Any]:
        output: list[Any] = []
        if self.turn.reasoning_summary is not None:
            output.append(
                ResponseReasoningItem(
                    id=self.reasoning_id,
                    type="reasoning",
                    summary=[Summary(text=self.turn.reasoning_summary, type="summary_text")],
                )
            )
        output.append(self._message(text, complete))
        return output

    def _part(self, text: str) -> ResponseOutputText | ResponseOutputRefusal:
        if self.turn.refusal:
            return ResponseOutputRefusal(refusal=text, type="refusal")
        return ResponseOutputText(annotations=[], text=text, type="output_text")

    def _message(self, text: str | None, complete: bool) -> ResponseOutputMessage:
        content = [] if text is None else [self._part(text)]
        return ResponseOutputMessage(
            id=self.message_id,
            content=content,  # type: ignore[arg-type]
            role="assistant",
            status="completed" if complete else "in_progress",
            type="message",
        )

    def _response(self, status: str, output: list[Any], usage: bool) -> Response:
        return Response(
            id=self.response_id,
            created_at=self.created_at,
            model=self.model,
            object="response",
            output=output,
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            status=status,  # type: ignore[arg-type]
            usage=_usage() if usage else None,
        )

    def _failed_event(self) -> ResponseFailedEvent:
        response = self._response("failed", [], usage=False)
        response.error = ResponseError(code="server_error", message=self.turn.error_message)
        return ResponseFailedEvent(response=response, sequence_number=0, type="response.failed")

    def final_response(self) -> Response:
        return self._response("completed", self._output(self.turn.text_joined, True), usage=True)

    def _frame(self, event: BaseModel | dict[str, Any]) -> bytes:
        data = _dump(event) if isinstance(event, BaseModel) else event
        data["sequence_number"] = self.sequence
        self.sequence += 1
        return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n".encode()

    async def events(self) -> AsyncIterator[bytes]:
        turn = self.turn
        yield self._frame(
            ResponseCreatedEvent(
                response=self._response("in_progress", [], usage=False),
                sequence_number=0,
                type="response.created",
            )
        )
        yield self._frame(
            ResponseInProgressEvent(
                response=self._response("in_progress", [], usage=False),
                sequence_number=0,
                type="response.in_progress",
            )
        )
        output_index = 0
        if turn.reasoning_summary is not None:
            async for frame in self._reasoning_events(turn.reasoning_summary):
                yield frame
            output_index = 1
        yield self._frame(
            ResponseOutputItemAddedEvent(
                item=self._message(None, False),
                output_index=output_index,
                sequence_number=0,
                type="response.output_item.added",
            )
        )
        empty_part = self._part("")
        yield self._frame(
            ResponseContentPartAddedEvent(
                content_index=0,
                item_id=self.message_id,
                output_index=output_index,
                part=empty_part,
                sequence_number=0,
                type="response.content_part.added",
            )
        )
        if turn.refusal:
            template = _dump(
                ResponseRefusalDeltaEvent(
                    content_index=0,
                    delta="",
                    item_id=self.message_id,
                    output_index=output_index,
                    sequence_number=0,
                    type="response.refusal.delta",
                )
            )
        else:
            template = _dump(
                ResponseTextDeltaEvent(
                    content_index=0,
                    delta="",
                    item_id=self.message_id,
                    logprobs=[],
                    output_index=output_index,
                    sequence_number=0,
                    type="response.output_text.delta",
                )
            )
        # One typed event, serialised once; each delta only fills in its fields.
        template["sequence_number"] = SEQUENCE_MARK
        template["delta"] = DELTA_MARK
        frame_template = f"event: {template['type']}\ndata: {json.dumps(template)}\n\n"
        sent: list[str] = []
        pending: list[bytes] = []
        for index, delta in enumerate(turn.deltas()):
            if turn.disconnect_after is not None and index >= turn.disconnect_after:
                yield b"".join(pending)
                raise UpstreamDisconnect
            if turn.fail_after is not None and index >= turn.fail_after:
                yield b"".join(pending)
                yield self._frame(self._failed_event())
                return
            if turn.malformed and index == 1:
                pending.append(b"event: response.output_text.delta\ndata: {not json\n\n")
            if turn.delay_between and index:
                yield b"".join(pending)
                pending.clear()
                await asyncio.sleep(turn.delay_between)
            sent.append(delta)
            frame = frame_template.replace(f'"{SEQUENCE_MARK}"', str(self.sequence), 1)
            self.sequence += 1
            pending.append(frame.replace(f'"{DELTA_MARK}"', json.dumps(delta), 1).encode())
            if len(pending) >= BURST_FRAMES:
                yield b"".join(pending)
                pending.clear()
        if pending:
            yield b"".join(pending)
        text = "".join(sent)
        if turn.refusal:
            done: BaseModel = ResponseRefusalDoneEvent(
                content_index=0,
                item_id=self.message_id,
                output_index=output_index,
                refusal=text,
                sequence_number=0,
                type="response.refusal.done",
            )
        else:
            done = ResponseTextDoneEvent(
                content_index=0,
                item_id=self.message_id,
                logprobs=[],
                output_index=output_index,
                sequence_number=0,
                text=text,
                type="response.output_text.done",
            )
        yield self._frame(done)
        yield self._frame(
            ResponseContentPartDoneEvent(
                content_index=0,
                item_id=self.message_id,
                output_index=output_index,
                part=self._part(text),
                sequence_number=0,
                type="response.content_part.done",
            )
        )
        yield self._frame(
            ResponseOutputItemDoneEvent(
                item=self._message(text, True),
                output_index=output_index,
                sequence_number=0,
                type="response.output_item.done",
            )
        )
        yield self._frame(
            ResponseCompletedEvent(
                response=self._response("completed", self._output(text, True), usage=True),
                sequence_number=0,
                type="response.completed",
            )
        )

    async def _reasoning_events(self, summary: str) -> AsyncIterator[bytes]:
        yield self._frame(
            ResponseOutputItemAddedEvent(
                item=ResponseReasoningItem(id=self.reasoning_id, type="reasoning", summary=[]),
                output_index=0,
                sequence_number=0,
                type="response.output_item.added",
            )
        )
        yield self._frame(
            ResponseReasoningSummaryPartAddedEvent.model_validate(
                {
                    "item_id": self.reasoning_id,
                    "output_index": 0,
                    "part": {"text": "", "type": "summary_text"},
                    "sequence_number": 0,
                    "summary_index": 0,
                    "type": "response.reasoning_summary_part.added",
                }
            )
        )
        for delta in split_words(summary):
            yield self._frame(
                ResponseReasoningSummaryTextDeltaEvent(
                    delta=delta,
                    item_id=self.reasoning_id,
                    output_index=0,
                    sequence_number=0,
                    summary_index=0,
                    type="response.reasoning_summary_text.delta",
                )
            )
        yield self._frame(
            ResponseReasoningSummaryTextDoneEvent(
                item_id=self.reasoning_id,
                output_index=0,
                sequence_number=0,
                summary_index=0,
                text=summary,
                type="response.reasoning_summary_text.done",
            )
        )
        yield self._frame(
            ResponseReasoningSummaryPartDoneEvent.model_validate(
                {
                    "item_id": self.reasoning_id,
                    "output_index": 0,
                    "part": {"text": summary, "type": "summary_text"},
                    "sequence_number": 0,
                    "summary_index": 0,
                    "type": "response.reasoning_summary_part.done",
                }
            )
        )
        yield self._frame(
            ResponseOutputItemDoneEvent(
                item=ResponseReasoningItem(
                    id=self.reasoning_id,
                    type="reasoning",
                    summary=[Summary(text=summary, type="summary_text")],
                ),
                output_index=0,
                sequence_number=0,
                type="response.output_item.done",
            )
        )


class ChatStream:
    """The chunks OpenAI sends for one streamed Chat Completions answer."""

    def __init__(self, turn: Turn, model: str) -> None:
        self.turn = turn
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())

    def _chunk(self, delta: ChoiceDelta, finish: str | None = None) -> dict[str, Any]:
        return _dump(
            ChatCompletionChunk(
                id=self.id,
                choices=[ChunkChoice(delta=delta, index=0, finish_reason=finish)],  # type: ignore[arg-type]
                created=self.created,
                model=self.model,
                object="chat.completion.chunk",
            )
        )

    @staticmethod
    def _frame(data: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(data)}\n\n".encode()

    def completion(self) -> ChatCompletion:
        return ChatCompletion(
            id=self.id,
            choices=[
                CompletionChoice(
                    finish_reason="stop",
                    index=0,
                    message=ChatCompletionMessage(
                        role="assistant",
                        content=None if self.turn.refusal else self.turn.text_joined,
                        refusal=self.turn.text_joined if self.turn.refusal else None,
                    ),
                )
            ],
            created=self.created,
            model=self.model,
            object="chat.completion",
            usage=CompletionUsage(completion_tokens=5, prompt_tokens=10, total_tokens=15),
        )

    async def chunks(self, include_usage: bool) -> AsyncIterator[bytes]:
        turn = self.turn
        usage_field: dict[str, Any] = {"usage": None} if include_usage else {}
        yield self._frame({**self._chunk(ChoiceDelta(role="assistant", content="")), **usage_field})
        if turn.reasoning_summary is not None:
            template = self._chunk(ChoiceDelta())
            for delta in split_words(turn.reasoning_summary):
                chunk = json.loads(json.dumps(template))
                chunk["choices"][0]["delta"] = {turn.reasoning_field: delta}
                yield self._frame({**chunk, **usage_field})
        template = {**self._chunk(ChoiceDelta(content="")), **usage_field}
        template["choices"][0]["delta"] = {"refusal" if turn.refusal else "content": DELTA_MARK}
        frame_template = f"data: {json.dumps(template)}\n\n"
        pending: list[bytes] = []
        for index, delta in enumerate(turn.deltas()):
            if turn.disconnect_after is not None and index >= turn.disconnect_after:
                yield b"".join(pending)
                raise UpstreamDisconnect
            if turn.fail_after is not None and index >= turn.fail_after:
                yield b"".join(pending)
                error = {"message": turn.error_message, "code": 502}
                yield self._frame({"error": error})
                return
            if turn.malformed and index == 1:
                pending.append(b"data: {not json\n\n")
            if turn.delay_between and index:
                yield b"".join(pending)
                pending.clear()
                await asyncio.sleep(turn.delay_between)
            pending.append(frame_template.replace(f'"{DELTA_MARK}"', json.dumps(delta), 1).encode())
            if len(pending) >= BURST_FRAMES:
                yield b"".join(pending)
                pending.clear()
        if pending:
            yield b"".join(pending)
        yield self._frame({**self._chunk(ChoiceDelta(), finish="stop"), **usage_field})
        if include_usage:
            usage = CompletionUsage(completion_tokens=5, prompt_tokens=10, total_tokens=15)
            final = {**self._chunk(ChoiceDelta()), "choices": [], "usage": _dump(usage)}
            yield self._frame(final)
        yield b"data: [DONE]\n\n"


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
