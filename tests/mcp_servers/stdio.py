"""The test tools over stdio: ``python -m tests.mcp_servers.stdio``.

The MCP client starts this as its child process and speaks JSON-RPC on its
stdin/stdout, as Kitdesk does for a ``"transport": "stdio"`` server.
"""

from __future__ import annotations

from tests.mcp_servers.tools import build_server


def main() -> None:
    build_server().run("stdio")


if __name__ == "__main__":
    main()
