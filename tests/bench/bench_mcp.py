"""MCP tool round trip: what Kitdesk adds to a turn that calls a local stdio tool.

    python -m tests.bench mcp          (or: python -m tests.bench.bench_mcp)

Processes: the fake upstream (in this process, so it can script the tool
call), ``kitdesk serve`` (its provider is the upstream through
OPENAI_BASE_URL; ``settings.json`` holds one stdio MCP server, the test
server's ``echo`` tool, approval "allow"), the MCP server Kitdesk starts, and
a second copy of that server this client talks to directly.

One sample is a whole tool turn through Kitdesk (``threads.create``, every
SSE event decoded): the model asks for ``echo``, Kitdesk calls it, sends the
result back, the model answers, the answer is stored. The baseline, in the
same run and interleaved sample by sample, is the same work without Kitdesk:
the MCP call made with the ``mcp`` SDK's own client on an open session, plus
the two model requests Kitdesk sent (the recorded bodies, replayed with the
same HTTP client and streamed to the end). Kitdesk's added time is the turn
minus that sum. The companion figure is the Kitdesk process's CPU per turn,
which the machine's load does not inflate as much.

Target (issue 7): added p50 at most 5 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.mcp_servers import stdio_launch
from tests.upstream import ToolCall, Turn, Upstream

SAMPLES = 100
WARMUP = 10
API_KEY = "test-key"
SERVER_ID = "bench"
TOOL = f"{SERVER_ID}__echo"  # Kitdesk names a server's tool <server id>__<tool>
ANSWER = "Done."
TARGET = "target: added p50 <= 5 ms"


@dataclass
class KitdeskProcess:
    url: str
    token: str
    process: psutil.Process

    def cpu_seconds(self) -> float:
        """The server's CPU time and its children's (the MCP server it started is not counted:
        psutil reports only children that have exited)."""
        times = self.process.cpu_times()
        return times.user + times.system


@contextmanager
def kitdesk_process(base_url: str) -> Iterator[KitdeskProcess]:
    launch = stdio_launch()
    server = {
        "id": SERVER_ID,
        "name": "Bench tools",
        "transport": "stdio",
        "command": launch.command,
        "args": launch.args,
        "env": launch.env,
        "approval": "allow",  # no approval card: the turn runs through
    }
    with tempfile.TemporaryDirectory(prefix="kitdesk-bench-") as home:
        config = Path(home) / "config"
        config.mkdir(parents=True)
        # No auto-title: a title request is not part of the round trip.
        settings = {"auto_title": False, "mcp_servers": [server]}
        (config / "settings.json").write_text(json.dumps(settings))
        env = {
            **os.environ,
            "KITDESK_HOME": home,
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_BASE_URL": base_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # its log file is kept; the console copy is noise here
            env=env,
            text=True,
        )
        try:
            assert process.stdout is not None
            url, token = process.stdout.readline().strip().split("/?token=", 1)
            yield KitdeskProcess(url, token, psutil.Process(process.pid))
        finally:
            process.terminate()
            process.wait(10)


def new_thread_body(text: str) -> dict[str, object]:
    message = {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }
    return {"type": "threads.create", "params": {"input": message}}


def sse_payloads(buffer: bytearray, chunk: bytes) -> list[bytes]:
    """Adds a chunk to the buffer; returns the data payloads of the events it completed."""
    buffer += chunk
    if b"\n\n" not in buffer:
        return []
    *events, rest = bytes(buffer).split(b"\n\n")
    buffer[:] = rest
    return [e[len(b"data: ") :] for e in events if e.startswith(b"data: ")]


async def kitdesk_turn(client: httpx.AsyncClient, text: str) -> float:
    """Seconds for a whole tool turn through Kitdesk; checks the stored answer."""
    started = time.perf_counter()
    saved = None
    buffer = bytearray()
    async with client.stream("POST", "/chatkit", json=new_thread_body(text)) as response:
        async for chunk in response.aiter_raw():
            for payload in sse_payloads(buffer, chunk):
                event = json.loads(payload)
                if event["type"] == "error":
                    raise RuntimeError(f"Kitdesk answered an error: {event}")
                item = event.get("item") or {}
                if event["type"] == "thread.item.done" and item.get("type") == "assistant_message":
                    saved = "".join(part.get("text", "") for part in item["content"])
    elapsed = time.perf_counter() - started
    if saved is None or not saved.endswith(ANSWER):
        raise RuntimeError(f"Kitdesk stored no answer ending in {ANSWER!r}: {saved!r}")
    return elapsed


async def direct_request(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> float:
    """Seconds for one model request straight to the upstream, streamed and decoded to the end."""
    started = time.perf_counter()
    buffer = bytearray()
    async with client.stream("POST", path, json=body) as response:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            for payload in sse_payloads(buffer, chunk):
                if payload != b"[DONE]":
                    json.loads(payload)
    return time.perf_counter() - started


class DirectTool:
    """The test MCP server run by this process, called through the mcp SDK's client."""

    def __init__(self) -> None:
        self._stack = AsyncExitStack()
        self._session: Any = None

    async def __aenter__(self) -> DirectTool:
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        launch = stdio_launch()
        params = StdioServerParameters(
            command=launch.command, args=launch.args, env={**os.environ, **launch.env}
        )
        read, write = await self._stack.enter_async_context(stdio_client(params))
        self._session = await self._stack.enter_async_context(ClientSession(read, write))
        await self._session.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def call(self, text: str) -> float:
        started = time.perf_counter()
        result = await self._session.call_tool("echo", {"text": text})
        elapsed = time.perf_counter() - started
        if result.is_error or result.content[0].text != text:
            raise RuntimeError(f"the echo tool answered {result!r}")
        return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def script_turn(upstream: Upstream, text: str) -> None:
    arguments = json.dumps({"text": text})
    upstream.script(Turn(tool_calls=[ToolCall(TOOL, arguments, call_id="call_bench")]))
    upstream.script(Turn(text=ANSWER))


@dataclass
class Sample:
    through: float
    tool: float
    first_request: float
    second_request: float

    @property
    def direct(self) -> float:
        return self.tool + self.first_request + self.second_request

    @property
    def added(self) -> float:
        return self.through - self.direct


async def measure(upstream: Upstream) -> tuple[list[Sample], float]:
    """The samples and the Kitdesk process's CPU seconds per turn."""
    direct = httpx.AsyncClient(
        base_url=upstream.base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=60
    )
    with kitdesk_process(upstream.base_url) as kitdesk:
        client = httpx.AsyncClient(
            base_url=kitdesk.url, headers={"authorization": f"Bearer {kitdesk.token}"}, timeout=60
        )
        async with DirectTool() as tool:
            for index in range(WARMUP):  # the first turn also starts Kitdesk's MCP server
                script_turn(upstream, f"warm up {index}")
                await kitdesk_turn(client, f"warm up {index}")
                await tool.call(f"warm up {index}")
            samples: list[Sample] = []
            cpu = 0.0
            for index in range(SAMPLES):  # interleaved, so drift hits both alike
                text = f"echo number {index}"
                upstream.requests.clear()
                script_turn(upstream, text)
                before = kitdesk.cpu_seconds()
                through = await kitdesk_turn(client, text)
                cpu += kitdesk.cpu_seconds() - before
                first, second = upstream.chat_requests
                if text not in json.dumps(second.json):
                    raise RuntimeError("the tool's result did not reach the model")
                # The same two requests, replayed straight to the upstream.
                script_turn(upstream, text)
                tool_seconds = await tool.call(text)
                samples.append(
                    Sample(
                        through=through,
                        tool=tool_seconds,
                        first_request=await direct_request(
                            direct, relative(first.path), first.json
                        ),
                        second_request=await direct_request(
                            direct, relative(second.path), second.json
                        ),
                    )
                )
        await client.aclose()
    await direct.aclose()
    if upstream.pending:
        raise RuntimeError(f"{upstream.pending} scripted answers were not asked for")
    return samples, cpu / SAMPLES


def relative(path: str) -> str:
    """``/v1/chat/completions`` -> ``chat/completions`` (the client's base URL ends in /v1)."""
    return path.removeprefix("/v1/")


def print_table(samples: list[Sample], cpu_per_turn: float) -> None:
    def row(name: str, values: list[float]) -> None:
        p50, p99 = statistics.median(values) * 1e3, percentile(values, 0.99) * 1e3
        print(f"{name:<44}{p50:>10.2f}{p99:>10.2f}")

    print(TARGET)
    print(f"{'measure (ms)':<44}{'p50':>10}{'p99':>10}")
    print("-" * 64)
    row("MCP echo call, mcp SDK client (baseline)", [s.tool for s in samples])
    row("first model request, direct (baseline)", [s.first_request for s in samples])
    row("second model request, direct (baseline)", [s.second_request for s in samples])
    row("  sum of the three (baseline)", [s.direct for s in samples])
    row("tool turn through Kitdesk", [s.through for s in samples])
    row("Kitdesk added", [s.added for s in samples])
    print(f"Kitdesk server CPU per tool turn: {cpu_per_turn * 1e3:.2f} ms")
    load = os.getloadavg()[0]
    print(f"(load average during the run: {load:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    upstream = Upstream().start()
    try:
        samples, cpu_per_turn = asyncio.run(measure(upstream))
    finally:
        upstream.stop()
    print_table(samples, cpu_per_turn)


if __name__ == "__main__":
    main()
