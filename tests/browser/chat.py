"""How the browser tests reach into the chat: by role and accessible name where
the element gives one (Playwright's locators pierce its open shadow root)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import KitdeskServer


def composer(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Message", exact=True)


def send(page: Page, text: str) -> None:
    box = composer(page)
    box.fill(text)
    box.press("Enter")


def user_messages(page: Page) -> Locator:
    return page.locator("openai-chatkit .ck-user .ck-bubble")


def assistant_messages(page: Page) -> Locator:
    return page.locator("openai-chatkit .ck-assistant")


def stop_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Stop generating")


def send_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Send message")


# A whole model turn, the first of a server (it builds the chat engine, maybe starts
# an MCP server) on a 2-core machine running the suite on two workers: seconds.
ANSWER_TIMEOUT_MS = 30_000


def wait_until_answered(page: Page, count: int) -> None:
    """Waits for `count` assistant messages and the end of streaming."""
    expect(assistant_messages(page)).to_have_count(count, timeout=ANSWER_TIMEOUT_MS)
    expect(stop_button(page)).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator("openai-chatkit .ck-assistant[aria-busy]")).to_have_count(
        0, timeout=ANSWER_TIMEOUT_MS
    )


def open_chat(page: Page, server: KitdeskServer) -> None:
    page.goto(server.url)
    expect(composer(page)).to_be_visible()


def threads(server: KitdeskServer) -> list[dict[str, Any]]:
    """The stored threads, newest first, through the ChatKit protocol."""
    body = server.api("POST", "/chatkit", {"type": "threads.list", "params": {"limit": 50}})
    return body["data"]


T = TypeVar("T")


def wait_for_stored(read: Callable[[], T], expected: T, timeout: float = 15.0) -> None:
    """Waits until ``read()`` (the server's state) gives ``expected``.

    For controls that show a change at once and save it after (a rename, a setting):
    what is on screen says nothing about what is stored yet."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert value == expected


def stored_titles(server: KitdeskServer) -> Callable[[], set[str]]:
    """Reads the titles of the stored threads (for ``wait_for_stored``)."""
    return lambda: {t["title"] for t in threads(server)}


def stored_setting(server: KitdeskServer, name: str) -> Callable[[], Any]:
    """Reads one setting as the server has it (for ``wait_for_stored``)."""
    return lambda: server.api("GET", "/api/settings")[name]


def thread_items(server: KitdeskServer, thread_id: str) -> list[dict[str, Any]]:
    body = server.api(
        "POST", "/chatkit", {"type": "items.list", "params": {"thread_id": thread_id, "limit": 100}}
    )
    return body["data"]


def item_text(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item.get("content", []))


# The accessible label of the focused element, looking through shadow roots.
FOCUSED_LABEL = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  return el ? (el.getAttribute('aria-label') || el.textContent || el.tagName) : '';
}"""


def focused_label(page: Page) -> str:
    return page.evaluate(FOCUSED_LABEL)


def wait_focused(page: Page, label: str) -> None:
    """Waits until the element labelled `label` has focus (inside the element's shadow root too)."""
    page.wait_for_function(f"(label) => ({FOCUSED_LABEL})() === label", arg=label)


# Sends `question` through the element's own sendUserMessage() (no composer, so no
# editing history either) and resolves once the last answer shows `want` and has
# finished streaming. A function expression: Playwright passes [question, want].
SEND_THROUGH_ELEMENT = """([question, want]) => new Promise((resolve, reject) => {
  const element = document.querySelector('openai-chatkit');
  const root = element.shadowRoot;
  const started = Date.now();
  const done = () => {
    const answers = root.querySelectorAll('.ck-assistant');
    const last = answers[answers.length - 1];
    return !!last && last.textContent.includes(want)
      && !root.querySelector('.ck-assistant[aria-busy]')
      && !root.querySelector('[aria-label="Stop generating"]');
  };
  const poll = () => {
    if (done()) resolve(true);
    else if (Date.now() - started > 60000) reject(new Error('no answer to ' + question));
    else setTimeout(poll, 10);
  };
  element.sendUserMessage({ text: question }).then(poll, reject);
})"""


def send_through_element(page: Page, question: str, want: str) -> None:
    """One turn through the element's API; returns once its answer (showing `want`) is done."""
    page.evaluate(SEND_THROUGH_ELEMENT, [question, want])
