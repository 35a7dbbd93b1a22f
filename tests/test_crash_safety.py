"""A kill in the middle of an answer keeps what was already streamed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
from kitdesk.chat.checkpoints import INTERRUPTED_NOTE
from kitdesk.paths import Paths

from tests.live_server import LiveServer
from tests.serve_process import new_thread_request, serve_process
from tests.upstream import Turn, Upstream

WORDS = [f"word{i} " for i in range(400)]


def checkpoint_saved(db: Path) -> bool:
    """The half-streamed answer has been written to the database (a checkpoint)."""
    if not db.exists():
        return False
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        rows = [json.loads(data) for (data,) in conn.execute("SELECT data FROM items")]
    return any(
        row["type"] == "assistant_message" and row["content"][0]["text"].endswith(INTERRUPTED_NOTE)
        for row in rows
    )


class Throttle:
    """True at most every ``seconds``: polling the database on every delta would slow the stream."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.last = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.seconds:
            return False
        self.last = now
        return True


def test_sigkill_mid_answer_keeps_the_streamed_text(tmp_path: Path, upstream: Upstream) -> None:
    upstream.script(Turn(chunks=WORDS, delay_between=0.02))  # about 8 s of answer
    home = tmp_path / "home"
    db = home / "data" / "kitdesk.db"
    seen = ""
    with serve_process(
        home, OPENAI_API_KEY="sk-crash-test-key-0001", OPENAI_BASE_URL=upstream.base_url
    ) as served:
        headers = {"Authorization": f"Bearer {served.token}"}
        with httpx.stream(
            "POST",
            f"{served.base_url}/chatkit",
            json=new_thread_request("Count slowly"),
            headers=headers,
            timeout=60,
        ) as reply:
            poll = Throttle(0.1)
            for line in reply.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                update = event.get("update", {})
                if update.get("type") == "assistant_message.content_part.text_delta":
                    seen += update["delta"]
                # Killed once a checkpoint is on disk, well before the answer ends.
                if seen and poll() and checkpoint_saved(db):
                    os.kill(served.proc.pid, signal.SIGKILL)
                    break
        served.proc.wait(timeout=10)
    assert seen.startswith("word0 ") and "word399" not in seen
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = [json.loads(data) for (data,) in conn.execute("SELECT data FROM items ORDER BY seq")]
    assert [row["type"] for row in rows] == ["user_message", "assistant_message"]
    saved = rows[1]["content"][0]["text"]
    assert saved.endswith(INTERRUPTED_NOTE)
    kept = saved.removesuffix(INTERRUPTED_NOTE)
    # Everything saved was streamed, and at most the last second of what streamed is missing.
    assert seen.startswith(kept)
    assert len(kept) >= len("word0 word1 word2 ")


def test_stop_after_a_checkpoint_keeps_one_clean_partial_answer(
    live_chat: LiveServer, upstream: Upstream, kitdesk_home: Paths
) -> None:
    upstream.script(Turn(chunks=WORDS, delay_between=0.02))
    thread_id = None
    body = new_thread_request("Count slowly")
    poll = Throttle(0.1)
    with live_chat.client.stream("POST", "/chatkit", json=body) as reply:
        for line in reply.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if event["type"] == "thread.created":
                thread_id = event["thread"]["id"]
            if thread_id and poll() and checkpoint_saved(kitdesk_home.db_path):
                break  # leaving the block closes the connection: the person pressed Stop
    assert thread_id is not None
    deadline = time.monotonic() + 20
    while True:
        items = live_chat.chatkit("items.list", thread_id=thread_id, limit=50).json()["data"]
        answers = [item for item in items if item["type"] == "assistant_message"]
        # The checkpoint may still be there for a moment; the stop then replaces it.
        settled = answers and not answers[-1]["content"][0]["text"].endswith(INTERRUPTED_NOTE)
        if settled or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(answers) == 1
    text = answers[0]["content"][0]["text"]
    assert text.startswith("word0 word1 ") and not text.endswith(INTERRUPTED_NOTE)
