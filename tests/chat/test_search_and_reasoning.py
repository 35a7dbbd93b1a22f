"""Web search on the Responses API (citations become numbered sources) and reasoning from
Chat Completions providers that write it inline as <think>…</think>."""

from __future__ import annotations

from typing import Any

from chatkit.types import ThreadItemAddedEvent, ThreadItemDoneEvent, URLSource, WorkflowItem
from kitdesk.paths import Paths

from tests.responder_harness import Kitdesk, start_kitdesk
from tests.upstream import Turn, Upstream


def send_with_tool(app: Kitdesk, text: str, tool: str) -> Any:
    message = {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {"tool_choice": {"id": tool}},
    }
    return app.stream("threads.create", input=message)


def test_web_search_uses_the_hosted_tool_and_keeps_the_sources(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="openai", auto_title=False)
    try:
        upstream.script(
            Turn(
                text="Kitdesk is a chat client.",
                citations=[
                    ("https://example.org/kitdesk", "Kitdesk home"),
                    ("https://example.org/docs", "Docs"),
                    ("https://example.org/kitdesk", "Kitdesk home"),  # the same source twice
                ],
            )
        )
        answer = send_with_tool(app, "what is kitdesk", "web_search")
        stored = app.items(answer.thread_id)
    finally:
        app.close()
    assert answer.errors == []
    assert {"type": "web_search"} in upstream.chat_requests[0].json["tools"]
    sources = [a.source for a in answer.assistant[0].content[0].annotations]
    assert [(s.url, s.title) for s in sources if isinstance(s, URLSource)] == [
        ("https://example.org/kitdesk", "Kitdesk home"),
        ("https://example.org/docs", "Docs"),
    ]
    saved = next(i for i in stored if i.type == "assistant_message")
    assert len(saved.content[0].annotations) == 2  # type: ignore[union-attr]


def test_without_the_toggle_no_search_tool_is_sent(kitdesk_home: Paths, upstream: Upstream) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="openai", auto_title=False)
    try:
        upstream.script(Turn(text="Plain."))
        assert app.send("hello").text == "Plain."
    finally:
        app.close()
    assert "tools" not in upstream.chat_requests[0].json


def test_inline_think_text_becomes_a_reasoning_section(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="ollama")
    try:
        upstream.script_title(Turn(text="Capitals"))
        upstream.script(
            Turn(
                chunks=["<thi", "nk>Paris is the capital", " of France.</th", "ink>\n\nParis", "."]
            )
        )
        answer = app.send("capital of France?")
        stored = app.items(answer.thread_id)
    finally:
        app.close()
    assert answer.text == "Paris."
    added = [e.item for e in answer.events if isinstance(e, ThreadItemAddedEvent)]
    assert isinstance(added[0], WorkflowItem)
    done = [e.item for e in answer.events if isinstance(e, ThreadItemDoneEvent)]
    workflow = next(i for i in done if isinstance(i, WorkflowItem))
    assert workflow.workflow.type == "reasoning"
    assert workflow.workflow.tasks[0].content == "Paris is the capital of France."  # type: ignore[union-attr]
    # Kept out of the answer, the stored text and the title.
    saved = [i for i in stored if i.type == "assistant_message"]
    assert saved[0].content[0].text == "Paris."  # type: ignore[union-attr]
    assert "think" not in (answer.titles[-1] or "").lower()


def test_reasoning_effort_from_settings_reaches_the_provider(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    app = start_kitdesk(
        kitdesk_home,
        upstream,
        kind="openai",
        auto_title=False,
        reasoning_effort={"openai::gpt-test": "high"},
    )
    try:
        upstream.script(Turn(text="Thought hard."), Turn(text="Also."))
        app.send("think")
        app.send("other model", model="openai::gpt-other")
    finally:
        app.close()
    first, second = upstream.chat_requests
    assert first.json["reasoning"]["effort"] == "high"
    assert "effort" not in (second.json.get("reasoning") or {})


def test_chat_completions_asks_for_usage(kitdesk_home: Paths, upstream: Upstream) -> None:
    app = start_kitdesk(kitdesk_home, upstream, kind="ollama", auto_title=False)
    try:
        upstream.script(Turn(text="Counted."))
        app.send("count my tokens")
    finally:
        app.close()
    assert upstream.chat_requests[0].json["stream_options"] == {"include_usage": True}
