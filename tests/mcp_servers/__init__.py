"""Real MCP servers for tests, written with the ``mcp`` SDK and run as processes.

The same tools (``tools.py``) are served over stdio (``stdio.py``) and
streamable HTTP (``http.py``). Tests start them with:

- ``stdio_launch()``: the command, arguments and environment for a stdio
  server, as Kitdesk's settings hold them (the MCP client spawns the process);
- ``http_mcp_server()``: a context manager that runs the HTTP server as a
  subprocess and yields its URL (optionally requiring a header).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.mcp_servers.tools import CRASH_EXIT_CODE, SERVER_NAME, TOOL_NAMES
from tests.process_server import python_path, start_server_process

__all__ = [
    "CRASH_EXIT_CODE",
    "SERVER_NAME",
    "TOOL_NAMES",
    "HttpMcpServer",
    "StdioLaunch",
    "http_mcp_server",
    "stdio_launch",
]


@dataclass(frozen=True)
class StdioLaunch:
    """How to start the stdio server: what Kitdesk's ``command``/``args``/``env`` hold."""

    command: str
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None


def stdio_launch(
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    extra_args: list[str] | None = None,
) -> StdioLaunch:
    """The stdio server's launch line. ``env`` is added to what the server needs to import;
    ``extra_args`` can be ``["--exit-at-start", "3"]`` or ``["--hang-at-start"]``."""
    return StdioLaunch(
        command=sys.executable,
        args=["-m", "tests.mcp_servers.stdio", *(extra_args or [])],
        env={"PYTHONPATH": python_path(), **(env or {})},
        cwd=cwd,
    )


@dataclass
class HttpMcpServer:
    proc: subprocess.Popen[str]
    url: str  # e.g. http://127.0.0.1:40123/mcp


@contextmanager
def http_mcp_server(
    require_header: tuple[str, str] | None = None, env: dict[str, str] | None = None
) -> Iterator[HttpMcpServer]:
    """Run the streamable HTTP server as a subprocess on a free port; kill it on the way out."""
    with start_server_process("tests.mcp_servers.http", require_header, env) as (proc, url):
        yield HttpMcpServer(proc, url)
