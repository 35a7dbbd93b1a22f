"""The lean streaming path: provider SSE bytes -> ChatKit events, with little per-delta work.

Why not only the Agents SDK: measured here (tests/bench/bench_relay.py), an
Agents SDK run costs several milliseconds of set-up per turn and builds a
pydantic event per provider delta at every layer, so relaying plain text
topped out far below the 20,000 deltas/s target. Worse, when a provider
drops the connection, ``RunResultStreaming.stream_events()`` raises without
yielding the deltas it had already queued, so a "kept" partial answer lost
its tail.

Here the request goes to the provider's endpoint (``providers/endpoint.py``:
auth, base URL, Azure query; failures as ``providers/provider_errors.py``
types) without the ``openai`` client or its typed layers, and the body is read
as raw bytes. Every read returns whatever the socket has, often many SSE events;
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
from collections.abc import AsyncGenerator
from typing import Any

from chatkit.types import ThreadStreamEvent

from kitdesk.chat.answer import AnswerBuilder, NewId, ThinkSplitter, ToolCall, Usage
from kitdesk.chat.chat_wire import chat_messages
from kitdesk.chat.history import InputItem
from kitdesk.chat.sse import ProviderStreamError, StreamEndedEarly, read_payloads
from kitdesk.providers.endpoint import ProviderEndpoint
from kitdesk.providers.resolver import ResolvedModel

__all__ = [
    "AnswerBuilder",
    "NewId",
    "ProviderStreamError",
    "StreamEndedEarly",
    "ToolCall",
    "Usage",
    "stream_chat",
    "stream_responses",
]

# Where OpenAI-compatible servers put reasoning text in a Chat Completions delta:
# vLLM / DeepSeek use reasoning_content, Ollama / OpenRouter use reasoning.
CHAT_REASONING_FIELDS = ("reasoning_content", "reasoning")


# UNTRANSFORMED: the body is sent as is. (The openai client's typed parameters,
# used here before, walked every value against its TypedDict annotation before
# sending: measured at about 0.25 ms per message, 55 ms for a 200-message
# thread, on every turn.) Our items are already in wire form.


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
    endpoint: ProviderEndpoint,
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
) -> AsyncGenerator[list[ThreadStreamEvent], None]:
    """One Responses API answer, as lists of ChatKit events (one list per socket read)."""
    wire_tools = responses_tools(tools or [], web_search)
    reasoning_options: dict[str, str] | None = None
    if reasoning or reasoning_effort:
        reasoning_options = {"summary": "auto"}
        if reasoning_effort:
            reasoning_options["effort"] = reasoning_effort
    extra: dict[str, Any] = {"model": model.model, "input": items, "stream": True}  # UNTRANSFORMED
    if instructions:
        extra["instructions"] = instructions
    if temperature is not None:
        extra["temperature"] = temperature
    if reasoning_options is not None:
        extra["reasoning"] = reasoning_options
    extra["store"] = False
    if wire_tools:
        extra["tools"] = wire_tools
    request = endpoint.request("/responses", extra)
    del extra  # sent as bytes: the body's dicts need not live while the answer streams
    async with endpoint.stream(request) as response:
        completed = False
        failure: ProviderStreamError | None = None
        async for payloads in read_payloads(response):
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
    endpoint: ProviderEndpoint,
    model: ResolvedModel,
    items: list[InputItem],
    *,
    instructions: str | None,
    temperature: float | None,
    answer: AnswerBuilder,
    tools: list[dict[str, Any]] | None = None,
    reasoning_effort: str | None = None,
) -> AsyncGenerator[list[ThreadStreamEvent], None]:
    """One Chat Completions answer, as lists of ChatKit events (one list per socket read)."""
    extra: dict[str, Any] = {
        "model": model.model,
        "messages": chat_messages(items, instructions),
        "stream": True,
    }  # UNTRANSFORMED
    if temperature is not None:
        extra["temperature"] = temperature
    extra["stream_options"] = {"include_usage": True}
    if tools:
        extra["tools"] = chat_tools(tools)
    if reasoning_effort:
        extra["reasoning_effort"] = reasoning_effort
    request = endpoint.request("/chat/completions", extra)
    del extra  # sent as bytes: the history's chat-form copy need not live while it streams
    async with endpoint.stream(request) as response:
        done = False
        finished = False
        think = ThinkSplitter()
        failure: ProviderStreamError | None = None
        async for payloads in read_payloads(response):
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
