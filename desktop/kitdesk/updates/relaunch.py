"""Starting the updated Kitdesk once this one has quit.

The new process must not start while the old one still holds the instance
lock (it would only ask the old window to come forward), and on Windows the
installer must not run while the old files are in use. So nothing starts
until this process is on its way out:

- the API's "Restart to update" installs the update, hands the result to
  ``RestartAfterUpdate.request`` and asks the window to close (``quit`` hook);
- the window process, after its window closed and its server stopped, calls
  ``RestartAfterUpdate.run_at_exit`` as its last act;
- Linux and macOS: that spawns a detached ``/bin/sh`` that waits until this
  process id is gone (``kill -0``) and then ``exec``s the new program
  (macOS: ``open -n Kitdesk.app``);
- Windows: that starts the installer (``/SILENT ... /CLOSEAPPLICATIONS
  /relaunch=yes``), which waits for open files to close, installs, and starts
  Kitdesk again.

Without a window (``kitdesk serve``) there is no quit hook: the update is in
place and runs from the next start.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kitdesk.updates.install import InstallResult

log = logging.getLogger(__name__)

_WAIT_THEN_EXEC = 'while kill -0 "$0" 2>/dev/null; do sleep 0.2; done; exec "$@"'


def spawn_after_exit(command: list[str], pid: int | None = None) -> subprocess.Popen[bytes]:
    """Run ``command`` detached, after process ``pid`` (default: this one) has exited."""
    pid = os.getpid() if pid is None else pid
    if sys.platform == "win32":
        flags = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
        return subprocess.Popen(command, creationflags=flags, close_fds=True)
    return subprocess.Popen(
        ["/bin/sh", "-c", _WAIT_THEN_EXEC, str(pid), *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


class RestartAfterUpdate:
    """One per process: what to start after quitting, and how to quit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._quit: Callable[[], None] | None = None
        self._pending: InstallResult | None = None

    def set_quit(self, quit: Callable[[], None] | None) -> None:
        """The window registers how to close itself; ``None`` when it is gone."""
        with self._lock:
            self._quit = quit

    @property
    def can_restart(self) -> bool:
        return self._quit is not None

    def request(self, result: InstallResult) -> bool:
        """Remember the follow-up and close the window; False when there is no window."""
        with self._lock:
            self._pending = result
            quit = self._quit
        if quit is None:
            return False
        quit()
        return True

    def run_at_exit(self) -> subprocess.Popen[bytes] | None:
        """Start the new version (or the Windows installer) as this process ends."""
        with self._lock:
            result, self._pending = self._pending, None
        if result is None:
            return None
        command = result.run_after_exit or result.relaunch
        if not command:
            return None
        log.info("starting after exit: %s", command[0])
        return spawn_after_exit(command)


# One per process, like its exit: the window (which can quit) and the server
# (which installs) are built apart, and both reach it here.
restart_after_update = RestartAfterUpdate()
