"""A kill in the middle of an answer keeps what was already streamed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
from kitdesk.checkpoints import INTERRUPTED_NOTE

from tests.live_server import LiveServer
from tests.serve_process import new_thread_request, serve_process
from tests.upstream import Turn, Upstream

WORDS = [f"word{i} " for i in range(400)]


def test_sigkill_mid_answer_keeps_the_streamed_text(tmp_path: Path, upstream: Upstream) -> None:
    upstream.script(Turn(chunks=WORDS, delay_between=0.02))  # about 8 s of answer
    home = tmp_path / "home"
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
            started = None
            for line in reply.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                update = event.get("update", {})
                if update.get("type") == "assistant_message.content_part.text_delta":
                    started = started or time.monotonic()
                    seen += update["delta"]
                # Long enough for at least one checkpoint, well before the end.
                if started is not None and time.monotonic() - started > 2.5:
                    os.kill(served.proc.pid, signal.SIGKILL)
                    break
        served.proc.wait(timeout=10)
    assert seen.startswith("word0 ") and "word399" not in seen
    with sqlite3.connect(home / "data" / "kitdesk.db") as db:
        rows = [json.loads(data) for (data,) in db.execute("SELECT data FROM items ORDER BY seq")]
    assert [row["type"] for row in rows] == ["user_message", "assistant_message"]
    saved = rows[1]["content"][0]["text"]
    assert saved.endswith(INTERRUPTED_NOTE)
    kept = saved.removesuffix(INTERRUPTED_NOTE)
    # Everything saved was streamed, and at most the last second of what streamed is missing.
    assert seen.startswith(kept)
    assert len(kept) >= len("word0 word1 word2 ")


def test_stop_after_a_checkpoint_keeps_one_clean_partial_answer(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(chunks=WORDS, delay_between=0.02))
    thread_id = None
    body = new_thread_request("Count slowly")
    with live_chat.client.stream("POST", "/chatkit", json=body) as reply:
        started = None
        for line in reply.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if event["type"] == "thread.created":
                thread_id = event["thread"]["id"]
            if event.get("update", {}).get("type") == "assistant_message.content_part.text_delta":
                started = started or time.monotonic()
            if started is not None and time.monotonic() - started > 2.5:
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
