"""Token usage per answer, per thread, and per provider and model by month."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest
from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from kitdesk.store.usage import MonthlyUsage, TokenCounts


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


async def test_usage_per_answer_and_per_thread(store: SQLiteStore) -> None:
    await store.save_usage("thr_1", "a1", "openai", "gpt-4o", 100, 20, 0)
    await store.save_usage("thr_1", "a2", "openai", "o3", 300, 50, 40)
    await store.save_usage("thr_2", "a1", "local", "llama3", 10, 5, 0)
    assert await store.thread_usage("thr_1") == TokenCounts(400, 70, 40)
    assert (await store.thread_usage("thr_1")).total == 470
    assert await store.answer_usage("thr_1") == {
        "a1": TokenCounts(100, 20, 0),
        "a2": TokenCounts(300, 50, 40),
    }
    assert await store.thread_usage("nothing") == TokenCounts()


async def test_saving_again_replaces_the_counts(store: SQLiteStore) -> None:
    await store.save_usage("thr_1", "a1", "openai", "gpt-4o", 100, 20, 0)
    await store.save_usage("thr_1", "a1", "openai", "gpt-4o", 120, 25, 0)
    assert await store.thread_usage("thr_1") == TokenCounts(120, 25, 0)


async def test_negative_counts_are_refused(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="output tokens cannot be negative"):
        await store.save_usage("thr_1", "a1", "openai", "gpt-4o", 1, -1, 0)


async def test_totals_by_month_provider_and_model(store: SQLiteStore, kitdesk_home: Paths) -> None:
    await store.save_usage("t", "a1", "openai", "gpt-4o", 100, 10, 0)
    await store.save_usage("t", "a2", "openai", "gpt-4o", 50, 5, 0)
    await store.save_usage("t", "a3", "openrouter", "claude", 500, 50, 0)
    await store.save_usage("t", "a4", "openai", "gpt-4o", 7, 3, 1)
    await store.close()
    # Move one answer to October 2026: totals are per calendar month (UTC).
    with sqlite3.connect(kitdesk_home.db_path) as db:
        october = 1_793_000_000 * 1_000_000  # 2026-10-26 UTC
        db.execute("UPDATE usage SET created_at = ? WHERE item_id = 'a4'", (october,))
    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        months = await reopened.usage_by_month()
    finally:
        await reopened.close()
    current = months[0].month
    assert months == [
        MonthlyUsage(current, "openrouter", "claude", 1, TokenCounts(500, 50, 0)),
        MonthlyUsage(current, "openai", "gpt-4o", 2, TokenCounts(150, 15, 0)),
        MonthlyUsage("2026-10", "openai", "gpt-4o", 1, TokenCounts(7, 3, 1)),
    ]
