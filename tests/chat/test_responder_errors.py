"""Upstream failures become one readable error event; nothing leaks, partial answers stay."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator

import pytest
from chatkit.types import AssistantMessageItem, SDKHiddenContextItem, ThreadItem
from kitdesk.chat.context import RequestContext
from kitdesk.logs import setup_logging
from kitdesk.paths import Paths
from kitdesk.providers.clients import ClientCache
from kitdesk.settings import Provider

from tests.responder_harness import (
    API_KEY,
    Answer,
    Kitdesk,
    kitdesk_fixture,
    sent_messages,
    start_kitdesk,
)
from tests.upstream import Turn, Upstream


@pytest.fixture
def kitdesk(kitdesk_home: Paths, upstream: Upstream) -> Iterator[Kitdesk]:
    yield from kitdesk_fixture(kitdesk_home, upstream)


@pytest.fixture
def log_file(kitdesk_home: Paths) -> Iterator[Paths]:
    setup_logging(kitdesk_home.log_file, level=logging.DEBUG)
    yield kitdesk_home
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kitdesk", False):
            root.removeHandler(handler)
            handler.close()


def only_error(answer: Answer) -> tuple[str, bool]:
    assert len(answer.errors) == 1, answer.events
    error = answer.errors[0]
    assert error.code == "custom"
    assert error.message is not None
    return error.message, error.allow_retry


@pytest.mark.parametrize(
    ("turn", "expected", "retry"),
    [
        (Turn(status=401), "Test openai rejected the API key", False),
        (Turn(status=403), "no access to the model “gpt-test”", False),
        (Turn(status=404), "does not know the model “gpt-test”", False),
        (Turn(status=429, retry_after="20"), "Try again in 20 seconds", True),
        (Turn(status=429), "rate limiting", True),
        (Turn(status=500), "had a problem answering (error 500)", True),
        (Turn(status=503), "had a problem answering (error 503)", True),
        (
            Turn(status=400, error_message="max_tokens is too large"),
            "max_tokens is too large",
            False,
        ),
        (Turn(malformed=True, text="a b c"), "could not read", True),
    ],
)
def test_upstream_errors_become_readable_events(
    kitdesk: Kitdesk, turn: Turn, expected: str, retry: bool
) -> None:
    kitdesk.upstream.script(turn)
    answer = kitdesk.send("hello")
    message, allow_retry = only_error(answer)
    assert expected in message
    assert allow_retry is retry
    assert "Traceback" not in message and API_KEY not in message


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_a_refusal_is_shown_as_the_answer(
    kitdesk_home: Paths, upstream: Upstream, kind: str
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind=kind)
    try:
        upstream.script(Turn(text="I can't help with that.", refusal=True))
        answer = app.send("something bad")
    finally:
        app.close()
    assert not answer.errors
    assert answer.text == "I can't help with that."


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_an_empty_answer_is_reported(kitdesk_home: Paths, upstream: Upstream, kind: str) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind=kind)
    try:
        upstream.script(Turn(chunks=[]))
        answer = app.send("hello")
    finally:
        app.close()
    message, retry = only_error(answer)
    assert message.startswith(f"Test {kind} sent back an empty answer.")
    assert retry
    # No model title for a failed exchange, but the thread is named after the user's words.
    assert answer.titles[-1] == "hello"


@pytest.mark.parametrize(
    "turn",
    [Turn(status=401), Turn(status=500), Turn(text="one two three", disconnect_after=1)],
    ids=["rejected-key", "provider-error", "cut-off"],
)
def test_a_failed_first_exchange_still_names_the_thread(kitdesk: Kitdesk, turn: Turn) -> None:
    kitdesk.upstream.script(turn)
    answer = kitdesk.send("plan a weekend in the mountains with friends please")
    assert answer.errors
    listed = kitdesk.request("threads.list").json()["data"][0]
    assert listed["title"] == "plan a weekend in the mountains…"


def test_rate_limit_with_http_date(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(status=429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT"))
    message, retry = only_error(kitdesk.send("hello"))
    assert "rate limiting" in message and retry


def test_quota_exhausted_is_not_retryable(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(status=429, error_message="You exceeded your current quota"))
    # The fake sends code rate_limit_exceeded; a real quota error says insufficient_quota.
    _, retry = only_error(kitdesk.send("hello"))
    assert retry


def test_missing_key_says_what_to_do(kitdesk: Kitdesk) -> None:
    kitdesk.chat_server.engine.keys.delete("openai")  # as Settings › Remove key does
    message, retry = only_error(kitdesk.send("hello"))
    assert message == "There is no API key for “Test openai”. Add one in Settings."
    assert retry  # once a key is added, retrying works
    assert kitdesk.upstream.chat_requests == []


def test_cannot_connect_names_the_base_url(kitdesk_home: Paths, upstream: Upstream) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    dead = Provider(
        id="dead",
        name="Dead server",
        kind="ollama",
        base_url=f"http://127.0.0.1:{closed_port}/v1",
        default_model="llama",
    )
    app = start_kitdesk(kitdesk_home, upstream, extra=[dead])
    try:
        answer = app.send("hello", model="dead::llama")
    finally:
        app.close()
    message, retry = only_error(answer)
    assert f"could not connect to Dead server at http://127.0.0.1:{closed_port}/v1" in message
    assert retry


def test_timeout(kitdesk: Kitdesk) -> None:
    kitdesk.chat_server.engine.clients = ClientCache(read_timeout=0.5, connect_timeout=2)
    kitdesk.upstream.script(Turn(delay_before=2))
    message, retry = only_error(kitdesk.send("hello"))
    assert "took too long to answer" in message and retry


def test_stream_cut_mid_answer_keeps_the_partial_answer(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(text="one two three four five six", disconnect_after=3))
    answer = kitdesk.send("count")
    message, retry = only_error(answer)
    assert "dropped in the middle of the answer" in message and "partial answer was kept" in message
    assert retry
    stored = [i for i in kitdesk.items(answer.thread_id) if isinstance(i, AssistantMessageItem)]
    assert len(stored) == 1
    text = stored[0].content[0].text
    assert text.startswith("one two three ")
    assert "The answer was cut off" in text
    # The next turn sends the kept partial answer as history.
    kitdesk.send("go on", answer.thread_id)
    history = sent_messages(kitdesk.upstream.chat_requests[-1].json)
    assert history[2][0] == "assistant" and history[2][1].startswith("one two three")


@pytest.mark.parametrize("kind", ["openai", "openrouter"])
def test_provider_error_mid_stream_keeps_the_partial_answer(
    kitdesk_home: Paths, upstream: Upstream, kind: str
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind=kind)
    try:
        upstream.script(
            Turn(text="alpha beta gamma delta", fail_after=2, error_message="Overloaded")
        )
        answer = app.send("go")
        stored = [i for i in app.items(answer.thread_id) if isinstance(i, AssistantMessageItem)]
    finally:
        app.close()
    message, retry = only_error(answer)
    assert message.startswith(f"Test {kind} reported an error while answering: Overloaded")
    assert "partial answer was kept" in message and retry
    assert len(stored) == 1 and stored[0].content[0].text.startswith("alpha beta ")
    assert "The answer was cut off before Test" in stored[0].content[0].text


def test_cancel_keeps_the_partial_answer(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(chunks=[f"w{i} " for i in range(200)], delay_between=0.02))
    body = {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": "long"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
    thread_id = None
    deltas = 0
    with kitdesk.client.stream("POST", "/chatkit", json=body) as response:
        for line in response.iter_lines():
            if '"thread.created"' in line:
                thread_id = line.split('"id":"', 1)[1].split('"', 1)[0]
            if "text_delta" in line:
                deltas += 1
                if deltas == 5:
                    break  # closing the response aborts the request, like the UI's stop button
    assert thread_id is not None
    stored = wait_for_items(kitdesk, thread_id, count=3)  # user, partial answer, hidden note
    answers = [i for i in stored if isinstance(i, AssistantMessageItem)]
    assert len(answers) == 1
    text = answers[0].content[0].text
    assert text.startswith("w0 w1 w2 w3 w4") and not text.rstrip().endswith("w199")
    assert isinstance(stored[-1], SDKHiddenContextItem)
    # The hidden "cancelled" note is stored (for the model) but not listed (for the UI).
    assert not any(isinstance(i, SDKHiddenContextItem) for i in kitdesk.items(thread_id))
    kitdesk.send("next", thread_id)
    texts = [text for _, text in sent_messages(kitdesk.upstream.chat_requests[-1].json)]
    assert any("The user cancelled the stream" in text for text in texts)


def wait_for_items(kitdesk: Kitdesk, thread_id: str, count: int) -> list[ThreadItem]:
    """The stored items (hidden ones included) once there are ``count`` of them."""
    for _ in range(200):
        page = asyncio.run(
            kitdesk.store.load_thread_items(thread_id, None, 100, "asc", RequestContext(origin=""))
        )
        if len(page.data) >= count:
            return page.data
        time.sleep(0.02)
    raise AssertionError(f"thread {thread_id} never reached {count} items")


def test_no_key_in_any_stream_byte_or_log_line(log_file: Paths, upstream: Upstream) -> None:
    app = start_kitdesk(log_file, upstream)
    raw = b""
    try:
        for turn in (
            Turn(status=401, error_message=f"Incorrect API key provided: {API_KEY}"),
            Turn(status=400, error_message=f"Bad request for key {API_KEY}"),
            Turn(status=500),
            Turn(text="a b c d", disconnect_after=2),
            Turn(malformed=True),
            Turn(text="fine"),
        ):
            upstream.script(turn)
            answer = app.send("hello")
            raw += answer.raw
    finally:
        app.close()
    assert b"refused the request (error 400): Bad request for key [key]" in raw
    assert API_KEY.encode() not in raw
    log_text = log_file.log_file.read_text()
    assert "answer from openai (gpt-test) failed" in log_text  # the log did record the failures
    assert API_KEY not in log_text
    assert "Traceback" not in log_text
