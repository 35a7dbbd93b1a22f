"""Chatting in the real browser: send, stream, stop, retry, history, models,
attachments, reload, dark theme and a keyboard-only pass."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.chat import (
    assistant_messages,
    composer,
    focused_label,
    item_text,
    open_chat,
    send,
    send_button,
    stop_button,
    stored_titles,
    thread_items,
    threads,
    user_messages,
    wait_focused,
    wait_for_stored,
    wait_until_answered,
)
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

STORY = [f"word{n} " for n in range(60)]


def test_send_stream_stop_and_the_partial_answer_survives_a_reload(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    open_chat(page, ready_server)
    upstream.script(Turn(chunks=STORY, delay_between=0.15))
    send(page, "Tell me a long story")
    expect(user_messages(page)).to_have_text(["Tell me a long story"])

    # It streams: the first words show while Stop is offered.
    answer = assistant_messages(page).last
    expect(answer).to_contain_text("word3")
    expect(stop_button(page)).to_be_visible()
    screenshot(page, "chat-streaming")
    shown_before_stop = answer.inner_text()
    assert "word59" not in shown_before_stop

    stop_button(page).click()
    expect(send_button(page)).to_be_visible()
    expect(stop_button(page)).to_have_count(0)
    partial = answer.inner_text()
    assert "word0" in partial and "word59" not in partial

    page.reload()
    expect(user_messages(page)).to_have_text(["Tell me a long story"])
    reloaded = assistant_messages(page).last
    expect(reloaded).to_contain_text("word3")
    assert "word59" not in reloaded.inner_text()
    [thread] = threads(ready_server)
    stored = [
        i for i in thread_items(ready_server, thread["id"]) if i["type"] == "assistant_message"
    ]
    assert stored and "word0" in item_text(stored[-1]) and "word59" not in item_text(stored[-1])
    assert page_errors.errors == []


def test_retry_replaces_the_answer(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    upstream.script(Turn(text="A first answer."), Turn(text="A second, better answer."))
    send(page, "Say something")
    wait_until_answered(page, 1)
    expect(assistant_messages(page)).to_have_text([re.compile("A first answer.")])

    page.get_by_role("button", name="Retry").last.click()
    expect(assistant_messages(page)).to_have_text([re.compile("A second, better answer.")])
    wait_until_answered(page, 1)
    assert len(upstream.chat_requests) == 2
    [thread] = threads(ready_server)
    answers = [
        i for i in thread_items(ready_server, thread["id"]) if i["type"] == "assistant_message"
    ]
    assert [item_text(a) for a in answers] == ["A second, better answer."]


def test_history_rename_search_and_delete(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    open_chat(page, ready_server)
    send(page, "Apples are crunchy and red")
    wait_until_answered(page, 1)
    page.keyboard.press("Control+n")
    expect(user_messages(page)).to_have_count(0)
    send(page, "Bananas are soft and yellow")
    wait_until_answered(page, 1)

    history = page.get_by_role("navigation", name="Chat history")
    expect(history.get_by_text("Apples Are Crunchy And")).to_be_visible()
    expect(history.get_by_text("Bananas Are Soft And")).to_be_visible()
    screenshot(page, "chat-history")

    # Rename through the row's action (shown on hover).
    history.get_by_text("Apples Are Crunchy And").hover()
    history.get_by_role("button", name="Rename: Apples Are Crunchy And").click()
    title_box = history.get_by_role("textbox", name="New title")
    title_box.fill("Fruit notes")
    title_box.press("Enter")
    expect(history.get_by_text("Fruit notes")).to_be_visible()
    wait_for_stored(stored_titles(ready_server), {"Fruit notes", "Bananas Are Soft And"})

    # Full-text search finds words in messages, not just titles, and marks them.
    search = history.get_by_role("searchbox", name="Search chats")
    search.fill("yellow")
    expect(history.locator("mark")).to_contain_text(re.compile("yellow", re.IGNORECASE))
    expect(history.get_by_text("Fruit notes")).to_have_count(0)
    history.get_by_role("button", name="Clear search").click()

    # Delete after confirming; gone after a reload too.
    history.get_by_text("Bananas Are Soft And").hover()
    history.get_by_role("button", name="Delete: Bananas Are Soft And").click()
    history.get_by_role("group", name="Delete this chat?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(history.get_by_text("Bananas Are Soft And")).to_have_count(0)
    page.reload()
    expect(
        page.get_by_role("navigation", name="Chat history").get_by_text("Fruit notes")
    ).to_be_visible()
    assert [t["title"] for t in threads(ready_server)] == ["Fruit notes"]
    assert page_errors.errors == []


def test_a_failed_message_search_says_only_titles_were_searched(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    """When the server's search answers an error, the list says so and offers to try
    again, instead of showing title matches as if they were every match."""
    open_chat(page, ready_server)
    send(page, "Cherries grow on trees")
    wait_until_answered(page, 1)
    history = page.get_by_role("navigation", name="Chat history")
    expect(history.get_by_text("Cherries Grow On Trees")).to_be_visible()

    def broken(route: Route) -> None:
        route.fulfill(status=500, json={"error": {"code": "internal", "message": "broken"}})

    page.route("**/api/search?*", broken)
    history.get_by_role("searchbox", name="Search chats").fill("trees")
    alert = history.get_by_role("alert")
    expect(alert).to_contain_text("only chat titles were searched")
    expect(history.get_by_role("button").filter(has_text="Cherries Grow On Trees")).to_have_count(1)
    expect(history.locator("mark")).to_have_count(0)  # no message text was searched
    screenshot(page, "history-search-failed")

    page.unroute("**/api/search?*", broken)
    alert.get_by_role("button", name="Try again").click()
    expect(alert).to_have_count(0)
    expect(history.locator("mark")).to_contain_text(re.compile("trees", re.IGNORECASE))


def test_model_picked_in_the_composer_reaches_the_upstream(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    picker = page.get_by_role("button", name=re.compile(r"^Choose model"))
    expect(picker).to_contain_text("gpt-test")
    picker.click()
    page.get_by_role("menuitemradio", name=re.compile("gpt-test-mini")).click()
    expect(picker).to_contain_text("gpt-test-mini")
    send(page, "Which model are you?")
    wait_until_answered(page, 1)
    assert [r.model for r in upstream.chat_requests] == ["gpt-test-mini"]


def _png(width: int, height: int) -> bytes:
    """A real PNG: a red-to-blue gradient (big enough to see in the screenshot)."""
    rows = b"".join(
        b"\x00"
        + bytes(c for x in range(width) for c in (255 - x * 255 // width, 40, x * 255 // width))
        for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png(96, 64)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def test_attached_image_reaches_the_upstream_as_an_image(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, tmp_path: Path
) -> None:
    image = tmp_path / "gradient.png"
    image.write_bytes(PNG)
    open_chat(page, ready_server)
    page.locator("openai-chatkit input[type=file]").set_input_files(str(image))
    expect(page.get_by_role("button", name="Remove gradient.png")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(0)
    send(page, "What colour is this?")
    wait_until_answered(page, 1)
    expect(page.locator("openai-chatkit .ck-user img")).to_have_attribute("alt", "gradient.png")
    screenshot(page, "chat-attachment")

    [request] = upstream.chat_requests
    images = [s for s in _strings(request.json) if s.startswith("data:image/png;base64,")]
    assert len(images) == 1
    assert base64.b64decode(images[0].split(",", 1)[1]) == PNG


def test_history_is_intact_after_a_reload(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    for n in range(3):
        send(page, f"Question number {n}")
        wait_until_answered(page, n + 1)
    page.reload()
    expect(user_messages(page)).to_have_text([f"Question number {n}" for n in range(3)])
    expect(assistant_messages(page)).to_have_text(
        [re.compile(f"Echo: Question number {n}") for n in range(3)]
    )
    history = page.get_by_role("navigation", name="Chat history")
    expect(history.get_by_text("Question Number 0")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme(page: Page, ready_server: KitdeskServer, upstream: Upstream, scheme: str) -> None:
    ready_server.api("PUT", "/api/settings", {"theme": scheme})
    open_chat(page, ready_server)
    expect(page.locator("html")).to_have_attribute("data-theme", scheme)
    expect(page.locator("openai-chatkit [data-color-scheme]")).to_have_attribute(
        "data-color-scheme", scheme
    )
    upstream.script(
        Turn(
            text="Here is a small function and the numbers you asked for.\n\n"
            "```python\ndef greet(name):\n    return f'Hi {name}'\n```\n\n"
            "| Planet | Moons |\n|---|---|\n| Earth | 1 |\n| Mars | 2 |\n\n"
            "Ask if you want **more** detail."
        )
    )
    send(page, "Show me code and a table")
    wait_until_answered(page, 1)
    expect(assistant_messages(page).locator("table")).to_be_visible()
    expect(assistant_messages(page).locator("pre code")).to_contain_text("def greet")
    screenshot(page, f"chat-{scheme}")


def test_keyboard_only(page: Page, ready_server: KitdeskServer, upstream: Upstream) -> None:
    open_chat(page, ready_server)
    page.locator("body").click(position={"x": 640, "y": 300})
    # Tab order reaches the composer.
    for _ in range(40):
        page.keyboard.press("Tab")
        if focused_label(page) == "Message":
            break
    else:
        pytest.fail("Tab never reached the message box")
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    wait_until_answered(page, 1)
    expect(user_messages(page)).to_have_text(["Typed without a mouse"])

    # Ctrl+N: a new chat with the composer focused.
    page.keyboard.press("Control+n")
    expect(user_messages(page)).to_have_count(0)
    wait_focused(page, "Message")

    # Ctrl+K: the history search.
    page.keyboard.press("Control+k")
    wait_focused(page, "Search chats")
    page.keyboard.press("Escape")

    # "/" from outside a text field focuses the composer.
    page.get_by_role("button", name="Attach files").focus()
    wait_focused(page, "Attach files")
    page.keyboard.press("/")
    wait_focused(page, "Message")
    expect(composer(page)).to_have_value("")

    # Esc stops an answer.
    upstream.script(Turn(chunks=STORY, delay_between=0.15))
    page.keyboard.type("Another long one")
    page.keyboard.press("Enter")
    expect(assistant_messages(page).last).to_contain_text("word2")
    page.keyboard.press("Escape")
    expect(stop_button(page)).to_have_count(0)
    assert "word59" not in assistant_messages(page).last.inner_text()

    # Ctrl+, settings, Escape closes and focus returns.
    page.keyboard.press("Control+Comma")
    expect(page.get_by_role("dialog", name="Settings")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Settings")).to_have_count(0)


# Ctrl+N, and at once (before the next frame) the person moves to the search box.
CTRL_N_THEN_SEARCH_BOX = """async () => {
  const ctrlN = { key: "n", ctrlKey: true, bubbles: true };
  document.body.dispatchEvent(new KeyboardEvent("keydown", ctrlN));
  const root = document.querySelector("openai-chatkit").shadowRoot;
  root.querySelector('input[type="search"]').focus();
  for (let i = 0; i < 5; i++) await new Promise((frame) => requestAnimationFrame(frame));
}"""


def test_a_new_chat_does_not_take_the_focus_from_where_the_person_went(
    page: Page, ready_server: KitdeskServer
) -> None:
    """Ctrl+N focuses the new chat's composer a frame later; by then the person may
    be typing in the search box (r-CI: a busy machine's delayed frame sent the
    search words into the composer)."""
    open_chat(page, ready_server)
    page.evaluate(CTRL_N_THEN_SEARCH_BOX)
    assert focused_label(page) == "Search chats"
    page.keyboard.type("pelican")
    expect(composer(page)).to_have_value("")
    # Left where it was, Ctrl+N still lands in the composer.
    page.keyboard.press("Control+n")
    wait_focused(page, "Message")


def test_a_dropped_answer_shows_in_words_and_retry_recovers(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    open_chat(page, ready_server)
    upstream.script(
        Turn(text="This answer will be cut off before it ends.", disconnect_after=3),
        Turn(text="Recovered answer."),
    )
    send(page, "Please fail once")
    error = page.locator("openai-chatkit").get_by_role("alert")
    expect(error).to_contain_text("Test upstream")
    assert "Traceback" not in error.inner_text()
    screenshot(page, "chat-error")
    error.get_by_role("button", name="Retry").click()
    expect(assistant_messages(page).last).to_contain_text("Recovered answer.")
    expect(error).to_have_count(0)
    assert page_errors.errors == []


def test_a_refused_request_shows_the_provider_reason(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    upstream.script(Turn(status=400, error_message="This model does not support that."))
    send(page, "Please fail")
    error = page.locator("openai-chatkit").get_by_role("alert")
    expect(error).to_contain_text("This model does not support that.")
    expect(error).to_contain_text("Test upstream")
