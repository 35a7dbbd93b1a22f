"""The turn engine is built while the person writes, not at start and not by the
first answer: typing in a composer, or calling up the quick-ask window, has the
page ask ``POST api/chat/warm`` and the server reports the engine ready before
anything is sent."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.chat import composer, open_chat, threads
from tests.browser.conftest import KitdeskServer, PageErrors

pytestmark = pytest.mark.browser

WARM_PATH = "/api/chat/warm"


def engine_state(server: KitdeskServer) -> str:
    return server.api("GET", "/api/health")["engine"]


def wait_for_engine(server: KitdeskServer, state: str) -> str:
    """The engine's state once it is ``state``, or the last one seen after a minute."""
    seen = engine_state(server)
    deadline = time.monotonic() + 60
    while seen != state and time.monotonic() < deadline:
        time.sleep(0.1)
        seen = engine_state(server)
    return seen


def warm_asks(page: Page) -> list[str]:
    asks: list[str] = []

    def on_request(request: Request) -> None:
        if request.url.endswith(WARM_PATH):
            asks.append(request.method)

    page.on("request", on_request)
    return asks


def test_typing_in_the_composer_builds_the_engine_before_anything_is_sent(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    asks = warm_asks(page)
    open_chat(page, ready_server)
    expect(page.locator("openai-chatkit")).to_be_visible()
    # The page loaded and listed the history: nothing asked for the engine.
    assert asks == []
    assert engine_state(ready_server) == "idle"

    box = composer(page)
    box.click()
    assert asks == []  # focus alone is not a draft
    box.press_sequentially("Hel")
    assert wait_for_engine(ready_server, "ready") == "ready"
    box.press_sequentially("lo there")
    box.fill("")
    box.press_sequentially("Again")
    # One ask for the page, however much is typed; and nothing was sent.
    assert asks == ["POST"]
    assert threads(ready_server) == []
    expect(box).to_have_value("Again")
    assert page_errors.errors == []


def test_calling_up_the_quick_ask_window_builds_the_engine(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    asks = warm_asks(page)
    page.goto(ready_server.url + "#quick")
    expect(composer(page)).to_be_visible()
    # The hidden quick window loads at start: loading it warms nothing.
    assert asks == []
    assert engine_state(ready_server) == "idle"

    # The window shows it (the tray or the hotkey): a new chat, typing next.
    page.evaluate(
        "window.dispatchEvent(new CustomEvent('kitdesk:command', {detail: {action: 'newChat'}}))"
    )
    assert wait_for_engine(ready_server, "ready") == "ready"
    assert asks == ["POST"]
    assert threads(ready_server) == []
    assert page_errors.errors == []
