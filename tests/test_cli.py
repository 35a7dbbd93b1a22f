"""The `kitdesk` command as a user runs it: a real subprocess."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
from kitdesk import __version__

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


def test_serving_chatkit_imports_neither_the_agents_sdk_nor_chatkit_server(
    tmp_path: Path,
) -> None:
    # Kitdesk serves the protocol with its own dispatcher: the Agents SDK and
    # chatkit.server (about 40 MB and a second of imports) stay out of the
    # process, and the MCP client comes in only when a tool server is used.
    probe = (
        "import sys; from pathlib import Path; "
        "from kitdesk.paths import resolve_paths; "
        "from kitdesk.app import create_app, start_chat_server; "
        "app = create_app(resolve_paths(Path(sys.argv[1]))); service = start_chat_server(app); "
        "assert service.dispatcher is not None; "
        "print(','.join(m for m in ('agents', 'chatkit.server', 'chatkit.agents', 'mcp') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""


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
