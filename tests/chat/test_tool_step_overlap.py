"""After a tool step the next model request does not wait for the step's events to be
stored and sent (``chat/early_stream.py``); what the client and the store see is the same.

The store is slowed down (or made to fail) exactly where the tool step's items are
written, and the fake upstream shows when the next request arrived."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator

import pytest
from chatkit.types import AssistantMessageItem, ClientToolCallItem, ThreadItem
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import sqlite as sqlite_store
from kitdesk.store.problems import DISK_ERROR
from kitdesk.store.thread_rows import ThreadRow, upsert_thread

from tests.chat.test_tools import LocalTools
from tests.responder_harness import Kitdesk, start_kitdesk
from tests.upstream import ToolCall, Turn, Upstream


@pytest.fixture(params=["openai", "ollama"])
def app(
    request: pytest.FixtureRequest, kitdesk_home: Paths, upstream: Upstream
) -> Iterator[Kitdesk]:
    kitdesk = start_kitdesk(kitdesk_home, upstream, kind=request.param, auto_title=False)
    kitdesk.chat_server.engine.toolbox = LocalTools()
    try:
        yield kitdesk
    finally:
        kitdesk.close()


def script_tool_turn(upstream: Upstream) -> None:
    upstream.script(
        Turn(tool_calls=[ToolCall("local__echo", '{"text": "hi"}', call_id="c1")]),
        Turn(text="The tool said hi."),
    )


def has_tool_call(items: list[ThreadItem]) -> bool:
    return any(isinstance(item, ClientToolCallItem) for item in items)


def fail_tool_step_writes(app: Kitdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing a tool step's items fails as a broken disk would; other writes go through."""
    real = app.store.add_thread_items

    async def failing_tool_write(
        thread_id: str, items: list[ThreadItem], context: RequestContext
    ) -> None:
        if has_tool_call(items):
            raise sqlite3.OperationalError("disk I/O error")
        await real(thread_id, items, context)

    monkeypatch.setattr(app.store, "add_thread_items", failing_tool_write)


def test_the_next_request_is_sent_while_the_tool_steps_events_are_stored(
    app: Kitdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = app.store
    real = store.add_thread_items
    requests_when_stored: list[int] = []

    async def slow_tool_write(
        thread_id: str, items: list[ThreadItem], context: RequestContext
    ) -> None:
        if has_tool_call(items):
            # Held until the model has the next request (at most a few seconds: the old
            # order, request after the write, would never get there).
            for _ in range(300):
                if len(app.upstream.chat_requests) >= 2:
                    break
                await asyncio.sleep(0.01)
            requests_when_stored.append(len(app.upstream.chat_requests))
        await real(thread_id, items, context)

    monkeypatch.setattr(store, "add_thread_items", slow_tool_write)
    script_tool_turn(app.upstream)
    answer = app.send("use the tool")
    assert answer.errors == []
    assert answer.text == "The tool said hi."
    assert requests_when_stored == [2]
    kinds = [type(item).__name__ for item in app.items(answer.thread_id)]
    assert kinds == [
        "UserMessageItem",
        "ClientToolCallItem",
        "WorkflowItem",
        "AssistantMessageItem",
    ]


def test_when_the_tool_steps_events_cannot_be_stored_the_early_answer_is_dropped(
    app: Kitdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_tool_step_writes(app, monkeypatch)
    script_tool_turn(app.upstream)
    answer = app.send("use the tool")
    assert [error.message for error in answer.errors] == [DISK_ERROR]
    assert answer.assistant == []  # nothing of the next answer was shown
    stored = app.items(answer.thread_id)
    assert not any(isinstance(item, AssistantMessageItem) for item in stored)


def test_a_turn_that_fails_ends_only_once_its_new_thread_is_stored(
    app: Kitdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client reads the thread as soon as the error arrives: the thread and the
    message, written in the background while the answer streamed, are stored by then.
    (A slow disk, here the thread's row held in the writer, used to let the error out
    first, and reading the thread then said it no longer existed.)"""

    def slow_thread_row(db: sqlite3.Connection, row: ThreadRow, updated_at: int) -> None:
        time.sleep(1.0)  # in the store's writer thread: the writes queued behind it wait too
        upsert_thread(db, row, updated_at)

    fail_tool_step_writes(app, monkeypatch)
    monkeypatch.setattr(sqlite_store, "upsert_thread", slow_thread_row)
    script_tool_turn(app.upstream)
    answer = app.send("use the tool")
    assert [error.message for error in answer.errors] == [DISK_ERROR]
    kinds = [type(item).__name__ for item in app.items(answer.thread_id)]
    assert kinds == ["UserMessageItem"]
