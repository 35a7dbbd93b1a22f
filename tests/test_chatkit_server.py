"""The scripted ChatKit test server, run as a process and driven over HTTP.

Every script is exercised and its stream decoded into the SDK's typed events,
so the fixture is known to send what Kitdesk's proxy and UI tests rely on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
import pytest
from chatkit.types import (
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientEffectEvent,
    ClientToolCallItem,
    ErrorEvent,
    GeneratedImageItem,
    NoticeEvent,
    ProgressUpdateEvent,
    StreamOptionsEvent,
    SyncCustomActionResponse,
    Thread,
    ThreadCreatedEvent,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    ThreadUpdatedEvent,
    WidgetItem,
    WidgetRootUpdated,
    WidgetStreamingTextValueDelta,
    WorkflowItem,
    WorkflowTaskAdded,
)
from pydantic import BaseModel

from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.chatkit_server.client import (
    STREAM_EVENT,
    ChatKitClient,
    add_message,
    create_thread,
    sse_data,
)
from tests.chatkit_server.scripts import CLIENT_TOOL_ARGUMENTS, CLIENT_TOOL_NAME, HELLO_CHUNKS
from tests.chatkit_server.widgets import sdk_widget_types

E = TypeVar("E", bound=BaseModel)


@pytest.fixture(scope="module")
def server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process() as process:
        yield process


@pytest.fixture
def chatkit(server: ChatKitServerProcess) -> Iterator[ChatKitClient]:
    client = ChatKitClient(server.url)
    yield client
    client.close()


def of_type(events: list[ThreadStreamEvent], kind: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, kind)]


def done_items(events: list[ThreadStreamEvent], kind: type[E]) -> list[E]:
    return [e.item for e in of_type(events, ThreadItemDoneEvent) if isinstance(e.item, kind)]


def deltas(events: list[ThreadStreamEvent]) -> list[str]:
    return [
        e.update.delta
        for e in of_type(events, ThreadItemUpdatedEvent)
        if isinstance(e.update, AssistantMessageContentPartTextDelta)
    ]


def answer_text(events: list[ThreadStreamEvent]) -> str:
    messages = done_items(events, AssistantMessageItem)
    assert len(messages) == 1
    return messages[0].content[0].text


def thread_id(events: list[ThreadStreamEvent]) -> str:
    return of_type(events, ThreadCreatedEvent)[0].thread.id


def component_types(widget: Any) -> set[str]:
    """Every ``type`` in a widget tree."""
    found: set[str] = set()
    if isinstance(widget, dict):
        if isinstance(widget.get("type"), str):
            found.add(widget["type"])
        for value in widget.values():
            found |= component_types(value)
    elif isinstance(widget, list):
        for value in widget:
            found |= component_types(value)
    return found


def test_hello_streams_in_several_deltas(chatkit: ChatKitClient) -> None:
    events = chatkit.events(create_thread("hello"))
    assert isinstance(events[0], ThreadCreatedEvent)
    assert isinstance(events[2], StreamOptionsEvent) and events[2].stream_options.allow_cancel
    assert deltas(events) == HELLO_CHUNKS
    assert answer_text(events) == "".join(HELLO_CHUNKS)
    assert of_type(events, ThreadUpdatedEvent)[-1].thread.title == "hello"

    thread = Thread.model_validate(
        chatkit.call({"type": "threads.get_by_id", "params": {"thread_id": thread_id(events)}})
    )
    assert [item.type for item in thread.items.data] == ["user_message", "assistant_message"]
    listed = chatkit.call({"type": "threads.list", "params": {"limit": 100}})
    assert thread.id in [entry["id"] for entry in listed["data"]]


def test_second_message_and_echo(chatkit: ChatKitClient) -> None:
    first = chatkit.events(create_thread("anything at all"))
    assert answer_text(first) == "You said: anything at all"
    second = chatkit.events(add_message(thread_id(first), "stream 50"))
    assert deltas(second) == [f"w{index} " for index in range(50)]
    items = chatkit.call(
        {"type": "items.list", "params": {"thread_id": thread_id(first), "order": "asc"}}
    )
    assert [item["type"] for item in items["data"]] == [
        "user_message",
        "assistant_message",
        "user_message",
        "assistant_message",
    ]


def test_widgets_cover_every_sdk_widget_type(chatkit: ChatKitClient) -> None:
    widgets = done_items(chatkit.events(create_thread("widgets")), WidgetItem)
    assert [item.copy_text for item in widgets] == sdk_widget_types()
    shown: set[str] = set()
    for item in widgets:
        shown |= component_types(item.widget.model_dump(mode="json"))
    assert set(sdk_widget_types()) <= shown


def test_live_widget_updates(chatkit: ChatKitClient) -> None:
    events = chatkit.events(create_thread("live widget"))
    updates = [e.update for e in of_type(events, ThreadItemUpdatedEvent)]
    streamed = [u.delta for u in updates if isinstance(u, WidgetStreamingTextValueDelta)]
    assert "".join(streamed) == "Streaming into a widget."
    assert any(isinstance(u, WidgetRootUpdated) for u in updates)
    final = done_items(events, WidgetItem)[0].widget.model_dump(mode="json")
    assert final["children"][1]["label"] == "Done"


def test_workflow_with_every_task_type_and_progress(chatkit: ChatKitClient) -> None:
    events = chatkit.events(create_thread("workflow"))
    assert isinstance(of_type(events, ThreadItemAddedEvent)[0].item, WorkflowItem)
    added = [
        e.update
        for e in of_type(events, ThreadItemUpdatedEvent)
        if isinstance(e.update, WorkflowTaskAdded)
    ]
    assert [u.task.status_indicator for u in added] == ["loading"] * 5
    workflow = done_items(events, WorkflowItem)[0].workflow
    assert [task.type for task in workflow.tasks] == [
        "custom",
        "web_search",
        "thought",
        "file",
        "image",
    ]
    assert {task.status_indicator for task in workflow.tasks} == {"complete"}
    assert [p.text for p in of_type(events, ProgressUpdateEvent)][-1] == "Step 5 of 5"
    assert answer_text(events) == "The workflow is done."


def test_effect_notice_and_error_events(chatkit: ChatKitClient) -> None:
    effect = of_type(chatkit.events(create_thread("effect")), ClientEffectEvent)
    assert [(e.name, e.data) for e in effect] == [("highlight", {"color": "accent", "ms": 300})]
    notices = of_type(chatkit.events(create_thread("notice")), NoticeEvent)
    assert [n.level for n in notices] == ["info", "warning", "danger"]
    errors = of_type(chatkit.events(create_thread("error")), ErrorEvent)
    assert [(e.code, e.message, e.allow_retry) for e in errors] == [
        ("custom", "The scripted server reports an error.", True)
    ]


def test_client_tool_round_trip(chatkit: ChatKitClient) -> None:
    events = chatkit.events(create_thread("client tool"))
    call = done_items(events, ClientToolCallItem)[0]
    assert (call.name, call.arguments, call.status) == (
        CLIENT_TOOL_NAME,
        CLIENT_TOOL_ARGUMENTS,
        "pending",
    )
    output = {"text": "the selected words"}
    answer = chatkit.events(
        {
            "type": "threads.add_client_tool_output",
            "params": {"thread_id": thread_id(events), "result": output},
        }
    )
    assert answer_text(answer) == (
        f'The client tool {CLIENT_TOOL_NAME} returned {{"text": "the selected words"}}'
    )


def test_generated_image_is_served(chatkit: ChatKitClient) -> None:
    image = done_items(chatkit.events(create_thread("image")), GeneratedImageItem)[0].image
    assert image is not None
    response = httpx.get(image.url, timeout=5)
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_sources_are_annotations(chatkit: ChatKitClient) -> None:
    message = done_items(chatkit.events(create_thread("sources")), AssistantMessageItem)[0]
    assert [a.source.type for a in message.content[0].annotations] == ["url", "file", "entity"]


def counter_item(chatkit: ChatKitClient) -> tuple[str, WidgetItem]:
    events = chatkit.events(create_thread("counter"))
    return thread_id(events), done_items(events, WidgetItem)[0]


def title_of(item: WidgetItem) -> str:
    return item.widget.model_dump(mode="json")["children"][0]["value"]


def action(thread: str, item_id: str | None, kind: str, payload: Any) -> dict[str, Any]:
    return {
        "thread_id": thread,
        "item_id": item_id,
        "action": {"type": kind, "payload": payload},
    }


def test_custom_action_replaces_the_counter(chatkit: ChatKitClient) -> None:
    thread, item = counter_item(chatkit)
    assert title_of(item) == "Count: 0"
    events = chatkit.events(
        {
            "type": "threads.custom_action",
            "params": action(thread, item.id, "increment", {"count": 0}),
        }
    )
    replaced = of_type(events, ThreadItemReplacedEvent)[0].item
    assert isinstance(replaced, WidgetItem) and replaced.id == item.id
    assert title_of(replaced) == "Count: 1"


def test_sync_custom_action_returns_the_updated_widget(chatkit: ChatKitClient) -> None:
    thread, item = counter_item(chatkit)
    answer = SyncCustomActionResponse.model_validate(
        chatkit.call(
            {
                "type": "threads.sync_custom_action",
                "params": action(thread, item.id, "increment", {"count": 4}),
            }
        )
    )
    assert (
        isinstance(answer.updated_item, WidgetItem) and title_of(answer.updated_item) == "Count: 5"
    )
    stored = chatkit.call({"type": "items.list", "params": {"thread_id": thread}})
    assert stored["data"][0]["widget"]["children"][0]["value"] == "Count: 5"


def test_form_action_and_unknown_action(chatkit: ChatKitClient) -> None:
    thread, item = counter_item(chatkit)
    form = chatkit.events(
        {
            "type": "threads.custom_action",
            "params": action(thread, None, "submit_form", {"name": "Ada"}),
        }
    )
    assert answer_text(form) == 'Action submit_form with {"name": "Ada"}'
    unknown = chatkit.events(
        {"type": "threads.custom_action", "params": action(thread, item.id, "explode", None)}
    )
    assert [e.message for e in of_type(unknown, ErrorEvent)] == [
        "The test server does not know the action 'explode'."
    ]


def test_fail_becomes_a_stream_error(chatkit: ChatKitClient) -> None:
    errors = of_type(chatkit.events(create_thread("fail")), ErrorEvent)
    assert [(e.code, e.allow_retry) for e in errors] == [("stream.error", True)]


def test_stall_keeps_the_partial_answer_when_the_client_leaves(
    chatkit: ChatKitClient, server: ChatKitServerProcess
) -> None:
    received = b""
    with httpx.stream("POST", server.url, json=create_thread("stall"), timeout=10) as response:
        for chunk in response.iter_bytes():
            received += chunk
            if b"text_delta" in received:
                break
    thread = next(STREAM_EVENT.validate_json(d) for d in sse_data(received))
    assert isinstance(thread, ThreadCreatedEvent)
    deadline = time.monotonic() + 10
    while True:  # the server notices the disconnect and stores what was streamed
        items = chatkit.call({"type": "items.list", "params": {"thread_id": thread.thread.id}})
        texts = [i["content"][0]["text"] for i in items["data"] if i["type"] == "assistant_message"]
        if texts or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert texts == ["Waiting forever"]


def test_cut_drops_the_connection_after_a_delta(server: ChatKitServerProcess) -> None:
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", server.url, json=create_thread("cut"), timeout=10) as response,
    ):
        for chunk in response.iter_bytes():
            received += chunk
    assert b"About to be cut" in received


def test_malformed_frame_is_not_json(chatkit: ChatKitClient) -> None:
    raw = chatkit.post(create_thread("malformed")).content
    frames = list(sse_data(raw))
    for frame in frames[:-1]:
        STREAM_EVENT.validate_json(frame)
    assert frames[-1] == b"{this is not json"


def test_http_errors_are_json_sentences(chatkit: ChatKitClient) -> None:
    refused = chatkit.post(create_thread("refuse"))
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "unavailable"
    missing = chatkit.post(add_message("thr_missing", "hello"))
    assert missing.status_code == 404 and "thr_missing" in missing.json()["error"]["message"]
    bad = chatkit.post({"type": "threads.nonsense"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"


def test_attachment_upload_and_feedback(
    chatkit: ChatKitClient, server: ChatKitServerProcess
) -> None:
    attachment = chatkit.call(
        {
            "type": "attachments.create",
            "params": {"name": "notes.txt", "size": 5, "mime_type": "text/plain"},
        }
    )
    upload = attachment["upload_descriptor"]
    sent = httpx.post(upload["url"], files={"file": ("notes.txt", b"hello", "text/plain")})
    assert sent.json() == {"id": attachment["id"], "size": 5}
    assert httpx.get(upload["url"]).content == b"hello"
    events = chatkit.events(create_thread("hello"))
    message = done_items(events, AssistantMessageItem)[0]
    chatkit.call(
        {
            "type": "items.feedback",
            "params": {
                "thread_id": thread_id(events),
                "item_ids": [message.id],
                "kind": "positive",
            },
        }
    )
    feedback = httpx.get(f"{server.base_url}/state").json()["feedback"]
    assert {
        "thread_id": thread_id(events),
        "item_ids": [message.id],
        "kind": "positive",
    } in feedback


def test_required_header() -> None:
    with chatkit_server_process(require_header=("X-Api-Key", "k-123")) as server:
        refused = httpx.post(server.url, json=create_thread("hello"), timeout=10)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
        client = ChatKitClient(server.url, headers={"X-Api-Key": "k-123"})
        try:
            assert answer_text(client.events(create_thread("hello"))) == "".join(HELLO_CHUNKS)
        finally:
            client.close()
