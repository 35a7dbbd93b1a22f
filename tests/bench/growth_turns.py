"""The turns both growth benchmarks drive, and how they turn readings into growth.

Shared by the Chromium mode (tests/bench/bench_growth.py) and the real window's
(tests/bench/growth_window.py), so both send the same questions, get the same
answers and count growth the same way.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from tests.bench.growth_cdp import DevToolsPage
from tests.browser.chat import SEND_THROUGH_ELEMENT

TARGET_MB = 30.0
# Turn 1: the window once it has shown one answer (the first answer's one-time work done).
CHECKPOINTS = (0, 1, 100, 500, 1000)
MB = 1024 * 1024


def answer(turn: int) -> str:
    """A short answer with the blocks a real one has: heading, list, inline code, code."""
    return (
        f"## Answer {turn}\n\n"
        f"Here is what turn **{turn}** asked for, with `item_{turn}` in mind:\n\n"
        "- first, read the item\n- then, check its *state*\n- last, write it back\n\n"
        "```python\n"
        f"def handle_{turn}(item):\n"
        "    if item.done:\n"
        "        return item\n"
        f"    return item.update(step={turn})\n"
        "```\n\n"
        f"That is all for turn {turn}."
    )


READY = """new Promise((resolve, reject) => {
  const started = Date.now();
  const poll = () => {
    const element = document.querySelector('openai-chatkit');
    const box = element?.shadowRoot?.querySelector('textarea');
    if (box && typeof element.sendUserMessage === 'function') resolve(true);
    else if (Date.now() - started > 60000) reject(new Error('no composer'));
    else setTimeout(poll, 50);
  };
  poll();
})"""


def checkpoints(turns: int) -> list[int]:
    """The reading points at or below `turns`, always ending with `turns`.

    KITDESK_BENCH_CHECKPOINTS="0,1,10,100" reads at other points (to see where
    the first turns' one-time work lands)."""
    chosen = os.environ.get("KITDESK_BENCH_CHECKPOINTS", "")
    points = [int(c) for c in chosen.split(",") if c.strip()] if chosen else CHECKPOINTS
    return sorted({c for c in points if c < turns} | {turns})


def wait_ready(page: DevToolsPage) -> None:
    """Waits for the composer; the page may still be navigating (the launch token's redirect)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            page.evaluate(READY)
            return
        except RuntimeError as error:
            if "context" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def run_turn(page: DevToolsPage, turn: int) -> None:
    """One question through the element's `sendUserMessage()`, back once its answer is shown."""
    question = f"Question {turn}: what about item {turn}?"
    want = f"That is all for turn {turn}."
    page.evaluate(f"({SEND_THROUGH_ELEMENT})({json.dumps([question, want])})")


class _Counted(Protocol):
    @property
    def turns(self) -> int: ...


R = TypeVar("R", bound=_Counted)


def per_thousand(readings: Sequence[R], value: Callable[[R], int]) -> float | None:
    """Growth in MB per 1,000 turns between the first reading at 100+ turns and the last."""
    later = [r for r in readings if r.turns >= 100]
    if len(later) < 2:
        return None  # before turn 100 the one-time start-up work dominates
    first, last = later[0], later[-1]
    return (value(last) - value(first)) / MB * 1000 / (last.turns - first.turns)
