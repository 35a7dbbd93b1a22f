"""Edit and regenerate keep earlier versions as branches; one path is active and stored."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from kitdesk.store.branches import NotOnActivePathError
from kitdesk.store.migrations import MIGRATIONS

CTX = RequestContext(origin="http://127.0.0.1:8123")
WHEN = datetime(2026, 1, 2, 3, 4, 5)


def user(item_id: str, text: str) -> UserMessageItem:
    return UserMessageItem(
        id=item_id,
        thread_id="thr",
        created_at=WHEN,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )


def answer(item_id: str, text: str) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id,
        thread_id="thr",
        created_at=WHEN,
        content=[AssistantMessageContent(text=text)],
    )


async def path_ids(store: SQLiteStore, thread_id: str = "thr") -> list[str]:
    page = await store.load_thread_items(thread_id, None, 500, "asc", CTX)
    return [item.id for item in page.data]


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await opened.save_thread(ThreadMetadata(id="thr", title="Branches", created_at=WHEN), CTX)
    yield opened
    await opened.close()


async def test_retry_keeps_the_earlier_answer_as_a_sibling(store: SQLiteStore) -> None:
    await store.add_thread_item("thr", user("u1", "Capital of France?"), CTX)
    await store.add_thread_item("thr", answer("a1", "Paris."), CTX)
    assert await store.branch_off_after("thr", "u1") == ["a1"]
    assert await path_ids(store) == ["u1"]
    await store.add_thread_item("thr", answer("a2", "It is Paris."), CTX)
    assert await path_ids(store) == ["u1", "a2"]
    fork = await store.branch_siblings("thr", "a2")
    assert (fork.index, fork.count, fork.sibling_ids) == (2, 2, ("a1", "a2"))
    assert [(f.item_id, f.index, f.count) for f in await store.forks("thr")] == [("a2", 2, 2)]
    # The earlier answer is still stored, just not on the path.
    assert (await store.load_item("thr", "a1", CTX)).id == "a1"


async def test_switching_is_stored_and_the_model_sees_the_active_path(
    store: SQLiteStore, kitdesk_home: Paths
) -> None:
    await store.add_thread_item("thr", user("u1", "Hi"), CTX)
    await store.add_thread_item("thr", answer("a1", "One"), CTX)
    await store.branch_off_after("thr", "u1")
    await store.add_thread_item("thr", answer("a2", "Two"), CTX)
    assert await store.switch_branch("thr", "a1") == ["u1", "a1"]
    assert [i.id for i in await store.load_active_path("thr")] == ["u1", "a1"]
    await store.close()
    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert await path_ids(reopened) == ["u1", "a1"]
        # A new message continues the branch that is shown.
        await reopened.add_thread_item("thr", user("u2", "More"), CTX)
        assert await path_ids(reopened) == ["u1", "a1", "u2"]
    finally:
        await reopened.close()


async def test_an_edit_starts_a_new_branch_and_switching_back_restores_the_old_one(
    store: SQLiteStore,
) -> None:
    for item in (user("u1", "Hi"), answer("a1", "Hello"), user("u2", "Tell a joke")):
        await store.add_thread_item("thr", item, CTX)
    await store.add_thread_item("thr", answer("a2", "A joke"), CTX)
    assert await store.branch_off_at("thr", "u2") == ["u2", "a2"]
    await store.add_thread_item("thr", user("u2b", "Tell a poem"), CTX)
    await store.add_thread_item("thr", answer("a3", "A poem"), CTX)
    assert await path_ids(store) == ["u1", "a1", "u2b", "a3"]
    assert (await store.branch_siblings("thr", "u2b")).sibling_ids == ("u2", "u2b")
    assert await store.switch_branch("thr", "u2") == ["u1", "a1", "u2", "a2"]
    assert await path_ids(store) == ["u1", "a1", "u2", "a2"]


async def test_editing_the_first_message_makes_sibling_roots(store: SQLiteStore) -> None:
    await store.add_thread_item("thr", user("u1", "First"), CTX)
    await store.add_thread_item("thr", answer("a1", "Reply"), CTX)
    await store.branch_off_at("thr", "u1")
    assert await path_ids(store) == []
    await store.add_thread_item("thr", user("u1b", "First, edited"), CTX)
    assert (await store.branch_siblings("thr", "u1b")).sibling_ids == ("u1", "u1b")
    assert await store.switch_branch("thr", "a1") == ["u1", "a1"]


async def test_pages_walk_the_active_path_only(store: SQLiteStore) -> None:
    for index in range(30):
        await store.add_thread_item("thr", user(f"u{index:02d}", f"m{index}"), CTX)
    await store.branch_off_after("thr", "u09")
    for index in range(10):
        await store.add_thread_item("thr", answer(f"b{index}", f"b{index}"), CTX)
    expected = [f"u{index:02d}" for index in range(10)] + [f"b{index}" for index in range(10)]
    seen: list[str] = []
    after: str | None = None
    while True:
        page = await store.load_thread_items("thr", after, 7, "asc", CTX)
        seen += [item.id for item in page.data]
        if not page.has_more:
            assert page.after is None
            break
        after = page.after
    assert seen == expected
    desc = await store.load_thread_items("thr", None, 3, "desc", CTX)
    assert [item.id for item in desc.data] == ["b9", "b8", "b7"]


async def test_branch_errors_are_typed(store: SQLiteStore) -> None:
    await store.add_thread_item("thr", user("u1", "Hi"), CTX)
    await store.add_thread_item("thr", answer("a1", "One"), CTX)
    await store.branch_off_after("thr", "u1")
    with pytest.raises(NotOnActivePathError):
        await store.branch_off_after("thr", "a1")
    with pytest.raises(NotFoundError):
        await store.switch_branch("thr", "nope")
    with pytest.raises(NotFoundError):
        await store.branch_off_at("thr", "nope")


async def test_deleting_an_item_reattaches_what_follows_it(store: SQLiteStore) -> None:
    for item in (user("u1", "a"), answer("a1", "b"), user("u2", "c")):
        await store.add_thread_item("thr", item, CTX)
    await store.delete_thread_item("thr", "a1", CTX)
    assert await path_ids(store) == ["u1", "u2"]
    await store.branch_off_after("thr", "u1")
    await store.add_thread_item("thr", answer("a2", "d"), CTX)
    assert (await store.branch_siblings("thr", "a2")).sibling_ids == ("u2", "a2")


async def test_search_finds_text_in_any_branch_and_says_which(store: SQLiteStore) -> None:
    await store.add_thread_item("thr", user("u1", "Capital of France?"), CTX)
    await store.add_thread_item("thr", answer("a1", "Paris is the capital."), CTX)
    await store.branch_off_after("thr", "u1")
    await store.add_thread_item("thr", answer("a2", "Lyon is not the capital."), CTX)
    [hit] = await store.search("Paris")
    assert (hit.thread_id, hit.item_id, hit.on_active_branch) == ("thr", "a1", False)
    [hit] = await store.search("Lyon")
    assert (hit.item_id, hit.on_active_branch) == ("a2", True)


def test_existing_threads_migrate_to_one_unchanged_branch(kitdesk_home: Paths) -> None:
    db = sqlite3.connect(kitdesk_home.db_path, isolation_level=None)
    db.execute("BEGIN")
    for step in MIGRATIONS[:2]:
        step(db)
    db.execute("PRAGMA user_version = 2")
    db.execute("COMMIT")
    db.execute(
        "INSERT INTO threads (id, title, created_at, updated_at, status, metadata, data) "
        "VALUES ('thr', 'Old', ?, 1, '{\"type\":\"active\"}', '{}', ?)",
        (WHEN.isoformat(), ThreadMetadata(id="thr", created_at=WHEN).model_dump_json()),
    )
    items = [user("u1", "one"), answer("a1", "two"), user("u2", "three")]
    for item in items:
        db.execute(
            "INSERT INTO items (thread_id, id, type, data) VALUES ('thr', ?, ?, ?)",
            (item.id, item.type, item.model_dump_json()),
        )
    db.close()

    import asyncio

    async def check() -> None:
        store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
        try:
            assert store.last_backup is not None  # the copy made before migrating
            page = await store.load_thread_items("thr", None, 10, "asc", CTX)
            assert page.data == items
            assert await store.forks("thr") == []
            await store.add_thread_item("thr", answer("a2", "four"), CTX)
            assert (await store.branch_siblings("thr", "a2")).sibling_ids == ("a2",)
        finally:
            await store.close()

    asyncio.run(check())
    with sqlite3.connect(kitdesk_home.db_path) as db:
        parents = db.execute("SELECT id, parent_id FROM items ORDER BY seq").fetchall()
    assert parents == [("u1", None), ("a1", "u1"), ("u2", "a1"), ("a2", "u2")]
