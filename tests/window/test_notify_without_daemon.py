"""A session bus with no notification daemon on it, as on many window-manager desktops:
DesktopNotifier says no notification was shown instead of raising.

The bus answers Notify with a D-Bus error message, which jeepney's router returns as
a reply; read as a notification id, it was a ValueError (and a traceback in the log)
at every answer that finished in the background.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import require
from tests.window import harness

pytestmark = pytest.mark.window

PROBE = """
import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
from kitdesk.window.notify import DesktopNotifier
shown = DesktopNotifier(lambda thread_id: None).notify("thr_1", "Your answer is ready", "Body")
print("shown:", shown)
"""


def test_no_notification_daemon_means_no_notification_and_no_error() -> None:
    require(shutil.which("dbus-run-session") is not None, "dbus-run-session is not installed")
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    env |= {k: v for k, v in harness.base_env(":0").items() if k == "PYTHONPATH"}
    done = subprocess.run(
        ["dbus-run-session", "--", sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "shown: False"
    assert "no notification shown (DBusErrorResponse)" in lines
    assert "Traceback" not in done.stderr
