"""The test tools over streamable HTTP: ``python -m tests.mcp_servers.http --port 0``.

Binds 127.0.0.1 (port 0 picks a free one) and prints the endpoint URL, for
example ``http://127.0.0.1:40123/mcp``, as the first line on stdout once the
socket listens. ``--require-header NAME=VALUE`` makes it answer 401 to any
request without that header, which is how secret headers are tested.
"""

from __future__ import annotations

import argparse
import socket

import anyio
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.mcp_servers.tools import build_server

MCP_PATH = "/mcp"


class RequireHeader:
    """ASGI middleware: 401 with a JSON error unless the request carries the header."""

    def __init__(self, app: ASGIApp, name: str, value: str) -> None:
        self.app = app
        self.name = name.lower().encode()
        self.value = value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (self.name, self.value) not in scope["headers"]:
            body = b'{"error": {"code": "unauthorized", "message": "Missing or wrong header."}}'
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


async def serve(port: int, required: tuple[str, str] | None) -> None:
    app: ASGIApp = build_server().streamable_http_app(streamable_http_path=MCP_PATH)
    if required is not None:
        app = RequireHeader(app, *required)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve, [listener])
        while not server.started:
            await anyio.sleep(0.01)
        print(f"http://127.0.0.1:{listener.getsockname()[1]}{MCP_PATH}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Kitdesk test MCP server over HTTP.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--require-header", type=parse_header, default=None)
    args = parser.parse_args(argv)
    anyio.run(serve, args.port, args.require_header)


if __name__ == "__main__":
    main()
