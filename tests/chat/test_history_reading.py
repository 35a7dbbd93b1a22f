"""A turn reads only as much of a long thread as the history budget can send, converting
each page as it is read (kitdesk/chat/history_read.py ``read_history``).

A real SQLite store holds a thread of 300 turns of uneven sizes, with hidden
context and tool calls among them. For every budget, what is sent (the history
converted and fitted to the budget by ``budget.fit_history``) must be exactly
what converting the whole thread at once would have sent, for both wire APIs,
with the new message stored, still being written, or absent, and after a tool
step adds to the turn; under a small budget far fewer items are read.
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
from kitdesk.chat.history import HistoryConverter, InputItem, WireApi
from kitdesk.chat.history_read import ReadHistory, read_history
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


def converter_for(store: SQLiteStore) -> HistoryConverter:
    return HistoryConverter(store.read_attachment_bytes, store.attachment_fingerprint)


async def stored_items(store: SQLiteStore) -> list[ThreadItem]:
    """Every stored item of the thread, oldest first (the store's pages are capped)."""
    items: list[ThreadItem] = []
    after: str | None = None
    while True:
        page = await store.load_thread_items(THREAD, after, 100, "asc", CTX)
        items.extend(page.data)
        if not page.has_more:
            return items
        after = page.after


async def whole_then_converted(
    store: SQLiteStore, api: WireApi, message: UserMessageItem | None = None
) -> list[InputItem]:
    """The reference: every stored item (and the new message) converted in one go."""
    items = await stored_items(store)
    if message is not None and all(item.id != message.id for item in items):
        items.append(message)
    return await converter_for(store).to_input(items, api)


async def read_then_converted(
    store: SQLiteStore, api: WireApi, budget: int | None, message: UserMessageItem | None = None
) -> tuple[ReadHistory, list[InputItem], HistoryConverter]:
    converter = converter_for(store)
    read = await read_history(store, THREAD, CTX, converter, api, budget, message)
    return read, await converter.to_input(read.newest, api, read.older), converter


def question(ident: str, text: str) -> UserMessageItem:
    return UserMessageItem(
        id=ident,
        thread_id=THREAD,
        created_at=WHEN,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
        quoted_text="a quoted passage",  # converted differently when it is the last item
    )


@pytest.mark.parametrize("budget", [500, 2_000, 20_000, 150_000, 100_000_000])
@pytest.mark.parametrize("api", ["responses", "chat_completions"])
async def test_reading_to_the_budget_sends_what_converting_everything_sends(
    store: SQLiteStore, long_thread: list[ThreadItem], budget: int, api: WireApi
) -> None:
    everything = await whole_then_converted(store, api)
    read, inputs, _ = await read_then_converted(store, api, budget)
    assert [item.id for item in read.newest] == [long_thread[-1].id]
    assert fit_history(inputs, budget, "Be brief.") == fit_history(everything, budget, "Be brief.")
    whole, inputs, _ = await read_then_converted(store, api, None)
    assert whole.complete
    assert inputs == everything  # every item read


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
@pytest.mark.parametrize("case", ["stored", "still being written", "none"])
@pytest.mark.parametrize("budget", [None, 2_000])
async def test_the_new_message_comes_last_and_a_tool_step_adds_after_it(
    store: SQLiteStore,
    long_thread: list[ThreadItem],
    api: WireApi,
    case: str,
    budget: int | None,
) -> None:
    message = None if case == "none" else question("u_new", "the new question")
    if case == "stored":
        assert message is not None
        await store.add_thread_item(THREAD, message, CTX)
    read, inputs, converter = await read_then_converted(store, api, budget, message)
    everything = await whole_then_converted(store, api, message)
    fits = budget or 100_000_000  # what is sent: the history fitted to the budget
    assert fit_history(inputs, fits, None) == fit_history(everything, fits, None)
    newest = message.id if message is not None else long_thread[-1].id
    assert [item.id for item in read.newest] == [newest]
    assert read.first_question is None  # 300 questions before it
    # A tool step: the turn adds an item; the newest is now converted as an earlier one.
    step = question("u_step", "after a tool call")
    read.newest.append(step)
    items = [*(await stored_items(store)), *([message] if case == "still being written" else [])]
    after = await converter.to_input(read.newest, api, read.older)
    expected = await converter_for(store).to_input([*items, step], api)
    assert fit_history(after, fits, None) == fit_history(expected, fits, None)


async def test_a_small_budget_reads_a_small_part_of_a_long_thread(
    store: SQLiteStore, long_thread: list[ThreadItem]
) -> None:
    read, _, _ = await read_then_converted(store, "responses", 2_000)
    assert not read.complete
    assert len(read.older.inputs) + len(read.newest) < len(long_thread) // 10
    enough, inputs, _ = await read_then_converted(store, "responses", 100_000_000)
    assert enough.complete
    assert inputs == await whole_then_converted(store, "responses")  # all of it read


async def test_a_new_thread_still_being_written_reads_as_just_its_question(
    store: SQLiteStore,
) -> None:
    first = question("u_first", "What is a keyset page?")
    read = await read_history(store, "thr_not_yet", CTX, converter_for(store), "responses", 100)
    assert read.newest == [] and read.older.inputs == [] and read.complete
    read = await read_history(
        store, "thr_not_yet", CTX, converter_for(store), "responses", 100, first
    )
    assert read.newest == [first] and read.older.inputs == []
    assert read.first_question == first


async def test_a_thread_read_in_part_is_not_named_as_if_new(
    store: SQLiteStore, long_thread: list[ThreadItem]
) -> None:
    # One long question is over the budget alone: the part read holds one user message,
    # like a first exchange, but the thread has 300 before it.
    huge = question("u_huge", "x" * 40_000)
    await store.add_thread_item(THREAD, huge, CTX)
    read, _, _ = await read_then_converted(store, "responses", 5_000)
    assert [item.id for item in read.newest] == ["u_huge"] and read.older.inputs == []
    assert read.user_messages == 1 and not read.complete
    assert read.first_question is None
    untitled = ThreadMetadata(id=THREAD, title=None, created_at=WHEN)
    settings = Settings(auto_title=True)
    assert start_title(None, untitled, read.first_question, None, settings) is None  # type: ignore[arg-type]


async def test_a_first_exchange_is_named_after_its_question(store: SQLiteStore) -> None:
    await store.save_thread(ThreadMetadata(id=THREAD, title=None, created_at=WHEN), CTX)
    first = question("u_first", "How do keyset pages work?")
    await store.add_thread_item(THREAD, first, CTX)
    read, _, _ = await read_then_converted(store, "responses", 5_000)
    assert read.first_question == first
    untitled = ThreadMetadata(id=THREAD, title=None, created_at=WHEN)
    task = start_title(None, untitled, read.first_question, None, Settings(auto_title=True))  # type: ignore[arg-type]
    assert task is not None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
