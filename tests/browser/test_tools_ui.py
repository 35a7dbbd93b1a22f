"""Tools in the chat as a person sees them, in Chromium against a real server.

A real ``kitdesk serve``, the fake upstream scripting tool calls, and the real
stdio test MCP server (tests/mcp_servers) started by Kitdesk as a process. With
the server's approval set to "ask", a call shows an approval card (tool, server,
arguments) whose buttons answer it: *Allow once* runs the tool and the answer
goes on, *Always allow this tool* lets later calls run without a card, *Deny*
tells the model the call was refused. Every call shows as a collapsed activity
item (tool, arguments, result, duration). Reasoning, from ``reasoning_content``,
inline ``<think>`` text or a Responses reasoning summary, shows as a collapsed
"Thought for …" section and stays out of the answer text.

With KITDESK_UPDATE_DOCS=1 the approval and activity screenshots also replace
docs/tools-approval.png and docs/tools-activity.png (the README's).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.chat import (
    assistant_messages,
    open_chat,
    send,
    thread_items,
    threads,
    wait_until_answered,
)
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.browser.test_web_search_and_effort import add_openai_provider
from tests.mcp_servers import stdio_launch
from tests.upstream import ToolCall, Turn, Upstream

pytestmark = pytest.mark.browser

LONG = 90_000  # a tool call starts a Python MCP server on a shared machine: wait generously
DOCS = Path(__file__).resolve().parents[2] / "docs"
ECHO = "test-tools__echo"  # the test server's echo tool, as Kitdesk offers it to the model
DENIED = "Error: The person denied this tool call. It was not run."


def add_test_tools(server: KitdeskServer, approval: str) -> None:
    """The stdio test MCP server, named "Test tools" (id ``test-tools``)."""
    launch = stdio_launch()
    server.api(
        "POST",
        "/api/mcp/servers",
        {
            "name": "Test tools",
            "command": launch.command,
            "args": launch.args,
            "env": launch.env,
            "approval": approval,
        },
    )


def tool_outputs(body: dict[str, Any]) -> list[str]:
    """The tool results a Chat Completions request sent back to the model."""
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def echo_cards(page: Page) -> Locator:
    """Cards about the echo tool (their heading names the tool and its server)."""
    heading = page.get_by_role("heading", name="Allow echo (Test tools)?")
    return page.locator("openai-chatkit .ck-w-card").filter(has=heading)


def approval_card(page: Page) -> Locator:
    """The card waiting for an answer."""
    return echo_cards(page).filter(has=page.get_by_role("button", name="Allow once"))


def decided_card(page: Page, decision: str) -> Locator:
    """An answered card: still showing what was asked, with the decision in words."""
    return echo_cards(page).filter(has_text=decision)


def approval_buttons(page: Page) -> Locator:
    names = re.compile(r"^(Allow once|Always allow this tool|Deny)$")
    return page.locator("openai-chatkit").get_by_role("button", name=names)


def chat_text(page: Page) -> str:
    return " ".join(assistant_messages(page).all_inner_texts())


def wait_for_answer_text(page: Page, text: str) -> None:
    expect(assistant_messages(page).filter(has_text=text)).to_have_count(1, timeout=LONG)
    expect(page.locator("openai-chatkit .ck-assistant[aria-busy]")).to_have_count(0, timeout=LONG)


def save_docs_copy(shot: Path, name: str) -> None:
    if os.environ.get("KITDESK_UPDATE_DOCS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / name)


def script_echo_then(upstream: Upstream, text: str, answer: str) -> None:
    upstream.script(
        Turn(text="Let me ask the tool.", tool_calls=[ToolCall(ECHO, f'{{"text": "{text}"}}')]),
        Turn(text=answer),
    )


def test_allow_once_runs_the_tool_and_the_card_keeps_the_decision(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_test_tools(ready_server, "ask")
    script_echo_then(upstream, "hello from the card", "The tool said hello.")
    open_chat(page, ready_server)
    send(page, "Use the echo tool")

    card = approval_card(page)
    expect(card).to_be_visible(timeout=LONG)
    expect(card).to_contain_text("Test tools")  # the server
    expect(card).to_contain_text('"text": "hello from the card"')  # the arguments
    expect(approval_buttons(page)).to_have_count(3)
    # The turn waits for the person: one model request so far, no answer after the card.
    assert len(upstream.chat_requests) == 1
    assert "The tool said hello." not in chat_text(page)
    shot = screenshot(page, "tools-approval")
    save_docs_copy(shot, "tools-approval.png")

    card.get_by_role("button", name="Allow once").click()
    wait_for_answer_text(page, "The tool said hello.")
    first, second = upstream.chat_requests
    assert tool_outputs(first.json) == []
    assert tool_outputs(second.json) == ["hello from the card"]  # the real tool's answer
    expect(decided_card(page, "Allowed once.")).to_contain_text('"text": "hello from the card"')
    expect(approval_buttons(page)).to_have_count(0)

    # Stored in the thread: after a reload the card still shows the decision.
    page.reload()
    expect(decided_card(page, "Allowed once.")).to_be_visible(timeout=LONG)
    expect(decided_card(page, "Allowed once.")).to_contain_text("Test tools")
    expect(approval_buttons(page)).to_have_count(0)
    # Once is not always: the next call of the tool asks again.
    script_echo_then(upstream, "and again", "Unused.")
    send(page, "Echo again")
    expect(approval_card(page)).to_be_visible(timeout=LONG)
    expect(approval_buttons(page)).to_have_count(3)
    assert page_errors.errors == []


def test_always_allow_lets_later_calls_of_the_tool_run_without_a_card(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_test_tools(ready_server, "ask")
    script_echo_then(upstream, "first call", "First answer.")
    open_chat(page, ready_server)
    send(page, "Echo once")
    card = approval_card(page)
    expect(card).to_be_visible(timeout=LONG)
    card.get_by_role("button", name="Always allow this tool").click()
    wait_for_answer_text(page, "First answer.")
    expect(decided_card(page, "Allowed; this tool will run without asking")).to_be_visible()

    script_echo_then(upstream, "second call", "Second answer.")
    send(page, "Echo again")
    wait_for_answer_text(page, "Second answer.")
    # No new card: the one card is the answered one, and no buttons are waiting.
    expect(page.locator("openai-chatkit .ck-w-card")).to_have_count(1)
    expect(approval_buttons(page)).to_have_count(0)
    requests = upstream.chat_requests
    assert len(requests) == 4
    assert tool_outputs(requests[3].json) == ["first call", "second call"]
    assert page_errors.errors == []


def test_deny_tells_the_model_and_runs_nothing(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_test_tools(ready_server, "ask")
    script_echo_then(upstream, "should not run", "Fine, I will answer without it.")
    open_chat(page, ready_server)
    send(page, "Echo something")
    card = approval_card(page)
    expect(card).to_be_visible(timeout=LONG)
    card.get_by_role("button", name="Deny").click()
    wait_for_answer_text(page, "Fine, I will answer without it.")
    expect(decided_card(page, "Denied. The model was told the tool was not run.")).to_be_visible()

    second = upstream.chat_requests[1]
    assert tool_outputs(second.json) == [DENIED]  # not the tool's "should not run"
    [thread] = threads(ready_server)
    calls = [i for i in thread_items(ready_server, thread["id"]) if i["type"] == "client_tool_call"]
    assert [(c["name"], c["output"]) for c in calls] == [(ECHO, DENIED)]
    assert page_errors.errors == []


def test_a_new_message_retires_an_unanswered_card(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_test_tools(ready_server, "ask")
    upstream.script(Turn(tool_calls=[ToolCall(ECHO, '{"text": "never run"}')]))
    open_chat(page, ready_server)
    send(page, "Echo something")
    expect(approval_card(page)).to_be_visible(timeout=LONG)

    upstream.script(Turn(text="Answered without the tool."))
    send(page, "Never mind, just answer")
    wait_for_answer_text(page, "Answered without the tool.")
    # The old card no longer offers buttons that could only fail; it says why.
    expect(approval_buttons(page)).to_have_count(0, timeout=LONG)
    expect(decided_card(page, "Not answered: a newer message came first.")).to_be_visible()
    page.reload()
    expect(decided_card(page, "Not answered: a newer message came first.")).to_be_visible(
        timeout=LONG
    )
    expect(approval_buttons(page)).to_have_count(0)
    [thread] = threads(ready_server)
    calls = [i for i in thread_items(ready_server, thread["id"]) if i["type"] == "client_tool_call"]
    assert calls == []  # nothing ran
    assert page_errors.errors == []


def test_the_activity_item_is_collapsed_and_shows_tool_arguments_result_and_duration(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_test_tools(ready_server, "allow")
    upstream.script(
        Turn(tool_calls=[ToolCall("test-tools__add", '{"a": 2, "b": 40}')]),
        Turn(text="Two and forty make 42."),
    )
    open_chat(page, ready_server)
    send(page, "Add 2 and 40")
    wait_for_answer_text(page, "Two and forty make 42.")
    expect(approval_buttons(page)).to_have_count(0)  # "allow": no card
    # The activity item describes the call; no extra line with the internal tool name.
    expect(page.locator("openai-chatkit").get_by_text("test-tools__add")).to_have_count(0)

    activity = page.locator("openai-chatkit").get_by_role("button", name="Used 1 tool")
    expect(activity).to_have_attribute("aria-expanded", "false")
    tasks = page.locator("openai-chatkit .ck-workflow-tasks")
    expect(tasks).to_have_count(0)
    activity.click()
    expect(activity).to_have_attribute("aria-expanded", "true")
    expect(tasks).to_have_count(1)
    expect(tasks).to_contain_text("add (Test tools)")  # the tool and its server
    # The arguments, then the result, each in its own code block.
    expect(tasks.get_by_role("code")).to_have_text(['{ "a": 2, "b": 40 }', "42"])
    expect(tasks.get_by_text(re.compile(r"^Result \(done, \d+\.\d s\)$"))).to_have_count(
        1
    )  # duration
    shot = screenshot(page, "tools-activity")
    save_docs_copy(shot, "tools-activity.png")
    assert tool_outputs(upstream.chat_requests[1].json) == ["42"]
    assert page_errors.errors == []


REASONING = "The capital of France is Paris, says the atlas."


@pytest.mark.parametrize("source", ["reasoning_content", "think", "responses"])
def test_reasoning_shows_as_a_collapsed_thought_section_out_of_the_answer(
    source: str,
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
) -> None:
    if source == "think":  # inline, split mid-tag as streams do
        upstream.script(
            Turn(chunks=["<thi", f"nk>{REASONING[:20]}", f"{REASONING[20:]}</th", "ink>\n\nParis."])
        )
    else:
        upstream.script(Turn(text="Paris.", reasoning_summary=REASONING))
    if source == "responses":
        add_openai_provider(ready_server, upstream)
    open_chat(page, ready_server)
    send(page, "What is the capital of France?")
    wait_until_answered(page, 1)

    section = page.locator("openai-chatkit").get_by_role(
        "button", name=re.compile(r"^Thought for \d+ seconds?$")
    )
    expect(section).to_have_count(1, timeout=LONG)
    expect(section).to_have_attribute("aria-expanded", "false")
    expect(page.locator("openai-chatkit").get_by_text(REASONING)).to_have_count(0)
    answer = assistant_messages(page).first.get_by_role("paragraph")
    expect(answer).to_have_text("Paris.")  # one paragraph, the answer alone
    section.click()
    expect(section).to_have_attribute("aria-expanded", "true")
    expect(page.locator("openai-chatkit .ck-workflow-tasks")).to_have_text(REASONING)
    expect(answer).to_have_text("Paris.")
    # Stored the same way: the answer item holds only the answer.
    [thread] = threads(ready_server)
    items = thread_items(ready_server, thread["id"])
    texts = [
        "".join(p["text"] for p in i["content"]) for i in items if i["type"] == "assistant_message"
    ]
    assert texts == ["Paris."]
    assert page_errors.errors == []
