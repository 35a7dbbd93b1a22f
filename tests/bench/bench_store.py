"""SQLiteStore at two sizes: does a page cost the same in a big store as in a small one?

Builds (once, cached in the temp folder) a small store of 1,000 threads with
10,000 messages and a large one of 100,000 threads with 1,000,000 messages;
each also holds one 10,000-message thread, added last, message by message
through the store (so it is the most recent thread and the newest part of the
full-text index is as fragmented as in real use). Through the real async store API it
times: the first page of ``threads.list``, a page deep inside the
10,000-message thread, full-text search (a mix of common, rare, two-word and
partly typed queries), and, for the per-call overhead that the relay pays on
every answer, loading one thread and appending one item.

Targets at the large size: list 5 ms, deep page 5 ms, search 50 ms (p50), and
large/small p50 at most 2 for list and page.

    python -m tests.bench store        (or: python -m tests.bench.bench_store)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
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
from kitdesk.chat.context import RequestContext
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:1")
LONG_THREAD = "thr_long"
LONG_THREAD_ITEMS = 10_000
ITEMS_PER_THREAD = 10
# Bump when the generated data changes, so stale caches are rebuilt.
DATA_VERSION = 4


@dataclass(frozen=True)
class Size:
    label: str
    threads: int

    @property
    def items(self) -> int:
        return self.threads * ITEMS_PER_THREAD


SMALL = Size("1k threads, 10k items", 1_000)
LARGE = Size("100k threads, 1M items", 100_000)


# ---- synthetic text --------------------------------------------------------------

_COMMON = (
    "the of and to in is you that it for was on are with as be this have from or by not but "
    "what all can your when there use an each which do how if will up about out many then them "
    "so some would make like time has look more write go see number way could people than first "
    "been call who its now find long down day did get come made may part"
).split()
_TOPICS = (
    "python sqlite database index query thread message answer model token stream server client "
    "window keyboard recipe garden travel budget invoice music guitar piano physics chemistry "
    "history language grammar poem story rocket planet ocean mountain river forest weather "
    "coffee bread cheese tomato pepper onion garlic lemon orange banana apple cherry"
).split()


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    invented = {
        "".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(20_000)
    }
    return _COMMON + _TOPICS + sorted(invented)


class _TextSource:
    """Zipf-like word choice: a few words everywhere, most words rare.

    Sentences are random slices of one long Zipf-distributed word stream,
    which keeps generating a million of them to seconds.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        words = _vocabulary(self.rng)
        weights = [1.0 / (rank + 1) for rank in range(len(words))]
        self.stream = self.rng.choices(words, weights, k=1_000_000)

    def word(self) -> str:
        return self.stream[self.rng.randrange(len(self.stream))]

    def sentence(self) -> str:
        start = self.rng.randrange(len(self.stream) - 40)
        return " ".join(self.stream[start : start + self.rng.randint(8, 40)])


# ---- building the databases ------------------------------------------------------


def _templates() -> tuple[str, str, str]:
    when = datetime(2026, 1, 1, 12, 0, 0)
    thread = ThreadMetadata(id="@ID@", title="@TITLE@", created_at=when).model_dump_json()
    user = UserMessageItem(
        id="@ID@",
        thread_id="@THREAD@",
        created_at=when,
        content=[UserMessageTextContent(text="@TEXT@")],
        inference_options=InferenceOptions(model="openai::gpt-4.1-mini"),
    ).model_dump_json()
    assistant = AssistantMessageItem(
        id="@ID@",
        thread_id="@THREAD@",
        created_at=when,
        content=[AssistantMessageContent(text="@TEXT@")],
    ).model_dump_json()
    return thread, user, assistant


def _fill(template: str, **values: str) -> str:
    for key, value in values.items():
        # json.dumps gives a quoted JSON string; the template holds "@KEY@" quoted already.
        template = template.replace(f'"@{key}@"', json.dumps(value))
    return template


def _build(path: Path, size: Size) -> None:
    """Create the schema through SQLiteStore, bulk-insert the many threads in one
    transaction, then add the long thread message by message through the store,
    as the app does (one transaction each), so the newest part of the
    full-text index has the many small segments of real use."""
    asyncio.run(SQLiteStore(path, path.parent / "attachments").close())
    text = _TextSource(seed=size.threads)
    thread_template, user_template, assistant_template = _templates()
    status = '{"type":"active"}'
    db = sqlite3.connect(path, isolation_level=None)
    # A throw-away build: no journal (the folder is deleted if this fails).
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -200000")
    # Bulk-load the full-text indexes after the rows (three times faster than
    # row by row through the triggers), then put the triggers back.
    triggers = db.execute(
        "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_fts_insert'"
    ).fetchall()
    db.execute("BEGIN")
    db.execute("DROP TRIGGER items_fts_insert")
    db.execute("DROP TRIGGER threads_fts_insert")
    started_us = 1_760_000_000_000_000
    thread_ids = [f"thr_{index:08d}" for index in range(size.threads)]
    thread_rows = []
    for index, thread_id in enumerate(thread_ids):
        title = " ".join(text.word() for _ in range(text.rng.randint(2, 6))).capitalize()
        thread_rows.append(
            (
                thread_id,
                title,
                "2026-01-01T12:00:00",
                started_us + index * 1_000_000,
                status,
                "{}",
                _fill(thread_template, ID=thread_id, TITLE=title),
            )
        )
    db.executemany(
        "INSERT INTO threads (id, title, created_at, updated_at, status, metadata, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        thread_rows,
    )

    def item_rows(thread_id: str, start: int, count: int) -> Iterator[tuple[str, ...]]:
        for index in range(start, start + count):
            body = text.sentence()
            user = index % 2 == 0
            item_id = f"msg_{index:06d}"
            yield (
                thread_id,
                item_id,
                "user_message" if user else "assistant_message",
                _fill(
                    user_template if user else assistant_template,
                    ID=item_id,
                    THREAD=thread_id,
                    TEXT=body,
                ),
                body,
            )

    insert = "INSERT INTO items (thread_id, id, type, data, search_text) VALUES (?, ?, ?, ?, ?)"
    # Turn by turn across all threads, as conversations interleave in real use.
    for turn in range(0, ITEMS_PER_THREAD, 2):
        for thread_id in thread_ids:
            db.executemany(insert, item_rows(thread_id, turn, 2))
    db.execute(
        "INSERT INTO items_fts (rowid, search_text) "
        "SELECT seq, search_text FROM items WHERE search_text IS NOT NULL"
    )
    db.execute("INSERT INTO threads_fts (rowid, title) SELECT seq, title FROM threads")
    for (sql,) in triggers:
        db.execute(sql)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    asyncio.run(_add_long_thread(path, text))


async def _add_long_thread(path: Path, text: _TextSource) -> None:
    store = SQLiteStore(path, path.parent / "attachments")
    when = datetime(2026, 1, 1, 12, 0, 0)
    try:
        await store.save_thread(
            ThreadMetadata(id=LONG_THREAD, title="A long one", created_at=when), CTX
        )
        for index in range(LONG_THREAD_ITEMS):
            item_id = f"msg_{index:06d}"
            body = text.sentence()
            item = (
                UserMessageItem(
                    id=item_id,
                    thread_id=LONG_THREAD,
                    created_at=when,
                    content=[UserMessageTextContent(text=body)],
                    inference_options=InferenceOptions(model="openai::gpt-4.1-mini"),
                )
                if index % 2 == 0
                else AssistantMessageItem(
                    id=item_id,
                    thread_id=LONG_THREAD,
                    created_at=when,
                    content=[AssistantMessageContent(text=body)],
                )
            )
            await store.add_thread_item(LONG_THREAD, item, CTX)
    finally:
        await store.close()


def _schema_fingerprint() -> str:
    """A hash of the schema a new store gets, so a changed migration never reuses a cache."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "schema.db"
        asyncio.run(SQLiteStore(path, Path(scratch) / "attachments").close())
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT type, name, sql FROM sqlite_schema ORDER BY name").fetchall()
            version = db.execute("PRAGMA user_version").fetchone()[0]
        db.close()
    return hashlib.sha256(repr((version, rows)).encode()).hexdigest()[:12]


def _database(size: Size) -> Path:
    schema = _schema_fingerprint()
    folder = Path(tempfile.gettempdir()) / (
        f"kitdesk-bench-store-{schema}-d{DATA_VERSION}-{size.threads}"
    )
    path = folder / "kitdesk.db"
    done = folder / "complete"
    for stale in folder.parent.glob(f"kitdesk-bench-store-*-{size.threads}"):
        if stale != folder:  # built for another schema: about 1 GB each at the large size
            shutil.rmtree(stale, ignore_errors=True)
    if not done.exists():
        for leftover in folder.glob("*"):
            if leftover.is_file():
                leftover.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        print(f"building {size.label} ...", flush=True)
        _build(path, size)
        done.write_text("ok")
        print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    return path


# ---- timing ----------------------------------------------------------------------


@dataclass
class Timing:
    p50_ms: float
    p99_ms: float


async def _time(call: Callable[[int], Awaitable[object]], runs: int) -> Timing:
    for warm in range(min(20, runs)):
        await call(warm)
    samples = []
    for run in range(runs):
        started = time.perf_counter()
        await call(run)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Timing(statistics.median(samples), samples[min(len(samples) - 1, int(runs * 0.99))])


SEARCH_QUERIES = ["the", "python database", "garden", "river fore", "guitar", "appl", "how"]


async def _measure(path: Path) -> dict[str, Timing]:
    store = SQLiteStore(path, path.parent / "attachments")
    rng = random.Random(7)
    try:
        results: dict[str, Timing] = {}
        results["threads.list first page"] = await _time(
            lambda _: store.load_threads(20, None, "desc", CTX), 300
        )
        deep_ids = [f"msg_{rng.randint(4_000, 6_000):06d}" for _ in range(300)]
        results["items page deep in 10k thread"] = await _time(
            lambda run: store.load_thread_items(LONG_THREAD, deep_ids[run], 20, "asc", CTX), 300
        )
        results["search (mixed queries)"] = await _time(
            lambda run: store.search(SEARCH_QUERIES[run % len(SEARCH_QUERIES)]), 140
        )
        results["load one thread (call overhead)"] = await _time(
            lambda _: store.load_thread(LONG_THREAD, CTX), 500
        )
        await store.save_thread(
            ThreadMetadata(id="thr_bench_writes", created_at=datetime.now()), CTX
        )
        results["add item (one write txn)"] = await _time(
            lambda run: store.add_thread_item(
                "thr_bench_writes",
                AssistantMessageItem(
                    id=f"w_{time.perf_counter_ns()}_{run}",
                    thread_id="thr_bench_writes",
                    created_at=datetime.now(),
                    content=[AssistantMessageContent(text="a persisted answer " * 20)],
                ),
                CTX,
            ),
            300,
        )
        await store.delete_thread("thr_bench_writes", CTX)
        return results
    finally:
        await store.close()


TARGETS = {
    "threads.list first page": "5 ms, ratio <= 2",
    "items page deep in 10k thread": "5 ms, ratio <= 2",
    "search (mixed queries)": "50 ms",
}


def main() -> None:
    small = asyncio.run(_measure(_database(SMALL)))
    large = asyncio.run(_measure(_database(LARGE)))
    header = (
        f"{'operation':32} | {SMALL.label + ' p50/p99 ms':>30} | "
        f"{LARGE.label + ' p50/p99 ms':>31} | {'ratio':>5} | target (large, p50)"
    )
    print(header)
    print("-" * len(header))
    for name, small_timing in small.items():
        large_timing = large[name]
        ratio = large_timing.p50_ms / small_timing.p50_ms if small_timing.p50_ms else 0.0
        print(
            f"{name:32} | {small_timing.p50_ms:>14.3f} / {small_timing.p99_ms:<13.3f} | "
            f"{large_timing.p50_ms:>14.3f} / {large_timing.p99_ms:<14.3f} | {ratio:>5.2f} | "
            f"{TARGETS.get(name, '-')}"
        )
    print(
        f"(each store also holds one {LONG_THREAD_ITEMS:,}-item thread; "
        f"search queries: {', '.join(SEARCH_QUERIES)})"
    )


if __name__ == "__main__":
    main()
