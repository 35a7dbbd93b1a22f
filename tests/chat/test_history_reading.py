"""A turn reads only as much of a long thread as the history budget can send
(kitdesk/chat/history.py ``load_history`` with a budget).

A real SQLite store holds a thread of 300 turns of uneven sizes, with hidden
context and tool calls among them. For every budget, what is sent (the history
converted and fitted to the budget by ``budget.fit_history``) must be exactly
what reading the whole thread would have sent, for both wire APIs; and under a
small budget far fewer items are read.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    InferenceOptions,
    SDKHiddenContextItem,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.budget import fit_history
from kitdesk.chat.context import RequestContext
from kitdesk.chat.history import History, HistoryConverter, WireApi, load_history
from kitdesk.chat.titles import start_title
from kitdesk.paths import Paths
from kitdesk.settings import Settings
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:8123")
WHEN = datetime(2026, 12, 3, 9, 0)
THREAD = "thr_long"
TURNS = 300


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


def thread_items() -> list[ThreadItem]:
    """300 turns: a question, sometimes hidden context or a tool call, an answer."""
    sizes = random.Random(7)
    items: list[ThreadItem] = []
    for turn in range(TURNS):
        items.append(
            UserMessageItem(
                id=f"u{turn:04}",
                thread_id=THREAD,
                created_at=WHEN,
                content=[
                    UserMessageTextContent(text=f"question {turn} " + "q" * sizes.randint(0, 800))
                ],
                inference_options=InferenceOptions(),
            )
        )
        if turn % 7 == 3:
            items.append(
                SDKHiddenContextItem(
                    id=f"h{turn:04}", thread_id=THREAD, created_at=WHEN, content="h" * 300
                )
            )
        if turn % 5 == 1:
            items.append(
                ClientToolCallItem(
                    id=f"c{turn:04}",
                    thread_id=THREAD,
                    created_at=WHEN,
                    status="completed",
                    call_id=f"call_{turn}",
                    name="lookup",
                    arguments={"turn": turn},
                    output="o" * sizes.randint(0, 3000),
                )
            )
        items.append(
            AssistantMessageItem(
                id=f"a{turn:04}",
                thread_id=THREAD,
                created_at=WHEN,
                content=[
                    AssistantMessageContent(text=f"answer {turn} " + "a" * sizes.randint(0, 2000))
                ],
            )
        )
    return items


@pytest.fixture
async def long_thread(store: SQLiteStore) -> list[ThreadItem]:
    await store.save_thread(ThreadMetadata(id=THREAD, title="long", created_at=WHEN), CTX)
    items = thread_items()
    for item in items:
        await store.add_thread_item(THREAD, item, CTX)
    return items


async def sent(store: SQLiteStore, history: list[ThreadItem], api: WireApi, budget: int) -> list:
    converter = HistoryConverter(store.read_attachment_bytes, store.attachment_fingerprint)
    return fit_history(await converter.to_input(history, api), budget, "Be brief.")


@pytest.mark.parametrize("budget", [500, 2_000, 20_000, 150_000, 100_000_000])
@pytest.mark.parametrize("api", ["responses", "chat_completions"])
async def test_reading_to_the_budget_sends_what_reading_everything_sends(
    store: SQLiteStore, long_thread: list[ThreadItem], budget: int, api: WireApi
) -> None:
    whole = await load_history(store, THREAD, CTX)
    assert [item.id for item in whole] == [item.id for item in long_thread]
    assert whole.complete

    read = await load_history(store, THREAD, CTX, budget)
    assert [item.id for item in read] == [item.id for item in long_thread[-len(read) :]]
    assert await sent(store, read, api, budget) == await sent(store, whole, api, budget)


async def test_a_small_budget_reads_a_small_part_of_a_long_thread(
    store: SQLiteStore, long_thread: list[ThreadItem]
) -> None:
    read = await load_history(store, THREAD, CTX, 2_000)
    assert not read.complete
    assert len(read) < len(long_thread) // 10
    enough = await load_history(store, THREAD, CTX, 100_000_000)
    assert enough.complete
    assert len(enough) == len(long_thread)


async def test_a_thread_read_in_part_is_not_named_as_if_new(
    store: SQLiteStore, long_thread: list[ThreadItem]
) -> None:
    # One long question is over the budget alone: the part read holds one user message,
    # like a first exchange, but the thread has 300 before it.
    huge = UserMessageItem(
        id="u_huge",
        thread_id=THREAD,
        created_at=WHEN,
        content=[UserMessageTextContent(text="x" * 40_000)],
        inference_options=InferenceOptions(),
    )
    await store.add_thread_item(THREAD, huge, CTX)
    read = await load_history(store, THREAD, CTX, 5_000)
    assert [item.id for item in read] == ["u_huge"]
    untitled = ThreadMetadata(id=THREAD, title=None, created_at=WHEN)
    settings = Settings(auto_title=True)
    assert start_title(None, untitled, read, None, settings) is None  # type: ignore[arg-type]
    first = History([huge])  # a real first exchange is still named
    task = start_title(None, untitled, first, None, settings)  # type: ignore[arg-type]
    assert task is not None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
