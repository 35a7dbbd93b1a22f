"""Caps on what a provider may send: an answer's size and one SSE event's size.

The fake upstream streams for real and without end; Kitdesk must stop it,
keep what arrived (marked as cut off), say why in one sentence, and go on
working.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chatkit.types import AssistantMessageItem
from kitdesk.chat.answer import MAX_ANSWER_CHARS
from kitdesk.chat.sse import MAX_EVENT_BYTES, ProviderEventTooLarge, SSEDecoder
from kitdesk.paths import Paths

from tests.responder_harness import Answer, Kitdesk, decode_sse, kitdesk_fixture
from tests.upstream import Turn, Upstream

# Reading more than this from Kitdesk means nothing stopped the provider.
NEVER_CAPPED = 60 * 1024 * 1024


@pytest.fixture
def kitdesk(kitdesk_home: Paths, upstream: Upstream) -> Iterator[Kitdesk]:
    yield from kitdesk_fixture(kitdesk_home, upstream, kind="custom")


def send_bounded(kitdesk: Kitdesk, text: str) -> Answer:
    """Like ``Kitdesk.send``, but fails instead of reading a stream that never ends."""
    message: dict[str, Any] = {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }
    body = {"type": "threads.create", "params": {"input": message}}
    raw = bytearray()
    with kitdesk.client.stream("POST", "/chatkit", json=body) as reply:
        assert reply.status_code == 200
        for chunk in reply.iter_bytes():
            raw += chunk
            assert len(raw) < NEVER_CAPPED, "the endless answer was relayed without a cap"
    return Answer(decode_sse(bytes(raw)), bytes(raw))


def stored_answer(kitdesk: Kitdesk, thread_id: str) -> str:
    items = [i for i in kitdesk.items(thread_id) if isinstance(i, AssistantMessageItem)]
    assert len(items) == 1
    return items[0].content[0].text


def test_an_answer_that_never_ends_is_stopped_at_the_cap_and_kept(kitdesk: Kitdesk) -> None:
    chunk = "0123456789" * 100
    kitdesk.upstream.script(Turn(chunks=[chunk], endless=True))
    answer = send_bounded(kitdesk, "Count for ever")
    assert len(answer.errors) == 1
    message = answer.errors[0].message or ""
    assert f"passed {MAX_ANSWER_CHARS:,} characters" in message
    assert "what arrived was kept" in message
    text = stored_answer(kitdesk, answer.thread_id)
    kept, _, note = text.partition("\n\n*[")
    assert len(kept) == MAX_ANSWER_CHARS
    assert kept == (chunk * (MAX_ANSWER_CHARS // len(chunk) + 1))[:MAX_ANSWER_CHARS]
    assert note.startswith("The answer was cut off")
    # The next turn works.
    kitdesk.upstream.script(Turn(text="Short answer."))
    follow_up = kitdesk.send("Now briefly", answer.thread_id)
    assert follow_up.errors == []
    assert follow_up.text == "Short answer."


def test_a_provider_line_that_never_ends_is_refused_and_the_answer_so_far_kept(
    kitdesk: Kitdesk,
) -> None:
    kitdesk.upstream.script(Turn(chunks=["Hello ", "there"], endless_line=True))
    answer = send_bounded(kitdesk, "Say hello")
    assert len(answer.errors) == 1
    message = answer.errors[0].message or ""
    assert f"larger than {MAX_EVENT_BYTES // (1024 * 1024)} MB" in message
    assert "the partial answer was kept" in message
    assert stored_answer(kitdesk, answer.thread_id).startswith(
        "Hello there\n\n*[The answer was cut"
    )


def test_the_decoder_finds_events_split_across_reads() -> None:
    decoder = SSEDecoder(max_event_bytes=64)
    assert decoder.feed(b'data: {"a"') == []
    assert decoder.feed(b": 1}\n") == []
    assert decoder.feed(b"\ndata: x\r\n\r\ndata: y") == [b'{"a": 1}', b"x"]
    assert decoder.feed(b"\n\n") == [b"y"]


def test_the_decoder_refuses_an_event_past_its_cap() -> None:
    decoder = SSEDecoder(max_event_bytes=64)
    assert decoder.feed(b"data: " + b"a" * 50) == []
    with pytest.raises(ProviderEventTooLarge):
        decoder.feed(b"a" * 50)
    lines = SSEDecoder(max_event_bytes=64)  # many short lines, never a blank one
    with pytest.raises(ProviderEventTooLarge):
        for _ in range(20):
            lines.feed(b"data: aaaa\n")
