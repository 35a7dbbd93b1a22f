"""What a turn pays to build its history, in a short and in a long thread.

Each turn reads the thread from the store, converts it to the wire form and
fits it to the history budget (100,000 tokens, the default). Reading the whole
thread made that cost grow with the thread even when the budget sent only its
end; ``read_history`` with the budget reads newest first and stops once the
budget is surely passed. For threads of 100, 1,000 and 10,000 messages (answers
of about 1,500 characters, as a chat model writes), in a real SQLite store,
through the real converter, it times both ways (p50 of RUNS) and measures the
peak of Python memory allocated during one turn's history (tracemalloc), which
is the working set a long thread leaves as heap high water.

    python -m tests.bench history
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.budget import fit_history
from kitdesk.chat.context import RequestContext
from kitdesk.chat.history import HistoryConverter
from kitdesk.chat.history_read import read_history
from kitdesk.settings import Settings
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:8123")
WHEN = datetime(2026, 12, 3, 9, 0)
SIZES = (100, 1_000, 10_000)  # messages in the thread
RUNS = 15
BUDGET = Settings().history_token_budget


async def _fill(store: SQLiteStore, thread_id: str, messages: int) -> None:
    rng = random.Random(messages)
    await store.save_thread(ThreadMetadata(id=thread_id, title="t", created_at=WHEN), CTX)
    for n in range(messages // 2):
        words = " ".join(rng.choice(("item", "state", "value", "check")) for _ in range(20))
        await store.add_thread_item(
            thread_id,
            UserMessageItem(
                id=f"{thread_id}_u{n}",
                thread_id=thread_id,
                created_at=WHEN,
                content=[UserMessageTextContent(text=f"Question {n}: {words}")],
                inference_options=InferenceOptions(),
            ),
            CTX,
        )
        await store.add_thread_item(
            thread_id,
            AssistantMessageItem(
                id=f"{thread_id}_a{n}",
                thread_id=thread_id,
                created_at=WHEN,
                content=[AssistantMessageContent(text=f"Answer {n}. " + words * 12)],
            ),
            CTX,
        )


async def _turn(store: SQLiteStore, thread_id: str, budget: int | None) -> int:
    """One turn's history: read, convert, fit. The number of items sent."""
    converter = HistoryConverter(store.read_attachment_bytes, store.attachment_fingerprint)
    history = await read_history(store, thread_id, CTX, converter, "responses", budget)
    inputs = await converter.to_input(history.newest, "responses", history.older)
    sent = fit_history(inputs, BUDGET, None)
    return len(sent)


async def _measure(
    store: SQLiteStore, thread_id: str, budget: int | None
) -> tuple[float, float, int]:
    """p50 ms, peak MB allocated during one turn, items sent."""
    times = []
    sent = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        sent = await _turn(store, thread_id, budget)
        times.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    await _turn(store, thread_id, budget)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6, sent


async def _run(folder: Path) -> list[tuple[str, ...]]:
    store = SQLiteStore(folder / "kitdesk.db", folder / "attachments")
    rows = []
    try:
        for size in SIZES:
            thread_id = f"thr_{size}"
            await _fill(store, thread_id, size)
            whole_ms, whole_mb, whole_sent = await _measure(store, thread_id, None)
            part_ms, part_mb, part_sent = await _measure(store, thread_id, BUDGET)
            if part_sent != whole_sent:
                raise AssertionError(f"{size}: {part_sent} items sent against {whole_sent}")
            rows.append(
                (
                    f"{size:,}",
                    f"{whole_sent:,}",
                    f"{whole_ms:.1f}",
                    f"{part_ms:.1f}",
                    f"{whole_ms / part_ms:.1f}x",
                    f"{whole_mb:.1f}",
                    f"{part_mb:.1f}",
                )
            )
    finally:
        await store.close()
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = asyncio.run(_run(Path(folder)))
    header = (
        "messages in thread",
        "items sent",
        "whole thread read ms (p50)",
        "read to the budget ms (p50)",
        "faster",
        "whole: peak MB",
        "to the budget: peak MB",
    )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(f"budget: {BUDGET:,} tokens (the default); same items sent both ways (checked)")


if __name__ == "__main__":
    main()
