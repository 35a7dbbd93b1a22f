"""Scripted tool calls on the fake upstream, read back through the real ``openai`` client.

Both wire formats (Responses ``function_call`` items, Chat Completions
``tool_calls`` deltas), single and parallel calls, malformed arguments and
unknown tool names as a model sends them, and the providers' history check:
every tool call needs its result, or the request is a 400.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from openai import AsyncOpenAI
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from tests.upstream import ToolCall, Turn, Upstream

TOOLS_RESPONSES: Any = [
    {"type": "function", "name": "echo", "parameters": {"type": "object", "properties": {}}}
]
TOOLS_CHAT: Any = [
    {"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}
]


def client(upstream: Upstream) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=upstream.base_url, api_key="k", max_retries=0, timeout=5)


async def test_responses_single_call_streams_typed_events(upstream: Upstream) -> None:
    upstream.script(
        Turn(
            tool_calls=[
                ToolCall("echo", '{"text": "hi there"}', fragments=['{"te', 'xt": "hi', ' there"}'])
            ]
        )
    )
    stream = await client(upstream).responses.create(
        model="gpt-test", input="call echo", tools=TOOLS_RESPONSES, stream=True
    )
    types: list[str] = []
    arguments: list[str] = []
    final = None
    async for event in stream:
        types.append(event.type)
        if event.type == "response.function_call_arguments.delta":
            arguments.append(event.delta)
        elif event.type == "response.completed":
            final = event.response
    assert arguments == ['{"te', 'xt": "hi', ' there"}']
    assert types[2:] == [
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert final is not None and len(final.output) == 1
    call = final.output[0]
    assert isinstance(call, ResponseFunctionToolCall)
    assert (call.name, json.loads(call.arguments)) == ("echo", {"text": "hi there"})
    assert call.call_id.startswith("call_") and call.status == "completed"


async def test_responses_stream_helper_accepts_parallel_calls_after_text(
    upstream: Upstream,
) -> None:
    upstream.script(
        Turn(
            text="Checking two things.",
            tool_calls=[ToolCall("echo", '{"text": "a"}'), ToolCall("add", '{"a": 1, "b": 2}')],
        )
    )
    async with client(upstream).responses.stream(
        model="gpt-test", input="go", tools=TOOLS_RESPONSES
    ) as stream:
        final = await stream.get_final_response()
    message, first, second = final.output
    assert isinstance(message, ResponseOutputMessage)
    assert final.output_text == "Checking two things."
    assert isinstance(first, ResponseFunctionToolCall) and isinstance(
        second, ResponseFunctionToolCall
    )
    assert [first.name, second.name] == ["echo", "add"]
    assert first.call_id != second.call_id


@pytest.mark.parametrize(
    ("name", "arguments"),
    [("echo", '{"text": "unterminated'), ("no_such_tool", "{}"), ("echo", "")],
)
async def test_malformed_arguments_and_unknown_tools_arrive_as_sent(
    upstream: Upstream, name: str, arguments: str
) -> None:
    upstream.script(Turn(tool_calls=[ToolCall(name, arguments)]))
    response = await client(upstream).responses.create(model="gpt-test", input="x")
    call = response.output[0]
    assert isinstance(call, ResponseFunctionToolCall)
    assert (call.name, call.arguments) == (name, arguments)
    upstream.script(Turn(tool_calls=[ToolCall(name, arguments)]))
    completion = await client(upstream).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "x"}]
    )
    chat_call = (completion.choices[0].message.tool_calls or [])[0]
    assert chat_call.type == "function"
    assert (chat_call.function.name, chat_call.function.arguments) == (name, arguments)
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.choices[0].message.content is None


async def test_chat_streams_parallel_tool_call_deltas(upstream: Upstream) -> None:
    upstream.script(
        Turn(
            tool_calls=[
                ToolCall("echo", '{"text": "one"}'),
                ToolCall("add", '{"a": 2, "b": 3}', call_id="call_fixed"),
            ]
        )
    )
    stream = await client(upstream).chat.completions.create(
        model="gpt-test",
        messages=[{"role": "user", "content": "x"}],
        tools=TOOLS_CHAT,
        stream=True,
    )
    calls: dict[int, dict[str, str]] = {}
    content: list[str] = []
    finish = None
    async for chunk in stream:
        choice = chunk.choices[0]
        content += [choice.delta.content] if choice.delta.content else []
        for delta in choice.delta.tool_calls or []:
            entry = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            entry["id"] += delta.id or ""
            if delta.function is not None:
                entry["name"] += delta.function.name or ""
                entry["arguments"] += delta.function.arguments or ""
        finish = choice.finish_reason or finish
    assert content == [] and finish == "tool_calls"
    assert calls[0]["name"] == "echo" and json.loads(calls[0]["arguments"]) == {"text": "one"}
    assert calls[1] == {"id": "call_fixed", "name": "add", "arguments": '{"a": 2, "b": 3}'}
    assert calls[0]["id"].startswith("call_")


async def test_chat_stream_helper_accumulates_the_calls(upstream: Upstream) -> None:
    upstream.script(Turn(text="Sure.", tool_calls=[ToolCall("echo", '{"text": "x"}')]))
    async with client(upstream).chat.completions.stream(
        model="gpt-test", messages=[{"role": "user", "content": "x"}], tools=TOOLS_CHAT
    ) as stream:
        final = await stream.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Sure."
    assert [
        (c.function.name, c.function.arguments)
        for c in message.tool_calls or []
        if c.type == "function"
    ] == [("echo", '{"text": "x"}')]


def responses_history(with_output: bool) -> list[Any]:
    items: list[Any] = [
        {"role": "user", "content": "call echo"},
        {"type": "function_call", "call_id": "call_1", "name": "echo", "arguments": "{}"},
    ]
    if with_output:
        items.append({"type": "function_call_output", "call_id": "call_1", "output": "done"})
    return items


async def test_responses_history_needs_every_tool_result(upstream: Upstream) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client(upstream).responses.create(model="gpt-test", input=responses_history(False))
    assert caught.value.message.endswith("No tool output found for function call call_1.")
    assert caught.value.param == "input"
    orphan: Any = [{"type": "function_call_output", "call_id": "call_9", "output": "x"}]
    with pytest.raises(openai.BadRequestError, match="No tool call found"):
        await client(upstream).responses.create(model="gpt-test", input=orphan)
    upstream.script(Turn(text="All good."))
    answer = await client(upstream).responses.create(
        model="gpt-test", input=responses_history(True)
    )
    assert answer.output_text == "All good."
    assert upstream.pending == 0


def chat_history(answered: list[str]) -> list[Any]:
    calls = [
        {"id": call_id, "type": "function", "function": {"name": "echo", "arguments": "{}"}}
        for call_id in ("call_a", "call_b")
    ]
    messages: list[Any] = [
        {"role": "user", "content": "two calls"},
        {"role": "assistant", "content": None, "tool_calls": calls},
    ]
    messages += [{"role": "tool", "tool_call_id": call_id, "content": "ok"} for call_id in answered]
    return [*messages, {"role": "user", "content": "and now?"}]


async def test_chat_history_needs_every_tool_result(upstream: Upstream) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await client(upstream).chat.completions.create(
            model="gpt-test", messages=chat_history(["call_a"])
        )
    assert "did not have response messages: call_b" in caught.value.message
    assert caught.value.param == "messages.[1].role"
    stray: Any = [
        {"role": "user", "content": "x"},
        {"role": "tool", "tool_call_id": "call_z", "content": "?"},
    ]
    with pytest.raises(openai.BadRequestError, match="must be a response to a preceeding message"):
        await client(upstream).chat.completions.create(model="gpt-test", messages=stray)
    completion = await client(upstream).chat.completions.create(
        model="gpt-test", messages=chat_history(["call_b", "call_a"])
    )
    assert completion.choices[0].message.content == "Echo: and now?"


async def test_history_check_can_be_turned_off(upstream: Upstream) -> None:
    upstream.check_tool_results = False
    completion = await client(upstream).chat.completions.create(
        model="gpt-test", messages=chat_history([])
    )
    assert completion.choices[0].message.content == "Echo: and now?"


async def test_a_model_that_never_stops_calling_tools(upstream: Upstream) -> None:
    upstream.script(*[Turn(tool_calls=[ToolCall("echo", f'{{"n": {n}}}')]) for n in range(12)])
    history: list[Any] = [{"role": "user", "content": "loop"}]
    for _ in range(12):
        response = await client(upstream).responses.create(model="gpt-test", input=history)
        call = response.output[0]
        assert isinstance(call, ResponseFunctionToolCall)
        history += [
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "again"},
        ]
    assert upstream.pending == 0 and len(upstream.chat_requests) == 12
    assert len(upstream.chat_requests[-1].json["input"]) == 23
