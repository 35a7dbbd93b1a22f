"""The `kitdesk` command as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
from kitdesk import __version__
from kitdesk.keys import NO_KEYRING_HELP

from tests.serve_process import new_thread_request, serve_process
from tests.upstream import Upstream


def _run(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kitdesk", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KITDESK_HOME": str(home), **env},
    )


def test_version_and_help(tmp_path: Path) -> None:
    version = _run("--version", home=tmp_path)
    assert version.returncode == 0
    assert version.stdout.strip() == f"kitdesk {__version__}"
    usage = _run("--help", home=tmp_path)
    assert usage.returncode == 0
    assert "serve" in usage.stdout and "KITDESK_HOME" in usage.stdout


def test_serve_rejects_bad_port(tmp_path: Path) -> None:
    result = _run("serve", "--port", "70000", home=tmp_path)
    assert result.returncode == 2
    assert "--port must be between 0 and 65535" in result.stderr


def test_serve_prints_url_answers_and_stops_cleanly_on_sigterm(
    tmp_path: Path, upstream: Upstream
) -> None:
    home = tmp_path / "home"
    with serve_process(
        home, OPENAI_API_KEY="sk-cli-test-key-123456", OPENAI_BASE_URL=upstream.base_url
    ) as served:
        line, proc = served.url, served.proc
        assert line.startswith("http://127.0.0.1:") and "/?token=" in line
        base, token = served.base_url, served.token
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        health = client.get("/api/health").json()
        assert health["version"] == __version__
        assert token not in client.get("/api/health").text
        with client.stream("POST", "/chatkit", json=new_thread_request("Remember me")) as reply:
            streamed = b"".join(reply.iter_bytes())
        assert b"assistant_message" in streamed
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    # The conversation survived the shutdown, in the documented place.
    db = home / "data" / "kitdesk.db"
    with sqlite3.connect(db) as conn:
        texts = " ".join(row[0] for row in conn.execute("select data from items"))
    assert "Remember me" in texts
    log_text = (home / "logs" / "kitdesk.log").read_text()
    assert token not in log_text
    assert "sk-cli-test-key-123456" not in log_text


def test_serve_with_a_damaged_database_explains_and_keeps_the_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "data" / "kitdesk.db"
    db.parent.mkdir(parents=True)
    garbage = b"this is not a database" * 100
    db.write_bytes(garbage)
    result = _run("serve", "--port", "0", home=home)
    assert result.returncode == 1
    assert "kitdesk: " in result.stderr
    assert "Traceback" not in result.stderr
    assert "database" in result.stderr.lower()
    assert db.read_bytes() == garbage  # nothing was overwritten


# Run in a fresh process: the server exactly as `kitdesk serve` starts it, asked
# what the UI asks at launch (and a ChatKit listing), then idle. Prints the
# /api/app answer and which of the modules named in argv[2:] were imported.
IDLE_SERVER_PROBE = """
import http.client, json, sys
from pathlib import Path
from kitdesk.paths import resolve_paths
from kitdesk.web.server import start_server

server = start_server(resolve_paths(Path(sys.argv[1])).create())

def ask(method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Authorization": "Bearer " + server.token, "Content-Type": "application/json"}
    connection.request(method, server.prefix + path, body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    assert response.status == 200, answer
    return answer

app_info = ask("GET", "/api/app")
ask("GET", "/api/health")
ask("POST", "/chatkit", json.dumps({"type": "threads.list", "params": {"limit": 1}}))
server.wait_until_built(60)  # the chat service is up: the ChatKit endpoint is ready
print(json.dumps({
    "keyring": app_info["keyring"],
    "imported": [name for name in sys.argv[2:] if name in sys.modules],
}))
server.stop()
"""

# Kept off an idle server: the Agents SDK and chatkit.server (Kitdesk serves
# the protocol with its own dispatcher; about 40 MB and a second of imports),
# the MCP client (only when a tool server is used), and the keyring library
# with SecretStorage and cryptography (only when a key is first read or
# written; about 8 MiB), the turn engine (built by the first turn), and the
# openai client (only hosted workflows use it; about 12 MiB).
NOT_AT_IDLE = (
    "agents",
    "chatkit.server",
    "chatkit.agents",
    "mcp",
    "keyring",
    "secretstorage",
    "cryptography",
    "openai",
    "kitdesk.chat.turn",
)


def test_an_idle_server_imports_none_of_what_only_later_requests_need(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run(
        [sys.executable, "-c", IDLE_SERVER_PROBE, str(tmp_path / "home"), *NOT_AT_IDLE],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["imported"] == []
    # Without a session bus there is no keyring: the same sentence as ever,
    # found without loading the library.
    assert seen["keyring"]["usable"] is False
    assert seen["keyring"]["message"] == NO_KEYRING_HELP


def test_the_ui_is_served_before_anything_heavy_is_imported() -> None:
    # `kitdesk serve` prints its URL and the window loads the UI from what these
    # two modules import; FastAPI, the SDKs and the store come later, in a thread.
    heavy = ["fastapi", "openai", "chatkit", "agents", "sqlite3", "importlib.metadata"]
    probe = (
        "import sys, kitdesk.cli, kitdesk.web.server; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_a_first_message_goes_to_the_model_the_picker_shows(
    tmp_path: Path, upstream: Upstream
) -> None:
    """OPENAI_BASE_URL at a local server (Ollama, say) that does not have OpenAI's
    fallback model name: the picker defaults to the server's first model, and a
    message sent with no model (the composer's first, the quick-ask window's) goes
    there too, not to a name the server refuses."""
    upstream.models = ["qwen3:8b", "llama3.2:3b"]
    env = {"OPENAI_API_KEY": "sk-cli-test-key-123456", "OPENAI_BASE_URL": upstream.base_url}
    with serve_process(tmp_path / "home", **env) as served:
        client = served.client()
        models = client.get("/api/models").json()["models"]
        assert [m["id"] for m in models if m["default"]] == ["environment::llama3.2:3b"]
        with client.stream("POST", "/chatkit", json=new_thread_request("Hello")) as reply:
            streamed = b"".join(reply.iter_bytes())
        assert b"assistant_message" in streamed
    answered = [r.model for r in upstream.requests if r.path == "/v1/chat/completions"]
    assert answered and set(answered) == {"llama3.2:3b"}


def test_on_the_first_launch_a_message_sent_before_the_picker_asks_goes_to_a_listed_model(
    tmp_path: Path, upstream: Upstream
) -> None:
    """No list cached yet (the very first launch) and the message sent before anything
    asked for the models: the turn asks the server for its list first, rather than
    sending OpenAI's fallback name, which a server such as Ollama refuses."""
    upstream.models = ["qwen3:8b", "llama3.2:3b"]
    env = {"OPENAI_API_KEY": "sk-cli-test-key-123456", "OPENAI_BASE_URL": upstream.base_url}
    with serve_process(tmp_path / "home", **env) as served:
        client = served.client()
        with client.stream("POST", "/chatkit", json=new_thread_request("Hello")) as reply:
            streamed = b"".join(reply.iter_bytes())
        assert b"assistant_message" in streamed
        models = client.get("/api/models").json()["models"]
        assert [m["id"] for m in models if m["default"]] == ["environment::llama3.2:3b"]
    paths = [r.path for r in upstream.requests]
    assert paths.index("/v1/models") < paths.index("/v1/chat/completions")
    answered = [r.model for r in upstream.requests if r.path == "/v1/chat/completions"]
    assert answered and set(answered) == {"llama3.2:3b"}
