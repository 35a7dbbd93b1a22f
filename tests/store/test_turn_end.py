"""A turn's end: the thread as the turn left it and the turn's usage in one write, and
the protocol's save of that same thread right after it costing no second write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from chatkit.types import ThreadMetadata
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from kitdesk.store.usage import TokenCounts

CTX = RequestContext(origin="")


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


def counting_writes(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    writes: list[object] = []
    real = store._run_write  # pyright: ignore[reportPrivateUsage]

    async def run_write(work: Any, **kwargs: Any) -> Any:
        writes.append(work)
        return await real(work, **kwargs)

    monkeypatch.setattr(store, "_run_write", run_write)
    return writes


async def test_the_turn_end_saves_thread_and_usage_and_the_same_save_after_it_is_free(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = ThreadMetadata(id="thr_1", created_at=datetime.now())
    await store.save_thread(thread, CTX)
    thread.title = "Named"
    thread.metadata["model"] = "openai::gpt-test"
    writes = counting_writes(store, monkeypatch)

    await store.save_turn_end(thread, "msg_1", "openai", "gpt-test", TokenCounts(10, 5, 0))
    await store.save_thread(thread, CTX)  # the pipeline saves the changed thread
    assert len(writes) == 1
    assert await store.thread_usage("thr_1") == TokenCounts(10, 5, 0)
    loaded = await store.load_thread("thr_1", CTX)
    assert (loaded.title, loaded.metadata) == ("Named", {"model": "openai::gpt-test"})

    thread.title = "Renamed"  # anything else is written as ever
    await store.save_thread(thread, CTX)
    assert len(writes) == 2
    assert (await store.load_thread("thr_1", CTX)).title == "Renamed"


async def test_a_write_in_between_means_the_save_is_written_again(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = ThreadMetadata(id="thr_1", created_at=datetime.now(), title="Kept")
    await store.save_turn_end(thread, "msg_1", "openai", "gpt-test", None)
    await store.delete_thread("thr_1", CTX)
    writes = counting_writes(store, monkeypatch)
    await store.save_thread(thread, CTX)  # as before: the save writes the thread again
    assert len(writes) == 1
    assert (await store.load_thread("thr_1", CTX)).title == "Kept"
    assert await store.thread_usage("thr_1") == TokenCounts()  # none was counted
