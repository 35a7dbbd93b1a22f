"""The official ``@openai/chatkit-react`` bindings drive our ``<openai-chatkit>``.

The app is written only against ``useChatKit``/``<ChatKit>``; these tests check
that options flow from it into our element (and update live), that the
element's DOM events come back to the app's handlers, and that the element's
methods called through the bindings' control work.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import composer, open_chat, send, threads, wait_until_answered
from tests.browser.conftest import KitdeskServer, screenshot
from tests.upstream import Upstream

pytestmark = pytest.mark.browser


def test_options_reach_our_element_through_the_react_bindings(
    page: Page, ready_server: KitdeskServer
) -> None:
    open_chat(page, ready_server)
    # Ours is the registered element (the official runtime would be an iframe from OpenAI's CDN).
    assert page.evaluate(
        """() => {
          const el = document.querySelector('openai-chatkit');
          return el instanceof customElements.get('openai-chatkit')
            && el.shadowRoot.querySelector('.ck-root') !== null
            && el.shadowRoot.querySelector('iframe') === null;
        }"""
    )
    # startScreen, composer and disclaimer options, as the app passed them.
    expect(page.get_by_text("What can I help with?")).to_be_visible()
    suggestions = page.get_by_role("list", name="Suggestions").get_by_role("listitem")
    expect(suggestions).to_have_count(4)
    expect(suggestions.first).to_contain_text("Explain a concept")
    expect(composer(page)).to_have_attribute("placeholder", "Message Kitdesk")
    expect(page.get_by_text("Answers can be wrong. Check anything important.")).to_be_visible()
    # composer.models from GET /api/models, the default one selected.
    picker = page.get_by_role("button", name=re.compile(r"^Choose model"))
    expect(picker).to_contain_text("gpt-test")
    # composer.attachments: the accept list reaches the file input.
    accept = page.locator("openai-chatkit input[type=file]").get_attribute("accept") or ""
    assert "image/*" in accept and "application/pdf" in accept
    screenshot(page, "chat-start")


def test_header_action_callback_and_live_option_updates(
    page: Page, ready_server: KitdeskServer
) -> None:
    open_chat(page, ready_server)
    root = page.locator("openai-chatkit [data-color-scheme]")
    expect(root).to_have_attribute("data-color-scheme", "light")
    # header.rightAction.onClick is a function option: the bindings wrap it, our element calls it.
    page.locator("openai-chatkit header button[aria-label]").filter(
        has=page.locator("svg")
    ).last.wait_for()
    page.get_by_role("button", name=re.compile("settings", re.IGNORECASE)).first.click()
    expect(page.get_by_role("dialog", name="Settings")).to_be_visible()
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name="Appearance"
    ).click()
    page.get_by_role("radio", name="Dark").check()
    # The new theme travels through useChatKit -> setOptions without a reload.
    expect(root).to_have_attribute("data-color-scheme", "dark")


def test_element_events_reach_the_app(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    assert page.evaluate("localStorage.getItem('kitdesk.lastThread')") is None
    send(page, "Remember this thread")
    wait_until_answered(page, 1)
    [thread] = threads(ready_server)
    # chatkit.thread.change -> onThreadChange -> remembered for the next start.
    page.wait_for_function(
        "(id) => localStorage.getItem('kitdesk.lastThread') === id", arg=thread["id"]
    )
    page.reload()
    # initialThread brings it back.
    expect(page.locator("openai-chatkit .ck-user .ck-bubble")).to_have_text(
        ["Remember this thread"]
    )
    # setThreadId(null) through the control (Ctrl+N) fires thread.change with null.
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+n")
    page.wait_for_function("localStorage.getItem('kitdesk.lastThread') === null")


def test_models_and_default_follow_the_settings(page: Page, ready_server: KitdeskServer) -> None:
    open_chat(page, ready_server)
    picker = page.get_by_role("button", name=re.compile(r"^Choose model"))
    expect(picker).to_contain_text("gpt-test")
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Comma")
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name="Models"
    ).click()
    [provider] = ready_server.api("GET", "/api/providers")
    page.get_by_label("Default model").select_option(f"{provider['id']}::gpt-test-mini")
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.keyboard.press("Escape")
    # composer.models was refreshed from /api/models and passed on with the new default.
    expect(picker).to_contain_text("gpt-test-mini")


def test_a_remembered_thread_that_is_gone_opens_a_new_chat(
    page: Page, ready_server: KitdeskServer
) -> None:
    page.add_init_script("localStorage.setItem('kitdesk.lastThread', 'thr_deleted_elsewhere')")
    open_chat(page, ready_server)
    expect(page.get_by_text("What can I help with?")).to_be_visible()
    expect(page.locator("openai-chatkit").get_by_role("alert")).to_have_count(0)
    page.wait_for_function("localStorage.getItem('kitdesk.lastThread') === null")
