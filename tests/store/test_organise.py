"""Pin, archive and folders on a real SQLite file (``store/organise.py``)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest
from chatkit.store import NotFoundError
from kitdesk.errors import UserFacingError
from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from kitdesk.store.migrations import LATEST_VERSION

from tests.store.test_store import CTX, make_thread, user_message


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


async def threads(store: SQLiteStore, *ids: str) -> None:
    """Threads with activity in the order given (the last is the newest)."""
    for thread_id in ids:
        await store.save_thread(make_thread(thread_id, f"Title {thread_id}"), CTX)
        await store.add_thread_item(thread_id, user_message(thread_id, f"m_{thread_id}"), CTX)


async def listed(store: SQLiteStore, limit: int = 100) -> list[str]:
    """Every id of the history, page after page of ``limit``."""
    ids: list[str] = []
    after = None
    while True:
        page = await store.load_threads(limit, after, "desc", CTX)
        ids += [t.id for t in page.data]
        if not page.has_more:
            assert page.after is None
            return ids
        after = page.after


async def test_pinned_threads_come_first_and_pages_cross_the_boundary(store: SQLiteStore) -> None:
    await threads(store, "a", "b", "c", "d", "e")
    assert await store.set_pinned(["b", "d"], True) == 2
    assert await listed(store) == ["d", "b", "e", "c", "a"]
    for size in (1, 2, 3):
        assert await listed(store, size) == ["d", "b", "e", "c", "a"]
    page = await store.load_threads(10, None, "desc", CTX)
    assert [t.metadata.get("pinned") for t in page.data] == [True, True, None, None, None]
    await store.set_pinned(["d"], False)
    assert await listed(store) == ["b", "e", "d", "c", "a"]


async def test_archived_threads_leave_the_list_stay_searchable_and_come_back(
    store: SQLiteStore,
) -> None:
    await threads(store, "a", "b", "c")
    await store.add_thread_item("b", user_message("b", "q", "pelican migration"), CTX)
    await store.set_archived(["b"], True)
    assert await listed(store) == ["c", "a"]
    hits = await store.search("pelican")
    assert [hit.thread_id for hit in hits] == ["b"]
    archived = await store.load_organised_threads("archived", None, 10, None)
    assert [t.id for t in archived.data] == ["b"]
    assert archived.data[0].metadata["archived"] is True
    # Activity in an archived thread does not bring it back by itself.
    await store.add_thread_item("b", user_message("b", "q2", "more"), CTX)
    assert await listed(store) == ["c", "a"]
    await store.set_archived(["b"], False)
    assert await listed(store) == ["b", "c", "a"]
    assert (await store.load_organised_threads("archived", None, 10, None)).data == []


async def test_saving_a_thread_through_the_sdk_keeps_how_it_is_organised(
    store: SQLiteStore,
) -> None:
    await threads(store, "a", "b")
    folder = await store.create_folder("Work")
    await store.set_pinned(["a"], True)
    await store.move_to_folder(["a"], folder.id)
    thread = await store.load_thread("a", CTX)
    thread.title = "Renamed"
    await store.save_thread(thread, CTX)
    page = await store.load_threads(10, None, "desc", CTX)
    assert page.data[0].id == "a" and page.data[0].title == "Renamed"
    assert page.data[0].metadata["folder_id"] == folder.id
    assert "folder_id" not in (await store.load_thread("a", CTX)).metadata


async def test_folders_hold_threads_and_deleting_one_keeps_them(store: SQLiteStore) -> None:
    await threads(store, "a", "b", "c")
    work = await store.create_folder("  Work   stuff ", "Answer briefly.", "openai::gpt-4o")
    home = await store.create_folder("home")
    assert work.name == "Work stuff" and work.system_prompt == "Answer briefly."
    assert await store.move_to_folder(["a", "c"], work.id) == 2
    folders = await store.list_folders()
    assert [(f.name, f.threads) for f in folders] == [("home", 0), ("Work stuff", 2)]
    page = await store.load_organised_threads("folder", work.id, 1, None)
    assert [t.id for t in page.data] == ["c"] and page.has_more
    rest = await store.load_organised_threads("folder", work.id, 1, page.after)
    assert [t.id for t in rest.data] == ["a"] and not rest.has_more
    assert (await store.folder_of_thread("a")) == (await store.load_folder(work.id))
    assert await store.folder_of_thread("b") is None

    renamed = await store.update_folder(
        work.id, name="Job", clear=frozenset({"system_prompt"}), default_model="local::llama3"
    )
    assert (renamed.name, renamed.system_prompt, renamed.default_model) == (
        "Job",
        None,
        "local::llama3",
    )
    await store.move_to_folder(["c"], None)
    assert (await store.load_folder(work.id)).threads == 1

    await store.delete_folder(work.id)
    assert [f.id for f in await store.list_folders()] == [home.id]
    assert await listed(store) == ["c", "b", "a"]
    assert await store.folder_of_thread("a") is None
    with pytest.raises(NotFoundError):
        await store.delete_folder(work.id)


async def test_bad_changes_are_refused_whole(store: SQLiteStore) -> None:
    await threads(store, "a", "b")
    with pytest.raises(UserFacingError, match="needs a name"):
        await store.create_folder("   ")
    with pytest.raises(UserFacingError, match="at most 200"):
        await store.create_folder("x" * 201)
    with pytest.raises(NotFoundError):
        await store.set_archived(["a", "gone"], True)
    assert await listed(store) == ["b", "a"]  # nothing archived: all or nothing
    with pytest.raises(NotFoundError):
        await store.move_to_folder(["a"], "fld_missing")
    assert await store.place_new_thread("a", "fld_missing") is False
    folder = await store.create_folder("Real")
    assert await store.place_new_thread("a", folder.id) is True


async def test_a_version_4_database_gains_the_columns_with_every_thread_unorganised(
    kitdesk_home: Paths, store: SQLiteStore
) -> None:
    await threads(store, "a", "b")
    await store.close()
    with sqlite3.connect(kitdesk_home.db_path) as raw:
        # Back to version 4: what an earlier Kitdesk wrote.
        raw.execute("DROP INDEX threads_listed")
        raw.execute("DROP INDEX threads_by_folder")
        for column in ("pinned", "archived", "folder_id"):
            raw.execute(f"ALTER TABLE threads DROP COLUMN {column}")
        raw.execute("DROP TABLE folders")
        raw.execute("PRAGMA user_version = 4")
    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert reopened.last_backup is not None and reopened.last_backup.name.startswith(
            "kitdesk-v4-"
        )
        with sqlite3.connect(reopened.last_backup) as copy:
            assert copy.execute("PRAGMA user_version").fetchone() == (4,)
        assert await listed(reopened) == ["b", "a"]
        assert await reopened.list_folders() == []
        with sqlite3.connect(kitdesk_home.db_path) as raw:
            assert raw.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,)
    finally:
        await reopened.close()
