"""Tool calls on the fake upstream: scripting them in both wire formats, and checking history.

A scripted ``Turn(tool_calls=[ToolCall(...)])`` answers with function calls:

- Responses: a ``function_call`` output item per call, streamed as
  ``response.output_item.added``, ``response.function_call_arguments.delta`` (one
  per argument fragment), ``.done`` and ``response.output_item.done``;
- Chat Completions: ``tool_calls`` deltas (the first carries index, id, type and
  name; the rest argument fragments), then ``finish_reason: "tool_calls"``.

Several calls in one turn are parallel calls. ``arguments`` is raw text, so
malformed JSON and unknown tool names are expressed as they come from a model.

``missing_tool_result()`` is the check real providers make on the request: every
tool call in the history needs its result (and every result its call), or the
request is refused with a 400 in OpenAI's error shape.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall
from openai.types.chat.chat_completion_message_function_tool_call import (
    ChatCompletionMessageFunctionToolCall,
)
from openai.types.responses import (
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
)
from pydantic import BaseModel
from starlette.responses import JSONResponse

from tests.upstream_errors import openai_error


@dataclass
class ToolCall:
    """One function call the scripted model makes."""

    name: str
    arguments: str = "{}"  # raw text as the model writes it; need not be valid JSON
    # Argument fragments to stream; default: ``arguments`` in three pieces.
    fragments: list[str] | None = None
    call_id: str | None = None  # default: a fresh call_... id per answer


@dataclass
class ScriptedCall:
    """A ToolCall as sent in one answer, with its ids fixed."""

    call: ToolCall
    call_id: str
    item_id: str = field(default_factory=lambda: f"fc_{uuid.uuid4().hex}")

    @property
    def fragments(self) -> list[str]:
        if self.call.fragments is not None:
            return list(self.call.fragments)
        text = self.call.arguments
        size = max(1, -(-len(text) // 3))
        return [text[i : i + size] for i in range(0, len(text), size)] or [""]

    def responses_item(self, complete: bool) -> ResponseFunctionToolCall:
        return ResponseFunctionToolCall(
            arguments=self.call.arguments if complete else "",
            call_id=self.call_id,
            name=self.call.name,
            type="function_call",
            id=self.item_id,
            status="completed" if complete else "in_progress",
        )

    def chat_message_call(self) -> ChatCompletionMessageFunctionToolCall:
        return ChatCompletionMessageFunctionToolCall.model_validate(
            {
                "id": self.call_id,
                "type": "function",
                "function": {"name": self.call.name, "arguments": self.call.arguments},
            }
        )


def fix_ids(calls: list[ToolCall]) -> list[ScriptedCall]:
    return [ScriptedCall(call, call.call_id or f"call_{uuid.uuid4().hex[:24]}") for call in calls]


def responses_call_events(call: ScriptedCall, output_index: int) -> list[BaseModel]:
    """The Responses events of one function call item (sequence numbers set by the caller)."""
    events: list[BaseModel] = [
        ResponseOutputItemAddedEvent(
            item=call.responses_item(complete=False),
            output_index=output_index,
            sequence_number=0,
            type="response.output_item.added",
        )
    ]
    events += [
        ResponseFunctionCallArgumentsDeltaEvent(
            delta=fragment,
            item_id=call.item_id,
            output_index=output_index,
            sequence_number=0,
            type="response.function_call_arguments.delta",
        )
        for fragment in call.fragments
    ]
    events.append(
        ResponseFunctionCallArgumentsDoneEvent(
            arguments=call.call.arguments,
            item_id=call.item_id,
            output_index=output_index,
            sequence_number=0,
            type="response.function_call_arguments.done",
        )
    )
    events.append(
        ResponseOutputItemDoneEvent(
            item=call.responses_item(complete=True),
            output_index=output_index,
            sequence_number=0,
            type="response.output_item.done",
        )
    )
    return events


def chat_tool_call_deltas(calls: list[ScriptedCall]) -> list[list[dict[str, Any]]]:
    """The ``delta.tool_calls`` lists to send, one per chunk: each call's head, then fragments."""
    chunks: list[list[dict[str, Any]]] = []
    for index, call in enumerate(calls):
        head = ChoiceDeltaToolCall.model_validate(
            {
                "index": index,
                "id": call.call_id,
                "type": "function",
                "function": {"name": call.call.name, "arguments": ""},
            }
        )
        chunks.append([head.model_dump(mode="json", exclude_none=True)])
        chunks += [
            [{"index": index, "function": {"arguments": fragment}}] for fragment in call.fragments
        ]
    return chunks


# --- the history check ------------------------------------------------------------


def missing_tool_result(path: str, body: dict[str, Any]) -> JSONResponse | None:
    """The 400 a real provider answers when a tool call lacks its result (or the reverse)."""
    if path.endswith("/responses"):
        return _responses_check(body.get("input"))
    if path.endswith("/chat/completions"):
        return _chat_check(body.get("messages"))
    return None


def _responses_check(items: Any) -> JSONResponse | None:
    if not isinstance(items, list):
        return None
    calls: list[str] = []
    outputs: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call":
            calls.append(str(item.get("call_id")))
        elif item.get("type") == "function_call_output":
            call_id = str(item.get("call_id"))
            if call_id not in calls:
                message = f"No tool call found for function call output with call_id {call_id}."
                return openai_error(400, message, param="input")
            outputs.add(call_id)
    for call_id in calls:
        if call_id not in outputs:
            return openai_error(
                400, f"No tool output found for function call {call_id}.", param="input"
            )
    return None


def _chat_check(messages: Any) -> JSONResponse | None:
    if not isinstance(messages, list):
        return None
    pending: list[str] = []
    pending_at = 0
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role == "tool":
            call_id = str(message.get("tool_call_id"))
            if call_id not in pending:
                return openai_error(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    param=f"messages.[{index}].role",
                )
            pending.remove(call_id)
            continue
        if pending:
            break
        if role == "assistant" and message.get("tool_calls"):
            pending = [str(call.get("id")) for call in message["tool_calls"]]
            pending_at = index
    if pending:
        return openai_error(
            400,
            "An assistant message with 'tool_calls' must be followed by tool messages "
            "responding to each 'tool_call_id'. The following tool_call_ids did not have "
            f"response messages: {', '.join(pending)}",
            param=f"messages.[{pending_at}].role",
        )
    return None
