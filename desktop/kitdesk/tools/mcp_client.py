"""One live connection to one MCP server, held open by its own asyncio task.

The ``mcp`` SDK's transports and ``ClientSession`` are anyio context managers
that must be entered and exited in the same task, so each connection runs a
long-lived task (``_run``) that opens the transport, initializes the session,
lists the tools, reports ready, and then waits to be told to stop. Calls are
made from the callers' tasks through the open session (its streams work across
tasks). When the transport dies (the process crashed, the HTTP server went
away), the task ends and the connection is marked dead; the tool box starts a
fresh one on next use.

Every failure becomes a ``McpProblem`` whose message is a sentence naming the
server: the SDK raises ``MCPError`` or plain OS errors, often wrapped in
exception groups by its task groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from contextlib import AsyncExitStack
from typing import IO, Any

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.types import (
    AudioContent,
    CallToolResult,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    PaginatedRequestParams,
    ResourceLink,
    TextContent,
    TextResourceContents,
    Tool,
)

from kitdesk.tools.mcp_config import START_TIMEOUT_SECONDS, LaunchConfig, McpProblem

log = logging.getLogger(__name__)

MAX_TOOL_PAGES = 20
STDERR_TAIL_CHARS = 300
# Stopping waits this long for the SDK to end the process politely (it terminates, then kills).
CLOSE_GRACE_SECONDS = 8.0


def innermost(exc: BaseException) -> BaseException:
    """The first leaf of nested exception groups: the error that actually happened."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe_error(exc: BaseException) -> str:
    leaf = innermost(exc)
    if isinstance(leaf, MCPError):
        return leaf.message or type(leaf).__name__
    if isinstance(leaf, FileNotFoundError):
        return f"the command was not found ({leaf.filename or leaf})"
    if isinstance(leaf, PermissionError):
        return f"the command may not be run ({leaf.filename or leaf})"
    if isinstance(leaf, httpx2.ConnectError):
        return "could not connect to its URL"
    if isinstance(leaf, httpx2.HTTPStatusError):
        return f"its URL answered HTTP {leaf.response.status_code}"
    text = str(leaf).strip()
    return f"{type(leaf).__name__}: {text}" if text else type(leaf).__name__


class McpConnection:
    """A started (or starting) server. ``start()`` once, then ``call()``, then ``close()``."""

    def __init__(self, config: LaunchConfig, *, start_timeout: float, call_timeout: float) -> None:
        self.config = config
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.tools: list[Tool] = []
        self._session: ClientSession | None = None
        self._ready: asyncio.Future[None] | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stderr: IO[str] | None = None
        self._http_refusal: int | None = None  # the last 4xx/5xx of an HTTP server
        self.failure: str | None = None  # why the connection ended, when it did on its own

    @property
    def alive(self) -> bool:
        return self._task is not None and not self._task.done() and self._session is not None

    async def start(self) -> None:
        """Connect and list the tools; raises McpProblem (and leaves nothing running) on failure."""
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._task = loop.create_task(self._run(), name=f"mcp:{self.config.server.id}")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self.start_timeout)
        except TimeoutError:
            await self.close()
            raise McpProblem(
                f"{self.config.label} did not start within {self.start_timeout:g} seconds."
            ) from None
        except asyncio.CancelledError:
            await self.close()
            raise
        except McpProblem:
            await self.close()
            raise

    async def _run(self) -> None:
        assert self._ready is not None
        try:
            async with AsyncExitStack() as stack:
                read, write = await stack.enter_async_context(self._transport(stack))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                self.tools = await self._list_tools(session)
                self._session = session
                self._ready.set_result(None)
                await self._stop.wait()
        except asyncio.CancelledError:
            if not self._ready.done():
                self._ready.cancel()
            raise
        except BaseException as exc:
            reason = self._reason(exc)
            self.failure = reason
            if not self._ready.done():
                self._ready.set_exception(
                    McpProblem(f"{self.config.label} could not start: {reason}.")
                )
            else:
                log.info("MCP server %s stopped: %s", self.config.server.id, reason)
        finally:
            self._session = None
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def _transport(self, stack: AsyncExitStack) -> contextlib.AbstractAsyncContextManager[Any]:
        server = self.config.server
        if server.transport == "stdio":
            # Standard error goes to a file, so a failure can quote the server's last words.
            self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
            params = StdioServerParameters(
                command=server.command,
                args=list(server.args),
                env={**server.env, **self.config.secret_env} or None,
                cwd=server.cwd,
            )
            return stdio_client(params, errlog=self._stderr)
        headers = {**server.headers, **self.config.secret_headers}
        timeout = httpx2.Timeout(30, read=max(self.call_timeout, 30) + 30)

        async def note_refusal(response: httpx2.Response) -> None:
            # The SDK turns a 401 or 500 into "Server returned an error response";
            # the status says what to fix.
            if response.status_code >= 400:
                self._http_refusal = response.status_code

        client = httpx2.AsyncClient(
            headers=headers,
            timeout=timeout,
            follow_redirects=True,
            event_hooks={"response": [note_refusal]},
        )
        stack.push_async_callback(client.aclose)
        return streamable_http_client(server.url, http_client=client)

    async def _list_tools(self, session: ClientSession) -> list[Tool]:
        tools: list[Tool] = []
        cursor: str | None = None
        for _ in range(MAX_TOOL_PAGES):
            params = PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    def _reason(self, exc: BaseException) -> str:
        reason = describe_error(exc)
        status = self._http_refusal
        if status is not None:
            reason = f"its URL answered HTTP {status}"
            if status in (401, 403):
                reason += " (check the headers and secret headers, such as Authorization)"
        tail = self._stderr_tail()
        return f"{reason} (it said: {tail})" if tail else reason

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - 4 * STDERR_TAIL_CHARS))
            lines = [line.strip() for line in self._stderr.read().splitlines() if line.strip()]
        except (OSError, ValueError):
            return ""
        return lines[-1][-STDERR_TAIL_CHARS:] if lines else ""

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        """Run one tool; raises McpProblem when the server fails (not when the tool does)."""
        session = self._session
        if session is None or not self.alive:
            raise McpProblem(f"{self.config.label} is not running.")
        try:
            return await session.call_tool(tool, arguments, read_timeout_seconds=self.call_timeout)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            leaf = innermost(exc)
            if isinstance(leaf, MCPError) and "timed out" in leaf.message.lower():
                raise McpProblem(
                    f"{self.config.label} did not answer “{tool}” within "
                    f"{self.call_timeout:g} seconds, so it was stopped; it restarts on next use."
                ) from None
            await asyncio.sleep(0)  # let the runner notice a dead transport
            raise McpProblem(
                f"{self.config.label} failed during “{tool}”: {self._reason(exc)}. "
                "It restarts on next use."
            ) from None

    async def close(self) -> None:
        """Stop the server (leaving the SDK's context managers in their own task)."""
        task = self._task
        if task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), CLOSE_GRACE_SECONDS)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        except asyncio.CancelledError:
            task.cancel()  # the caller is going away: do not leave the server behind
            raise


async def list_server_tools(
    config: LaunchConfig, *, start_timeout: float = START_TIMEOUT_SECONDS
) -> list[Tool]:
    """Connect once, list the tools, disconnect (Settings' "Test"); raises McpProblem."""
    connection = McpConnection(config, start_timeout=start_timeout, call_timeout=start_timeout)
    try:
        await connection.start()
        return connection.tools
    finally:
        await connection.close()


def describe_block(block: ContentBlock) -> str:
    """Text content as is; anything else as a short description the model can read."""
    if isinstance(block, TextContent):
        return block.text
    if isinstance(block, ImageContent):
        return f"[image ({block.mime_type}), {len(block.data) * 3 // 4:,} bytes, not shown]"
    if isinstance(block, AudioContent):
        return f"[audio ({block.mime_type}), {len(block.data) * 3 // 4:,} bytes, not played]"
    if isinstance(block, ResourceLink):
        return f"[resource link: {block.uri}" + (
            f" — {block.description}]" if block.description else "]"
        )
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        if isinstance(resource, TextResourceContents):
            return resource.text
        return (
            f"[binary resource {resource.uri} ({resource.mime_type or 'unknown type'}), not shown]"
        )
    return f"[{getattr(block, 'type', 'unknown')} content, not shown]"


def result_text(result: CallToolResult) -> str:
    parts = [describe_block(block) for block in result.content]
    text = "\n".join(part for part in parts if part)
    if not text and result.structured_content is not None:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    if not text and result.is_error:
        text = "The tool failed without saying why."
    return text
