"""Crash logging: uncaught exceptions in any thread and hard faults go to ``crash.log``.

A desktop app has no terminal to print to, so the file is where a person (or a
bug report) finds what went wrong; tracebacks are scrubbed of secrets first.

A Kitdesk that hangs (no window, a frozen one) can be asked where it is: on
Linux and macOS ``kill -USR1 <pid>`` appends every thread's stack to the same
file, and the app goes on. The window tests do this when a window never comes.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import IO

from kitdesk.logs import scrub

log = logging.getLogger(__name__)

CRASH_FILE = "crash.log"


def install_crash_logging(log_dir: Path) -> IO[str]:
    """Send uncaught exceptions (any thread) and hard faults to ``crash.log`` and the log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    crash_file = open(log_dir / CRASH_FILE, "a", encoding="utf-8")
    faulthandler.enable(file=crash_file, all_threads=True)
    if hasattr(signal, "SIGUSR1"):  # not on Windows
        faulthandler.register(signal.SIGUSR1, file=crash_file, all_threads=True, chain=False)

    def record(kind: str, exc: BaseException | None, tb: TracebackType | None) -> None:
        text = scrub("".join(traceback.format_exception(exc))) if exc else "(no exception)\n"
        crash_file.write(f"--- uncaught exception ({kind})\n{text}")
        crash_file.flush()
        log.critical("uncaught exception (%s)", kind, exc_info=exc)

    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        record("main thread", exc, tb)

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread else "thread"
        record(name, args.exc_value, args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    return crash_file
