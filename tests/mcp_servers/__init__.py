"""Real MCP servers for tests, written with the ``mcp`` SDK and run as processes.

The same tools (``tools.py``) are served over stdio (``stdio.py``) and
streamable HTTP (``http.py``). Tests start them with:

- ``stdio_launch()``: the command, arguments and environment for a stdio
  server, as Kitdesk's settings hold them (the MCP client spawns the process);
- ``http_mcp_server()``: a context manager that runs the HTTP server as a
  subprocess and yields its URL (optionally requiring a header).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.mcp_servers.tools import CRASH_EXIT_CODE, SERVER_NAME, TOOL_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]

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


def _pythonpath() -> str:
    extra = os.environ.get("PYTHONPATH")
    return os.pathsep.join(p for p in (str(REPO_ROOT), extra) if p)


def stdio_launch(env: dict[str, str] | None = None, cwd: str | None = None) -> StdioLaunch:
    """The stdio server's launch line. ``env`` is added to what the server needs to import."""
    return StdioLaunch(
        command=sys.executable,
        args=["-m", "tests.mcp_servers.stdio"],
        env={"PYTHONPATH": _pythonpath(), **(env or {})},
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
    args = [sys.executable, "-m", "tests.mcp_servers.http", "--port", "0"]
    if require_header is not None:
        args += ["--require-header", f"{require_header[0]}={require_header[1]}"]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # an unread pipe could fill up and block the server
        env={**os.environ, "PYTHONPATH": _pythonpath(), **(env or {})},
        cwd=REPO_ROOT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the HTTP MCP server did not start (printed {url!r})")
        yield HttpMcpServer(proc, url)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
