"""``POST /api/chat/warm`` in a served process: it builds the turn engine once,
behind the launch token, and nothing before it loads the engine's modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# The server exactly as `kitdesk serve` starts it, asked what the UI asks at
# launch, then warmed. Prints what each step answered and whether the engine's
# modules were loaded at each point.
WARM_PROBE = """
import http.client, json, sys, time
from pathlib import Path
from kitdesk.paths import resolve_paths
from kitdesk.web.server import start_server

server = start_server(resolve_paths(Path(sys.argv[1])).create())

def ask(method, path, body=None, token=True):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + server.token
    connection.request(method, server.prefix + path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())

def loaded():
    return [name for name in ("openai", "kitdesk.chat.turn") if name in sys.modules]

seen = {}
ask("GET", "/api/app")
ask("POST", "/chatkit", json.dumps({"type": "threads.list", "params": {"limit": 1}}))
server.wait_until_built(60)
seen["idle_health"] = ask("GET", "/api/health")[1]["engine"]
seen["idle_loaded"] = loaded()
seen["no_token"] = ask("POST", "/api/chat/warm", token=False)
seen["no_token_loaded"] = loaded()
seen["first"] = ask("POST", "/api/chat/warm")
deadline = time.monotonic() + 120
while ask("GET", "/api/health")[1]["engine"] != "ready" and time.monotonic() < deadline:
    time.sleep(0.05)
seen["ready_health"] = ask("GET", "/api/health")[1]["engine"]
engines = server.app.state.chat_server.engines
engine = engines.built
seen["second"] = ask("POST", "/api/chat/warm")
seen["same_engine"] = engines.built is engine and engine is not None
seen["ready_loaded"] = loaded()
print(json.dumps(seen))
server.stop()
"""


def test_warm_builds_the_turn_engine_once_and_only_when_asked(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run(
        [sys.executable, "-c", WARM_PROBE, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Launch requests and a listing leave the engine unbuilt.
    assert seen["idle_health"] == "idle"
    assert seen["idle_loaded"] == []
    # Without the launch token: refused in words, nothing built.
    status, answer = seen["no_token"]
    assert status == 401
    assert answer["error"]["code"] == "unauthorized"
    assert seen["no_token_loaded"] == []
    # The first call starts the build; the engine then becomes ready with no turn.
    assert seen["first"] == [200, {"engine": "loading", "started": True}]
    assert seen["ready_health"] == "ready"
    assert seen["ready_loaded"] == ["kitdesk.chat.turn"]  # the engine, without openai
    # A second call only reports: the same engine, nothing rebuilt.
    assert seen["second"] == [200, {"engine": "ready", "started": False}]
    assert seen["same_engine"] is True
