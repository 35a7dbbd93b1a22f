"""``threads.list`` at 100,000 threads, organised or not: does pinning, archiving
and folders cost the history anything?

Builds two stores of 100,000 threads in the same run: a baseline nobody has
organised, and the same threads with 300 folders holding a fifth of them, 60
pinned and a tenth archived. Through the ChatKit protocol's dispatcher (the
same ``threads.list`` the sidebar sends, serialized to JSON) it times the first
page, a page deep in the list (after a cursor), and the first page of a
folder and of the Archived view (``/api/organise``'s store calls).

Target: the first page of ``threads.list`` with folders at most 5 ms (p50) and
at most 2x the baseline's.

    python -m tests.bench organise
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from chatkit.types import ThreadMetadata
from kitdesk.chat.context import RequestContext
from kitdesk.chat.protocol import serialize
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:1")
THREADS = 100_000
FOLDERS = 300
PINNED = 60


def _build(path: Path, organised: bool) -> None:
    asyncio.run(SQLiteStore(path, path.parent / "attachments").close())
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    started_us = 1_760_000_000_000_000
    rows = []
    for index in range(THREADS):
        thread_id = f"thr_{index:08d}"
        data = ThreadMetadata.model_validate(
            {"id": thread_id, "title": f"Conversation {index}", "created_at": "2026-01-01T12:00:00"}
        ).model_dump_json()
        rows.append(
            (
                thread_id,
                f"Conversation {index}",
                "2026-01-01T12:00:00",
                started_us + index * 1_000_000,
                '{"type":"active"}',
                "{}",
                data,
            )
        )
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO threads (id, title, created_at, updated_at, status, metadata, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if organised:
        rng = random.Random(5)
        folders = [f"fld_{n:04d}" for n in range(FOLDERS)]
        db.executemany(
            "INSERT INTO folders (id, name, created_at) VALUES (?, ?, 0)",
            [(f, f"Project {f}") for f in folders],
        )
        for index in range(THREADS):
            pick = rng.random()
            if pick < 0.2:
                db.execute(
                    "UPDATE threads SET folder_id = ? WHERE id = ?",
                    (rng.choice(folders), f"thr_{index:08d}"),
                )
            elif pick < 0.3:
                db.execute("UPDATE threads SET archived = 1 WHERE id = ?", (f"thr_{index:08d}",))
        for index in rng.sample(range(THREADS), PINNED):
            db.execute("UPDATE threads SET pinned = 1 WHERE id = ?", (f"thr_{index:08d}",))
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def _time(call: Callable[[int], Awaitable[object]], runs: int) -> tuple[float, float]:
    for warm in range(20):
        await call(warm)
    samples = []
    for run in range(runs):
        started = time.perf_counter()
        await call(run)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(runs * 0.99))]


async def _measure(path: Path) -> dict[str, tuple[float, float]]:
    store = SQLiteStore(path, path.parent / "attachments")
    try:

        async def threads_list(after: str | None) -> bytes:
            # What the dispatcher does for threads.list: a page, serialized to JSON.
            page = await store.load_threads(20, after, "desc", CTX)
            return serialize(page)

        first = await store.load_threads(500, None, "desc", CTX)
        deep = json.loads(serialize(first))["data"][-1]["id"]
        results = {
            "threads.list first page": await _time(lambda _: threads_list(None), 300),
            "threads.list page 500 threads down": await _time(lambda _: threads_list(deep), 300),
        }
        folders = await store.list_folders()
        if folders:
            results["a folder's first page"] = await _time(
                lambda run: store.load_organised_threads(
                    "folder", folders[run % len(folders)].id, 20, None
                ),
                300,
            )
            results["Archived view first page"] = await _time(
                lambda _: store.load_organised_threads("archived", None, 20, None), 300
            )
            results["folders list (300, with counts)"] = await _time(
                lambda _: store.list_folders(), 100
            )
        return results
    finally:
        await store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        figures = {}
        for label, organised in (("baseline", False), ("organised", True)):
            folder = Path(scratch) / label
            folder.mkdir()
            started = time.perf_counter()
            _build(folder / "kitdesk.db", organised)
            print(f"built {label} store in {time.perf_counter() - started:.1f} s", flush=True)
            figures[label] = asyncio.run(_measure(folder / "kitdesk.db"))
    base, organised = figures["baseline"], figures["organised"]
    header = (
        f"{'operation (100k threads)':36} | {'baseline p50/p99 ms':>20} | "
        f"{'organised p50/p99 ms':>20} | {'ratio':>5} | target"
    )
    print(header)
    print("-" * len(header))
    for name, (p50, p99) in organised.items():
        before = base.get(name)
        shown = f"{before[0]:>8.3f} / {before[1]:<9.3f}" if before else f"{'-':>20}"
        ratio = f"{p50 / before[0]:>5.2f}" if before and before[0] else f"{'-':>5}"
        target = "5 ms, ratio <= 2" if name == "threads.list first page" else "-"
        print(f"{name:36} | {shown} | {p50:>8.3f} / {p99:<9.3f} | {ratio} | {target}")


if __name__ == "__main__":
    main()
