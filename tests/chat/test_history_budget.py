"""History sent to a provider has a budget (kitdesk/chat/budget.py).

Through a real server and the fake upstream: the upstream records what it
received, for both wire APIs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kitdesk.chat.budget import fit_history, split_turns
from kitdesk.paths import Paths

from tests.responder_harness import SYSTEM_PROMPT, Kitdesk, kitdesk_fixture, sent_messages
from tests.upstream import Turn, Upstream

# About 2,000 characters; each message below is about 1,200.
BUDGET = 500


@pytest.fixture(params=["openai", "custom"])  # Responses, Chat Completions
def kitdesk(
    kitdesk_home: Paths, upstream: Upstream, request: pytest.FixtureRequest
) -> Iterator[Kitdesk]:
    yield from kitdesk_fixture(
        kitdesk_home, upstream, kind=request.param, history_token_budget=BUDGET
    )


def long_message(label: str) -> str:
    return f"{label}: " + "word " * 240


def test_the_oldest_turns_are_left_out_and_the_system_prompt_and_latest_kept(
    kitdesk: Kitdesk,
) -> None:
    kitdesk.upstream.script(Turn(text="first answer"), Turn(text="second answer"), Turn(text="ok"))
    thread_id = kitdesk.send(long_message("one")).thread_id
    kitdesk.send(long_message("two"), thread_id)
    latest = long_message("three")
    kitdesk.send(latest, thread_id)
    sent = sent_messages(kitdesk.upstream.chat_requests[-1].json)
    assert sent[0] == ("system", SYSTEM_PROMPT)
    assert sent[-1] == ("user", latest)
    texts = [text for _, text in sent]
    assert not any(text.startswith("one:") for text in texts)  # the oldest turn went first
    assert "first answer" not in texts


def test_a_latest_message_over_the_budget_is_still_sent_whole(kitdesk: Kitdesk) -> None:
    kitdesk.upstream.script(Turn(text="ok"))
    huge = "x" * 10_000
    kitdesk.send(huge)
    sent = sent_messages(kitdesk.upstream.chat_requests[-1].json)
    assert sent[0] == ("system", SYSTEM_PROMPT)
    assert sent[-1] == ("user", huge)


def test_a_tool_call_stays_with_its_output_and_history_starts_with_a_user_message() -> None:
    def user(text: str) -> dict[str, object]:
        return {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }

    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    output = {"type": "function_call_output", "call_id": "c1", "output": "y" * 4000}
    items = [user("old"), call, output, user("new")]
    assert split_turns(items) == [[user("old"), call, output], [user("new")]]
    assert fit_history(items, 200, None) == [user("new")]
    assert fit_history(items, 100_000, "prompt") == items
