"""``python -m tests.chatkit_server --port 0``: prints ``http://127.0.0.1:<port>/chatkit``."""

from __future__ import annotations

import argparse
import warnings

import anyio

from tests.process_server import add_server_arguments, serve_printing_url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the scripted ChatKit test server.")
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    # The SDK marks its named widget classes deprecated in favour of .widget files;
    # validating plain dicts into them still warns, which is noise here.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from tests.chatkit_server.app import build_app

    anyio.run(serve_printing_url, build_app(), args.port, "/chatkit", args.require_header)


if __name__ == "__main__":
    main()
