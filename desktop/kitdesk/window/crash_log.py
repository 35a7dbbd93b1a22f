"""Crash logging: uncaught exceptions in any thread and hard faults go to ``crash.log``.

A desktop app has no terminal to print to, so the file is where a person (or a
bug report) finds what went wrong; tracebacks are scrubbed of secrets first.

A Kitdesk that hangs (no window, a frozen one) can be asked where it is: where
the window runs on Qt (Linux's default), ``kill -USR1 <pid>`` appends every
thread's stack to the same file, and the app goes on (``dump_stacks_on_request``).
The window tests do this when a window never comes.
"""

from __future__ import annotations

import faulthandler
import logging
import signal
import socket
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


def dump_stacks_on_request(crash_file: IO[str]) -> bool:
    """On ``SIGUSR1``, append every thread's stack to ``crash_file``; call from the main
    thread. False where there is no such signal (Windows) or it cannot be set up.

    Not ``faulthandler.register``: that writes the stacks from inside the signal
    handler, reading other threads' frames while they run, and a thread busy in
    Python (pydantic building a schema, say) makes it crash the app with a
    segmentation fault, as the window tests saw. Here the signal's C handler only
    writes a byte to a socket (Python's wakeup fd, which works even while the main
    thread sits in Qt's event loop and runs no Python), and a thread of ours reads it
    and dumps the stacks holding the GIL, when every other thread is between steps.
    """
    usr1 = getattr(signal, "SIGUSR1", None)
    if usr1 is None:
        return False
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    handler = signal.getsignal(usr1)
    try:
        signal.signal(usr1, lambda signum, frame: None)  # the C handler does the waking
        previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    except (ValueError, OSError):  # not the main thread
        previous = None
    if previous != -1:  # not set up, or someone else's wakeup fd (an event loop): keep theirs
        if previous is not None:
            signal.set_wakeup_fd(previous)
            signal.signal(usr1, handler)
        reader.close()
        writer.close()
        return False

    def serve() -> None:
        # Holding the writing end too: once garbage-collected, the wakeups would stop.
        with reader, writer:
            while received := reader.recv(64):  # a byte per signal with a Python handler
                if usr1 in received:
                    crash_file.flush()
                    faulthandler.dump_traceback(crash_file, all_threads=True)
                    crash_file.flush()

    threading.Thread(target=serve, name="kitdesk-stack-dump", daemon=True).start()
    return True
