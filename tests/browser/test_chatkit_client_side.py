"""What a ChatKit server asks of the page, end to end through Kitdesk: the built
element package in a plain ``@openai/chatkit-react`` page (webui/element-demo, whose
options handle client tools, client widget actions, effects and entities) talks to
Kitdesk's /chatkit, which relays to the real scripted ChatKit server
(tests/chatkit_server) configured as Kitdesk's default provider.

Covered here: client tool calls (``onClientTool``, the output goes back with
``threads.add_client_tool_output`` and the server answers with it), a widget action
handled by the page (``widgets.onAction``), ``onEffect``, entities (``@`` tag search
through ``entities.onTagSearch``, the tag sent as an ``input_tag``, an entity source's
preview through ``entities.onRequestPreview`` and its click), and the thread item
actions (feedback, retry). And the Kitdesk app's own answers to client tool calls."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.chat import assistant_messages, thread_items, threads
from tests.browser.chat import composer as chat_composer
from tests.browser.chat import send as chat_send
from tests.browser.conftest import KitdeskServer, PageErrors
from tests.browser.test_chatkit_widgets import agent_server, chatkit_server, widgets
from tests.browser.test_element_package import DEMO, serve_demo
from tests.chatkit_server.scripts import CLIENT_TOOL_ARGUMENTS, CLIENT_TOOL_NAME
from tests.conftest import require

pytestmark = pytest.mark.browser
__all__ = ["agent_server", "chatkit_server"]  # fixtures shared with the widget tests


def composer(page: Page) -> Locator:
    """With ``entities.onTagSearch`` the message box is a combobox (it offers ``@`` tags)."""
    return page.get_by_role("combobox", name="Message", exact=True).or_(
        page.get_by_role("textbox", name="Message", exact=True)
    )


def send(page: Page, text: str) -> None:
    box = composer(page)
    box.fill(text)
    box.press("Enter")


def open_demo(page: Page, server: KitdeskServer, *, entities: bool = False) -> None:
    require((DEMO / "index.html").is_file(), "the element package is not built (npm run build)")
    page.goto(server.url)  # the launch URL sets the session cookie
    page.goto(serve_demo(page, server) + ("&entities=1" if entities else ""))
    expect(composer(page)).to_be_visible()


def events(page: Page, name: str) -> list[Any]:
    return page.evaluate(
        "(name) => window.chatkitEvents.filter((e) => e.name === name).map((e) => e.detail)",
        name,
    )


def last_answer_done(page: Page, text: str) -> None:
    expect(assistant_messages(page).last).to_contain_text(text, timeout=30_000)
    expect(page.locator("openai-chatkit .ck-assistant[aria-busy]")).to_have_count(0)


def test_client_tools_client_actions_and_effects_are_the_pages(
    page: Page, agent_server: KitdeskServer, page_errors: PageErrors
) -> None:
    open_demo(page, agent_server)
    send(page, "client tool")
    last_answer_done(page, "The client tool get_selection returned")
    assert events(page, "client.tool") == [
        {"name": CLIENT_TOOL_NAME, "params": CLIENT_TOOL_ARGUMENTS}
    ]
    expect(assistant_messages(page).last).to_contain_text(
        'returned {"chars": 14, "selection": "Selected words"}'
    )

    send(page, "counter")
    widgets(page).last.get_by_role("button", name="Handled by the client").click()
    page.wait_for_function("() => window.chatkitEvents.some((e) => e.name === 'widget.action')")
    [action] = events(page, "widget.action")
    assert (action["type"], action["payload"]) == ("client.highlight", {"count": 0})
    thread = threads(agent_server)[0]
    widget_ids = [
        i["id"] for i in thread_items(agent_server, thread["id"]) if i["type"] == "widget"
    ]
    assert action["item"] in widget_ids

    send(page, "effect")
    last_answer_done(page, "Sent a client effect.")
    assert events(page, "effect") == [{"name": "highlight", "data": {"color": "accent", "ms": 300}}]
    assert page_errors.errors == []


def test_entities_tag_search_previews_and_clicks(page: Page, agent_server: KitdeskServer) -> None:
    open_demo(page, agent_server, entities=True)
    box = composer(page)
    box.fill("Tell me about ")
    box.press_sequentially("@gra")
    option = page.get_by_role("option", name="Grace Hopper")
    expect(option).to_be_visible()
    expect(page.get_by_role("option", name="Ada Lovelace")).to_have_count(0)
    option.click()
    box.press("Enter")
    last_answer_done(page, "You said: Tell me about")
    thread = threads(agent_server)[0]
    [user] = [i for i in thread_items(agent_server, thread["id"]) if i["type"] == "user_message"]
    tags = [part for part in user["content"] if part["type"] == "input_tag"]
    assert [(tag["id"], tag["text"]) for tag in tags] == [("ent_grace", "Grace Hopper")]

    # An entity source the server cites: a preview on hover, the page's handler on click.
    send(page, "sources")
    last_answer_done(page, "An answer with three sources.")
    ada = assistant_messages(page).last.get_by_role("button", name="Ada Lovelace")
    ada.hover()
    expect(page.get_by_role("tooltip")).to_contain_text("Preview of Ada Lovelace")
    ada.click()
    assert events(page, "entity.click") == ["ent_ada"]


def test_feedback_and_retry_go_to_the_server(page: Page, agent_server: KitdeskServer) -> None:
    open_demo(page, agent_server)
    send(page, "hello")
    last_answer_done(page, "Hello from the ChatKit test server.")
    answer = assistant_messages(page).last
    answer.hover()
    good = page.get_by_role("button", name="Good response").last
    with page.expect_response(
        lambda r: r.url.endswith("/chatkit") and "items.feedback" in (r.request.post_data or "")
    ) as feedback:
        good.click()
    assert feedback.value.status == 200
    expect(good).to_have_attribute("aria-pressed", "true")  # kept: the server took it

    first = [i["id"] for i in thread_items(agent_server, threads(agent_server)[0]["id"])]
    answer.hover()
    page.get_by_role("button", name="Retry").last.click()
    last_answer_done(page, "Hello from the ChatKit test server.")
    expect(assistant_messages(page)).to_have_count(1)
    # The server answered again: a new assistant item replaced the first one.
    answers: list[str] = []
    for _ in range(50):
        items = thread_items(agent_server, threads(agent_server)[0]["id"])
        answers = [i["id"] for i in items if i["type"] == "assistant_message"]
        if answers and not set(answers) & set(first):
            break
        page.wait_for_timeout(100)
    assert answers and not set(answers) & set(first)


def client_tool_answer(page: Page, name: str) -> dict[str, Any]:
    """The output the server got for client tool ``name`` (it answers with it as JSON)."""
    lead = f"The client tool {name} returned "
    last_answer_done(page, lead)
    text = assistant_messages(page).last.inner_text()
    return json.loads(text[text.index(lead) + len(lead) :].strip())


def test_the_kitdesk_app_answers_a_servers_client_tools_without_alarming_anyone(
    page: Page, agent_server: KitdeskServer, page_errors: PageErrors
) -> None:
    """The app itself (not the demo page) is the page a ChatKit server's client tool calls
    reach: it answers the tools it has, and any other name with an error the server can
    read and go on from; the person sees the server's answer, no error."""
    page.goto(agent_server.url)
    expect(chat_composer(page)).to_be_visible()
    page.evaluate(
        "() => { window.chatkitErrors = [];"
        " document.querySelector('openai-chatkit').addEventListener('chatkit.error',"
        " (e) => window.chatkitErrors.push(String(e.detail?.error?.message ?? e.detail))); }"
    )
    chat_send(page, "client tool")
    assert client_tool_answer(page, CLIENT_TOOL_NAME) == {
        "error": f"Kitdesk has no client tool named {CLIENT_TOOL_NAME}",
        "available": ["get_current_time"],
    }

    chat_send(page, "client tool get_current_time")
    answer = client_tool_answer(page, "get_current_time")
    zone, language, offset = page.evaluate(
        "() => [Intl.DateTimeFormat().resolvedOptions().timeZone, document.documentElement.lang,"
        " -new Date().getTimezoneOffset()]"
    )
    assert (answer["time_zone"], answer["utc_offset_minutes"]) == (zone, offset)
    assert answer["language"] == language == "en"
    assert datetime.fromisoformat(answer["iso"]).tzinfo is not None

    expect(page.locator("openai-chatkit .ck-toolcall")).to_have_count(2)
    expect(page.locator("openai-chatkit [role=alert]")).to_have_count(0)
    assert page.evaluate("() => window.chatkitErrors") == []
    assert page_errors.errors == []
