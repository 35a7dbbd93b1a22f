"""MCP servers in a chat turn: the real app (app.py wiring), the real stdio test server,
the fake upstream scripting tool calls on both wire APIs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chatkit.types import NoticeEvent
from kitdesk.paths import Paths
from kitdesk.tools.mcp_config import McpServer

from tests.mcp_servers import stdio_launch
from tests.responder_harness import Answer, Kitdesk, start_kitdesk
from tests.upstream import ToolCall, Turn, Upstream


def stdio_server(server_id: str, name: str, extra_args: list[str] | None = None) -> McpServer:
    launch = stdio_launch(extra_args=extra_args)
    return McpServer(
        id=server_id,
        name=name,
        command=launch.command,
        args=launch.args,
        env=launch.env,
        approval="allow",
    )


@pytest.fixture(params=["openai", "ollama"])
def app(
    request: pytest.FixtureRequest, kitdesk_home: Paths, upstream: Upstream
) -> Iterator[Kitdesk]:
    servers = [
        stdio_server("tests", "Test tools"),
        stdio_server("broken", "Broken tools", ["--exit-at-start", "3"]),
    ]
    kitdesk = start_kitdesk(
        kitdesk_home, upstream, kind=request.param, auto_title=False, mcp_servers=servers
    )
    try:
        yield kitdesk
    finally:
        kitdesk.close()


def offered_tools(body: dict[str, Any]) -> list[str]:
    tools = body.get("tools") or []
    return [t.get("name") or t.get("function", {}).get("name") for t in tools]


def tool_outputs(body: dict[str, Any]) -> list[str]:
    if "input" in body:
        return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def notices(answer: Answer) -> list[str]:
    return [e.message for e in answer.events if isinstance(e, NoticeEvent)]


def send_with_tool_choice(app: Kitdesk, text: str, choice: str) -> Answer:
    message = {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {"tool_choice": {"id": choice}},
    }
    return app.stream("threads.create", input=message)


def test_a_turn_calls_the_mcp_server_and_survives_its_crash(app: Kitdesk) -> None:
    app.upstream.script(
        Turn(tool_calls=[ToolCall("tests__add", '{"a": 2, "b": 40}', call_id="c1")]),
        Turn(tool_calls=[ToolCall("tests__crash", "{}", call_id="c2")]),
        Turn(tool_calls=[ToolCall("tests__echo", '{"text": "back again"}', call_id="c3")]),
        Turn(text="Done."),
    )
    answer = app.send("use the tools")
    assert answer.errors == []
    assert answer.text.endswith("Done.")
    # The server that cannot start is named once; the turn goes on without it.
    [problem] = notices(answer)
    assert problem.startswith("The MCP server “Broken tools” could not start")
    requests = app.upstream.chat_requests
    offered = offered_tools(requests[0].json)
    assert "tests__echo" in offered and not any(n.startswith("broken__") for n in offered)
    outputs = tool_outputs(requests[-1].json)
    assert outputs[0] == "42"
    # (the engine marks tool errors "Error: " for the model)
    assert outputs[1].startswith("Error: The MCP server “Test tools” failed during “crash”")
    assert outputs[2] == "back again"  # restarted after the crash


def test_the_composer_choice_limits_the_turn_to_one_server(app: Kitdesk) -> None:
    app.upstream.script(Turn(text="Fine."))
    answer = send_with_tool_choice(app, "only the test tools", "mcp:tests")
    assert answer.errors == [] and notices(answer) == []  # the broken one was not started
    offered = offered_tools(app.upstream.chat_requests[0].json)
    assert offered and all(name.startswith("tests__") for name in offered)
