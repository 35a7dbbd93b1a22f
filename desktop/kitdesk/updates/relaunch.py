"""Starting the updated Kitdesk once this one has quit.

The new process must not start while the old one still holds the instance
lock (it would only ask the old window to come forward). So a tiny detached
helper waits for this process id to disappear, then runs the command:

- Linux and macOS: ``/bin/sh`` polls ``kill -0 <pid>`` and then ``exec``s the
  new program (macOS: ``open -n Kitdesk.app``);
- Windows: the helper is the installer itself: it waits for Kitdesk to close
  (``/CLOSEAPPLICATIONS``), installs, and with ``/relaunch=yes`` starts it.

The window process calls ``spawn_after_exit`` and then quits normally.
"""

from __future__ import annotations

import os
import subprocess
import sys

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
