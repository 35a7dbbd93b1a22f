"""A real ``kitdesk serve`` process for the proof suite, with its log read back.

The proof tests treat the server as a black box: they start the command a
person runs, talk HTTP to it, kill it with SIGKILL, and open the SQLite file
and the log file it wrote. Nothing here imports the server's modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

TRACEBACK = "Traceback (most recent call last)"
# The sentence the server streams (or answers) when something unexpected broke.
INTERNAL_CODE = "internal_error"
INTERNAL_PHRASE = "unexpected problem"


class ProofServer:
    """``kitdesk serve --port 0`` with KITDESK_HOME=home; restartable on the same home."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.env = {**os.environ, "KITDESK_HOME": str(home), **(env or {})}
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.token = ""
        self.client = httpx.Client(timeout=60)
        self.starts = 0
        self._seen_tracebacks: set[str] = set()

    # -- lifecycle ------------------------------------------------------------

    @property
    def stderr_path(self) -> Path:
        return self.home / "serve-stderr.log"

    @property
    def db_path(self) -> Path:
        return self.home / "data" / "kitdesk.db"

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / "kitdesk.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> ProofServer:
        self.home.mkdir(parents=True, exist_ok=True)
        with self.stderr_path.open("a") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=self.env,
                text=True,
            )
        assert self.proc.stdout is not None
        url = self.proc.stdout.readline().strip()
        if "/?token=" not in url:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"kitdesk serve did not start: {self.stderr_text()[-2000:]}")
        self.base_url, self.token = url.split("/?token=")
        self.client.close()
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )
        self.starts += 1
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the power goes."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM, the polite stop; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def restart(self) -> ProofServer:
        self.kill()
        return self.start()

    def close(self) -> None:
        self.client.close()
        if self.proc is not None and self.proc.poll() is None:
            self.stop()

    def __enter__(self) -> ProofServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ---------------------------------------------------------------

    def chatkit(self, body: Any, **kwargs: Any) -> httpx.Response:
        return self.client.post("/chatkit", json=body, **kwargs)

    def stream_events(self, body: Any) -> list[dict[str, Any]]:
        """POST a streaming request and decode every SSE frame (raises on a non-200)."""
        with self.client.stream("POST", "/chatkit", json=body) as reply:
            if reply.status_code != 200:
                reply.read()
                raise AssertionError(f"{reply.status_code}: {reply.text[:300]}")
            return [
                json.loads(line[6:]) for line in reply.iter_lines() if line.startswith("data: ")
            ]

    def new_thread(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        events = self.stream_events(new_thread_body(text))
        created = [e for e in events if e["type"] == "thread.created"]
        assert created, events
        return created[0]["thread"]["id"], events

    def items(self, thread_id: str) -> list[dict[str, Any]]:
        reply = self.chatkit(
            {"type": "items.list", "params": {"thread_id": thread_id, "limit": 500, "order": "asc"}}
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["data"]

    # -- what the process left behind ----------------------------------------------

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def log_text(self) -> str:
        logs = sorted(self.log_path.parent.glob("kitdesk.log*")) if self.log_path.exists() else []
        return "".join(p.read_text(errors="replace") for p in logs) + self.stderr_text()

    def tracebacks(self) -> list[str]:
        """Every traceback the server wrote, each with the lines before it."""
        text = self.log_text()
        found = []
        start = 0
        while (at := text.find(TRACEBACK, start)) >= 0:
            found.append(text[max(0, at - 300) : at + 1500])
            start = at + 1
        return found

    def new_tracebacks(self) -> list[str]:
        """Tracebacks written since the last call (each test checks its own)."""
        fresh = []
        for excerpt in self.tracebacks():
            key = excerpt[:600]  # the lines before it and its start: fixed once written
            if key not in self._seen_tracebacks:
                self._seen_tracebacks.add(key)
                fresh.append(excerpt)
        return fresh


def assert_no_new_tracebacks(server: ProofServer) -> None:
    tracebacks = server.new_tracebacks()
    assert not tracebacks, f"{len(tracebacks)} traceback(s) in the log:\n" + "\n----\n".join(
        tracebacks[:3]
    )


def new_thread_body(text: str) -> dict[str, Any]:
    return {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": text}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }


def add_message_body(thread_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "threads.add_user_message",
        "params": {
            "thread_id": thread_id,
            "input": {
                "content": [{"type": "input_text", "text": text}],
                "attachments": [],
                "inference_options": {},
            },
        },
    }


def is_error_sentence(reply: httpx.Response) -> bool:
    """The refusal is ``{"error": {"code": str, "message": "<a sentence>"}}``."""
    try:
        body = reply.json()
    except ValueError:
        return False
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return False
    code, message = body["error"].get("code"), body["error"].get("message")
    return (
        isinstance(code, str)
        and bool(code)
        and isinstance(message, str)
        and len(message.strip()) >= 10
        and TRACEBACK not in message
    )


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def db_rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        return conn.execute(sql, args).fetchall()


def wait_until(predicate: Any, timeout: float = 20, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


@contextlib.contextmanager
def proof_server(home: Path, **env: str) -> Iterator[ProofServer]:
    with ProofServer(home, env) as server:
        yield server
