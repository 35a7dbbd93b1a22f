"""The lean streaming path: provider SSE bytes -> ChatKit events, with little per-delta work.

Why not only the Agents SDK: measured here (tests/bench/bench_relay.py), an
Agents SDK run costs several milliseconds of set-up per turn and builds a
pydantic event per provider delta at every layer, so relaying plain text
topped out far below the 20,000 deltas/s target. Worse, when a provider
drops the connection, ``RunResultStreaming.stream_events()`` raises without
yielding the deltas it had already queued, so a "kept" partial answer lost
its tail.

Here the ``openai`` client still makes the request (auth, base URL, Azure
query, status errors as typed ``openai`` exceptions), but the body is read as
raw bytes. Every read returns whatever the socket has, often many SSE events;
all text deltas found in one read become one ChatKit delta event.
A slow stream is relayed delta by delta (nothing is held back to wait for
more), a fast one in fewer, larger events: the client sees the same text.

Tool calls are read from the same stream (``function_call`` output items on
the Responses API, ``tool_calls`` fragments on Chat Completions) and handed
to the turn engine, which runs them and asks again. Usage and citations
(``url_citation`` annotations of hosted web search) are kept too.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import openai
from chatkit.store import StoreItemType
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    DurationSummary,
    ThoughtTask,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    URLSource,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)
from openai import AsyncOpenAI, omit
from openai.types.shared_params import Reasoning

from kitdesk.chat.history import InputItem, chat_messages
from kitdesk.providers.resolver import ResolvedModel

NewId = Callable[[StoreItemType], str]

# Where OpenAI-compatible servers put reasoning text in a Chat Completions delta:
# vLLM / DeepSeek use reasoning_content, Ollama / OpenRouter use reasoning.
CHAT_REASONING_FIELDS = ("reasoning_content", "reasoning")


# UNTRANSFORMED: the history goes in ``extra_body`` (merged into the JSON as
# is) rather than as ``input=`` / ``messages=``. The openai client walks typed
# parameters against their TypedDict annotations before sending: measured here
# at about 0.25 ms per message, 55 ms for a 200-message thread, on every turn.
# Our items are already in wire form.


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


@dataclass
class ToolCall:
    """A function call the model asked for, assembled from the stream."""

    call_id: str
    name: str
    arguments: str = ""


@dataclass
class Usage:
    """Tokens the provider counted for one request (None when it did not say)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None

    def add(self, other: Usage) -> None:
        for name in ("input_tokens", "output_tokens", "reasoning_tokens"):
            value = getattr(other, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)


class ThinkSplitter:
    """Separates ``<think>…</think>`` reasoning from answer text in Chat Completions content.

    Models served by Ollama, LM Studio or vLLM (DeepSeek R1, Qwen 3...) often
    put their reasoning inline in ``content``. A tag may be split across deltas,
    so a possible tag prefix is held back until the next delta decides.
    """

    OPEN = "<think>"
    CLOSE = "</think>"

    def __init__(self) -> None:
        self.thinking = False
        self.seen_text = False
        self._held = ""

    def feed(self, delta: str) -> list[tuple[bool, str]]:
        """Pieces of ``delta`` as (is_reasoning, text)."""
        text = self._held + delta
        self._held = ""
        pieces: list[tuple[bool, str]] = []
        while text:
            tag = self.CLOSE if self.thinking else self.OPEN
            if not self.thinking and self.seen_text:
                pieces.append((False, text))  # only a leading <think> block counts
                break
            index = text.find(tag)
            if index >= 0:
                if index:
                    pieces.append((self.thinking, text[:index]))
                if self.thinking is False and text[:index].strip():
                    self.seen_text = True
                    pieces.append((False, text[index:]))
                    break
                self.thinking = not self.thinking
                text = text[index + len(tag) :]
                if not self.thinking:
                    text = text.lstrip("\n")
                    self.seen_text = self.seen_text or bool(text.strip())
                continue
            held = _tag_prefix_length(text, tag)
            if held:
                self._held = text[-held:]
                text = text[:-held]
            if text:
                if not self.thinking and text.strip():
                    self.seen_text = True
                pieces.append((self.thinking, text))
            break
        return [(thinking, piece) for thinking, piece in pieces if piece]

    def flush(self) -> list[tuple[bool, str]]:
        held, self._held = self._held, ""
        return [(self.thinking, held)] if held else []


def _tag_prefix_length(text: str, tag: str) -> int:
    for length in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:length]):
            return length
    return 0


class AnswerBuilder:
    """Turns text and reasoning fragments into ChatKit events for one answer.

    It also collects what the engine needs after the stream: the tool calls,
    the usage and the citations.
    """

    def __init__(self, thread_id: str, new_id: NewId) -> None:
        self.thread_id = thread_id
        self.new_id = new_id
        self.message: AssistantMessageItem | None = None
        self.text: list[str] = []
        self.pending: list[str] = []
        self.workflow: WorkflowItem | None = None
        self.thought: ThoughtTask | None = None
        self.thought_key: object = None
        self.tool_calls: dict[object, ToolCall] = {}
        self.usage = Usage()
        self.annotations: list[Annotation] = []
        self.finished_messages: list[AssistantMessageItem] = []

    def _start_message(self, events: list[ThreadStreamEvent]) -> AssistantMessageItem:
        events.extend(self._end_workflow())
        self.message = AssistantMessageItem(
            id=self.new_id("message"),
            thread_id=self.thread_id,
            created_at=datetime.now(),
            content=[],
        )
        events.append(ThreadItemAddedEvent(item=self.message))
        events.append(
            ThreadItemUpdatedEvent(
                item_id=self.message.id,
                update=AssistantMessageContentPartAdded(
                    content_index=0, content=AssistantMessageContent(text="", annotations=[])
                ),
            )
        )
        return self.message

    def text_delta(self, delta: str, events: list[ThreadStreamEvent]) -> None:
        """Queue text; ``flush`` turns everything queued since the last flush into one event."""
        if self.message is None:
            self._start_message(events)
        self.text.append(delta)
        self.pending.append(delta)

    def flush(self, events: list[ThreadStreamEvent]) -> None:
        if not self.pending or self.message is None:
            return
        delta = "".join(self.pending)
        self.pending.clear()
        events.append(
            ThreadItemUpdatedEvent(
                item_id=self.message.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta),
            )
        )

    def reasoning_delta(self, delta: str, key: object, events: list[ThreadStreamEvent]) -> None:
        self.flush(events)
        if self.workflow is None:
            self.workflow = WorkflowItem(
                id=self.new_id("workflow"),
                thread_id=self.thread_id,
                created_at=datetime.now(),
                workflow=Workflow(type="reasoning", tasks=[]),
            )
            events.append(ThreadItemAddedEvent(item=self.workflow))
        tasks = self.workflow.workflow.tasks
        if self.thought is None or key != self.thought_key:
            self.thought = ThoughtTask(content=delta)
            self.thought_key = key
            tasks.append(self.thought)
            events.append(
                ThreadItemUpdatedEvent(
                    item_id=self.workflow.id,
                    update=WorkflowTaskAdded(task=self.thought, task_index=len(tasks) - 1),
                )
            )
        else:
            self.thought.content += delta
            events.append(
                ThreadItemUpdatedEvent(
                    item_id=self.workflow.id,
                    update=WorkflowTaskUpdated(task=self.thought, task_index=len(tasks) - 1),
                )
            )

    def _end_workflow(self) -> list[ThreadStreamEvent]:
        workflow, self.workflow, self.thought = self.workflow, None, None
        if workflow is None:
            return []
        seconds = int((datetime.now() - workflow.created_at).total_seconds())
        workflow.workflow.summary = DurationSummary(duration=seconds)
        workflow.workflow.expanded = False
        return [ThreadItemDoneEvent(item=workflow)]

    def finish(self) -> list[ThreadStreamEvent]:
        events: list[ThreadStreamEvent] = []
        self.flush(events)
        events.extend(self._end_workflow())
        message = self.message
        if message is None:
            return events
        content = AssistantMessageContent(
            text="".join(self.text), annotations=list(self.annotations)
        )
        events.append(
            ThreadItemUpdatedEvent(
                item_id=message.id,
                update=AssistantMessageContentPartDone(content_index=0, content=content),
            )
        )
        done = message.model_copy(update={"content": [content]})
        self.finished_messages.append(done)
        events.append(ThreadItemDoneEvent(item=done))
        self.message = None
        self.text = []
        self.annotations = []
        return events

    def citation(self, data: dict[str, Any]) -> None:
        """A ``url_citation`` from hosted web search: a numbered source under the answer."""
        url = data.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return
        if any(isinstance(a.source, URLSource) and a.source.url == url for a in self.annotations):
            return
        title = str(data.get("title") or url)[:300]
        self.annotations.append(
            Annotation(source=URLSource(url=url, title=title), index=data.get("end_index"))
        )

    def calls(self) -> list[ToolCall]:
        """The complete tool calls in order (ids filled in where a server omitted them)."""
        calls = [call for call in self.tool_calls.values() if call.name]
        for call in calls:
            if not call.call_id:
                call.call_id = f"call_{secrets.token_hex(8)}"
        return calls

    def tool_call_fragment(
        self, key: object, *, call_id: str | None, name: str | None, arguments: str | None
    ) -> None:
        call = self.tool_calls.get(key)
        if call is None:
            call = self.tool_calls[key] = ToolCall(call_id=call_id or "", name=name or "")
        if call_id and not call.call_id:
            call.call_id = call_id
        if name and not call.name:
            call.name = name
        if arguments:
            call.arguments += arguments


def _as_connection_error(exc: Exception, request: Any) -> openai.OpenAIError:
    """Transport failures while reading the body, as the openai client would name them."""
    if "timeout" in type(exc).__name__.lower():
        return openai.APITimeoutError(request=request)
    return openai.APIConnectionError(request=request)


async def _read_payloads(response: Any) -> AsyncIterator[list[bytes]]:
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
            raise _as_connection_error(exc, response.http_request) from exc
        raise


def responses_tools(tools: list[dict[str, Any]], web_search: bool) -> list[dict[str, Any]]:
    """Function tools in the Responses API's flat form, plus hosted web search."""
    flat = [
        {
            "type": "function",
            "name": tool["name"],
            "description": tool.get("description", ""),
            "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
        }
        for tool in tools
    ]
    if web_search:
        flat.append({"type": "web_search"})
    return flat


def chat_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Function tools in Chat Completions' nested form."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool["name"],
                "description": tool.get("description", ""),
                "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
            },
        }
        for tool in tools
    ]


def _usage_from(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    details = data.get("output_tokens_details") or data.get("completion_tokens_details") or {}
    return Usage(
        input_tokens=data.get("input_tokens", data.get("prompt_tokens")),
        output_tokens=data.get("output_tokens", data.get("completion_tokens")),
        reasoning_tokens=details.get("reasoning_tokens") if isinstance(details, dict) else None,
    )


async def stream_responses(
    client: AsyncOpenAI,
    model: ResolvedModel,
    items: list[InputItem],
    *,
    instructions: str | None,
    temperature: float | None,
    reasoning: bool,
    answer: AnswerBuilder,
    tools: list[dict[str, Any]] | None = None,
    web_search: bool = False,
    reasoning_effort: str | None = None,
) -> AsyncIterator[list[ThreadStreamEvent]]:
    """One Responses API answer, as lists of ChatKit events (one list per socket read)."""
    wire_tools = responses_tools(tools or [], web_search)
    reasoning_options: Reasoning | None = None
    if reasoning or reasoning_effort:
        reasoning_options = Reasoning(summary="auto")
        if reasoning_effort:
            reasoning_options["effort"] = reasoning_effort  # type: ignore[typeddict-item]
    extra: dict[str, Any] = {"input": items}  # see UNTRANSFORMED
    if wire_tools:
        extra["tools"] = wire_tools
    async with client.responses.with_streaming_response.create(
        model=model.model,
        input=[],
        extra_body=extra,
        instructions=instructions if instructions else omit,
        temperature=temperature if temperature is not None else omit,
        reasoning=reasoning_options if reasoning_options is not None else omit,
        store=False,
        stream=True,
    ) as response:
        completed = False
        failure: ProviderStreamError | None = None
        async for payloads in _read_payloads(response):
            events: list[ThreadStreamEvent] = []
            for payload in payloads:
                data = json.loads(payload)
                kind = data.get("type")
                if kind in ("response.output_text.delta", "response.refusal.delta"):
                    # A refusal is the model's answer too; show it as text.
                    answer.text_delta(data["delta"], events)
                elif kind == "response.reasoning_summary_text.delta":
                    key = (data.get("item_id"), data.get("summary_index"))
                    answer.reasoning_delta(data["delta"], key, events)
                elif kind == "response.output_text.annotation.added":
                    annotation = data.get("annotation") or {}
                    if annotation.get("type") == "url_citation":
                        answer.citation(annotation)
                elif kind == "response.output_item.added":
                    item = data.get("item") or {}
                    if item.get("type") == "function_call":
                        answer.tool_call_fragment(
                            item.get("id") or data.get("output_index"),
                            call_id=item.get("call_id"),
                            name=item.get("name"),
                            arguments=item.get("arguments"),
                        )
                elif kind == "response.function_call_arguments.delta":
                    answer.tool_call_fragment(
                        data.get("item_id") or data.get("output_index"),
                        call_id=None,
                        name=None,
                        arguments=data.get("delta"),
                    )
                elif kind == "response.output_item.done":
                    item = data.get("item") or {}
                    if item.get("type") == "message":
                        for part in item.get("content") or ():
                            for annotation in part.get("annotations") or ():
                                if annotation.get("type") == "url_citation":
                                    answer.citation(annotation)
                        events.extend(answer.finish())
                    elif item.get("type") == "function_call":
                        key = item.get("id") or data.get("output_index")
                        call = answer.tool_calls.get(key)
                        if call is None or (item.get("arguments") and not call.arguments):
                            answer.tool_calls.pop(key, None)
                            answer.tool_call_fragment(
                                key,
                                call_id=item.get("call_id"),
                                name=item.get("name"),
                                arguments=item.get("arguments"),
                            )
                elif kind in ("response.completed", "response.incomplete"):
                    completed = True
                    answer.usage.add(_usage_from((data.get("response") or {}).get("usage")))
                elif kind == "response.failed":
                    error = (data.get("response") or {}).get("error") or {}
                    failure = ProviderStreamError(str(error.get("message") or "the answer failed"))
                    break
                elif kind == "error":
                    failure = ProviderStreamError(str(data.get("message") or "unknown error"))
                    break
            answer.flush(events)
            if events:
                yield events
            if failure is not None:
                raise failure
        if not completed:
            raise StreamEndedEarly
        if finished := answer.finish():
            yield finished


async def stream_chat(
    client: AsyncOpenAI,
    model: ResolvedModel,
    items: list[InputItem],
    *,
    instructions: str | None,
    temperature: float | None,
    answer: AnswerBuilder,
    tools: list[dict[str, Any]] | None = None,
    reasoning_effort: str | None = None,
) -> AsyncIterator[list[ThreadStreamEvent]]:
    """One Chat Completions answer, as lists of ChatKit events (one list per socket read)."""
    extra: dict[str, Any] = {"messages": chat_messages(items, instructions)}  # UNTRANSFORMED
    if tools:
        extra["tools"] = chat_tools(tools)
    if reasoning_effort:
        extra["reasoning_effort"] = reasoning_effort
    async with client.chat.completions.with_streaming_response.create(
        model=model.model,
        messages=[],
        extra_body=extra,
        temperature=temperature if temperature is not None else omit,
        stream=True,
        stream_options={"include_usage": True},
    ) as response:
        done = False
        finished = False
        think = ThinkSplitter()
        failure: ProviderStreamError | None = None
        async for payloads in _read_payloads(response):
            events: list[ThreadStreamEvent] = []
            for payload in payloads:
                if payload == b"[DONE]" or done:
                    # Read on to the end of the body (nothing follows) so the
                    # connection goes back to the pool instead of being closed.
                    done = True
                    continue
                data = json.loads(payload)
                if "error" in data and not data.get("choices"):
                    error = data["error"]
                    message = error.get("message") if isinstance(error, dict) else str(error)
                    failure = ProviderStreamError(str(message or "unknown error"))
                    break
                if data.get("usage"):
                    answer.usage.add(_usage_from(data["usage"]))
                for choice in data.get("choices") or ():
                    delta = choice.get("delta") or {}
                    for fragment in delta.get("tool_calls") or ():
                        function = fragment.get("function") or {}
                        answer.tool_call_fragment(
                            ("chat", choice.get("index", 0), fragment.get("index", 0)),
                            call_id=fragment.get("id"),
                            name=function.get("name"),
                            arguments=function.get("arguments"),
                        )
                    for field in CHAT_REASONING_FIELDS:
                        reasoning = delta.get(field)
                        if reasoning and isinstance(reasoning, str):
                            answer.reasoning_delta(reasoning, field, events)
                    content = delta.get("content") or delta.get("refusal")
                    if content and isinstance(content, str):
                        for thinking, piece in think.feed(content):
                            if thinking:
                                answer.reasoning_delta(piece, "think", events)
                            else:
                                answer.text_delta(piece, events)
                    if choice.get("finish_reason"):
                        finished = True
            answer.flush(events)
            if events:
                yield events  # what arrived before a failure is kept
            if failure is not None:
                raise failure
        if not (done or finished):
            raise StreamEndedEarly
        tail: list[ThreadStreamEvent] = []
        for thinking, piece in think.flush():
            if thinking:
                answer.reasoning_delta(piece, "think", tail)
            else:
                answer.text_delta(piece, tail)
        answer.flush(tail)
        if tail:
            yield tail
        if closing := answer.finish():
            yield closing
