"""The responder over real HTTP: every provider path, history, model choice, titles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from chatkit.types import (
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ThreadItemUpdatedEvent,
    ThreadUpdatedEvent,
    UserMessageItem,
)
from kitdesk.paths import Paths

from tests.responder_harness import (
    API_KEY,
    PROVIDER_KINDS,
    SYSTEM_PROMPT,
    Answer,
    Kitdesk,
    kitdesk_fixture,
    provider_for,
    sent_messages,
    start_kitdesk,
)
from tests.upstream import Turn, Upstream


@pytest.fixture
def kitdesk(kitdesk_home: Paths, upstream: Upstream) -> Iterator[Kitdesk]:
    yield from kitdesk_fixture(kitdesk_home, upstream)


@pytest.mark.parametrize("kind", sorted(PROVIDER_KINDS))
def test_every_provider_path_over_three_turns(
    kitdesk_home: Paths, upstream: Upstream, kind: str
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind=kind)
    try:
        first = app.send("hello one")
        thread_id = first.thread_id
        second = app.send("hello two", thread_id)
        third = app.send("hello three", thread_id)
    finally:
        app.close()

    assert [a.text for a in (first, second, third)] == [
        "Echo: hello one",
        "Echo: hello two",
        "Echo: hello three",
    ]
    assert all(not a.errors for a in (first, second, third))
    requests = upstream.chat_requests
    assert len(requests) == 3
    expected_path = "/v1/responses" if kind == "openai" else "/v1/chat/completions"
    assert {r.path for r in requests} == {expected_path}
    assert {r.model for r in requests} == {"gpt-test"}
    assert all(r.stream for r in requests)
    assert sent_messages(requests[2].json) == [
        ("system", SYSTEM_PROMPT),
        ("user", "hello one"),
        ("assistant", "Echo: hello one"),
        ("user", "hello two"),
        ("assistant", "Echo: hello two"),
        ("user", "hello three"),
    ]
    if PROVIDER_KINDS[kind]:
        assert requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    if kind == "azure":
        assert requests[0].query == {"api-version": "preview"}
        assert requests[0].headers["api-key"] == API_KEY
    # Each answer is its own stored item: no __fake_id__ overwrites.
    ids = [item.id for answer in (first, second, third) for item in answer.assistant]
    assert len(set(ids)) == 3 and "__fake_id__" not in ids


def test_stored_thread_alternates_user_and_assistant(kitdesk: Kitdesk) -> None:
    thread_id = kitdesk.send("one").thread_id
    kitdesk.send("two", thread_id)
    items = kitdesk.items(thread_id)
    assert [type(i).__name__ for i in items] == [
        "UserMessageItem",
        "AssistantMessageItem",
        "UserMessageItem",
        "AssistantMessageItem",
    ]
    answers = [i for i in items if isinstance(i, AssistantMessageItem)]
    assert [a.content[0].text for a in answers] == ["Echo: one", "Echo: two"]


def text_deltas(answer: Answer) -> list[str]:
    return [
        e.update.delta
        for e in answer.events
        if isinstance(e, ThreadItemUpdatedEvent)
        and isinstance(e.update, AssistantMessageContentPartTextDelta)
    ]


def test_deltas_are_streamed_to_the_client_as_they_come(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(chunks=["Hel", "lo", " there"], delay_between=0.05))
    answer = kitdesk.send("hi")
    assert text_deltas(answer) == ["Hel", "lo", " there"]
    assert answer.text == "Hello there"


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_a_burst_of_deltas_is_relayed_in_fewer_events(
    kitdesk_home: Paths, upstream: Upstream, kind: str
) -> None:
    words = [f"w{i} " for i in range(500)]
    app = start_kitdesk(kitdesk_home, upstream, kind=kind)
    try:
        upstream.script(Turn(chunks=words))  # sent back to back, many per socket write
        answer = app.send("go")
    finally:
        app.close()
    deltas = text_deltas(answer)
    assert "".join(deltas) == "".join(words) == answer.text
    assert len(deltas) < len(words)


async def test_model_choice_composer_then_thread_then_default(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    local = provider_for("ollama", upstream.base_url, model="llama-default")
    app = start_kitdesk(kitdesk_home, upstream, extra=[local])
    try:
        first = app.send("a")  # default: openai::gpt-test
        thread_id = first.thread_id
        app.send("b", thread_id, model="ollama::llama3.2:latest")
        app.send("c", thread_id)  # the thread's last model
        app.send("d", thread_id, model="gpt-test-mini")  # bare model: default provider
        other = app.send("e")  # a new thread starts on the default again
        thread = await app.store.load_thread(thread_id, context=None)  # type: ignore[arg-type]
    finally:
        app.close()
    routed = [(r.path, r.model) for r in upstream.chat_requests]
    assert routed == [
        ("/v1/responses", "gpt-test"),
        ("/v1/chat/completions", "llama3.2:latest"),
        ("/v1/chat/completions", "llama3.2:latest"),
        ("/v1/responses", "gpt-test-mini"),
        ("/v1/responses", "gpt-test"),
    ]
    assert thread.metadata["model"] == "openai::gpt-test-mini"
    assert not other.errors


def test_temperature_sent_only_when_set(kitdesk: Kitdesk) -> None:
    kitdesk.send("no temperature")
    kitdesk.update_settings(temperature=0.3, system_prompt="Answer in French.")
    kitdesk.send("with temperature")
    first, second = kitdesk.upstream.chat_requests
    assert "temperature" not in first.json
    assert second.json["temperature"] == 0.3
    assert second.json["instructions"] == "Answer in French."


def test_empty_system_prompt_is_not_sent(kitdesk: Kitdesk) -> None:
    kitdesk.update_settings(system_prompt="")
    kitdesk.send("hi")
    assert "instructions" not in kitdesk.upstream.chat_requests[0].json


def test_auto_title_after_first_exchange(kitdesk: Kitdesk) -> None:
    first = kitdesk.send("planning a trip to Lisbon in May")
    assert first.titles[-1] == "Planning A Trip To"
    kitdesk.send("and June?", first.thread_id)
    assert len(kitdesk.upstream.title_requests) == 1
    title_request = kitdesk.upstream.title_requests[0]
    assert title_request.path == "/v1/responses"
    assert not title_request.stream
    assert title_request.json["max_output_tokens"] <= 64
    listed = kitdesk.request("threads.get_by_id", thread_id=first.thread_id).json()
    assert listed["title"] == "Planning A Trip To"


def test_title_is_sanitised(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script_title(
        Turn(
            text='Title: "A very long title that goes on and on about many different things."\nmore'
        )
    )
    answer = kitdesk.send("hello")
    title = answer.titles[-1]
    assert title is not None
    assert "\n" not in title and '"' not in title and not title.startswith("Title")
    assert len(title) <= 60
    assert title.startswith("A very long title")


def test_title_falls_back_to_first_words_when_provider_fails(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script_title(Turn(status=500))
    answer = kitdesk.send("please summarise the quarterly sales figures for the board")
    assert not answer.errors
    assert answer.titles[-1] == "please summarise the quarterly sales figures…"


def test_no_title_when_disabled_or_already_named(kitdesk: Kitdesk) -> None:
    kitdesk.update_settings(auto_title=False)
    answer = kitdesk.send("hello")
    assert all(title is None for title in answer.titles)
    kitdesk.update_settings(auto_title=True)
    kitdesk.request("threads.update", thread_id=answer.thread_id, title="Mine")
    kitdesk.send("again", answer.thread_id)
    assert kitdesk.upstream.title_requests == []


def test_thread_updated_event_carries_the_title(kitdesk: Kitdesk) -> None:
    answer = kitdesk.send("what is a kitdesk")
    updates = [e for e in answer.events if isinstance(e, ThreadUpdatedEvent)]
    assert updates and updates[-1].thread.title == "What Is A Kitdesk"


def test_quoted_text_reaches_the_model(kitdesk: Kitdesk) -> None:
    kitdesk.send("explain this", quoted_text="E = mc^2")
    texts = [text for _, text in sent_messages(kitdesk.upstream.chat_requests[0].json)]
    assert any("E = mc^2" in text for text in texts)


def test_retry_after_item_replaces_the_answer(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(text="first try"), Turn(text="second try"))
    answer = kitdesk.send("question")
    user = next(i for i in kitdesk.items(answer.thread_id) if isinstance(i, UserMessageItem))
    retried = kitdesk.stream(
        "threads.retry_after_item", thread_id=answer.thread_id, item_id=user.id
    )
    assert retried.text == "second try"
    assert sent_messages(kitdesk.upstream.chat_requests[1].json)[1:] == [("user", "question")]
    stored = kitdesk.items(answer.thread_id)
    assert [i.content[0].text for i in stored if isinstance(i, AssistantMessageItem)] == [
        "second try"
    ]


def test_a_new_chat_is_answered_without_reading_the_store(
    kitdesk: Kitdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread was made by the same request: its history is the message itself, so
    the turn does not wait for the reader thread (a later message reads its history)."""
    store = kitdesk.store
    reads: list[str] = []

    def counted(name: str) -> None:
        real = getattr(store, name)

        async def read(*args: object, **kwargs: object) -> object:
            reads.append(name)
            return await real(*args, **kwargs)

        monkeypatch.setattr(store, name, read)

    for name in ("load_thread_items", "folder_of_thread", "load_thread"):
        counted(name)
    answer = kitdesk.send("first words")
    assert answer.text == "Echo: first words"
    assert reads == []
    assert sent_messages(kitdesk.upstream.chat_requests[-1].json)[1:] == [("user", "first words")]

    kitdesk.send("more words", answer.thread_id)
    assert "load_thread_items" in reads and "folder_of_thread" in reads
    assert sent_messages(kitdesk.upstream.chat_requests[-1].json)[1:] == [
        ("user", "first words"),
        ("assistant", "Echo: first words"),
        ("user", "more words"),
    ]
