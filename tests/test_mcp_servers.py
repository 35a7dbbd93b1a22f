"""The test MCP servers work over both transports, checked with the ``mcp`` client SDK.

These prove the fixtures in ``tests/mcp_servers`` before Kitdesk's own MCP
code is tested against them: each tool is called through a real
``ClientSession`` on a real server process, over stdio and streamable HTTP.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, TextContent

from tests.mcp_servers import TOOL_NAMES, HttpMcpServer, http_mcp_server, stdio_launch

SECRET_NAME = "KITDESK_TEST_SECRET"
SECRET_VALUE = "s3cret-value"

OpenSession = Callable[[], AbstractAsyncContextManager[ClientSession]]


@asynccontextmanager
async def stdio_session(
    env: dict[str, str] | None = None, cwd: str | None = None
) -> AsyncIterator[ClientSession]:
    launch = stdio_launch(env=env, cwd=cwd)
    params = StdioServerParameters(
        command=launch.command, args=launch.args, env=launch.env, cwd=launch.cwd
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def http_session(
    url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[ClientSession]:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as client,
        streamable_http_client(url, http_client=client) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.fixture(scope="module")
def http_server() -> Iterator[HttpMcpServer]:
    with http_mcp_server(env={SECRET_NAME: SECRET_VALUE}) as server:
        yield server


@pytest.fixture(params=["stdio", "http"])
def open_session(request: pytest.FixtureRequest) -> OpenSession:
    if request.param == "stdio":
        return lambda: stdio_session(env={SECRET_NAME: SECRET_VALUE})
    server: HttpMcpServer = request.getfixturevalue("http_server")
    return lambda: http_session(server.url)


def text_of(result: object) -> str:
    assert isinstance(result, CallToolResult)
    assert len(result.content) == 1
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


async def call(session: ClientSession, tool: str, **arguments: object) -> CallToolResult:
    result = await session.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult)
    return result


async def test_lists_every_tool_with_a_description(open_session: OpenSession) -> None:
    async with open_session() as session:
        tools = (await session.list_tools()).tools
    assert [tool.name for tool in tools] == list(TOOL_NAMES)
    assert all(tool.description and len(tool.description) > 10 for tool in tools)
    plan = next(tool for tool in tools if tool.name == "plan_trip")
    trip = plan.input_schema["$defs"]["TripPlan"]
    assert trip["properties"]["travellers"]["items"] == {"$ref": "#/$defs/Traveller"}
    assert plan.input_schema["$defs"]["Stop"]["required"] == ["city", "nights"]


async def test_plain_tools(open_session: OpenSession) -> None:
    async with open_session() as session:
        echoed = await call(session, "echo", text="héllo, wörld")
        assert text_of(echoed) == "héllo, wörld" and not echoed.is_error
        assert text_of(await call(session, "add", a=2, b=40)) == "42"
        assert text_of(await call(session, "add", a=0.5, b=0.25)) == "0.75"
        assert text_of(await call(session, "slow", seconds=0.1)) == "slept 0.1 s"
        assert text_of(await call(session, "env", name=SECRET_NAME)) == SECRET_VALUE


async def test_big_output_has_the_exact_size(open_session: OpenSession) -> None:
    async with open_session() as session:
        text = text_of(await call(session, "big", size=300_000))
    assert len(text) == 300_000
    assert text.startswith("0123456789abcdef0123")


async def test_tool_errors_are_results_not_exceptions(open_session: OpenSession) -> None:
    async with open_session() as session:
        failed = await call(session, "fail", message="the disk is on fire")
        missing = await call(session, "env", name="KITDESK_TEST_NOT_SET")
        wrong = await call(session, "add", a="two", b=1)
    assert failed.is_error and "the disk is on fire" in text_of(failed)
    assert missing.is_error and "KITDESK_TEST_NOT_SET is not set" in text_of(missing)
    assert wrong.is_error


async def test_nested_schema_argument(open_session: OpenSession) -> None:
    plan = {
        "title": "Lisbon in May",
        "travellers": [{"name": "Ana", "age": 34}, {"name": "Ben"}],
        "stops": [
            {"city": "Lisbon", "nights": 3, "tags": ["food"]},
            {"city": "Porto", "nights": 2},
        ],
        "budget": {"EUR": 900},
    }
    async with open_session() as session:
        summary = json.loads(text_of(await call(session, "plan_trip", plan=plan)))
        invalid = await call(session, "plan_trip", plan={"title": "x", "travellers": []})
    assert summary == {
        "budget": {"EUR": 900.0},
        "cities": ["Lisbon", "Porto"],
        "nights": 5,
        "title": "Lisbon in May",
        "travellers": ["Ana", "Ben"],
    }
    assert invalid.is_error and "travellers" in text_of(invalid)


async def test_a_slow_call_times_out_and_the_session_goes_on(open_session: OpenSession) -> None:
    async with open_session() as session:
        with pytest.raises(MCPError, match="timed out"):
            await session.call_tool("slow", {"seconds": 30}, read_timeout_seconds=0.3)
        assert text_of(await call(session, "echo", text="still here")) == "still here"


async def test_stdio_server_gets_its_working_directory(tmp_path: Path) -> None:
    async with stdio_session(cwd=str(tmp_path)) as session:
        assert text_of(await call(session, "cwd")) == str(tmp_path)


async def test_stdio_crash_mid_call_closes_the_connection() -> None:
    async with stdio_session() as session:
        with pytest.raises(MCPError, match="Connection closed"):
            await session.call_tool("crash", {})


async def test_http_crash_mid_call_ends_the_process() -> None:
    with http_mcp_server() as server:
        async with http_session(server.url) as session:
            with pytest.raises(MCPError):
                await session.call_tool("crash", {})
        assert server.proc.wait(timeout=10) == 17


async def test_http_required_header() -> None:
    with http_mcp_server(require_header=("X-Kitdesk-Token", "tok-123")) as server:
        refused = httpx.post(server.url, json={}, timeout=5)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        async with http_session(server.url, headers={"X-Kitdesk-Token": "tok-123"}) as session:
            assert text_of(await call(session, "echo", text="let in")) == "let in"


def fails_with(message: str) -> pytest.RaisesGroup[MCPError]:
    """The SDK's task groups wrap a failed start in exception groups."""
    return pytest.RaisesGroup(pytest.RaisesExc(MCPError, match=message), flatten_subgroups=True)


async def test_stdio_server_that_exits_at_start() -> None:
    launch = stdio_launch(extra_args=["--exit-at-start", "3"])
    params = StdioServerParameters(command=launch.command, args=launch.args, env=launch.env)
    with open(os.devnull, "w") as quiet, fails_with("Connection closed"):
        async with (
            stdio_client(params, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()


async def test_stdio_server_that_hangs_at_start() -> None:
    launch = stdio_launch(extra_args=["--hang-at-start"])
    params = StdioServerParameters(command=launch.command, args=launch.args, env=launch.env)
    with fails_with("timed out"):
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write, read_timeout_seconds=1) as session,
        ):
            await session.initialize()
