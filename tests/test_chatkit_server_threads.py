"""Thread management on the scripted ChatKit server: list pages, items pages, rename, delete, retry.

What Kitdesk's history mirror reads from a remote ChatKit server, checked on
the real process so the fixture's store paginates as the SDK expects.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chatkit.types import AssistantMessageItem, Thread, ThreadCreatedEvent, ThreadItemDoneEvent

from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.chatkit_server.client import ChatKitClient, add_message, create_thread


@pytest.fixture(scope="module")
def server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process() as process:
        yield process


@pytest.fixture
def chatkit(server: ChatKitServerProcess) -> Iterator[ChatKitClient]:
    client = ChatKitClient(server.url)
    yield client
    client.close()


def new_thread(chatkit: ChatKitClient, text: str) -> str:
    created = chatkit.events(create_thread(text))[0]
    assert isinstance(created, ThreadCreatedEvent)
    return created.thread.id


def test_threads_list_pages_newest_first(chatkit: ChatKitClient) -> None:
    ids = [new_thread(chatkit, f"thread {n}") for n in range(5)]
    seen: list[str] = []
    after = None
    while True:
        params = {"limit": 2, "order": "desc", **({"after": after} if after else {})}
        page = chatkit.call({"type": "threads.list", "params": params})
        seen += [thread["id"] for thread in page["data"]]
        if not page["has_more"]:
            break
        after = page["after"]
    assert [thread_id for thread_id in seen if thread_id in ids] == list(reversed(ids))
    assert len(seen) == len(set(seen))  # no thread on two pages
    oldest_first = chatkit.call({"type": "threads.list", "params": {"order": "asc", "limit": 100}})
    titles = [t["title"] for t in oldest_first["data"] if t["id"] in ids]
    assert titles == [f"thread {n}" for n in range(5)]


def test_items_list_pages(chatkit: ChatKitClient) -> None:
    thread_id = new_thread(chatkit, "one")
    for text in ("two", "three"):
        chatkit.events(add_message(thread_id, text))
    first = chatkit.call(
        {"type": "items.list", "params": {"thread_id": thread_id, "limit": 4, "order": "asc"}}
    )
    rest = chatkit.call(
        {
            "type": "items.list",
            "params": {"thread_id": thread_id, "limit": 4, "order": "asc", "after": first["after"]},
        }
    )
    assert first["has_more"] and not rest["has_more"]
    texts = [(item.get("content") or [{}])[0].get("text") for item in first["data"] + rest["data"]]
    assert texts == [
        "one",
        "You said: one",
        "two",
        "You said: two",
        "three",
        "You said: three",
    ]


def test_rename_and_delete(chatkit: ChatKitClient) -> None:
    thread_id = new_thread(chatkit, "hello")
    renamed = Thread.model_validate(
        chatkit.call(
            {"type": "threads.update", "params": {"thread_id": thread_id, "title": "Renamed"}}
        )
    )
    assert renamed.title == "Renamed"
    assert chatkit.call({"type": "threads.delete", "params": {"thread_id": thread_id}}) == {}
    missing = chatkit.post({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_retry_after_item_answers_again(chatkit: ChatKitClient) -> None:
    events = chatkit.events(create_thread("hello"))
    thread_id = events[0].thread.id if isinstance(events[0], ThreadCreatedEvent) else ""
    user_item = next(
        e.item
        for e in events
        if isinstance(e, ThreadItemDoneEvent) and e.item.type == "user_message"
    )
    retried = chatkit.events(
        {
            "type": "threads.retry_after_item",
            "params": {"thread_id": thread_id, "item_id": user_item.id},
        }
    )
    answers = [
        e.item
        for e in retried
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, AssistantMessageItem)
    ]
    assert [a.content[0].text for a in answers] == ["Hello from the ChatKit test server."]
    items = chatkit.call({"type": "items.list", "params": {"thread_id": thread_id, "order": "asc"}})
    assert [item["type"] for item in items["data"]] == ["user_message", "assistant_message"]
