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

Plain-text turns use this path; the Agents SDK path remains for turns that
need its machinery (tool calls).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import openai
from agents import TResponseInputItem
from chatkit.store import StoreItemType
from chatkit.types import (
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
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)
from openai import AsyncOpenAI, omit
from openai.types.shared_params import Reasoning

from kitdesk.chat.history import chat_messages
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


class AnswerBuilder:
    """Turns text and reasoning fragments into ChatKit events for one answer."""

    def __init__(self, thread_id: str, new_id: NewId) -> None:
        self.thread_id = thread_id
        self.new_id = new_id
        self.message: AssistantMessageItem | None = None
        self.text: list[str] = []
        self.pending: list[str] = []
        self.workflow: WorkflowItem | None = None
        self.thought: ThoughtTask | None = None
        self.thought_key: object = None

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
        content = AssistantMessageContent(text="".join(self.text), annotations=[])
        events.append(
            ThreadItemUpdatedEvent(
                item_id=message.id,
                update=AssistantMessageContentPartDone(content_index=0, content=content),
            )
        )
        events.append(ThreadItemDoneEvent(item=message.model_copy(update={"content": [content]})))
        self.message = None
        return events


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


async def stream_responses(
    client: AsyncOpenAI,
    model: ResolvedModel,
    items: list[TResponseInputItem],
    *,
    instructions: str | None,
    temperature: float | None,
    reasoning: bool,
    answer: AnswerBuilder,
) -> AsyncIterator[list[ThreadStreamEvent]]:
    """One Responses API answer, as lists of ChatKit events (one list per socket read)."""
    async with client.responses.with_streaming_response.create(
        model=model.model,
        input=[],
        extra_body={"input": items},  # see UNTRANSFORMED
        instructions=instructions if instructions else omit,
        temperature=temperature if temperature is not None else omit,
        reasoning=Reasoning(summary="auto") if reasoning else omit,
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
                elif kind == "response.output_item.done":
                    if (data.get("item") or {}).get("type") == "message":
                        events.extend(answer.finish())
                elif kind in ("response.completed", "response.incomplete"):
                    completed = True
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
    items: list[TResponseInputItem],
    *,
    instructions: str | None,
    temperature: float | None,
    answer: AnswerBuilder,
) -> AsyncIterator[list[ThreadStreamEvent]]:
    """One Chat Completions answer, as lists of ChatKit events (one list per socket read)."""
    messages = chat_messages(items, instructions)
    async with client.chat.completions.with_streaming_response.create(
        model=model.model,
        messages=[],
        extra_body={"messages": messages},  # see UNTRANSFORMED
        temperature=temperature if temperature is not None else omit,
        stream=True,
    ) as response:
        done = False
        finished = False
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
                for choice in data.get("choices") or ():
                    delta = choice.get("delta") or {}
                    for field in CHAT_REASONING_FIELDS:
                        reasoning = delta.get(field)
                        if reasoning and isinstance(reasoning, str):
                            answer.reasoning_delta(reasoning, field, events)
                    content = delta.get("content") or delta.get("refusal")
                    if content and isinstance(content, str):
                        answer.text_delta(content, events)
                    if choice.get("finish_reason"):
                        finished = True
            answer.flush(events)
            if events:
                yield events  # what arrived before a failure is kept
            if failure is not None:
                raise failure
        if not (done or finished):
            raise StreamEndedEarly
        if closing := answer.finish():
            yield closing
