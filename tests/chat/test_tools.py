"""Tool calling through the turn engine, on both wire APIs, against the fake upstream.

The upstream checks, as real providers do, that every tool call in a request's
history has its result (a 400 otherwise), so a history that loses or reorders a
call fails these tests. Tools come from ``LocalTools``, a real ``ToolBox`` (the
contract in kitdesk/tools/base.py) whose tools run here; the MCP tool box has
its own tests against real MCP servers in tests/tools/.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from chatkit.types import (
    ClientToolCallItem,
    ThreadItemDoneEvent,
    WidgetItem,
    WorkflowItem,
)
from kitdesk.chat.history import TOOL_ACTIVITY_PREFIX
from kitdesk.chat.tool_ui import APPROVAL_ACTION
from kitdesk.paths import Paths
from kitdesk.settings import Provider
from kitdesk.tools.base import ToolResult, ToolSpec

from tests.responder_harness import Kitdesk, decode_sse, provider_for, start_kitdesk
from tests.upstream import ToolCall, Turn, Upstream

OBJECT = {"type": "object", "properties": {"text": {"type": "string"}}}


class LocalTools:
    """A tool box with tools that run in this process: echo, add, slow, and a guarded one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.slow_started = threading.Event()
        self.slow_cancelled = threading.Event()

    async def specs(self, enabled_servers: list[str] | None) -> list[ToolSpec]:
        def spec(name: str, approval: str = "allow") -> ToolSpec:
            return ToolSpec(
                name=name,
                description=f"The {name} tool.",
                parameters=OBJECT,
                server_id="local",
                server_name="Local tools",
                approval=approval,  # type: ignore[arg-type]
            )

        return [spec("local__echo"), spec("local__slow"), spec("local__guarded", "ask")]

    def problems(self) -> list[str]:
        return []

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        self.calls.append((name, arguments))
        if name == "local__slow":
            self.slow_started.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                self.slow_cancelled.set()
                raise
        return ToolResult(f"{name.removeprefix('local__')}: {arguments.get('text', '')}")

    async def aclose(self) -> None:
        return None


@pytest.fixture(params=["openai", "ollama"])
def app(
    request: pytest.FixtureRequest, kitdesk_home: Paths, upstream: Upstream
) -> Iterator[Kitdesk]:
    """Kitdesk on the Responses API (openai) or Chat Completions (ollama), with LocalTools."""
    kitdesk = start_kitdesk(kitdesk_home, upstream, kind=request.param, auto_title=False)
    kitdesk.chat_server.engine.toolbox = LocalTools()
    try:
        yield kitdesk
    finally:
        kitdesk.close()


def tools_of(app: Kitdesk) -> LocalTools:
    toolbox = app.chat_server.engine.toolbox
    assert isinstance(toolbox, LocalTools)
    return toolbox


def sent_tool_results(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(call id, output) pairs a model request carried, in either wire format."""
    if "input" in body:
        return [
            (item["call_id"], item["output"])
            for item in body["input"]
            if item.get("type") == "function_call_output"
        ]
    return [(m["tool_call_id"], m["content"]) for m in body["messages"] if m["role"] == "tool"]


def offered_tools(body: dict[str, Any]) -> list[str]:
    tools = body.get("tools") or []
    return [t.get("name") or t.get("function", {}).get("name") for t in tools]


def test_a_tool_call_runs_and_the_answer_uses_its_result(app: Kitdesk) -> None:
    app.upstream.script(
        Turn(
            text="Let me check.",
            tool_calls=[ToolCall("local__echo", '{"text": "hi"}', call_id="c1")],
        ),
        Turn(text="The tool said hi."),
    )
    answer = app.send("use the tool")
    assert answer.errors == []
    assert answer.text == "Let me check.The tool said hi."
    first, second = app.upstream.chat_requests
    assert "local__echo" in offered_tools(first.json)
    assert sent_tool_results(second.json) == [("c1", "echo: hi")]
    assert tools_of(app).calls == [("local__echo", {"text": "hi"})]

    items = app.items(answer.thread_id)
    calls = [i for i in items if isinstance(i, ClientToolCallItem)]
    assert [(c.status, c.name, c.arguments, c.output) for c in calls] == [
        ("completed", "local__echo", {"text": "hi"}, "echo: hi")
    ]
    activity = [
        i for i in items if isinstance(i, WorkflowItem) and i.id.startswith(TOOL_ACTIVITY_PREFIX)
    ]
    assert len(activity) == 1 and activity[0].workflow.expanded is False
    task = activity[0].workflow.tasks[0]
    assert task.title == "echo (Local tools)" and "echo: hi" in (task.content or "")  # type: ignore[union-attr]


def test_parallel_calls_all_run_and_all_results_go_back(app: Kitdesk) -> None:
    app.upstream.script(
        Turn(
            tool_calls=[
                ToolCall("local__echo", '{"text": "one"}', call_id="a"),
                ToolCall("local__echo", '{"text": "two"}', call_id="b"),
            ]
        ),
        Turn(text="Both done."),
    )
    answer = app.send("two at once")
    assert answer.errors == [] and answer.text == "Both done."
    assert sent_tool_results(app.upstream.chat_requests[1].json) == [
        ("a", "echo: one"),
        ("b", "echo: two"),
    ]


def test_malformed_arguments_and_unknown_tools_are_answered_as_tool_errors(app: Kitdesk) -> None:
    app.upstream.script(
        Turn(
            tool_calls=[
                ToolCall("local__echo", '{"text": "unclosed', call_id="bad"),
                ToolCall("no_such_tool", "{}", call_id="unknown"),
            ]
        ),
        Turn(text="Sorry about that."),
    )
    answer = app.send("break things")
    assert answer.errors == [] and answer.text == "Sorry about that."
    results = dict(sent_tool_results(app.upstream.chat_requests[1].json))
    assert results["bad"].startswith("Error: The arguments are not valid JSON")
    assert results["unknown"].startswith("Error: There is no tool named “no_such_tool”")
    assert tools_of(app).calls == []  # neither reached a tool


def test_a_model_that_never_stops_calling_tools_is_stopped_at_the_step_limit(app: Kitdesk) -> None:
    app.update_settings(tool_step_limit=3)
    app.upstream.script(
        *[Turn(tool_calls=[ToolCall("local__echo", '{"text": "again"}')]) for _ in range(5)]
    )
    answer = app.send("loop forever")
    assert len(app.upstream.chat_requests) == 3
    assert [e.message for e in answer.errors] == [
        "Kitdesk stopped after 3 tool steps, the limit set in Settings. "
        "Send another message to let the model go on, or raise the limit."
    ]
    # What was done is kept, and the next turn's history is complete (the upstream checks).
    assert len([i for i in app.items(answer.thread_id) if isinstance(i, ClientToolCallItem)]) == 3
    app.upstream.script(Turn(text="Stopped."))
    assert app.send("ok, stop", answer.thread_id).text == "Stopped."


def test_tool_history_survives_a_switch_between_wire_apis(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    other: Provider = provider_for("ollama", upstream.base_url, model="llama-test")
    app = start_kitdesk(kitdesk_home, upstream, kind="openai", extra=[other], auto_title=False)
    app.chat_server.engine.toolbox = LocalTools()
    upstream.require_key = None  # the local provider sends no key
    try:
        upstream.script(
            Turn(tool_calls=[ToolCall("local__echo", '{"text": "first"}', call_id="r1")]),
            Turn(text="Responses answer."),
            Turn(tool_calls=[ToolCall("local__echo", '{"text": "second"}', call_id="c2")]),
            Turn(text="Chat answer."),
            Turn(text="Back on Responses."),
        )
        first = app.send("on OpenAI")
        second = app.send("now on Ollama", first.thread_id, model="ollama::llama-test")
        third = app.send("and back", first.thread_id, model="openai::gpt-test")
    finally:
        app.close()
    assert [first.text, second.text, third.text] == [
        "Responses answer.",
        "Chat answer.",
        "Back on Responses.",
    ]
    requests = upstream.chat_requests
    assert [r.path.rsplit("/", 1)[-1] for r in requests] == [
        "responses",
        "responses",
        "completions",
        "completions",
        "responses",
    ]
    # The Chat Completions request carries the call made on the Responses API...
    chat_history = requests[2].json["messages"]
    calls = [m for m in chat_history if m.get("tool_calls")]
    assert calls[0]["tool_calls"][0]["id"] == "r1"
    assert sent_tool_results(requests[2].json) == [("r1", "echo: first")]
    # ...and the last Responses request both calls, each with its result.
    assert sent_tool_results(requests[4].json) == [("r1", "echo: first"), ("c2", "echo: second")]


def approval_card(answer_events: list[Any]) -> WidgetItem:
    cards = [
        e.item
        for e in answer_events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WidgetItem)
    ]
    assert len(cards) == 1
    return cards[0]


def decide(app: Kitdesk, thread_id: str, card: WidgetItem, decision: str) -> Any:
    return app.stream(
        "threads.custom_action",
        thread_id=thread_id,
        item_id=card.id,
        action={"type": APPROVAL_ACTION, "payload": {"call_id": "g1", "decision": decision}},
    )


@pytest.mark.parametrize("decision", ["once", "always", "deny"])
def test_a_tool_that_asks_waits_for_the_person(app: Kitdesk, decision: str) -> None:
    app.upstream.script(
        Turn(tool_calls=[ToolCall("local__guarded", '{"text": "secret"}', call_id="g1")]),
        Turn(text="Finished."),
    )
    asked = app.send("use the guarded tool")
    assert asked.errors == []
    card = approval_card(asked.events)
    assert "Allow guarded (Local tools)?" in card.widget.model_dump_json()
    assert tools_of(app).calls == []  # nothing runs before the answer
    assert len(app.upstream.chat_requests) == 1

    resumed = decide(app, asked.thread_id, card, decision)
    assert resumed.errors == [] and resumed.text == "Finished."
    results = sent_tool_results(app.upstream.chat_requests[1].json)
    if decision == "deny":
        assert tools_of(app).calls == []
        assert results == [("g1", "Error: The person denied this tool call. It was not run.")]
    else:
        assert tools_of(app).calls == [("local__guarded", {"text": "secret"})]
        assert results == [("g1", "guarded: secret")]
    stored = [i for i in app.items(asked.thread_id) if isinstance(i, WidgetItem)]
    assert "Allow once" not in stored[0].widget.model_dump_json()  # the card shows the decision

    # Answering twice does nothing more.
    again = decide(app, asked.thread_id, card, decision)
    assert [e.message for e in again.errors] == [
        "This request was already answered, or a newer message replaced it."
    ]

    # "Always" lets the tool run without a card in this chat from now on.
    app.upstream.script(
        Turn(tool_calls=[ToolCall("local__guarded", '{"text": "again"}', call_id="g2")]),
        Turn(text="Second."),
    )
    later = app.send("once more", asked.thread_id)
    cards = [
        e
        for e in later.events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WidgetItem)
    ]
    assert bool(cards) is (decision != "always")


def test_a_new_message_retires_the_unanswered_card(app: Kitdesk) -> None:
    app.upstream.script(
        Turn(tool_calls=[ToolCall("local__guarded", '{"text": "secret"}', call_id="g1")]),
        Turn(text="Without the tool."),
    )
    asked = app.send("use the guarded tool")
    card = approval_card(asked.events)
    later = app.send("never mind", asked.thread_id)
    assert later.errors == [] and later.text == "Without the tool."
    stored = [i for i in app.items(asked.thread_id) if isinstance(i, WidgetItem)]
    assert [i.id for i in stored] == [card.id]
    shown = stored[0].widget.model_dump_json()
    assert "Allow once" not in shown and "Not answered: a newer message came first." in shown
    assert tools_of(app).calls == []
    too_late = decide(app, asked.thread_id, card, "once")
    assert [e.message for e in too_late.errors] == [
        "This request was already answered, or a newer message replaced it."
    ]
    assert tools_of(app).calls == []


def test_stopping_during_a_tool_call_cancels_it_and_keeps_what_was_done(app: Kitdesk) -> None:
    tools = tools_of(app)
    app.upstream.script(
        Turn(
            text="Working on it.",
            tool_calls=[
                ToolCall("local__echo", '{"text": "quick"}', call_id="q"),
                ToolCall("local__slow", '{"text": "slow"}', call_id="s"),
            ],
        ),
    )
    body = {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": "go"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
    raw = b""
    with app.client.stream("POST", "/chatkit", content=json.dumps(body)) as response:
        for chunk in response.iter_bytes():
            raw += chunk
            if tools.slow_started.is_set():
                break  # the person presses Stop while the slow tool runs
    assert tools.slow_cancelled.wait(10), "the running tool call was not cancelled"
    thread_id = decode_sse(raw)[0].thread.id  # type: ignore[union-attr]

    def settled() -> list[Any]:
        items = app.items(thread_id)
        assert any(isinstance(i, ClientToolCallItem) for i in items)
        return items

    items = _eventually(settled)
    calls = [i for i in items if isinstance(i, ClientToolCallItem)]
    assert [(c.call_id, c.output) for c in calls] == [("q", "echo: quick")]
    assert any(getattr(i, "content", None) and "Working on it." in str(i.content) for i in items)
    # The next turn's history is complete: the cancelled call is not in it.
    app.upstream.script(Turn(text="Fine."))
    assert app.send("never mind", thread_id).text == "Fine."


def _eventually(check: Any, timeout: float = 10.0) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_no_tools_means_no_tools_parameter(kitdesk_home: Paths, upstream: Upstream) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="ollama", auto_title=False)
    try:
        upstream.script(Turn(text="Plain."))
        assert app.send("hello").text == "Plain."
    finally:
        app.close()
    assert "tools" not in upstream.chat_requests[0].json
