"""A long thread does not keep memory per turn (issue 9: at most 30 MB over 1,000 turns).

150 short answers stream into one thread through the element's API. After a
full collection (DevTools' own, which also gives emptied pages back), the JS
heap in use and Blink's live DOM nodes at turn 150 are compared with turn 50,
once start-up work that happens once (lazy chunks, the first answers' JIT) is
behind. The bound is the issue's rate, 3 MB per 100 turns; a long thread
measured about 0.5 MB per 100 turns (tests/bench/bench_growth.py). Node
counts stay flat because the list keeps only the rows near the viewport.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import CDPSession, Page

from tests.browser.chat import open_chat, send_through_element
from tests.browser.conftest import KitdeskServer, PageErrors
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

MB = 1024 * 1024
HEAP_PER_100_TURNS = 3 * MB  # issue 9's 30 MB per 1,000 turns
NODES_PER_100_TURNS = 300  # a list that kept every row would add thousands


def answer(turn: int) -> str:
    return (
        f"## Answer {turn}\n\nTurn **{turn}**, with `item_{turn}`:\n\n- one\n- two\n\n"
        f"```python\nprint({turn})\n```\n\nEnd of turn {turn}."
    )


def retained(cdp: CDPSession) -> tuple[int, int]:
    """JS heap bytes in use and live DOM nodes, after full collections."""
    for _ in range(3):  # what one collection frees can let the next free more
        cdp.send("HeapProfiler.collectGarbage")
    heap = int(cdp.send("Runtime.getHeapUsage")["usedSize"])
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return heap, int(metrics["Nodes"])


def run_turns(page: Page, start: int, end: int) -> None:
    for turn in range(start, end):
        send_through_element(page, f"Question {turn}?", f"End of turn {turn}.")


def test_a_long_thread_keeps_no_memory_per_turn(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    upstream.script(*(Turn(text=answer(turn)) for turn in range(150)))
    open_chat(page, ready_server)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cdp.send("HeapProfiler.enable")

    run_turns(page, 0, 50)
    heap_50, nodes_50 = retained(cdp)
    run_turns(page, 50, 150)
    heap_150, nodes_150 = retained(cdp)

    grown = heap_150 - heap_50
    assert grown <= HEAP_PER_100_TURNS, f"JS heap grew {grown / MB:.2f} MB over 100 turns"
    assert nodes_150 - nodes_50 <= NODES_PER_100_TURNS, f"DOM nodes {nodes_50} -> {nodes_150}"
    assert upstream.pending == 0  # every scripted answer was streamed
    assert page_errors.errors == []
