"""Load through one real ``kitdesk serve``: 20 conversations streaming at once
(with and without the UI open in Chromium), and 1,000 turns without the
server's memory growing by more than 10 MB.

RSS growth is a memory bound, not a timing, so it is asserted here; how fast
the turns go is the benchmarks' business (tests/bench). The UI's longest
main-thread task under load is recorded as a figure, not asserted.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import psutil

from tests.proof.figures import budget, record
from tests.proof.harness import (
    ProofServer,
    add_message_body,
    assert_no_new_tracebacks,
    new_thread_body,
)
from tests.upstream import Upstream

CONVERSATIONS = 20
MAX_RSS_GROWTH = 10 * 1024 * 1024


def answer_of(events: list[dict[str, Any]]) -> tuple[str | None, str, str]:
    """(thread id, text streamed as deltas, text of the finished answer)."""
    thread_id = None
    streamed = ""
    final = ""
    for event in events:
        if event["type"] == "thread.created":
            thread_id = event["thread"]["id"]
        elif event["type"] == "thread.item.updated":
            update = event["update"]
            if update.get("type") == "assistant_message.content_part.text_delta":
                streamed += update["delta"]
        elif event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message":
            final = event["item"]["content"][0]["text"]
    return thread_id, streamed, final


def run_parallel(count: int, work: Any) -> list[Any]:
    results: list[Any] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not errors, errors[:3]
    return results


def test_twenty_conversations_stream_at_once_and_none_is_mixed_up(
    tmp_path: Path, upstream: Upstream, upstream_env: dict[str, str]
) -> None:
    upstream.echo_delay = 0.01  # each answer streams for a while, so all 20 overlap
    words = [f"conversation-{n}-{uuid.uuid4().hex[:8]}" for n in range(CONVERSATIONS)]
    with ProofServer(tmp_path / "home", upstream_env) as server:
        server.chatkit({"type": "threads.list", "params": {}})  # the app is up
        open_streams = 0
        most_open = 0
        lock = threading.Lock()

        def converse(index: int) -> tuple[str | None, str, str]:
            nonlocal open_streams, most_open
            text = " ".join([words[index]] * 40)
            with lock:
                open_streams += 1
                most_open = max(most_open, open_streams)
            try:
                return answer_of(server.stream_events(new_thread_body(text)))
            finally:
                with lock:
                    open_streams -= 1

        results = run_parallel(CONVERSATIONS, converse)
        for index, (thread_id, streamed, final) in enumerate(results):
            expected = "Echo: " + " ".join([words[index]] * 40)
            assert streamed == expected and final == expected, (index, final[:120])
            items = server.items(str(thread_id))
            texts = [item["content"][0]["text"] for item in items]
            assert texts == [" ".join([words[index]] * 40), expected], (index, texts)
        assert most_open == CONVERSATIONS
        assert_no_new_tracebacks(server)
    record("load: concurrent streaming conversations held", CONVERSATIONS)


# Tasks over 50 ms on the page's main thread, as Chromium reports them.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""


def test_the_ui_stays_usable_while_twenty_conversations_stream(
    tmp_path: Path, upstream: Upstream, upstream_env: dict[str, str]
) -> None:
    """The person chats in the window while 20 other conversations stream through the
    same server: their answer arrives whole, in their thread, and nothing is mixed up."""
    from playwright.sync_api import expect

    from tests.browser.chat import assistant_messages, composer, send, wait_until_answered
    from tests.browser.conftest import chromium

    upstream.echo_delay = 0.01
    words = [f"busy-{n}-{uuid.uuid4().hex[:8]}" for n in range(CONVERSATIONS)]
    with ProofServer(tmp_path / "home", upstream_env) as server, chromium() as browser:
        assert server.client.put("/api/settings", json={"updates": "off"}).is_success
        page = browser.new_page()
        page.add_init_script(LONG_TASKS)
        page.goto(f"{server.base_url}/?token={server.token}")
        expect(composer(page)).to_be_visible(timeout=60_000)
        page.evaluate("window.__longTasks = []")  # what the load costs, not the first paint
        go = threading.Event()

        def converse(index: int) -> tuple[str | None, str, str]:
            go.wait(60)
            return answer_of(server.stream_events(new_thread_body(" ".join([words[index]] * 40))))

        others = threading.Thread(
            target=lambda: results.extend(run_parallel(CONVERSATIONS, converse))
        )
        results: list[tuple[str | None, str, str]] = []
        others.start()
        go.set()
        mine = "Mine: " + uuid.uuid4().hex
        send(page, mine)
        wait_until_answered(page, 1)
        expect(assistant_messages(page).first).to_contain_text(f"Echo: {mine}")
        others.join(300)
        assert len(results) == CONVERSATIONS
        for index, (_thread_id, streamed, final) in enumerate(results):
            expected = "Echo: " + " ".join([words[index]] * 40)
            assert streamed == expected and final == expected, (index, final[:120])
        # The page took every answer it was sent and nothing of the others'.
        shown = assistant_messages(page).all_inner_texts()
        assert len(shown) == 1 and not any(word in shown[0] for word in words)
        longest = max(page.evaluate("window.__longTasks"), default=0)
        assert_no_new_tracebacks(server)
    record("load: longest UI main-thread task ms (20 streams, recorded)", round(longest))


def test_a_thousand_turns_grow_server_memory_by_at_most_10_mb(
    tmp_path: Path, upstream: Upstream, upstream_env: dict[str, str]
) -> None:
    turns = budget(1000, 5000)
    lanes = 10  # conversations in parallel, each taking its turns in order
    with ProofServer(tmp_path / "home", upstream_env) as server:
        process = psutil.Process(server.pid)

        def take_turns(count: int) -> None:
            def lane(index: int) -> None:
                thread_id, _ = server.new_thread(f"lane {index} turn 0")
                for turn in range(1, count // lanes):
                    events = server.stream_events(
                        add_message_body(thread_id, f"lane {index} turn {turn} " + "x" * 200)
                    )
                    _, _, final = answer_of(events)
                    assert final.startswith(f"Echo: lane {index} turn {turn} "), final[:80]

            run_parallel(lanes, lane)

        take_turns(max(lanes * 20, turns // 3))  # warm-up: caches, pools, the allocator
        before = process.memory_info().rss
        take_turns(turns)
        after = process.memory_info().rss
        growth = after - before
        record("load: turns with RSS growth checked", turns)
        record("load: RSS growth over the turns (KB)", growth // 1024)
        assert growth <= MAX_RSS_GROWTH, f"RSS grew by {growth / 1e6:.1f} MB over {turns} turns"
        assert_no_new_tracebacks(server)
