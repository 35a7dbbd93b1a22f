"""The tools every Kitdesk test MCP server offers, whatever its transport.

One definition serves both transports (``stdio.py`` and ``http.py``) so a test
that passes over one transport means the same thing over the other. Each tool
exists to exercise one behaviour of an MCP client: a plain answer, arguments,
slowness (cancel and timeouts), a crash mid-call, oversized output (caps), a
tool error (``isError``), the environment (env and secrets reach the server),
the working directory, and a nested JSON schema.
"""

from __future__ import annotations

import json
import os
import sys

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

SERVER_NAME = "kitdesk-test-tools"
CRASH_EXIT_CODE = 17
TOOL_NAMES = ("echo", "add", "slow", "crash", "big", "fail", "env", "cwd", "plan_trip")


class Stop(BaseModel):
    """One stop of a trip."""

    city: str = Field(description="The city to stop in.")
    nights: int = Field(ge=0, description="Nights spent there.")
    tags: list[str] = Field(default_factory=list, description="Free-form labels.")


class Traveller(BaseModel):
    name: str
    age: int | None = None


class TripPlan(BaseModel):
    """A nested argument: objects in lists in objects."""

    title: str
    travellers: list[Traveller] = Field(min_length=1)
    stops: list[Stop]
    budget: dict[str, float] = Field(
        default_factory=dict, description="Amounts per currency code, e.g. {'EUR': 900}."
    )


async def echo(text: str) -> str:
    return text


async def add(a: float, b: float) -> str:
    total = a + b
    return str(int(total)) if total.is_integer() else str(total)


async def slow(seconds: float) -> str:
    await anyio.sleep(seconds)
    return f"slept {seconds:g} s"


async def crash() -> str:
    sys.stderr.write("kitdesk test MCP server: crashing on purpose\n")
    sys.stderr.flush()
    os._exit(CRASH_EXIT_CODE)


async def big(size: int) -> str:
    if size < 0:
        raise ToolError("size must be zero or more")
    pattern = "0123456789abcdef"
    return (pattern * (size // len(pattern) + 1))[:size]


async def fail(message: str) -> str:
    raise ToolError(message)


async def env(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise ToolError(f"{name} is not set")
    return value


async def cwd() -> str:
    return os.getcwd()


async def plan_trip(plan: TripPlan) -> str:
    nights = sum(stop.nights for stop in plan.stops)
    summary = {
        "title": plan.title,
        "travellers": [traveller.name for traveller in plan.travellers],
        "cities": [stop.city for stop in plan.stops],
        "nights": nights,
        "budget": plan.budget,
    }
    return json.dumps(summary, sort_keys=True)


DESCRIPTIONS = {
    echo: "Return the given text unchanged.",
    add: "Add two numbers and return the sum as text.",
    slow: "Sleep for the given number of seconds, then say so. For cancel and timeout tests.",
    crash: "Make the server process exit abruptly in the middle of this call.",
    big: "Return a string of exactly `size` characters. For output-cap tests.",
    fail: "Fail with the given message as an MCP tool error (isError).",
    env: "Return the value of the named environment variable of the server process.",
    cwd: "Return the working directory of the server process.",
    plan_trip: "Summarise a trip plan given as a nested object (travellers, stops, budget).",
}


def build_server() -> MCPServer:
    server = MCPServer(SERVER_NAME, instructions="Test tools for Kitdesk.", log_level="WARNING")
    for function, description in DESCRIPTIONS.items():
        # str-returning tools give plain text content, as most real servers do.
        server.add_tool(function, description=description, structured_output=False)
    return server
