"""SQLiteStore against real SQLite files: every Store/AttachmentStore method,
ordering and keyset paging, activity order, feedback, cascades, crash safety
and concurrent writers."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    AttachmentCreateParams,
    ClosedStatus,
    FileAttachment,
    ImageAttachment,
    InferenceOptions,
    Page,
    SDKHiddenContextItem,
    Thread,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import sqlite as store_module
from kitdesk.store.sqlite import MAX_PAGE_SIZE, DuplicateItemError, SQLiteStore, StoreClosedError

from tests.store.test_search import assert_index_matches_content

CTX = RequestContext(origin="http://127.0.0.1:8123")


def make_thread(thread_id: str, title: str | None = None) -> ThreadMetadata:
    return ThreadMetadata(id=thread_id, title=title, created_at=datetime(2026, 1, 2, 3, 4, 5))


def user_message(thread_id: str, item_id: str, text: str = "hello") -> UserMessageItem:
    return UserMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime(2026, 1, 2, 3, 4, 5),
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(model="openai::gpt-4.1-mini"),
    )


def assistant_message(thread_id: str, item_id: str, text: str = "hi") -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime(2026, 1, 2, 3, 4, 6),
        content=[AssistantMessageContent(text=text)],
    )


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


async def add_items(store: SQLiteStore, thread_id: str, count: int) -> list[str]:
    ids = [f"msg_{index:04d}" for index in range(count)]
    for item_id in ids:
        await store.add_thread_item(thread_id, user_message(thread_id, item_id), CTX)
    return ids


async def all_pages(store: SQLiteStore, thread_id: str, order: str, limit: int) -> list[str]:
    seen: list[str] = []
    after: str | None = None
    while True:
        page = await store.load_thread_items(thread_id, after, limit, order, CTX)
        seen += [item.id for item in page.data]
        if not page.has_more:
            assert page.after is None  # as the SDK's own store tests expect
            return seen
        assert page.after == page.data[-1].id
        after = page.after


# ---- threads -------------------------------------------------------------------


async def test_thread_round_trip_keeps_every_field(store: SQLiteStore) -> None:
    thread = ThreadMetadata(
        id="thr_a",
        title="Plans",
        created_at=datetime(2026, 5, 6, 7, 8, 9, 123456),
        status=ClosedStatus(reason="archived"),
        allowed_image_domains=["example.com"],
        metadata={"model": "openai::gpt-4.1", "nested": {"n": 1}},
    )
    await store.save_thread(thread, CTX)
    assert await store.load_thread("thr_a", CTX) == thread


async def test_saving_a_full_thread_stores_only_its_metadata(store: SQLiteStore) -> None:
    full = Thread(
        id="thr_a",
        title="With items",
        created_at=datetime(2026, 1, 1),
        items=Page(data=[user_message("thr_a", "m1")]),
    )
    await store.save_thread(full, CTX)
    loaded = await store.load_thread("thr_a", CTX)
    assert type(loaded) is ThreadMetadata
    assert loaded == ThreadMetadata(id="thr_a", title="With items", created_at=datetime(2026, 1, 1))
    assert (await store.load_thread_items("thr_a", None, 20, "asc", CTX)).data == []


async def test_save_thread_updates_in_place(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a", "First"), CTX)
    renamed = make_thread("thr_a", "Second")
    await store.save_thread(renamed, CTX)
    assert (await store.load_thread("thr_a", CTX)).title == "Second"
    page = await store.load_threads(10, None, "desc", CTX)
    assert [thread.id for thread in page.data] == ["thr_a"]


async def test_unknown_thread_raises_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError, match="thr_missing"):
        await store.load_thread("thr_missing", CTX)
    with pytest.raises(NotFoundError):
        await store.delete_thread("thr_missing", CTX)
    with pytest.raises(NotFoundError):
        await store.load_thread_items("thr_missing", None, 20, "asc", CTX)
    with pytest.raises(NotFoundError):
        await store.add_thread_item("thr_missing", user_message("thr_missing", "m"), CTX)
    with pytest.raises(NotFoundError):
        await store.save_item("thr_missing", user_message("thr_missing", "m"), CTX)
    with pytest.raises(NotFoundError):
        await store.load_threads(10, "thr_missing", "desc", CTX)


async def test_threads_list_orders_by_last_activity(store: SQLiteStore) -> None:
    for thread_id in ("thr_a", "thr_b", "thr_c"):
        await store.save_thread(make_thread(thread_id), CTX)
    # Newest first: c, b, a. A message in "a" makes it the most recent.
    await store.add_thread_item("thr_a", user_message("thr_a", "m1"), CTX)
    page = await store.load_threads(10, None, "desc", CTX)
    assert [thread.id for thread in page.data] == ["thr_a", "thr_c", "thr_b"]
    # Saving (replacing) an item counts as activity too.
    await store.save_thread(make_thread("thr_d"), CTX)
    await store.add_thread_item("thr_b", user_message("thr_b", "m2"), CTX)
    await store.save_item("thr_c", assistant_message("thr_c", "m3"), CTX)
    page = await store.load_threads(10, None, "desc", CTX)
    assert [thread.id for thread in page.data] == ["thr_c", "thr_b", "thr_d", "thr_a"]
    ascending = await store.load_threads(10, None, "asc", CTX)
    assert [thread.id for thread in ascending.data] == ["thr_a", "thr_d", "thr_b", "thr_c"]


async def test_threads_list_pages_with_cursor(store: SQLiteStore) -> None:
    ids = [f"thr_{index:02d}" for index in range(25)]
    for thread_id in ids:
        await store.save_thread(make_thread(thread_id), CTX)
    for order, expected in (("desc", ids[::-1]), ("asc", ids)):
        seen: list[str] = []
        after: str | None = None
        while True:
            page = await store.load_threads(7, after, order, CTX)
            seen += [thread.id for thread in page.data]
            assert page.after == (page.data[-1].id if page.has_more else None)
            if not page.has_more:
                break
            after = page.after
        assert seen == expected


async def test_renaming_does_not_reorder_history(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await store.save_thread(make_thread("thr_b"), CTX)
    await store.save_thread(make_thread("thr_a", "Renamed"), CTX)
    page = await store.load_threads(10, None, "desc", CTX)
    assert [thread.id for thread in page.data] == ["thr_b", "thr_a"]


async def test_empty_stores_list_nothing(store: SQLiteStore) -> None:
    page = await store.load_threads(20, None, "desc", CTX)
    assert page.data == [] and page.has_more is False and page.after is None
    await store.save_thread(make_thread("thr_a"), CTX)
    items = await store.load_thread_items("thr_a", None, 20, "asc", CTX)
    assert items.data == [] and items.has_more is False and items.after is None


# ---- items ---------------------------------------------------------------------


async def test_items_keep_insertion_order_across_pages(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    ids = await add_items(store, "thr_a", 45)
    assert await all_pages(store, "thr_a", "asc", 20) == ids
    assert await all_pages(store, "thr_a", "desc", 20) == ids[::-1]
    assert await all_pages(store, "thr_a", "asc", 1) == ids
    assert await all_pages(store, "thr_a", "desc", 45) == ids[::-1]


async def test_items_of_other_threads_never_mix(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await store.save_thread(make_thread("thr_b"), CTX)
    for index in range(10):
        await store.add_thread_item("thr_a", user_message("thr_a", f"a{index}"), CTX)
        await store.add_thread_item("thr_b", user_message("thr_b", f"b{index}"), CTX)
    assert await all_pages(store, "thr_a", "asc", 3) == [f"a{index}" for index in range(10)]
    assert await all_pages(store, "thr_b", "desc", 3) == [f"b{index}" for index in range(10)][::-1]


async def test_item_ids_are_per_thread(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await store.save_thread(make_thread("thr_b"), CTX)
    await store.add_thread_item("thr_a", user_message("thr_a", "same", "in a"), CTX)
    await store.add_thread_item("thr_b", user_message("thr_b", "same", "in b"), CTX)
    item_a = await store.load_item("thr_a", "same", CTX)
    item_b = await store.load_item("thr_b", "same", CTX)
    assert isinstance(item_a, UserMessageItem) and isinstance(item_b, UserMessageItem)
    assert item_a.content[0].text == "in a"
    assert item_b.content[0].text == "in b"


async def test_item_round_trip_decodes_the_right_type(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    items: list[ThreadItem] = [
        user_message("thr_a", "u1", "question"),
        assistant_message("thr_a", "a1", "answer"),
        SDKHiddenContextItem(
            id="h1", thread_id="thr_a", created_at=datetime(2026, 1, 1), content="cancelled"
        ),
    ]
    for item in items:
        await store.add_thread_item("thr_a", item, CTX)
    page = await store.load_thread_items("thr_a", None, 10, "asc", CTX)
    assert page.data == items
    assert await store.load_item("thr_a", "a1", CTX) == items[1]


async def test_add_with_existing_id_is_refused(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await store.add_thread_item("thr_a", user_message("thr_a", "m1", "original"), CTX)
    with pytest.raises(DuplicateItemError, match="m1"):
        await store.add_thread_item("thr_a", user_message("thr_a", "m1", "overwrite"), CTX)
    item = await store.load_item("thr_a", "m1", CTX)
    assert isinstance(item, UserMessageItem) and item.content[0].text == "original"


async def test_save_item_replaces_in_place_or_appends(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await add_items(store, "thr_a", 3)
    await store.save_item("thr_a", assistant_message("thr_a", "msg_0001", "replaced"), CTX)
    await store.save_item("thr_a", assistant_message("thr_a", "new", "appended"), CTX)
    page = await store.load_thread_items("thr_a", None, 10, "asc", CTX)
    assert [item.id for item in page.data] == ["msg_0000", "msg_0001", "msg_0002", "new"]
    replaced = page.data[1]
    assert isinstance(replaced, AssistantMessageItem)
    assert replaced.content[0].text == "replaced"


async def test_load_item_unknown_raises(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    with pytest.raises(NotFoundError, match="nope"):
        await store.load_item("thr_a", "nope", CTX)
    with pytest.raises(NotFoundError, match="thr_x"):
        await store.load_item("thr_x", "nope", CTX)
    with pytest.raises(NotFoundError, match="nope"):
        await store.load_thread_items("thr_a", "nope", 10, "asc", CTX)


async def test_delete_item_and_page_around_the_gap(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    ids = await add_items(store, "thr_a", 6)
    await store.delete_thread_item("thr_a", "msg_0003", CTX)
    # Deleting something never stored is normal for the SDK (removed before saved).
    await store.delete_thread_item("thr_a", "never_saved", CTX)
    remaining = [item_id for item_id in ids if item_id != "msg_0003"]
    assert await all_pages(store, "thr_a", "asc", 2) == remaining
    # A new item after deletes still goes last (sequence numbers are never reused).
    await store.delete_thread_item("thr_a", "msg_0005", CTX)
    await store.add_thread_item("thr_a", user_message("thr_a", "late"), CTX)
    assert (await all_pages(store, "thr_a", "asc", 10))[-2:] == ["msg_0004", "late"]


async def test_retry_style_reverse_paging_then_deleting(store: SQLiteStore) -> None:
    """What threads.retry_after_item does: walk newest-first in pages of 20, delete what follows."""
    await store.save_thread(make_thread("thr_a"), CTX)
    ids = await add_items(store, "thr_a", 50)
    target = ids[12]
    to_remove: list[str] = []
    after: str | None = None
    found = False
    while not found:
        page = await store.load_thread_items("thr_a", after, 20, "desc", CTX)
        for item in page.data:
            if item.id == target:
                found = True
                break
            to_remove.append(item.id)
        if not page.has_more:
            break
        after = page.after
    assert found
    assert to_remove == ids[13:][::-1]
    for item_id in to_remove:
        await store.delete_thread_item("thr_a", item_id, CTX)
    assert await all_pages(store, "thr_a", "asc", 20) == ids[:13]


async def test_first_twenty_items_ascending_like_get_by_id(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    ids = await add_items(store, "thr_a", 30)
    page = await store.load_thread_items("thr_a", None, 20, "asc", CTX)
    assert [item.id for item in page.data] == ids[:20]
    assert page.has_more is True and page.after == ids[19]


async def test_page_size_is_capped(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await store.save_thread(make_thread("thr_b"), CTX)
    threads = await store.load_threads(0, None, "desc", CTX)
    assert len(threads.data) == 1 and threads.has_more
    ids = [f"m{index}" for index in range(MAX_PAGE_SIZE + 5)]
    for item_id in ids:
        await store.add_thread_item("thr_a", user_message("thr_a", item_id), CTX)
    page = await store.load_thread_items("thr_a", None, 10**9, "asc", CTX)
    assert [item.id for item in page.data] == ids[:MAX_PAGE_SIZE]
    assert page.has_more is True
    rest = await store.load_thread_items("thr_a", page.after, 10**9, "asc", CTX)
    assert [item.id for item in rest.data] == ids[MAX_PAGE_SIZE:]


@pytest.mark.parametrize(
    ("queries", "index"),
    [
        (store_module._THREADS_FIRST, "threads_listed"),
        (store_module._THREADS_AFTER, "threads_listed"),
        (store_module._ITEMS_FIRST, "items_active_path"),
        (store_module._ITEMS_AFTER, "items_active_path"),
    ],
)
async def test_pages_are_index_ranges_not_scans(
    store: SQLiteStore, queries: dict[bool, str], index: str
) -> None:
    """Keyset paging: each page query walks an index in order: no sort, no OFFSET, no scan."""
    with sqlite3.connect(store.db_path) as raw:
        for query in queries.values():
            assert "OFFSET" not in query
            plan = " ".join(
                row[3]
                for row in raw.execute(f"EXPLAIN QUERY PLAN {query}", (1,) * query.count("?"))
            )
            assert f"USING INDEX {index}" in plan
            assert "TEMP B-TREE" not in plan


# ---- delete thread, cascades ---------------------------------------------------


async def test_delete_thread_removes_items_feedback_attachments_and_files(
    store: SQLiteStore,
) -> None:
    await store.save_thread(make_thread("thr_a", "Doomed"), CTX)
    await store.save_thread(make_thread("thr_b", "Kept"), CTX)
    await add_items(store, "thr_a", 3)
    await store.add_thread_item("thr_b", user_message("thr_b", "b1", "kept words"), CTX)
    await store.save_feedback("thr_a", ["msg_0000"], "positive")
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="a.txt", size=5, mime_type="text/plain"), CTX
    )
    await store.write_attachment_file(attachment.id, b"hello")
    await store.save_attachment(attachment.model_copy(update={"thread_id": "thr_a"}), CTX)
    kept = await store.create_attachment(
        AttachmentCreateParams(name="b.txt", size=4, mime_type="text/plain"), CTX
    )
    await store.write_attachment_file(kept.id, b"keep")
    await store.save_attachment(kept.model_copy(update={"thread_id": "thr_b"}), CTX)
    file_path = store.attachment_file_path(attachment.id)
    assert file_path is not None and file_path.read_bytes() == b"hello"

    await store.delete_thread("thr_a", CTX)

    with pytest.raises(NotFoundError):
        await store.load_thread("thr_a", CTX)
    with pytest.raises(NotFoundError):
        await store.load_attachment(attachment.id, CTX)
    assert not file_path.exists()
    assert store.attachment_file_path(attachment.id) is None
    assert await store.read_attachment_bytes(kept.id) == b"keep"
    assert (await store.load_thread("thr_b", CTX)).title == "Kept"
    assert await store.search("doomed") == []
    assert [hit.thread_id for hit in await store.search("kept")] == ["thr_b"]
    with sqlite3.connect(store.db_path) as raw:
        assert raw.execute("SELECT count(*) FROM items WHERE thread_id='thr_a'").fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM feedback").fetchone() == (0,)


# ---- feedback ------------------------------------------------------------------


async def test_feedback_is_stored_and_latest_vote_wins(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await add_items(store, "thr_a", 3)
    await store.save_feedback("thr_a", ["msg_0000", "msg_0001"], "positive")
    await store.save_feedback("thr_a", ["msg_0001"], "negative")
    assert await store.load_feedback("thr_a") == {"msg_0000": "positive", "msg_0001": "negative"}
    await store.delete_thread_item("thr_a", "msg_0000", CTX)
    assert await store.load_feedback("thr_a") == {"msg_0001": "negative"}


async def test_feedback_on_unknown_ids_raises_and_stores_nothing(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    await add_items(store, "thr_a", 1)
    with pytest.raises(NotFoundError, match="ghost"):
        await store.save_feedback("thr_a", ["msg_0000", "ghost"], "positive")
    assert await store.load_feedback("thr_a") == {}
    with pytest.raises(NotFoundError):
        await store.save_feedback("thr_x", ["msg_0000"], "positive")
    with pytest.raises(NotFoundError):
        await store.load_feedback("thr_x")


# ---- attachments ---------------------------------------------------------------


async def test_create_image_attachment_has_upload_and_preview_urls(store: SQLiteStore) -> None:
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="cat.png", size=10, mime_type="image/png"), CTX
    )
    assert isinstance(attachment, ImageAttachment)
    assert attachment.upload_descriptor is not None
    assert str(attachment.upload_descriptor.url) == (
        f"http://127.0.0.1:8123/api/attachments/{attachment.id}/upload"
    )
    assert attachment.upload_descriptor.method == "POST"
    assert str(attachment.preview_url) == (
        f"http://127.0.0.1:8123/api/attachments/{attachment.id}/content"
    )
    assert await store.load_attachment(attachment.id, CTX) == attachment


async def test_create_file_attachment_and_upload(store: SQLiteStore) -> None:
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="notes.md", size=6, mime_type="text/markdown"), CTX
    )
    assert isinstance(attachment, FileAttachment)
    assert store.attachment_file_path(attachment.id) is None
    with pytest.raises(NotFoundError):
        await store.read_attachment_bytes(attachment.id)
    uploaded = await store.write_attachment_file(attachment.id, b"# hi\n")
    assert uploaded.upload_descriptor is None
    assert (await store.load_attachment(attachment.id, CTX)).upload_descriptor is None
    assert await store.read_attachment_bytes(attachment.id) == b"# hi\n"
    # A second upload replaces the bytes whole.
    await store.write_attachment_file(attachment.id, b"v2")
    assert await store.read_attachment_bytes(attachment.id) == b"v2"
    leftovers = [p.name for p in store.attachments_dir.iterdir() if p.name != attachment.id]
    assert leftovers == []


async def test_delete_attachment_removes_row_and_file_once(
    store: SQLiteStore,
) -> None:
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="a.pdf", size=3, mime_type="application/pdf"), CTX
    )
    await store.write_attachment_file(attachment.id, b"pdf")
    path = store.attachment_file_path(attachment.id)
    assert path is not None
    # The SDK calls delete_attachment twice per request (AttachmentStore, then Store).
    await store.delete_attachment(attachment.id, CTX)
    await store.delete_attachment(attachment.id, CTX)
    assert not path.exists()
    with pytest.raises(NotFoundError):
        await store.load_attachment(attachment.id, CTX)
    # A later request for the same id finds nothing.
    with pytest.raises(NotFoundError, match=attachment.id):
        await store.delete_attachment(attachment.id, CTX)
    with pytest.raises(NotFoundError, match="atc_never"):
        await store.delete_attachment("atc_never", CTX)


async def test_attachment_ids_cannot_escape_the_folder(store: SQLiteStore) -> None:
    assert store.attachment_file_path("../kitdesk.db") is None
    with pytest.raises(NotFoundError):
        await store.write_attachment_file("../../etc/passwd", b"x")
    with pytest.raises(NotFoundError):
        await store.read_attachment_bytes("../kitdesk.db")
    with pytest.raises(NotFoundError):
        await store.load_attachment("nope", CTX)


async def test_attachment_for_unknown_thread_is_refused(store: SQLiteStore) -> None:
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="a.txt", size=1, mime_type="text/plain"), CTX
    )
    with pytest.raises(NotFoundError, match="thr_x"):
        await store.save_attachment(attachment.model_copy(update={"thread_id": "thr_x"}), CTX)


async def test_orphan_files_are_swept_on_open(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="a.txt", size=1, mime_type="text/plain"), CTX
    )
    await store.write_attachment_file(attachment.id, b"x")
    await store.close()
    orphan = kitdesk_home.attachments_dir / "atc_orphan"
    orphan.write_bytes(b"left behind by a crash")
    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert not orphan.exists()
        assert await reopened.read_attachment_bytes(attachment.id) == b"x"
    finally:
        await reopened.close()


async def test_unsent_uploads_are_pruned_after_a_day(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await store.save_thread(make_thread("thr_a"), CTX)
    ids = {}
    for name in ("old_unsent", "old_sent", "new_unsent"):
        attachment = await store.create_attachment(
            AttachmentCreateParams(name=f"{name}.txt", size=1, mime_type="text/plain"), CTX
        )
        await store.write_attachment_file(attachment.id, name.encode())
        ids[name] = attachment.id
    sent = await store.load_attachment(ids["old_sent"], CTX)
    await store.save_attachment(sent.model_copy(update={"thread_id": "thr_a"}), CTX)
    await store.close()
    with sqlite3.connect(kitdesk_home.db_path) as raw:
        two_days_ago = int((datetime.now().timestamp() - 2 * 86400) * 1_000_000)
        raw.execute(
            "UPDATE attachments SET created_at = ? WHERE id IN (?, ?)",
            (two_days_ago, ids["old_unsent"], ids["old_sent"]),
        )

    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        with pytest.raises(NotFoundError):
            await reopened.load_attachment(ids["old_unsent"], CTX)
        assert reopened.attachment_file_path(ids["old_unsent"]) is None
        assert await reopened.read_attachment_bytes(ids["old_sent"]) == b"old_sent"
        assert await reopened.read_attachment_bytes(ids["new_unsent"]) == b"new_unsent"
    finally:
        await reopened.close()


# ---- lifecycle -----------------------------------------------------------------


async def test_data_survives_reopen_and_file_is_wal(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await store.save_thread(make_thread("thr_a", "Persistent"), CTX)
    await add_items(store, "thr_a", 3)
    assert store.check() == "ok"
    await store.close()
    await store.close()  # twice is fine
    assert store.check() == "closed"
    with pytest.raises(StoreClosedError):
        await store.load_thread("thr_a", CTX)

    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert (await reopened.load_thread("thr_a", CTX)).title == "Persistent"
        assert len((await reopened.load_thread_items("thr_a", None, 10, "asc", CTX)).data) == 3
        with sqlite3.connect(kitdesk_home.db_path) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        await reopened.close()


async def test_check_reports_a_missing_database(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert store.check() == "ok"
        moved = kitdesk_home.db_path.with_name("moved.db")
        kitdesk_home.db_path.rename(moved)
        assert store.check().startswith("error: ")
        moved.rename(kitdesk_home.db_path)
        assert store.check() == "ok"
    finally:
        await store.close()


async def test_sql_never_runs_on_the_event_loop_thread(store: SQLiteStore) -> None:
    statement_threads: set[int] = set()

    def observe(db: sqlite3.Connection) -> None:
        db.set_trace_callback(lambda _: statement_threads.add(threading.get_ident()))

    # The store's own reader and writer connections, observed from inside.
    await store._run(observe)
    await store._run_write(observe)
    await store.save_thread(make_thread("thr_a", "Traced"), CTX)
    await add_items(store, "thr_a", 3)
    await store.load_thread_items("thr_a", None, 2, "desc", CTX)
    await store.search("traced")
    await store.delete_thread("thr_a", CTX)
    assert statement_threads
    assert threading.get_ident() not in statement_threads


async def test_reads_do_not_wait_for_a_long_write(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_big"), CTX)
    await store.save_thread(make_thread("thr_small", "Still listed"), CTX)
    rows = [
        (
            "thr_big",
            f"m{index}",
            "user_message",
            user_message("thr_big", f"m{index}").model_dump_json(),
            f"words number {index} in a very long conversation",
        )
        for index in range(5000)
    ]
    await store._run_write(  # test set-up: one bulk transaction instead of 5,000
        lambda db: db.executemany(
            "INSERT INTO items (thread_id, id, type, data, search_text) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    )
    deleting = asyncio.ensure_future(store.delete_thread("thr_big", CTX))
    await asyncio.sleep(0)
    page = await store.load_threads(10, None, "desc", CTX)
    # The listing answered from the reader while the writer was still deleting.
    assert not deleting.done()
    assert {thread.id for thread in page.data} >= {"thr_small"}
    await deleting
    assert [t.id for t in (await store.load_threads(10, None, "desc", CTX)).data] == ["thr_small"]


def test_close_sync_without_an_event_loop(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    assert store.check() == "ok"
    store.close_sync()
    store.close_sync()
    assert store.check() == "closed"
    # Closed cleanly: the last connection folded the WAL into the file and removed it.
    assert not kitdesk_home.db_path.with_name("kitdesk.db-wal").exists()


async def test_close_finishes_queued_writes(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await store.save_thread(make_thread("thr_a"), CTX)
    writes = [
        asyncio.ensure_future(
            store.add_thread_item("thr_a", user_message("thr_a", f"m{index}"), CTX)
        )
        for index in range(50)
    ]
    await asyncio.sleep(0)
    await store.close()
    await asyncio.gather(*writes)
    with sqlite3.connect(kitdesk_home.db_path) as raw:
        assert raw.execute("SELECT count(*) FROM items").fetchone() == (50,)


async def test_cancelled_write_still_lands(store: SQLiteStore) -> None:
    await store.save_thread(make_thread("thr_a"), CTX)
    task = asyncio.ensure_future(
        store.add_thread_item("thr_a", user_message("thr_a", "partial"), CTX)
    )
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Writes run in order: once this later one is done, the cancelled one is too.
    await store.save_thread(make_thread("thr_b"), CTX)
    item = await store.load_item("thr_a", "partial", CTX)
    assert item.id == "partial"


async def test_many_concurrent_writers(store: SQLiteStore) -> None:
    threads = [f"thr_{index}" for index in range(10)]
    await asyncio.gather(*(store.save_thread(make_thread(t), CTX) for t in threads))

    async def writer(thread_id: str) -> None:
        for index in range(30):
            await store.add_thread_item(thread_id, user_message(thread_id, f"m{index:02d}"), CTX)

    await asyncio.gather(*(writer(thread_id) for thread_id in threads))
    for thread_id in threads:
        assert await all_pages(store, thread_id, "asc", 7) == [f"m{i:02d}" for i in range(30)]

    # Interleaved writers on one thread: every item stored exactly once.
    await store.save_thread(make_thread("thr_shared"), CTX)
    await asyncio.gather(
        *(
            store.add_thread_item("thr_shared", user_message("thr_shared", f"s{index}"), CTX)
            for index in range(200)
        )
    )
    stored = await all_pages(store, "thr_shared", "asc", 50)
    assert sorted(stored) == sorted(f"s{index}" for index in range(200))


async def test_generated_ids_are_long_and_distinct(store: SQLiteStore) -> None:
    thread = make_thread("thr_a")
    ids = {store.generate_item_id("message", thread, CTX) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(item_id.startswith("msg_") and len(item_id) == 20 for item_id in ids)
    assert store.generate_thread_id(CTX).startswith("thr_")
    assert store.generate_attachment_id("image/png", CTX).startswith("atc_")


# ---- crash safety --------------------------------------------------------------

CRASH_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime
    from pathlib import Path
    from chatkit.types import (
        InferenceOptions, ThreadMetadata, UserMessageItem, UserMessageTextContent,
    )
    from kitdesk.chat.context import RequestContext
    from kitdesk.store.sqlite import SQLiteStore

    async def main() -> None:
        store = SQLiteStore(Path(sys.argv[1]), Path(sys.argv[2]))
        ctx = RequestContext(origin="http://127.0.0.1:1")
        await store.save_thread(
            ThreadMetadata(id="thr_crash", created_at=datetime.now()), ctx
        )
        index = 0
        while True:
            item = UserMessageItem(
                id=f"c{index:06d}", thread_id="thr_crash", created_at=datetime.now(),
                content=[UserMessageTextContent(text="crash words " * 50)],
                inference_options=InferenceOptions(),
            )
            await store.add_thread_item("thr_crash", item, ctx)
            index += 1
            if index == 200:
                print("ready", flush=True)

    asyncio.run(main())
    """
)


async def test_sigkill_mid_write_leaves_a_consistent_database(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await store.save_thread(make_thread("thr_before", "Before the crash"), CTX)
    before = await add_items(store, "thr_before", 25)
    await store.close()

    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CRASH_WRITER,
            str(kitdesk_home.db_path),
            str(kitdesk_home.attachments_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert writer.stdout is not None
        line = await asyncio.to_thread(writer.stdout.readline)
        assert line.strip() == "ready"
        await asyncio.sleep(0.2)  # let it write more, then kill it mid-stream
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        if writer.stdout:
            writer.stdout.close()

    with sqlite3.connect(kitdesk_home.db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        raw.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    assert_index_matches_content(kitdesk_home.db_path)
    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert await all_pages(reopened, "thr_before", "asc", 20) == before
        crashed = await all_pages(reopened, "thr_crash", "asc", 100)
        # Every committed item is whole and in order; nothing half-written appears.
        assert len(crashed) >= 200
        assert crashed == [f"c{index:06d}" for index in range(len(crashed))]
        hits = await reopened.search("crash words")
        assert [hit.thread_id for hit in hits] == ["thr_crash"]
        await reopened.add_thread_item("thr_crash", user_message("thr_crash", "after"), CTX)
    finally:
        await reopened.close()
