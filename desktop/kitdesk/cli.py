"""Command line: ``kitdesk`` (the window), ``kitdesk serve``, ``kitdesk import|export|backup|
restore`` (see data_commands.py), ``--self-test``, ``--version``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import kitdesk
from kitdesk.paths import Paths, private_umask, resolve_paths

log = logging.getLogger("kitdesk")


class _PrintVersion(argparse.Action):
    """``--version``, reading the version only when asked (see kitdesk/__init__.py)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"kitdesk {kitdesk.__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kitdesk",
        description="Kitdesk: a desktop AI chat client. Without a command it opens the window.",
        epilog="KITDESK_HOME moves every data, config and log location under one folder. "
        "OPENAI_API_KEY and OPENAI_BASE_URL add a read-only 'environment' provider.",
    )
    parser.add_argument(
        "--version", action=_PrintVersion, nargs=0, help="show the version and exit"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check the installation without opening a window, then exit (0 when healthy)",
    )
    parser.add_argument(
        "--quick-ask",
        action="store_true",
        help="open the quick-ask window (of the running Kitdesk, or start one); "
        "bind this to a shortcut where apps cannot set global ones (Wayland)",
    )
    parser.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="keep all data, settings and logs under DIR"
    )
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser(
        "serve", help="run the chat server without a window and print its URL (with the token)"
    )
    serve.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)"
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        dest="serve_data_dir",
        help="keep all data, settings and logs under DIR",
    )
    for name, help_text, path_help in (
        (
            "import",
            "import conversations: ChatGPT's export (.zip or conversations.json), "
            "Open WebUI's chat export, or a Kitdesk export",
            "the file to import",
        ),
        ("export", "export every conversation as Kitdesk JSON", "the file (or folder) to write"),
        ("backup", "back up the database and attachments to one file", "the file or folder"),
        ("restore", "restore a backup (close Kitdesk first)", "the backup file"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("path", type=Path, metavar="PATH", help=path_help)
    return parser


def _paths(args: argparse.Namespace) -> Paths:
    home = getattr(args, "serve_data_dir", None) or args.data_dir
    return resolve_paths(home).create()


def serve(paths: Paths, port: int) -> int:
    from kitdesk.idle_memory import allow_freezing
    from kitdesk.web.server import ServerStartError, start_server

    if not 0 <= port <= 65535:
        print(f"kitdesk: --port must be between 0 and 65535, not {port}", file=sys.stderr)
        return 2
    allow_freezing()  # this process is Kitdesk (idle_memory.py)
    try:
        running = start_server(paths, port)
    except ServerStartError as exc:
        print(f"kitdesk: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s; shutting down", signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(running.url, flush=True)
    while not stop.wait(0.5):
        if running._deferred.complete.done():
            try:
                running.wait_until_built(0)
            except ServerStartError as exc:
                print(f"kitdesk: {exc}", file=sys.stderr)
                running.stop()
                return 1
        if not running.is_alive():  # the server died on its own
            log.error("server thread ended unexpectedly")
            return 1
    clean = running.stop(timeout=5.0)
    log.info("server stopped (%s)", "clean" if clean else "forced")
    return 0 if clean else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    private_umask()
    paths = _paths(args)
    from kitdesk.logs import setup_logging

    setup_logging(paths.log_file, console=args.command == "serve")
    if args.self_test:
        from kitdesk.selftest import run_self_test

        return run_self_test()
    if args.command == "serve":
        return serve(paths, args.port)
    if args.command in ("import", "export", "backup", "restore"):
        from kitdesk import data_commands

        run = getattr(data_commands, f"{args.command}_command")
        return run(paths, args.path)
    from kitdesk.window.main import run_window
    from kitdesk.window.process_exit import end_process

    # Not a return: a JS-bridge thread pywebview left waiting must not hold the exit.
    end_process(run_window(paths, quick_ask=args.quick_ask))


if __name__ == "__main__":
    raise SystemExit(main())
