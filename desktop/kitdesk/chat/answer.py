"""One streamed answer as ChatKit events, and what the engine needs after it.

``AnswerBuilder`` turns text and reasoning fragments into events (one text
delta event per socket read, however many provider deltas it held) and
collects the tool calls, the usage and the citations. ``ThinkSplitter``
separates inline ``<think>`` reasoning from answer text.

An answer has a size cap (text, reasoning and tool-call arguments together):
a provider that streams without end would otherwise fill memory and the
database. Past it the builder raises ``AnswerTooLong``; the turn keeps what
arrived, marked as cut off, and says why.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    ThreadStreamEvent,
    URLSource,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)

from kitdesk.chat.events import ItemAdded, ItemDone, ItemUpdated

NewId = Callable[[StoreItemType], str]

# About 250,000 tokens: more than any model writes in one answer today.
MAX_ANSWER_CHARS = 1_000_000


class AnswerTooLong(Exception):
    """The answer passed ``MAX_ANSWER_CHARS``; what arrived up to the cap is kept."""


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

    def __init__(self, thread_id: str, new_id: NewId, *, max_chars: int = MAX_ANSWER_CHARS) -> None:
        self.thread_id = thread_id
        self.new_id = new_id
        self.max_chars = max_chars
        self.size = 0  # characters received: text, reasoning and tool-call arguments
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
        events.append(ItemAdded(item=self.message))
        events.append(
            ItemUpdated(
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
        room = self.max_chars - self.size
        self.size += len(delta)
        if self.size > self.max_chars:
            self.text.append(delta[: max(room, 0)])  # kept up to the cap
            raise AnswerTooLong
        self.text.append(delta)
        self.pending.append(delta)

    def flush(self, events: list[ThreadStreamEvent]) -> None:
        if not self.pending or self.message is None:
            return
        delta = "".join(self.pending)
        self.pending.clear()
        events.append(
            ItemUpdated(
                item_id=self.message.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta),
            )
        )

    def reasoning_delta(self, delta: str, key: object, events: list[ThreadStreamEvent]) -> None:
        self._count(len(delta))
        self.flush(events)
        if self.workflow is None:
            self.workflow = WorkflowItem(
                id=self.new_id("workflow"),
                thread_id=self.thread_id,
                created_at=datetime.now(),
                workflow=Workflow(type="reasoning", tasks=[]),
            )
            events.append(ItemAdded(item=self.workflow))
        tasks = self.workflow.workflow.tasks
        if self.thought is None or key != self.thought_key:
            self.thought = ThoughtTask(content=delta)
            self.thought_key = key
            tasks.append(self.thought)
            events.append(
                ItemUpdated(
                    item_id=self.workflow.id,
                    update=WorkflowTaskAdded(task=self.thought, task_index=len(tasks) - 1),
                )
            )
        else:
            self.thought.content += delta
            events.append(
                ItemUpdated(
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
        return [ItemDone(item=workflow)]

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
            ItemUpdated(
                item_id=message.id,
                update=AssistantMessageContentPartDone(content_index=0, content=content),
            )
        )
        done = message.model_copy(update={"content": [content]})
        self.finished_messages.append(done)
        events.append(ItemDone(item=done))
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
            self._count(len(arguments))
            call.arguments += arguments

    def _count(self, chars: int) -> None:
        self.size += chars
        if self.size > self.max_chars:
            raise AnswerTooLong
