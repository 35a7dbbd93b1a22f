"""Running a test ASGI app as its own process: bind, print the URL, optionally gate on a header.

Shared by the test servers that run as subprocesses (``tests.mcp_servers.http``,
``tests.chatkit_server``): they bind 127.0.0.1 (port 0 picks a free port), print
their endpoint URL as the first stdout line once the socket listens, and with
``--require-header NAME=VALUE`` answer 401 to requests without that header.
``start_server_process()`` is the test side: run such a module and read its URL.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

REPO_ROOT = Path(__file__).resolve().parents[1]


class RequireHeader:
    """ASGI middleware: 401 with a JSON error unless the request carries the header."""

    def __init__(self, app: ASGIApp, name: str, value: str) -> None:
        self.app = app
        self.name = name.lower().encode()
        self.value = value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (self.name, self.value) not in scope["headers"]:
            error = {"code": "unauthorized", "message": "Missing or wrong request header."}
            body = json.dumps({"error": error}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def parse_header(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name, value


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--require-header",
        type=parse_header,
        default=None,
        metavar="NAME=VALUE",
        help="answer 401 to requests without this header",
    )


async def serve_printing_url(
    app: ASGIApp, port: int, path: str, required: tuple[str, str] | None
) -> None:
    """Serve ``app`` on 127.0.0.1:port; print ``http://127.0.0.1:<port><path>`` once listening."""
    if required is not None:
        app = RequireHeader(app, *required)
    # IPPROTO_TCP, so asyncio sets TCP_NODELAY on accepted connections as it does for
    # servers that bind by host and port: without it, Nagle's algorithm holds small
    # SSE writes for the client's delayed ACK (~40 ms), which real servers do not do.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve, [listener])
        while not server.started:
            await anyio.sleep(0.01)
        print(f"http://127.0.0.1:{listener.getsockname()[1]}{path}", flush=True)


def python_path() -> str:
    """PYTHONPATH for a child that imports ``tests``: the repository root first."""
    extra = os.environ.get("PYTHONPATH")
    return os.pathsep.join(p for p in (str(REPO_ROOT), extra) if p)


@contextmanager
def start_server_process(
    module: str,
    require_header: tuple[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run ``python -m module --port 0``; yield (process, printed URL); kill it on the way out."""
    args = [sys.executable, "-m", module, "--port", "0"]
    if require_header is not None:
        args += ["--require-header", f"{require_header[0]}={require_header[1]}"]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # an unread pipe could fill up and block the server
        env={**os.environ, "PYTHONPATH": python_path(), **(env or {})},
        cwd=REPO_ROOT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"{module} did not start (it printed {url!r})")
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
