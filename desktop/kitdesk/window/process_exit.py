"""Ending the window's process once its own shutdown is done.

pywebview runs each call from the page's JS bridge on a thread of its own, and
not a daemon one: the thread runs the Python method, then hands the result back
to the page with ``evaluate_js``, which waits for the GUI thread. A call still
in flight when the last window closes therefore waits for ever, and Python's
exit waits for it (seen in the bundle: the process stayed after "server stopped").

By the time ``end_process`` runs, everything that must finish has finished: the
server has stopped and flushed its writes, the instance lock is released. So it
gives other threads a short grace, flushes the logs and leaves with
``os._exit``, which does not wait for threads nobody will ever release.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import NoReturn

# Long enough for a thread that is merely finishing; a stuck one never will.
GRACE_SECONDS = 2.0


def end_process(code: int, *, grace: float = GRACE_SECONDS) -> NoReturn:
    """Exit with ``code`` once other non-daemon threads end or ``grace`` seconds pass."""
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is threading.current_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            logging.getLogger(__name__).info("not waiting for thread %s at exit", thread.name)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, or None in a windowed build
            pass
    os._exit(code)
