"""Memory given back once the app is quiet (``kitdesk/idle_memory.py``): on a real
SQLite store, through the real app, with Python's real collector and glibc."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import subprocess
import sys
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ThreadMetadata,
)
from kitdesk.app import create_app
from kitdesk.chat.context import RequestContext
from kitdesk.idle_memory import IdleMemory, trim_c_heap
from kitdesk.paths import Paths
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:8123")


def sqlite_memory_used() -> int:
    """Bytes SQLite has allocated, as the library the sqlite3 module runs on counts them."""
    import _sqlite3

    library = ctypes.CDLL(_sqlite3.__file__)  # resolves through to libsqlite3's symbols
    used = library.sqlite3_memory_used
    used.restype = ctypes.c_int64
    return int(used())


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for ``condition`` (a release runs partly in a worker thread)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "it never happened"
        await asyncio.sleep(0.01)


class Cycle:
    def __init__(self) -> None:
        self.me = self


async def _store_with_pages(paths: Paths) -> tuple[SQLiteStore, str]:
    store = SQLiteStore(paths.db_path, paths.attachments_dir)
    thread = ThreadMetadata(id="thr_big", created_at=store_now())
    await store.save_thread(thread, CTX)
    text = "a long answer " * 400  # about 5 KB per item: one item per page or so
    items = [
        AssistantMessageItem(
            id=f"msg_{n:04d}",
            thread_id=thread.id,
            created_at=store_now(),
            content=[AssistantMessageContent(text=f"{n} {text}")],
        )
        for n in range(600)
    ]
    await store.add_thread_items(thread.id, items, CTX)  # type: ignore[arg-type]
    return store, thread.id


def store_now() -> datetime:
    return datetime.now(UTC)


@pytest.mark.skipif(sys.platform != "linux", reason="reads libsqlite3's own counter")
async def test_releasing_the_store_empties_its_page_caches(kitdesk_home: Paths) -> None:
    store, thread_id = await _store_with_pages(kitdesk_home)
    try:
        before_reads = sqlite_memory_used()
        page = await store.load_thread_items(thread_id, None, 500, "asc", CTX)
        assert len(page.data) == 500  # a page's most
        cached = sqlite_memory_used()
        assert cached - before_reads > 1_000_000  # the reader now caches about 2 MB of pages

        await store.release_memory()

        released = sqlite_memory_used()
        assert cached - released > 1_000_000
        # The caches fill again on demand: nothing was lost.
        again = await store.load_thread_items(thread_id, None, 500, "asc", CTX)
        assert [item.id for item in again.data] == [item.id for item in page.data]
    finally:
        await store.close()


async def test_a_closed_store_releases_nothing_and_says_nothing(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await store.close()
    await store.release_memory()  # no error: shutting down wins


async def test_the_quiet_clock_runs_once_after_the_last_request() -> None:
    released: list[str] = []

    async def release_store() -> None:
        released.append("store")

    idle = IdleMemory(release_store, quiet=0.05)
    idle.enter()
    idle.enter()
    idle.leave()
    await asyncio.sleep(0.15)
    assert released == []  # one request still runs
    idle.leave()
    await asyncio.sleep(0.02)
    idle.enter()  # busy again before the quiet moment came
    await asyncio.sleep(0.15)
    assert released == []
    idle.leave()
    await eventually(lambda: idle.releases == 1)
    assert released == ["store"]
    await asyncio.sleep(0.15)
    assert released == ["store"]  # once per busy spell, not on a timer
    await idle.aclose()


async def test_a_quiet_moment_collects_cyclic_garbage() -> None:
    async def release_store() -> None:
        pass

    gc.disable()  # as if the collector's thresholds had not come round yet
    try:
        garbage = Cycle()
        gone = weakref.ref(garbage)
        del garbage
        assert gone() is not None  # a cycle outlives its last reference
        idle = IdleMemory(release_store, quiet=0.01)
        idle.enter()
        idle.leave()
        await eventually(lambda: idle.releases == 1)
        assert gone() is None
    finally:
        gc.enable()


async def test_a_failing_store_still_lets_the_rest_run() -> None:
    async def release_store() -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    idle = IdleMemory(release_store, quiet=0.01)
    await idle.release()
    assert idle.releases == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_the_c_heap_is_trimmed_on_glibc() -> None:
    assert trim_c_heap() is True


async def test_the_app_gives_memory_back_after_its_requests(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    app = create_app(kitdesk_home)
    idle = app.idle_memory  # type: ignore[attr-defined]
    assert isinstance(idle, IdleMemory)
    idle._quiet = 0.05  # the desktop waits 2 s  # pyright: ignore[reportPrivateUsage]
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for _ in range(3):
                assert (await client.get("/api/settings")).status_code == 200
            assert idle.releases == 0
            await eventually(lambda: idle.releases == 1)
    finally:
        await app.state.close()


def test_only_kitdesk_itself_freezes_its_modules() -> None:
    """A test runner hosting many apps must not freeze one test's objects for the rest;
    `kitdesk serve` and the window allow it (a subprocess, so this one stays unfrozen)."""
    from kitdesk.idle_memory import freeze_loaded_modules

    before = gc.get_freeze_count()
    freeze_loaded_modules()
    assert gc.get_freeze_count() == before
    script = (
        "import gc\n"
        "from kitdesk.idle_memory import allow_freezing, freeze_loaded_modules\n"
        "allow_freezing(); freeze_loaded_modules(); print(gc.get_freeze_count())\n"
    )
    frozen = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert int(frozen) > 1000
