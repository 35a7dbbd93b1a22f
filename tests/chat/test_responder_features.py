"""Attachments, reasoning, privacy, dictation, feedback, actions and client tool output."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from chatkit.types import (
    ClientToolCallItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    WorkflowItem,
)
from kitdesk.chat.context import RequestContext
from kitdesk.chat.responder import ACTION_NOT_SUPPORTED
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths

from tests.responder_harness import Kitdesk, kitdesk_fixture, provider_for, start_kitdesk
from tests.upstream import Turn, Upstream

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def kitdesk(kitdesk_home: Paths, upstream: Upstream) -> Iterator[Kitdesk]:
    yield from kitdesk_fixture(kitdesk_home, upstream)


def attach_three(app: Kitdesk) -> list[str]:
    return [
        app.attach("dot.png", "image/png", PNG),
        app.attach("notes.txt", "text/plain", b"line one\nline two"),
        app.attach("paper.pdf", "application/pdf", PDF),
    ]


def test_attachments_reach_the_responses_api(kitdesk: Kitdesk) -> None:
    answer = kitdesk.send("look at these", attachments=attach_three(kitdesk))
    assert not answer.errors
    user = kitdesk.upstream.chat_requests[0].json["input"][0]
    assert user["role"] == "user"
    parts = user["content"]
    assert parts[0] == {"type": "input_text", "text": "look at these"}
    assert parts[1]["type"] == "input_image"
    assert parts[1]["image_url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert parts[2]["type"] == "input_text"
    assert "notes.txt" in parts[2]["text"] and "line one\nline two" in parts[2]["text"]
    assert parts[3]["type"] == "input_file" and parts[3]["filename"] == "paper.pdf"
    assert parts[3]["file_data"] == "data:application/pdf;base64," + base64.b64encode(PDF).decode()


def test_a_mention_tag_reaches_the_model(kitdesk: Kitdesk) -> None:
    message = {
        "content": [
            {"type": "input_text", "text": "tell me about "},
            {"type": "input_tag", "id": "t1", "text": "Lisbon", "data": {"kind": "city"}},
        ],
        "attachments": [],
        "inference_options": {},
    }
    answer = kitdesk.stream("threads.create", input=message)
    assert not answer.errors
    sent = kitdesk.upstream.chat_requests[0].json["input"]
    assert sent[0]["content"][0]["text"] == "tell me about @Lisbon"
    assert "Lisbon" in json.dumps(sent[1:])


def test_attachments_reach_chat_completions(kitdesk_home: Paths, upstream: Upstream) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="ollama")
    try:
        first = app.send("look", attachments=attach_three(app))
        app.send("and again", first.thread_id)  # attachments stay in the history
    finally:
        app.close()
    for request in upstream.chat_requests:
        user = request.json["messages"][1]
        kinds = [part["type"] for part in user["content"]]
        assert kinds == ["text", "image_url", "text", "text"]
        assert user["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
        assert "line one" in user["content"][2]["text"]
        assert "paper.pdf" in user["content"][3]["text"]
        assert "cannot carry PDF" in user["content"][3]["text"]


def test_responses_reasoning_summary_becomes_a_workflow(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    app = start_kitdesk(kitdesk_home, upstream)
    try:
        upstream.script(Turn(text="42", reasoning_summary="Adding six and seven times six"))
        answer = app.send("what is six times seven")
        items = app.items(answer.thread_id)
    finally:
        app.close()
    assert answer.text == "42"
    added = [e.item for e in answer.events if isinstance(e, ThreadItemAddedEvent)]
    assert isinstance(added[0], WorkflowItem)  # the thinking shows before the answer
    done = [
        e.item
        for e in answer.events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WorkflowItem)
    ]
    assert len(done) == 1
    tasks = done[0].workflow.tasks
    assert [t.type for t in tasks] == ["thought"]
    assert tasks[0].content == "Adding six and seven times six"  # type: ignore[union-attr]
    assert [i.type for i in items] == ["user_message", "workflow", "assistant_message"]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_chat_reasoning_deltas_become_a_workflow(
    kitdesk_home: Paths, upstream: Upstream, field: str
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="ollama")
    try:
        upstream.script(
            Turn(text="Paris", reasoning_summary="France's capital", reasoning_field=field)
        )
        answer = app.send("capital of France?")
    finally:
        app.close()
    done = [
        e.item
        for e in answer.events
        if isinstance(e, ThreadItemDoneEvent) and isinstance(e.item, WorkflowItem)
    ]
    assert len(done) == 1
    assert done[0].workflow.tasks[0].content == "France's capital"  # type: ignore[union-attr]
    assert answer.text == "Paris"


def test_no_connection_except_to_the_provider(
    kitdesk: Kitdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every socket the process opens during a turn goes to the upstream or to Kitdesk.

    With a key in the environment, an SDK trace exporter would post to
    api.openai.com; nothing on the serving path may contact anything else.
    """
    monkeypatch.setenv("OPENAI_API_KEY", "sk-trace-bait-0123456789")
    allowed = {("127.0.0.1", kitdesk.running.port), ("127.0.0.1", upstream_port(kitdesk))}
    seen: list[tuple[str, Any]] = []
    recording = True

    def audit(event: str, args: tuple[object, ...]) -> None:
        if recording and event in ("socket.connect", "socket.getaddrinfo"):
            seen.append((event, args[1] if event == "socket.connect" else args[0]))

    sys.addaudithook(audit)  # audit hooks cannot be removed; `recording` switches it off
    try:
        kitdesk.send("first turn")
        kitdesk.send("second turn")
    finally:
        recording = False
    connects = [address for event, address in seen if event == "socket.connect"]
    assert connects, "the audit hook saw no connection at all"
    for address in connects:
        assert isinstance(address, tuple) and tuple(address[:2]) in allowed, address
    lookups = [host for event, host in seen if event == "socket.getaddrinfo"]
    assert set(lookups) <= {"127.0.0.1"}, lookups


def upstream_port(app: Kitdesk) -> int:
    return app.upstream.port


def test_transcription(kitdesk: Kitdesk) -> None:
    audio = base64.b64encode(b"\x1a\x45\xdf\xa3fake-webm").decode()
    response = kitdesk.request(
        "input.transcribe", audio_base64=audio, mime_type="audio/webm;codecs=opus"
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"text": "Hello from the microphone"}
    sent = kitdesk.upstream.requests[-1]
    assert sent.path == "/v1/audio/transcriptions"
    assert sent.json["model"] == "gpt-4o-mini-transcribe"
    assert sent.json["file_size"] == len(b"\x1a\x45\xdf\xa3fake-webm")


def test_transcription_unavailable_is_a_clear_error(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="ollama")
    upstream.transcription_status = 404
    try:
        audio = base64.b64encode(b"xyz").decode()
        response = app.request("input.transcribe", audio_base64=audio, mime_type="audio/webm")
    finally:
        app.close()
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "transcription_unavailable"
    assert "Test ollama does not offer speech-to-text" in error["message"]
    assert upstream.requests[-1].json["model"] == "whisper-1"


def test_dictation_uses_a_provider_that_can_transcribe_when_the_default_cannot(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    # Chat with a local model server by default, an OpenAI key kept alongside.
    with Upstream() as openai_upstream:
        openai = provider_for("openai", openai_upstream.base_url)
        KeyStore().set(openai.id, "sk-openai-for-speech")
        openai_upstream.require_key = "sk-openai-for-speech"
        app = start_kitdesk(kitdesk_home, upstream, kind="ollama", extra=[openai])
        try:
            audio = base64.b64encode(b"webm-bytes").decode()
            response = app.request("input.transcribe", audio_base64=audio, mime_type="audio/webm")
        finally:
            app.close()
        assert response.status_code == 200, response.text
        assert response.json() == {"text": "Hello from the microphone"}
        [sent] = openai_upstream.requests
        assert sent.path == "/v1/audio/transcriptions"
        assert sent.json["model"] == "gpt-4o-mini-transcribe"
    assert not [r for r in upstream.requests if r.path == "/v1/audio/transcriptions"]


def test_feedback_is_stored(kitdesk: Kitdesk) -> None:
    answer = kitdesk.send("rate me")
    item_id = answer.assistant[0].id
    response = kitdesk.request(
        "items.feedback", thread_id=answer.thread_id, item_ids=[item_id], kind="positive"
    )
    assert response.status_code == 200
    stored = asyncio.run(kitdesk.store.load_feedback(answer.thread_id))
    assert stored == {item_id: "positive"}


def test_custom_actions_are_refused_readably(kitdesk: Kitdesk) -> None:
    thread_id = kitdesk.send("hi").thread_id
    action = {"type": "do.something", "payload": {}}
    streamed = kitdesk.stream("threads.custom_action", thread_id=thread_id, action=action)
    assert [e.message for e in streamed.errors] == [ACTION_NOT_SUPPORTED]
    sync = kitdesk.request("threads.sync_custom_action", thread_id=thread_id, action=action)
    assert sync.status_code == 501
    assert sync.json()["error"]["message"] == ACTION_NOT_SUPPORTED


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_client_tool_output_continues_the_conversation(
    kitdesk_home: Paths, upstream: Upstream, kind: str
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind=kind)
    try:
        thread_id = app.send("what time is it?").thread_id
        call = ClientToolCallItem(
            id="tc_1",
            thread_id=thread_id,
            created_at=datetime.now(),
            status="pending",
            call_id="call_1",
            name="get_time",
            arguments={"zone": "UTC"},
        )
        asyncio.run(app.store.add_thread_item(thread_id, call, RequestContext(origin="")))
        upstream.script(Turn(text="It is noon."))
        answer = app.stream(
            "threads.add_client_tool_output", thread_id=thread_id, result={"time": "12:00"}
        )
    finally:
        app.close()
    assert answer.text == "It is noon."
    body = upstream.chat_requests[-1].json
    if kind == "openai":
        kinds = [item.get("type", item.get("role")) for item in body["input"]]
        assert kinds[-2:] == ["function_call", "function_call_output"]
        assert body["input"][-1]["output"] == '{"time": "12:00"}'
    else:
        roles = [message["role"] for message in body["messages"]]
        assert roles[-2:] == ["assistant", "tool"]
        assert body["messages"][-2]["tool_calls"][0]["function"]["name"] == "get_time"
        assert body["messages"][-1]["content"] == '{"time": "12:00"}'
