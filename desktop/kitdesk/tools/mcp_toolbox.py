"""The MCP servers of the settings as one ``ToolBox`` for the turn engine.

Servers start on first use (when a turn asks for ``specs()``), stay running
between turns, restart when their configuration or secrets change or after
they failed, and stop on ``aclose()`` (app exit). Each server's tools are
offered as ``<server id>__<tool name>`` (only ``[a-zA-Z0-9_-]``, at most 64
characters, as the OpenAI and Chat Completions APIs require).

The ``mcp`` SDK is imported when the first server starts, not with the app.
No failure of a server escapes as an exception: a server that cannot start is
left out and reported through ``problems()``; a call that crashes or times out
comes back as an ``is_error`` result with a sentence naming the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kitdesk.keys import KeyStore
from kitdesk.tools.base import MAX_TOOL_OUTPUT_CHARS, ToolResult, ToolSpec, cap_output
from kitdesk.tools.mcp_config import (
    CALL_TIMEOUT_SECONDS,
    START_TIMEOUT_SECONDS,
    LaunchConfig,
    McpProblem,
    McpServer,
    secret_key_name,
)

if TYPE_CHECKING:
    from mcp.types import Tool

    from kitdesk.tools.mcp_client import McpConnection

MAX_TOOL_NAME = 64
UNSAFE_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def tool_name(server_id: str, tool: str, taken: set[str]) -> str:
    """``<server id>__<tool>``, sanitized, at most 64 characters, unique among ``taken``."""
    base = UNSAFE_NAME_CHARS.sub("_", f"{server_id}__{tool}")[:MAX_TOOL_NAME]
    name, n = base, 2
    while name in taken:
        suffix = f"_{n}"
        name = base[: MAX_TOOL_NAME - len(suffix)] + suffix
        n += 1
    return name


def tool_spec(name: str, tool: Tool, server: McpServer) -> ToolSpec:
    schema = dict(tool.input_schema) if tool.input_schema else {}
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return ToolSpec(
        name=name,
        description=(tool.description or tool.title or tool.name).strip(),
        parameters=schema,
        server_id=server.id,
        server_name=server.name,
        approval=server.approval,
        title=tool.title or tool.name,
    )


class McpToolBox:
    """Tools of the configured MCP servers (implements ``kitdesk.tools.base.ToolBox``).

    ``servers`` is read on every ``specs()`` so edits in Settings apply to the
    next turn; ``start_timeout``/``call_timeout``, when given, read the
    seconds allowed likewise (the settings' ``mcp_start_timeout`` and
    ``mcp_call_timeout``).
    """

    def __init__(
        self,
        servers: Callable[[], list[McpServer]],
        keys: KeyStore,
        *,
        start_timeout: Callable[[], float] = lambda: START_TIMEOUT_SECONDS,
        call_timeout: Callable[[], float] = lambda: CALL_TIMEOUT_SECONDS,
        output_limit: int = MAX_TOOL_OUTPUT_CHARS,
    ) -> None:
        self._servers = servers
        self._keys = keys
        self._start_timeout = start_timeout
        self._call_timeout = call_timeout
        self._output_limit = output_limit
        self._connections: dict[str, McpConnection] = {}
        self._starting: dict[str, asyncio.Lock] = {}
        self._tools: dict[str, tuple[str, str]] = {}  # offered name -> (server id, tool name)
        self._specs: dict[str, ToolSpec] = {}
        self._problems: list[str] = []
        self._closed = False

    async def launch_config(self, server: McpServer) -> LaunchConfig:
        """The server's settings with its secret values read from the keyring (off the loop).

        A server without secrets needs no keyring, so no thread: this runs before
        every turn that offers tools."""
        names = server.secret_names()
        if not names:
            return LaunchConfig(server, {}, {})

        def read() -> LaunchConfig:
            secrets: dict[str, dict[str, str]] = {"env": {}, "header": {}}
            for kind, name in names:
                value = self._keys.get(secret_key_name(server.id, kind, name))
                if value is not None:
                    secrets[kind][name] = value
            return LaunchConfig(server, secrets["env"], secrets["header"])

        return await asyncio.to_thread(read)

    async def _connection(self, server: McpServer) -> McpConnection | None:
        """The running connection of ``server``, started (or restarted) when needed."""
        lock = self._starting.setdefault(server.id, asyncio.Lock())
        async with lock:
            config = await self.launch_config(server)
            current = self._connections.get(server.id)
            if current is not None and current.alive and current.config == config:
                current.call_timeout = self._call_timeout()
                return current
            if current is not None:
                if not current.alive and current.failure:
                    self._problems.append(
                        f"{config.label} had stopped ({current.failure}); it was restarted."
                    )
                self._connections.pop(server.id, None)
                await current.close()
            if self._closed:
                return None
            # The SDK (about a second of imports) loads when the first server starts.
            from kitdesk.tools.mcp_client import McpConnection

            connection = McpConnection(
                config, start_timeout=self._start_timeout(), call_timeout=self._call_timeout()
            )
            try:
                await connection.start()
            except McpProblem as exc:
                self._problems.append(str(exc))
                return None
            self._connections[server.id] = connection
            return connection

    async def specs(self, enabled_servers: list[str] | None) -> list[ToolSpec]:
        configured = [s for s in self._servers() if s.enabled]
        await self._stop_unconfigured({s.id for s in configured})
        wanted = [s for s in configured if enabled_servers is None or s.id in enabled_servers]
        connections = await asyncio.gather(*(self._connection(s) for s in wanted))
        specs: list[ToolSpec] = []
        taken: set[str] = set()
        for server, connection in zip(wanted, connections, strict=True):
            if connection is None:
                continue
            for tool in connection.tools:
                name = tool_name(server.id, tool.name, taken)
                taken.add(name)
                spec = tool_spec(name, tool, server)
                self._tools[name] = (server.id, tool.name)
                self._specs[name] = spec
                specs.append(spec)
        return specs

    async def _stop_unconfigured(self, keep: set[str]) -> None:
        for server_id in [sid for sid in self._connections if sid not in keep]:
            connection = self._connections.pop(server_id)
            await connection.close()

    def problems(self) -> list[str]:
        problems, self._problems = self._problems, []
        return problems

    def spec(self, name: str) -> ToolSpec | None:
        """The spec last offered under ``name`` (for approval cards and activity items)."""
        return self._specs.get(name)

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        started = time.monotonic()
        target = self._tools.get(name)
        if target is None:
            return ToolResult(f"There is no tool named “{name}”.", is_error=True)
        server_id, tool = target
        details: dict[str, Any] = {"server_id": server_id, "tool": tool}
        server = next((s for s in self._servers() if s.id == server_id and s.enabled), None)
        if server is None:
            return ToolResult(
                f"The MCP server of “{name}” was removed or turned off.",
                is_error=True,
                details=details,
            )
        connection = self._connections.get(server_id)
        if connection is None or not connection.alive:
            # specs() restarts servers whose settings changed; here only a dead one is restarted.
            connection = await self._connection(server)
        if connection is None:
            problems = self.problems()
            message = (
                problems[-1] if problems else f"The MCP server “{server.name}” is not running."
            )
            return ToolResult(
                message, is_error=True, duration=time.monotonic() - started, details=details
            )
        try:
            result = await connection.call(tool, arguments)
        except McpProblem as exc:
            # Restart on next use: a crashed or stuck server is not trusted again.
            self._connections.pop(server_id, None)
            await connection.close()
            return ToolResult(
                str(exc), is_error=True, duration=time.monotonic() - started, details=details
            )
        from kitdesk.tools.mcp_client import result_text

        return ToolResult(
            cap_output(result_text(result), self._output_limit),
            is_error=bool(result.is_error),
            duration=time.monotonic() - started,
            details=details,
        )

    async def aclose(self) -> None:
        self._closed = True
        connections = list(self._connections.values())
        self._connections.clear()
        for connection in connections:
            with contextlib.suppress(Exception):
                await connection.close()
