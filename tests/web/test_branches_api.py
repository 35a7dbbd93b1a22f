"""``/api/threads/{id}/branches`` over real HTTP: edit a sent message into a new branch,
see the fork, switch back, and bad requests answered with a sentence."""

from __future__ import annotations

from typing import Any

from chatkit.types import ThreadItemDoneEvent, UserMessageItem

from tests.live_server import LiveServer
from tests.upstream import Turn, Upstream
from tests.web.test_chatkit import create_thread, user_input


def user_texts(live_chat: LiveServer, thread_id: str) -> list[str]:
    page = live_chat.chatkit("items.list", thread_id=thread_id, order="asc", limit=50).json()
    return [
        part["text"]
        for item in page["data"]
        if item["type"] == "user_message"
        for part in item["content"]
    ]


def first_user_message_id(live_chat: LiveServer, thread_id: str) -> str:
    page = live_chat.chatkit("items.list", thread_id=thread_id, order="asc", limit=50).json()
    return next(item["id"] for item in page["data"] if item["type"] == "user_message")


def test_edit_makes_a_sibling_branch_and_switching_back_restores_it(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text="Paris."), Turn(text="Rome."))
    thread_id = create_thread(live_chat, "Capital of France?")
    original = first_user_message_id(live_chat, thread_id)

    moved = live_chat.client.post(
        f"/api/threads/{thread_id}/branches/edit", json={"item_id": original}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["moved"][0] == original
    events = live_chat.stream(
        "threads.add_user_message", thread_id=thread_id, input=user_input("Capital of Italy?")
    )
    edited = next(
        e.item
        for e in events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, UserMessageItem)
    )
    assert user_texts(live_chat, thread_id) == ["Capital of Italy?"]

    forks: list[dict[str, Any]] = live_chat.client.get(f"/api/threads/{thread_id}/branches").json()[
        "forks"
    ]
    assert forks == [
        {"item_id": edited.id, "index": 2, "count": 2, "sibling_ids": [original, edited.id]}
    ]
    switched = live_chat.client.post(
        f"/api/threads/{thread_id}/branches", json={"item_id": original}
    ).json()
    assert set(switched) == {"forks"}  # no page asked for: the client reloads itself
    assert switched["forks"][0]["index"] == 1
    assert user_texts(live_chat, thread_id) == ["Capital of France?"]

    # With "page": the new path's newest items come back, as items.list answers them.
    again = live_chat.client.post(
        f"/api/threads/{thread_id}/branches", json={"item_id": edited.id, "page": 1}
    ).json()
    assert again["thread"]["id"] == thread_id
    assert again["forks"][0]["index"] == 2
    listed = live_chat.chatkit("items.list", thread_id=thread_id, order="desc", limit=1).json()
    assert again["items"] == listed
    assert listed["has_more"] is True
    assert user_texts(live_chat, thread_id) == ["Capital of Italy?"]


def test_a_switch_asking_for_a_page_out_of_range_is_refused(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text="One."))
    thread_id = create_thread(live_chat, "First")
    original = first_user_message_id(live_chat, thread_id)
    answer = live_chat.client.post(
        f"/api/threads/{thread_id}/branches", json={"item_id": original, "page": 0}
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"


def test_editing_a_message_off_the_active_path_is_refused(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text="One."), Turn(text="Two."))
    thread_id = create_thread(live_chat, "First")
    original = first_user_message_id(live_chat, thread_id)
    live_chat.client.post(f"/api/threads/{thread_id}/branches/edit", json={"item_id": original})
    live_chat.stream("threads.add_user_message", thread_id=thread_id, input=user_input("Second"))

    again = live_chat.client.post(
        f"/api/threads/{thread_id}/branches/edit", json={"item_id": original}
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_on_active_path"
    missing = live_chat.client.post(
        f"/api/threads/{thread_id}/branches/edit", json={"item_id": "msg_nope"}
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
