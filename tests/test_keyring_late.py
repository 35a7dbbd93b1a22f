"""A Secret Service the keyring library missed at its first look is used once it answers
(kitdesk/keyring_late.py).

The keyring library chooses its backend once per process. Here a real Kitdesk key
store, in its own process, first asks while the session bus cannot be reached (as
when the login keyring starts after Kitdesk, or a D-Bus call times out on a busy
machine), then again once the bus with a real gnome-keyring is reachable: the key
must land in the Secret Service without a restart. Before the fix it was refused
until Kitdesk restarted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.proof.secret_service import secret_service_daemon

PROGRAM = """
import json, os, time
from kitdesk import keys, keyring_late
reachable = os.environ["DBUS_SESSION_BUS_ADDRESS"]
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/kitdesk-test-bus"
store = keys.KeyStore("kitdesk")
try:
    store.set("late", "sk-late-key-0000000000001")
    first = "stored"
except keys.KeyringUnavailable as exc:
    first = "refused: " + str(exc)
os.environ["DBUS_SESSION_BUS_ADDRESS"] = reachable
later = []
# A busy machine's D-Bus or keyring daemon may miss a look (the bus check waits 2 s):
# a person would try again. r20 on a clean clone, under the whole suite's load, saw
# five looks in 10 s miss and the sixth find it.
deadline = time.monotonic() + 40
while time.monotonic() < deadline:
    time.sleep(keyring_late.LATE_LOOK_SECONDS + 0.1)
    try:
        store.set("late", "sk-late-key-0000000000001")
        later.append("stored")
        break
    except keys.KeyringUnavailable as exc:
        later.append("refused: " + str(exc)[:40])
print(json.dumps({"first": first, "later": later, "status": keys.keyring_status().usable}))
"""


def test_a_secret_service_that_answers_late_takes_the_key_without_a_restart(
    tmp_path: Path,
) -> None:
    with secret_service_daemon(tmp_path / "xdg") as service:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON_KEYRING", "DBUS_", "XDG_"))
        }
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM],
            env={**env, **service.env},
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["first"].startswith("refused: No usable system keyring"), result
        assert result["later"][-1] == "stored", result
        assert result["status"] is True, result
        assert service.lookup("late") == "sk-late-key-0000000000001"
