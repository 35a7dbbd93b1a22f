"""A ChatKit server as a provider: Kitdesk's /chatkit relays to the real scripted test
server (tests/chatkit_server, its own process, requiring a header whose value lives
in the keyring), mirrors its threads, and turns every failure into a sentence."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from chatkit.types import (
    AssistantMessageItem,
    ErrorEvent,
    ThreadCreatedEvent,
    ThreadItemDoneEvent,
    ThreadStreamEvent,
)
from kitdesk.chat import remote
from kitdesk.web.routes.chatkit_proxy import without_model_ref

from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.chatkit_server.client import ChatKitClient
from tests.conftest import MemoryKeyring
from tests.live_server import LiveServer

HEADER = ("X-Api-Key", "v-secret-1")


@pytest.fixture(scope="module")
def chatkit_server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process(require_header=HEADER) as server:
        yield server


def add_chatkit_provider(live: LiveServer, url: str, *, header_value: str | None) -> str:
    created = live.client.post(
        "/api/providers",
        json={"kind": "chatkit", "name": "Agent", "base_url": url, "headers": [HEADER[0]]},
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    if header_value is not None:
        stored = live.client.put(
            f"/api/providers/{provider_id}/headers/{HEADER[0]}", json={"value": header_value}
        )
        assert stored.status_code == 200, stored.text
    return provider_id


def user_input(text: str, model: str | None = None) -> dict[str, object]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {"model": model} if model else {},
    }


def answer_text(events: list[ThreadStreamEvent]) -> str:
    done = [e.item for e in events if isinstance(e, ThreadItemDoneEvent)]
    return "".join(
        part.text
        for item in done
        if isinstance(item, AssistantMessageItem)
        for part in item.content
    )


def the_error(events: list[ThreadStreamEvent]) -> ErrorEvent:
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 1, events
    assert events[-1] is errors[0]  # the error ends the stream
    return errors[0]


def start_chat(live: LiveServer, provider_id: str, text: str) -> list[ThreadStreamEvent]:
    return live.stream("threads.create", input=user_input(text, f"{provider_id}::default"))


def test_the_picker_offers_the_server_and_a_chat_goes_through_it(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    models = live_server.client.get("/api/models").json()
    option = next(m for m in models["models"] if m["id"] == f"{provider_id}::default")
    assert option["label"] == "Agent"
    assert models["errors"] == []

    events = start_chat(live_server, provider_id, "hello")
    assert answer_text(events) == "Hello from the ChatKit test server."
    thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id

    # The server keeps its own id: the same thread is there, asked directly.
    direct = ChatKitClient(chatkit_server.url, headers=dict([HEADER]))
    try:
        there = direct.call({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
    finally:
        direct.close()
    assert there["id"] == thread_id

    # A second turn on the thread goes to the server too, and both turns are listed.
    more = live_server.stream(
        "threads.add_user_message", thread_id=thread_id, input=user_input("hello")
    )
    assert answer_text(more) == "Hello from the ChatKit test server."
    items = live_server.chatkit("items.list", thread_id=thread_id, limit=50, order="asc").json()[
        "data"
    ]
    assert [item["type"] for item in items] == [
        "user_message",
        "assistant_message",
        "user_message",
        "assistant_message",
    ]
    history = live_server.chatkit("threads.list", limit=20).json()["data"]
    assert thread_id in [thread["id"] for thread in history]


def test_without_the_header_value_the_server_refusal_is_a_sentence(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=None)
    error = the_error(start_chat(live_server, provider_id, "hello"))
    assert error.message == (
        "The ChatKit server “Agent” refused the request (HTTP 401). "
        "Check its request headers in Settings."
    )


@pytest.mark.parametrize(
    "script,expected",
    [
        (
            "refuse",
            "The ChatKit server “Agent” is unavailable or failed (HTTP 503). Try again later.",
        ),
        (
            "malformed",
            "The ChatKit server “Agent” sent an answer Kitdesk could not read (a malformed event). "
            "What arrived before it is kept.",
        ),
        (
            "cut",
            "The connection to the ChatKit server “Agent” dropped mid-answer. "
            "What arrived is kept; try again.",
        ),
        ("stall", "The ChatKit server “Agent” stopped answering for 1 seconds. Try again later."),
    ],
)
def test_each_failure_of_the_server_is_a_sentence(
    live_server: LiveServer,
    chatkit_server: ChatKitServerProcess,
    monkeypatch: pytest.MonkeyPatch,
    script: str,
    expected: str,
) -> None:
    monkeypatch.setattr(remote, "READ_TIMEOUT", 1.0)
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    events = start_chat(live_server, provider_id, script)
    assert the_error(events).message == expected
    if script != "refuse":  # what streamed before the failure reached the window
        assert any(isinstance(e, ThreadCreatedEvent) for e in events)


def test_a_server_error_without_words_gets_a_sentence(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    events = start_chat(live_server, provider_id, "fail")
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    # The SDK reports the script's exception as an error event without a message.
    assert [e.message for e in errors] == [
        "The ChatKit server “Agent” failed while answering. Try again."
    ]


def test_a_servers_own_error_sentence_passes_through(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    events = start_chat(live_server, provider_id, "error")
    assert answer_text(events) == "Before the error."
    assert the_error(events).message == "The scripted server reports an error."


def test_a_server_that_is_not_running_is_a_sentence(live_server: LiveServer) -> None:
    with chatkit_server_process() as gone:
        url = gone.url
    provider_id = add_chatkit_provider(live_server, url, header_value=None)
    error = the_error(start_chat(live_server, provider_id, "hello"))
    assert error.message == (
        f"Could not connect to the ChatKit server “Agent” at {url}. Is it running?"
    )


def test_a_mirrored_thread_stays_readable_and_searchable_when_the_server_is_gone(
    live_server: LiveServer,
) -> None:
    with chatkit_server_process(require_header=HEADER) as server:
        provider_id = add_chatkit_provider(live_server, server.url, header_value=HEADER[1])
        events = start_chat(live_server, provider_id, "hello")
        thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    # The server process is stopped now.
    thread = live_server.chatkit("threads.get_by_id", thread_id=thread_id)
    assert thread.status_code == 200
    texts = [
        part["text"]
        for item in thread.json()["items"]["data"]
        if item["type"] == "assistant_message"
        for part in item["content"]
    ]
    assert texts == ["Hello from the ChatKit test server."]
    listed = live_server.chatkit("items.list", thread_id=thread_id, limit=10, order="asc").json()[
        "data"
    ]
    assert [item["type"] for item in listed] == ["user_message", "assistant_message"]

    hits = live_server.client.get("/api/search", params={"q": "ChatKit test server"}).json()
    assert [hit["thread_id"] for hit in hits["results"]] == [thread_id]

    # Sending is refused with a sentence, and nothing stored is lost.
    refused = live_server.stream(
        "threads.add_user_message", thread_id=thread_id, input=user_input("hello")
    )
    assert the_error(refused).message == (
        f"Could not connect to the ChatKit server “Agent” at {server.url}. Is it running? "
        "Until it answers, this conversation is read-only; its messages are kept here."
    )
    again = live_server.chatkit("items.list", thread_id=thread_id, limit=10, order="asc").json()[
        "data"
    ]
    assert again == listed


def test_the_server_needs_no_cors_and_never_sees_the_window_token(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    # Without the window's token the relay is closed like every other route.
    anonymous = httpx.post(
        f"{live_server.base_url}/chatkit",
        json={
            "type": "threads.create",
            "params": {"input": user_input("hello", f"{provider_id}::default")},
        },
    )
    assert anonymous.status_code == 401
    events = start_chat(live_server, provider_id, "hello")
    assert answer_text(events) == "Hello from the ChatKit test server."


def test_threads_started_elsewhere_join_the_history_and_open_through_kitdesk(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    direct = ChatKitClient(chatkit_server.url, headers=dict([HEADER]))
    try:
        events = direct.events({"type": "threads.create", "params": {"input": user_input("hello")}})
    finally:
        direct.close()
    elsewhere = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])

    history = live_server.chatkit("threads.list", limit=100).json()["data"]
    assert elsewhere in [thread["id"] for thread in history]
    opened = live_server.chatkit("threads.get_by_id", thread_id=elsewhere).json()
    assert [item["type"] for item in opened["items"]["data"]] == [
        "user_message",
        "assistant_message",
    ]


def test_rename_and_delete_go_to_the_server_and_the_mirror(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    events = start_chat(live_server, provider_id, "hello")
    thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    direct = ChatKitClient(chatkit_server.url, headers=dict([HEADER]))
    try:
        renamed = live_server.chatkit("threads.update", thread_id=thread_id, title="Renamed")
        assert renamed.status_code == 200, renamed.text
        there = direct.call({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
        assert there["title"] == "Renamed"
        hits = live_server.client.get("/api/search", params={"q": "Renamed"}).json()["results"]
        assert [hit["thread_id"] for hit in hits] == [thread_id]

        deleted = live_server.chatkit("threads.delete", thread_id=thread_id)
        assert deleted.status_code == 200, deleted.text
        gone = direct.post({"type": "threads.get_by_id", "params": {"thread_id": thread_id}})
        assert gone.status_code == 404
    finally:
        direct.close()
    local = live_server.chatkit("threads.get_by_id", thread_id=thread_id)
    assert local.status_code == 404


def test_header_values_live_in_the_keyring_under_their_own_name(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess, memory_keyring: MemoryKeyring
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    assert memory_keyring.secrets == {("kitdesk", f"{provider_id}/header/x-api-key"): HEADER[1]}
    listed = next(
        p for p in live_server.client.get("/api/providers").json() if p["id"] == provider_id
    )
    assert listed["headers"] == [HEADER[0]]
    assert listed["headers_set"] == [HEADER[0]]
    assert HEADER[1] not in json.dumps(listed)
    unknown = live_server.client.put(
        f"/api/providers/{provider_id}/headers/X-Other", json={"value": "x"}
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "header_not_found"
    tested = live_server.client.post(f"/api/providers/{provider_id}/test").json()
    assert tested == {
        "ok": True,
        "message": "Connected: the ChatKit server answers",
        "model_count": None,
    }

    live_server.client.delete(f"/api/providers/{provider_id}")
    assert memory_keyring.secrets == {}


def test_a_header_taken_off_the_list_or_a_new_host_loses_the_stored_value(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess, memory_keyring: MemoryKeyring
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    secret = ("kitdesk", f"{provider_id}/header/x-api-key")

    def update(**fields: object) -> None:
        answer = live_server.client.put(f"/api/providers/{provider_id}", json=fields)
        assert answer.status_code == 200, answer.text

    update(name="Agent", base_url=chatkit_server.url, headers=[HEADER[0], "X-Team"])
    assert memory_keyring.secrets == {secret: HEADER[1]}  # a kept name keeps its value
    update(name="Agent", base_url=chatkit_server.url, headers=["X-Team"])
    assert memory_keyring.secrets == {}
    update(name="Agent", base_url=chatkit_server.url, headers=[HEADER[0]])
    live_server.client.put(
        f"/api/providers/{provider_id}/headers/{HEADER[0]}", json={"value": HEADER[1]}
    )
    update(name="Agent", base_url="http://127.0.0.2:9/chatkit", headers=[HEADER[0]])
    assert memory_keyring.secrets == {}


def test_an_unsaved_form_is_tested_with_the_headers_typed_into_it(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    def test(**body: object) -> dict[str, object]:
        answer = live_server.client.post(
            "/api/providers/test", json={"kind": "chatkit", "base_url": chatkit_server.url, **body}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    refused = test()
    assert refused["ok"] is False
    assert "refused the request (HTTP 401)" in str(refused["message"])
    assert test(headers={HEADER[0]: HEADER[1]})["ok"] is True
    assert test(headers={HEADER[0]: "wrong"})["ok"] is False
    # Editing a saved provider: its stored value is used for a name left out.
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    assert test(provider_id=provider_id)["ok"] is True
    bad_name = live_server.client.post(
        "/api/providers/test",
        json={"kind": "chatkit", "base_url": chatkit_server.url, "headers": {"X Key": "v"}},
    )
    assert bad_name.status_code == 422
    assert bad_name.json()["error"]["message"] == (
        "“X Key” is not a header name (letters, digits and dashes only)."
    )


def test_a_local_conversation_cannot_switch_to_a_chatkit_server(
    live_chat: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_chat, chatkit_server.url, header_value=HEADER[1])
    events = live_chat.stream("threads.create", input=user_input("Hi", "environment::gpt-test"))
    thread_id = next(e for e in events if isinstance(e, ThreadCreatedEvent)).thread.id
    switched = live_chat.stream(
        "threads.add_user_message",
        thread_id=thread_id,
        input=user_input("hello", f"{provider_id}::default"),
    )
    assert the_error(switched).message == (
        "“Agent” is a ChatKit server: it answers only in conversations started on it. "
        "Start a new chat with it, or pick another model here."
    )


def test_a_new_thread_reaches_the_server_without_kitdesks_model_ref_and_otherwise_as_sent() -> None:
    message = {
        **user_input("hello"),
        "inference_options": {"model": "agent::default", "tool_choice": {"id": "search"}},
        "quoted_text": "q",
    }
    sent = {"type": "threads.create", "params": {"input": message}}
    body = json.dumps(sent).encode()
    relayed = json.loads(without_model_ref(body, json.loads(body)))
    assert relayed["params"]["input"] == {
        **message,
        "inference_options": {"tool_choice": {"id": "search"}},
    }
    assert json.loads(body) == sent  # the request itself is left as it was
    # Nothing to take out: the very bytes the window sent go on.
    plain = json.dumps({"type": "threads.create", "params": {"input": user_input("hi")}}).encode()
    assert without_model_ref(plain, json.loads(plain)) is plain
