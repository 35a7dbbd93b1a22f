"""The test tools over streamable HTTP: ``python -m tests.mcp_servers.http --port 0``.

Binds 127.0.0.1 (port 0 picks a free one) and prints the endpoint URL, for
example ``http://127.0.0.1:40123/mcp``, as the first line on stdout once the
socket listens. ``--require-header NAME=VALUE`` makes it answer 401 to any
request without that header, which is how secret headers are tested.
"""

from __future__ import annotations

import argparse

import anyio

from tests.mcp_servers.tools import build_server
from tests.process_server import add_server_arguments, serve_printing_url

MCP_PATH = "/mcp"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Kitdesk test MCP server over HTTP.")
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    app = build_server().streamable_http_app(streamable_http_path=MCP_PATH)
    anyio.run(serve_printing_url, app, args.port, MCP_PATH, args.require_header)


if __name__ == "__main__":
    main()
