"""The Responses wire format of the fake upstream: one Turn as OpenAI's typed SSE events.

Events are built from the ``openai`` package's own pydantic types. For speed a
typed delta event is serialised once per stream and copied per delta.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

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

from tests.upstream_tools import ScriptedCall, fix_ids, responses_call_events
from tests.upstream_turn import (
    BURST_FRAMES,
    DELTA_MARK,
    SEQUENCE_MARK,
    Turn,
    UpstreamDisconnect,
    dump,
    split_words,
)


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
        self.calls: list[ScriptedCall] = fix_ids(turn.tool_calls)
        self.sent_text = ""
        self.failed = False

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
        if self.turn.has_message:
            output.append(self._message(text, complete))
        output += [call.responses_item(complete=True) for call in self.calls if complete]
        return output

    def _part(self, text: str) -> ResponseOutputText | ResponseOutputRefusal:
        if self.turn.refusal:
            return ResponseOutputRefusal(refusal=text, type="refusal")
        annotations = [self._citation(u, t, len(text)) for u, t in self.turn.citations if text]
        return ResponseOutputText(annotations=annotations, text=text, type="output_text")  # type: ignore[arg-type]

    @staticmethod
    def _citation(url: str, title: str, end: int) -> dict[str, Any]:
        return {
            "type": "url_citation",
            "url": url,
            "title": title,
            "start_index": 0,
            "end_index": end,
        }

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
        data = dump(event) if isinstance(event, BaseModel) else event
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
        if turn.has_message:
            async for frame in self._message_events(output_index):
                yield frame
            if self.failed:
                return
            output_index += 1
        for call in self.calls:
            for event in responses_call_events(call, output_index):
                yield self._frame(event)
            output_index += 1
        yield self._frame(
            ResponseCompletedEvent(
                response=self._response(
                    "completed", self._output(self.sent_text, True), usage=True
                ),
                sequence_number=0,
                type="response.completed",
            )
        )

    async def _message_events(self, output_index: int) -> AsyncIterator[bytes]:
        """The text message item: added, its deltas, done (or a scripted fault on the way)."""
        turn = self.turn
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
            template = dump(
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
            template = dump(
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
                self.failed = True
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
        self.sent_text = text
        for index, (url, title) in enumerate(turn.citations):
            yield self._frame(
                {
                    "type": "response.output_text.annotation.added",
                    "item_id": self.message_id,
                    "output_index": output_index,
                    "content_index": 0,
                    "annotation_index": index,
                    "annotation": self._citation(url, title, len(text)),
                }
            )
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
