"""A turn's tool steps convert only what each step added (kitdesk/chat/history.py).

The converter is given a ``ConvertedPrefix`` that lives through the turn; what it
returns must equal a conversion of the whole history from scratch at every step,
including the one item whose form depends on being last (a quoted passage).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    ThreadItem,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.history import ConvertedPrefix, HistoryConverter, WireApi


async def no_bytes(attachment_id: str) -> bytes:
    raise AssertionError(f"no attachment is read here ({attachment_id})")


def question(text: str, quoted: str | None = None) -> UserMessageItem:
    return UserMessageItem(
        id=f"msg_{text}",
        thread_id="thr_1",
        created_at=datetime.now(),
        content=[UserMessageTextContent(text=text)],
        attachments=[],
        quoted_text=quoted,
        inference_options={},  # type: ignore[arg-type]
    )


def answer(text: str) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=f"ans_{text}",
        thread_id="thr_1",
        created_at=datetime.now(),
        content=[AssistantMessageContent(text=text, annotations=[])],
    )


def tool_call(n: int) -> ClientToolCallItem:
    return ClientToolCallItem(
        id=f"tc_{n}",
        thread_id="thr_1",
        created_at=datetime.now(),
        status="completed",
        call_id=f"call_{n}",
        name="files__read",
        arguments={"path": f"notes-{n}.txt"},
        output=f"contents {n}",
    )


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
async def test_each_step_converts_what_it_added_and_equals_a_whole_conversion(
    api: WireApi,
) -> None:
    converter = HistoryConverter(no_bytes)
    history: list[ThreadItem] = [question("earlier"), answer("sure")]
    history.append(question("now", quoted="the passage in question"))
    converted = ConvertedPrefix(api)
    steps = [[tool_call(1)], [answer("reading"), tool_call(2)], [answer("done")]]

    first = await converter.to_input(history, api, converted)
    assert first == await converter.to_input(history, api)
    assert "the passage in question" in str(first[-1])  # the question is last: quoted
    assert converted.count == 2

    stepped = first
    for added in steps:
        history.extend(added)
        stepped = await converter.to_input(history, api, converted)
        assert stepped == await converter.to_input(history, api)
        assert converted.count == len(history) - 1
    assert "the passage in question" not in str(stepped)  # no longer last: as before
    calls = [entry for entry in stepped if entry.get("type") == "function_call"]
    assert [call["call_id"] for call in calls] == ["call_1", "call_2"]


async def test_a_prefix_kept_for_another_api_is_not_reused() -> None:
    converter = HistoryConverter(no_bytes)
    history: list[ThreadItem] = [question("hello"), tool_call(1), answer("hi")]
    converted = ConvertedPrefix("responses")
    await converter.to_input(history, "responses", converted)

    assert await converter.to_input(history, "chat_completions", converted) == (
        await converter.to_input(history, "chat_completions")
    )
