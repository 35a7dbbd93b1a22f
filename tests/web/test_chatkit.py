"""POST /chatkit over real HTTP: every request type, and every kind of bad input
answered with a readable 4xx (never a 500, never a truncated stream)."""

from __future__ import annotations

import base64

import pytest
from chatkit.types import (
    AssistantMessageItem,
    ErrorEvent,
    ThreadCreatedEvent,
    ThreadItemDoneEvent,
    UserMessageItem,
)

from tests.live_server import LiveServer
from tests.upstream import Turn, Upstream


def user_input(text: str, **extra: object) -> dict[str, object]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {"model": "environment::gpt-test"},
        **extra,
    }


def create_thread(live_chat: LiveServer, text: str = "Hello there") -> str:
    events = live_chat.stream("threads.create", input=user_input(text))
    created = next(e for e in events if isinstance(e, ThreadCreatedEvent))
    return created.thread.id


def error_of(reply) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    body = reply.json()
    return body["error"]["code"], body["error"]["message"]


# --- bad input -------------------------------------------------------------


@pytest.mark.parametrize(
    "body,code,fragment",
    [
        (b"{not json", "invalid_json", "not valid JSON"),
        (b"", "invalid_json", "not valid JSON"),
        (b"[1, 2]", "missing_type", '"type"'),
        (b'{"params": {}}', "missing_type", '"type"'),
        (b'{"type": "threads.explode", "params": {}}', "unknown_request_type", "threads.explode"),
        (b'{"type": "threads.get_by_id", "params": {}}', "invalid_request", "thread_id"),
        (b'{"type": "threads.get_by_id"}', "invalid_request", "params"),
        (b'{"type": "threads.update", "params": {"thread_id": "x"}}', "invalid_request", "title"),
        (b'{"type": "items.list", "params": {"thread_id": 5}}', "invalid_request", "thread_id"),
        (b"[" * 5000 + b"]" * 5000, "invalid_json", "not valid JSON"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "invalid_json", "not valid JSON"),
        (b'{"type": "threads.list", "params": {"limit": -5}}', "invalid_request", "limit"),
        (
            b'{"type": "threads.update", "params": {"thread_id": "t", "title": "'
            + b"x" * 201
            + b'"}}',
            "invalid_request",
            "title",
        ),
        (
            b'{"type": "items.list", "params": {"thread_id": "t", "limit": 0}}',
            "invalid_request",
            "limit",
        ),
    ],
)
def test_bad_requests_get_readable_400(
    live_server: LiveServer, body: bytes, code: str, fragment: str
) -> None:
    reply = live_server.client.post(
        "/chatkit", content=body, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    got_code, message = error_of(reply)
    assert got_code == code
    assert fragment in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    "op,params",
    [
        ("threads.get_by_id", {"thread_id": "thr_missing"}),
        ("items.list", {"thread_id": "thr_missing"}),
        ("threads.update", {"thread_id": "thr_missing", "title": "New"}),
        ("threads.delete", {"thread_id": "thr_missing"}),
        ("attachments.delete", {"attachment_id": "atc_missing"}),
    ],
)
def test_unknown_ids_get_404(live_server: LiveServer, op: str, params: dict[str, str]) -> None:
    reply = live_server.chatkit(op, **params)
    assert reply.status_code == 404, reply.text
    code, message = error_of(reply)
    assert code == "not_found"
    assert "no longer exists" in message


def test_streaming_op_on_missing_thread_ends_with_error_event(live_server: LiveServer) -> None:
    events = live_server.stream(
        "threads.add_user_message", thread_id="thr_missing", input=user_input("hi")
    )
    assert isinstance(events[-1], ErrorEvent)
    assert events[-1].message and "no longer exists" in events[-1].message


@pytest.mark.parametrize(
    "message,status,code",
    [
        ({"content": [], "attachments": []}, 400, "empty_message"),
        (
            {"content": [{"type": "input_text", "text": "   "}], "attachments": []},
            400,
            "empty_message",
        ),
        (
            {"content": [{"type": "input_text", "text": "x" * 1_000_001}], "attachments": []},
            413,
            "message_too_long",
        ),
        (
            {"content": [{"type": "input_text", "text": "see file"}], "attachments": ["atc_nope"]},
            400,
            "unknown_attachment",
        ),
    ],
)
def test_bad_messages_are_refused_before_a_thread_is_created(
    live_server: LiveServer, message: dict[str, object], status: int, code: str
) -> None:
    message = {"inference_options": {}, **message}
    reply = live_server.chatkit("threads.create", input=message)
    assert reply.status_code == status, reply.text
    assert error_of(reply)[0] == code
    assert live_server.chatkit("threads.list").json()["data"] == []


def test_attachment_limits(live_server: LiveServer) -> None:
    too_big = live_server.chatkit(
        "attachments.create", name="huge.png", size=500 * 1024 * 1024, mime_type="image/png"
    )
    assert too_big.status_code == 413
    assert "huge.png" in error_of(too_big)[1]
    wrong_type = live_server.chatkit(
        "attachments.create", name="evil.svg", size=100, mime_type="image/svg+xml"
    )
    assert wrong_type.status_code == 415
    assert "image/svg+xml" in error_of(wrong_type)[1]


def test_custom_actions_are_not_supported_yet(live_chat: LiveServer) -> None:
    thread_id = create_thread(live_chat)
    action = {"type": "demo.click", "payload": {}}
    sync = live_chat.chatkit("threads.sync_custom_action", thread_id=thread_id, action=action)
    assert 400 <= sync.status_code < 500 or sync.status_code == 501, sync.text
    assert "not support" in error_of(sync)[1]
    events = live_chat.stream("threads.custom_action", thread_id=thread_id, action=action)
    assert isinstance(events[-1], ErrorEvent)
    assert events[-1].message and "not support" in events[-1].message


# --- every request type, as a client uses them -----------------------------


def test_conversation_lifecycle_over_http(live_chat: LiveServer, upstream: Upstream) -> None:
    upstream.script(Turn(text="First answer."), Turn(text="Second answer."), Turn(text="Retried."))
    events = live_chat.stream("threads.create", input=user_input("Hello there"))
    thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    done = [e.item for e in events if isinstance(e, ThreadItemDoneEvent)]
    assert any(
        isinstance(i, AssistantMessageItem) and i.content[0].text == "First answer." for i in done
    )

    events = live_chat.stream(
        "threads.add_user_message", thread_id=thread_id, input=user_input("More")
    )
    done = [e.item for e in events if isinstance(e, ThreadItemDoneEvent)]
    user_item = next(i for i in done if isinstance(i, UserMessageItem))
    assert any(isinstance(i, AssistantMessageItem) and "Second" in i.content[0].text for i in done)

    events = live_chat.stream("threads.retry_after_item", thread_id=thread_id, item_id=user_item.id)
    assert any(
        isinstance(e, ThreadItemDoneEvent)
        and isinstance(e.item, AssistantMessageItem)
        and e.item.content[0].text == "Retried."
        for e in events
    )

    thread = live_chat.chatkit("threads.get_by_id", thread_id=thread_id).json()
    texts = [
        part["text"]
        for item in thread["items"]["data"]
        if item["type"] == "assistant_message"
        for part in item["content"]
    ]
    assert texts == ["First answer.", "Retried."]  # retry replaced the second answer

    items = live_chat.chatkit("items.list", thread_id=thread_id, limit=2, order="desc").json()
    assert len(items["data"]) == 2 and items["has_more"] is True

    listed = live_chat.chatkit("threads.list", limit=10).json()
    assert [t["id"] for t in listed["data"]] == [thread_id]

    renamed = live_chat.chatkit("threads.update", thread_id=thread_id, title="Renamed").json()
    assert renamed["title"] == "Renamed"

    assistant_id = next(
        i["id"] for i in thread["items"]["data"] if i["type"] == "assistant_message"
    )
    feedback = live_chat.chatkit(
        "items.feedback", thread_id=thread_id, item_ids=[assistant_id], kind="positive"
    )
    assert feedback.status_code == 200
    store = live_chat.running.app.state.services.store
    import asyncio

    assert asyncio.run(store.load_feedback(thread_id)) == {assistant_id: "positive"}

    assert live_chat.chatkit("threads.delete", thread_id=thread_id).status_code == 200
    assert live_chat.chatkit("threads.get_by_id", thread_id=thread_id).status_code == 404


def test_attachment_upload_and_delete(live_chat: LiveServer) -> None:
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    created = live_chat.chatkit(
        "attachments.create", name="dot.png", size=len(png), mime_type="image/png"
    )
    assert created.status_code == 200, created.text
    attachment = created.json()
    upload_url = attachment.get("upload_url") or attachment["upload_descriptor"]["url"]
    uploaded = live_chat.client.post(upload_url, files={"file": ("dot.png", png, "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    preview = live_chat.client.get(f"/api/attachments/{attachment['id']}/content")
    assert preview.content == png
    assert (
        live_chat.chatkit("attachments.delete", attachment_id=attachment["id"]).status_code == 200
    )
    assert live_chat.client.get(f"/api/attachments/{attachment['id']}/content").status_code == 404


def test_transcribe_through_provider(live_chat: LiveServer, upstream: Upstream) -> None:
    reply = live_chat.chatkit(
        "input.transcribe",
        audio_base64=base64.b64encode(b"fake-webm-bytes").decode(),
        mime_type="audio/webm;codecs=opus",
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["text"] == upstream.transcript


def test_transcribe_without_provider_support_is_clear(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.transcription_status = 404
    reply = live_chat.chatkit(
        "input.transcribe", audio_base64=base64.b64encode(b"x").decode(), mime_type="audio/webm"
    )
    assert 400 <= reply.status_code < 500, reply.text
    assert "transcri" in error_of(reply)[1].lower()


def test_thread_responses_carry_model_and_activity_but_nothing_else(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    thread_id = create_thread(live_chat, "Which model answers?")
    store = live_chat.running.app.state.services.store
    import asyncio

    from kitdesk.chat.context import RequestContext

    context = RequestContext(origin="")
    thread = asyncio.run(store.load_thread(thread_id, context))
    thread.metadata["internal"] = "server-side only"
    asyncio.run(store.save_thread(thread, context))

    listed = live_chat.chatkit("threads.list").json()["data"][0]
    assert listed["metadata"]["model"] == "environment::gpt-test"
    assert listed["metadata"]["updated_at"].startswith("20")
    assert "internal" not in listed["metadata"]
    fetched = live_chat.chatkit("threads.get_by_id", thread_id=thread_id).json()
    assert fetched["metadata"] == {"model": "environment::gpt-test"}
