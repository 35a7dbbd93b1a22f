"""McpToolBox against the real test MCP servers (tests/mcp_servers), over stdio and HTTP.

Every test runs real server processes: the tool box spawns the stdio server
itself, and the HTTP server runs as a subprocess on a free port.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from kitdesk.keys import KeyStore
from kitdesk.tools.base import ToolSpec
from kitdesk.tools.mcp_config import McpServer, normalize_secret, secret_key_name
from kitdesk.tools.mcp_toolbox import McpToolBox, tool_name

from tests.mcp_servers import TOOL_NAMES, HttpMcpServer, http_mcp_server, stdio_launch

SECRET_NAME = "KITDESK_TEST_SECRET"


def stdio_server(server_id: str = "tests", **changes: object) -> McpServer:
    launch = stdio_launch(extra_args=changes.pop("extra_args", None))  # type: ignore[arg-type]
    fields: dict[str, object] = {
        "id": server_id,
        "name": "Test tools",
        "transport": "stdio",
        "command": launch.command,
        "args": launch.args,
        "env": launch.env,
        "approval": "allow",
    }
    fields.update(changes)
    return McpServer.model_validate(fields)


def http_server(url: str, **changes: object) -> McpServer:
    fields: dict[str, object] = {"id": "web", "name": "Web tools", "transport": "http", "url": url}
    fields.update(changes)
    return McpServer.model_validate(fields)


class Servers:
    """The settings' server list, changeable during a test."""

    def __init__(self, *servers: McpServer) -> None:
        self.servers = list(servers)

    def __call__(self) -> list[McpServer]:
        return self.servers


@pytest.fixture(scope="module")
def running_http() -> Iterator[HttpMcpServer]:
    with http_mcp_server() as server:
        yield server


@pytest.fixture
async def box_for() -> AsyncIterator[list[McpToolBox]]:
    boxes: list[McpToolBox] = []
    yield boxes
    for box in boxes:
        await box.aclose()


def make_box(boxes: list[McpToolBox], servers: Servers, **options: object) -> McpToolBox:
    box = McpToolBox(servers, KeyStore(), **options)  # type: ignore[arg-type]
    boxes.append(box)
    return box


def by_name(specs: list[ToolSpec]) -> dict[str, ToolSpec]:
    return {spec.name: spec for spec in specs}


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_lists_and_calls_tools(
    transport: str, running_http: HttpMcpServer, box_for: list[McpToolBox]
) -> None:
    server = stdio_server() if transport == "stdio" else http_server(running_http.url)
    box = make_box(box_for, Servers(server))
    specs = by_name(await box.specs(None))
    assert list(specs) == [f"{server.id}__{name}" for name in TOOL_NAMES]
    echo = specs[f"{server.id}__echo"]
    assert echo.description == "Return the given text unchanged."
    assert echo.parameters["properties"]["text"]["type"] == "string"
    assert (echo.server_id, echo.server_name, echo.approval) == (
        server.id,
        server.name,
        server.approval,
    )
    result = await box.call(f"{server.id}__add", {"a": 2, "b": 40})
    assert (result.output, result.is_error) == ("42", False)
    assert result.details == {"server_id": server.id, "tool": "add"}
    assert box.problems() == []


async def test_tool_error_is_an_error_result(box_for: list[McpToolBox]) -> None:
    box = make_box(box_for, Servers(stdio_server()))
    await box.specs(None)
    result = await box.call("tests__fail", {"message": "the disk is on fire"})
    assert result.is_error and "the disk is on fire" in result.output
    unknown = await box.call("tests__nope", {})
    assert unknown.is_error and "no tool named “tests__nope”" in unknown.output


async def test_big_output_is_capped(box_for: list[McpToolBox]) -> None:
    box = make_box(box_for, Servers(stdio_server()), output_limit=1000)
    await box.specs(None)
    result = await box.call("tests__big", {"size": 300_000})
    assert result.output.startswith("0123456789abcdef")
    assert len(result.output.split("\n")[0]) == 1000
    assert "300,000 characters" in result.output and not result.is_error


async def test_env_secret_from_the_keyring_reaches_the_server(box_for: list[McpToolBox]) -> None:
    server = stdio_server(secret_env=[SECRET_NAME])
    KeyStore().set(
        secret_key_name("tests", "env", SECRET_NAME), "Bearer s3cret", normalize=normalize_secret
    )
    assert "s3cret" not in server.model_dump_json()
    box = make_box(box_for, Servers(server))
    await box.specs(None)
    result = await box.call("tests__env", {"name": SECRET_NAME})
    assert (result.output, result.is_error) == ("Bearer s3cret", False)


async def test_crash_mid_call_names_the_server_and_the_next_use_restarts(
    box_for: list[McpToolBox],
) -> None:
    box = make_box(box_for, Servers(stdio_server()))
    await box.specs(None)
    crashed = await box.call("tests__crash", {})
    assert crashed.is_error
    assert crashed.output.startswith("The MCP server “Test tools” failed during “crash”")
    assert "crashing on purpose" in crashed.output  # its last words on standard error
    again = await box.call("tests__echo", {"text": "back"})
    assert (again.output, again.is_error) == ("back", False)


async def test_call_timeout_names_the_server_and_restarts(box_for: list[McpToolBox]) -> None:
    box = make_box(box_for, Servers(stdio_server()), call_timeout=lambda: 0.5)
    await box.specs(None)
    slow = await box.call("tests__slow", {"seconds": 30})
    assert slow.is_error
    assert "“Test tools” did not answer “slow” within 0.5 seconds" in slow.output
    assert (await box.call("tests__echo", {"text": "ok"})).output == "ok"


async def test_a_server_that_fails_to_start_is_left_out_and_reported(
    box_for: list[McpToolBox],
) -> None:
    broken = stdio_server("broken", name="Broken", extra_args=["--exit-at-start", "3"])
    missing = stdio_server("missing", name="Missing", command="/nonexistent/kitdesk-mcp")
    box = make_box(box_for, Servers(broken, missing, stdio_server()))
    specs = await box.specs(None)
    assert {spec.server_id for spec in specs} == {"tests"}
    problems = sorted(box.problems())
    assert len(problems) == 2
    assert problems[0].startswith("The MCP server “Broken” could not start: Connection closed")
    assert problems[1] == (
        "The MCP server “Missing” could not start: "
        "the command was not found (/nonexistent/kitdesk-mcp)."
    )
    assert box.problems() == []  # reported once


async def test_a_server_that_hangs_at_start_times_out(box_for: list[McpToolBox]) -> None:
    hung = stdio_server("hung", name="Hung", extra_args=["--hang-at-start"])
    box = make_box(box_for, Servers(hung), start_timeout=lambda: 1.0)
    assert await box.specs(None) == []
    assert box.problems() == ["The MCP server “Hung” did not start within 1 seconds."]


async def test_http_required_header_from_the_keyring(box_for: list[McpToolBox]) -> None:
    with http_mcp_server(require_header=("Authorization", "Bearer tok-123")) as running:
        server = http_server(running.url, secret_headers=["Authorization"])
        box = make_box(box_for, Servers(server))
        assert await box.specs(None) == []
        (refused,) = box.problems()
        assert refused == (
            "The MCP server “Web tools” could not start: its URL answered HTTP 401 "
            "(check the headers and secret headers, such as Authorization)."
        )
        KeyStore().set(
            secret_key_name("web", "header", "Authorization"),
            "Bearer tok-123",
            normalize=normalize_secret,
        )
        assert len(await box.specs(None)) == len(TOOL_NAMES)
        assert (await box.call("web__echo", {"text": "let in"})).output == "let in"


async def test_http_crash_mid_call(box_for: list[McpToolBox]) -> None:
    with http_mcp_server() as running:
        box = make_box(box_for, Servers(http_server(running.url)))
        await box.specs(None)
        crashed = await box.call("web__crash", {})
        assert crashed.is_error and "“Web tools”" in crashed.output
        assert running.proc.wait(timeout=10) == 17


async def test_cancelling_a_call_leaves_the_server_usable(box_for: list[McpToolBox]) -> None:
    box = make_box(box_for, Servers(stdio_server()))
    await box.specs(None)
    task = asyncio.create_task(box.call("tests__slow", {"seconds": 30}))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await box.call("tests__echo", {"text": "still here"})).output == "still here"


async def test_enabled_servers_filter_and_disabled_servers(box_for: list[McpToolBox]) -> None:
    servers = Servers(stdio_server("one", name="One"), stdio_server("two", name="Two"))
    box = make_box(box_for, servers)
    assert {s.server_id for s in await box.specs(["two"])} == {"two"}
    assert {s.server_id for s in await box.specs(None)} == {"one", "two"}
    servers.servers = [servers.servers[0], servers.servers[1].model_copy(update={"enabled": False})]
    assert {s.server_id for s in await box.specs(None)} == {"one"}
    refused = await box.call("two__echo", {"text": "x"})
    assert refused.is_error and "removed or turned off" in refused.output


async def test_aclose_stops_the_servers(box_for: list[McpToolBox]) -> None:
    box = make_box(box_for, Servers(stdio_server()))
    await box.specs(None)
    await box.aclose()
    assert await box.specs(None) == []
    result = await box.call("tests__echo", {"text": "x"})
    assert result.is_error


def test_tool_names_are_sanitized_short_and_unique() -> None:
    assert tool_name("fs", "read file.txt", set()) == "fs__read_file_txt"
    long = tool_name("server", "x" * 100, set())
    assert len(long) == 64 and long.startswith("server__xxx")
    second = tool_name("server", "x" * 100, {long})
    assert len(second) == 64 and second.endswith("_2") and second != long


async def test_stdio_server_runs_in_its_working_folder(
    box_for: list[McpToolBox], tmp_path: Path
) -> None:
    box = make_box(box_for, Servers(stdio_server(cwd=str(tmp_path))))
    await box.specs(None)
    assert (await box.call("tests__cwd", {})).output == str(tmp_path)


async def test_a_changed_setting_restarts_the_server_on_the_next_turn(
    box_for: list[McpToolBox], tmp_path: Path
) -> None:
    servers = Servers(stdio_server())
    box = make_box(box_for, servers)
    await box.specs(None)
    assert (await box.call("tests__cwd", {})).output != str(tmp_path)
    servers.servers = [stdio_server(cwd=str(tmp_path), approval="ask")]
    [echo, *_] = await box.specs(None)
    assert echo.approval == "ask"
    assert (await box.call("tests__cwd", {})).output == str(tmp_path)
