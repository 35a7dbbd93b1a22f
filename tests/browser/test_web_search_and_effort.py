"""Web search and reasoning effort in the web UI, in Chromium against a real server.

With an OpenAI (Responses API) model picked, the composer's tools menu offers
"Search the web"; chosen, it reaches the provider as the hosted ``web_search``
tool, and the answer's citations show as numbered sources under it. A Chat
Completions model does not offer it. Settings › Models keeps a reasoning effort
per OpenAI model, and "Model default" removes it again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import (
    assistant_messages,
    open_chat,
    send,
    stored_setting,
    wait_for_stored,
    wait_until_answered,
)
from tests.browser.conftest import UPSTREAM_KEY, KitdeskServer, PageErrors, screenshot
from tests.browser.test_settings import open_settings, section
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

LONG = 60_000  # the machine is shared: generous waits, no timing asserted


def add_openai_provider(server: KitdeskServer, upstream: Upstream) -> None:
    """An OpenAI-kind provider (Responses API) on the fake upstream, made the default."""
    server.api(
        "POST",
        "/api/providers",
        {"kind": "openai", "base_url": upstream.base_url, "default_model": "gpt-test"},
    )
    server.api("PUT", "/api/providers/openai/key", {"key": UPSTREAM_KEY})
    server.api("PUT", "/api/settings", {"default_model": "openai::gpt-test"})


def tools_menu_entries(page: Page) -> list[str]:
    chat = page.locator("openai-chatkit")
    chat.get_by_role("button", name="Tools").click()
    menu = chat.get_by_role("menu", name="Tools")
    expect(menu).to_be_visible(timeout=LONG)
    entries = menu.get_by_role("menuitemradio").all_inner_texts()
    page.keyboard.press("Escape")
    return [" ".join(entry.split()) for entry in entries]


def test_search_the_web_sends_the_hosted_tool_and_shows_numbered_sources(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_openai_provider(ready_server, upstream)
    upstream.script(
        Turn(
            text="Kitdesk is a desktop chat client.",
            citations=[
                ("https://www.example.org/kitdesk", "Kitdesk home"),
                ("https://docs.example.net/start", "Getting started"),
            ],
        )
    )
    open_chat(page, ready_server)
    chat = page.locator("openai-chatkit")
    picker = chat.get_by_role("button", name=re.compile(r"^Choose model"))
    expect(picker).to_contain_text("gpt-test", timeout=LONG)
    chat.get_by_role("button", name="Tools").click()
    chat.get_by_role("menu", name="Tools").get_by_role(
        "menuitemradio", name="Search the web"
    ).click()
    send(page, "What is Kitdesk?")
    wait_until_answered(page, 1)

    [request] = upstream.chat_requests
    assert request.path.endswith("/responses")
    assert {"type": "web_search"} in request.json["tools"]
    sources = assistant_messages(page).first.get_by_role("group", name="Sources")
    links = sources.get_by_role("link")
    expect(links).to_have_count(2, timeout=LONG)
    expect(links.nth(0)).to_have_attribute("href", "https://www.example.org/kitdesk")
    assert [" ".join(text.split()) for text in links.all_inner_texts()] == [
        "1 Kitdesk home example.org",
        "2 Getting started docs.example.net",
    ]
    screenshot(page, "web-search-sources")
    assert page_errors.errors == []


def test_a_chat_completions_model_does_not_offer_web_search(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    add_openai_provider(ready_server, upstream)
    open_chat(page, ready_server)
    chat = page.locator("openai-chatkit")
    picker = chat.get_by_role("button", name=re.compile(r"^Choose model"))
    expect(picker).to_contain_text("gpt-test", timeout=LONG)
    assert tools_menu_entries(page) == ["Search the web"]

    # The custom provider's model speaks Chat Completions: the entry goes.
    picker.click()
    chat.get_by_role("menuitemradio", name=re.compile("gpt-test-mini.*Test upstream")).click()
    expect(picker).to_contain_text("gpt-test-mini", timeout=LONG)
    expect(chat.get_by_role("button", name="Tools")).to_have_count(0, timeout=LONG)


def test_reasoning_effort_is_kept_per_openai_model(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    add_openai_provider(ready_server, upstream)
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached(timeout=LONG)
    open_settings(page)
    section(page, "Models")
    effort = page.get_by_label("gpt-test-mini (OpenAI)")
    expect(effort).to_have_value("", timeout=LONG)
    # Only the OpenAI provider's models take a choice, not the custom provider's.
    expect(page.get_by_label(re.compile(r"\(Test upstream\)$"))).to_have_count(0)
    effort.select_option(label="High")
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible(timeout=LONG)
    assert ready_server.api("GET", "/api/settings")["reasoning_effort"] == {
        "openai::gpt-test-mini": "high"
    }
    screenshot(page, "settings-reasoning-effort")
    effort.select_option(label="Model default")
    expect(effort).to_have_value("")
    wait_for_stored(stored_setting(ready_server, "reasoning_effort"), {}, timeout=LONG / 1000)
    assert page_errors.errors == []
