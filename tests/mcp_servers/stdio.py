"""The test tools over stdio: ``python -m tests.mcp_servers.stdio``.

The MCP client starts this as its child process and speaks JSON-RPC on its
stdin/stdout, as Kitdesk does for a ``"transport": "stdio"`` server. Two flags
make a server that fails to start: ``--exit-at-start CODE`` writes a sentence
to stderr and exits before speaking; ``--hang-at-start`` never answers.
"""

from __future__ import annotations

import argparse
import sys
import time

START_FAILURE = "kitdesk test MCP server: refusing to start (--exit-at-start)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Kitdesk test MCP server over stdio.")
    parser.add_argument("--exit-at-start", type=int, default=None, metavar="CODE")
    parser.add_argument("--hang-at-start", action="store_true")
    args = parser.parse_args(argv)
    if args.exit_at_start is not None:
        sys.stderr.write(START_FAILURE + "\n")
        sys.exit(args.exit_at_start)
    if args.hang_at_start:
        while True:
            time.sleep(3600)
    from tests.mcp_servers.tools import build_server  # the mcp SDK import takes a while

    build_server().run("stdio")


if __name__ == "__main__":
    main()
