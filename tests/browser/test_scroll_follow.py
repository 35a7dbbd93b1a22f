"""The thread follows new content while the reader is at the bottom, and only the
reader (wheel, keys, a drag of the scrollbar) can make it stop following."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import open_chat, send, wait_until_answered
from tests.browser.conftest import KitdeskServer
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

GAP = """() => {
  const el = document.querySelector('openai-chatkit').shadowRoot.querySelector('.ck-scroll');
  return el.scrollHeight - el.scrollTop - el.clientHeight;
}"""

# Content shrinks at the bottom (the chat's token total hides while an answer
# streams), the browser pulls the scroll offset back, and in the same frame the
# answer's first text grows the thread again: the pulled-back offset is not the
# reader scrolling up.
SHRINK_THEN_GROW = """() => new Promise((resolve) => {
  const root = document.querySelector('openai-chatkit').shadowRoot;
  const column = root.querySelector('.ck-column');
  const el = root.querySelector('.ck-scroll');
  const spacer = document.createElement('div');
  spacer.style.height = '300px';
  column.append(spacer);
  setTimeout(() => {
    el.scrollTop = el.scrollHeight;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      spacer.style.height = '0px';
      void el.scrollTop;  // layout now: the offset is clamped, its scroll event queued
      const grown = document.createElement('div');
      grown.style.height = '400px';
      column.append(grown);
      setTimeout(resolve, 600);
    }));
  }, 300);
})"""


# The list moves up 60 px on its own (no wheel, key or held pointer), then the next
# answer's text grows it.
MOVED_UP_BY_ITSELF_THEN_GROWN = """() => new Promise((resolve) => {
  const root = document.querySelector('openai-chatkit').shadowRoot;
  const el = root.querySelector('.ck-scroll');
  el.scrollTop -= 60;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const grown = document.createElement('div');
    grown.style.height = '400px';
    root.querySelector('.ck-column').append(grown);
    setTimeout(resolve, 300);
  }));
})"""


def long_answer(turn: int) -> str:
    return "\n\n".join(f"Paragraph {n} of answer {turn}, long enough to wrap." for n in range(12))


def two_long_answers(page: Page, server: KitdeskServer, upstream: Upstream) -> None:
    """A chat of two answers taller than the window, read at its bottom."""
    page.set_viewport_size({"width": 1000, "height": 700})
    open_chat(page, server)
    upstream.script(Turn(text=long_answer(0)), Turn(text=long_answer(1)))
    send(page, "First")
    wait_until_answered(page, 1)
    send(page, "Second")
    wait_until_answered(page, 2)


def test_content_that_shrinks_then_grows_is_still_followed(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    two_long_answers(page, ready_server, upstream)
    # The answer's token line lands a frame after its text; the view follows it.
    page.wait_for_function(f"({GAP})() < 2", timeout=5000)
    page.evaluate(SHRINK_THEN_GROW)
    expect(page.locator("openai-chatkit .ck-jump")).to_have_count(0)
    assert page.evaluate(GAP) < 2


def test_the_reader_scrolling_up_stops_the_following(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    two_long_answers(page, ready_server, upstream)
    scroller = page.locator("openai-chatkit .ck-scroll")
    scroller.focus()
    page.keyboard.press("PageUp")
    expect(page.locator("openai-chatkit .ck-jump")).to_have_count(1)
    away = page.evaluate(GAP)
    assert away > 100
    # New content below does not pull the reader back down.
    page.evaluate(
        "() => { const c = document.querySelector('openai-chatkit').shadowRoot"
        ".querySelector('.ck-column'); const d = document.createElement('div');"
        " d.style.height = '300px'; c.append(d); }"
    )
    page.wait_for_timeout(500)
    assert page.evaluate(GAP) > away
    page.locator("openai-chatkit .ck-jump").click()
    expect(page.locator("openai-chatkit .ck-jump")).to_have_count(0)


def test_a_click_in_a_message_does_not_stop_the_following(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    # A click on a button in the list is not the reader scrolling. When the list then
    # moves up by itself soon after (a tool card replaced by its decided form, rows
    # re-measured as the next answer starts), the view still follows new content.
    two_long_answers(page, ready_server, upstream)
    page.locator("openai-chatkit .ck-assistant").last.hover()
    page.get_by_role("button", name="Copy message").last.click()
    page.evaluate(MOVED_UP_BY_ITSELF_THEN_GROWN)
    expect(page.locator("openai-chatkit .ck-jump")).to_have_count(0)
    assert page.evaluate(GAP) < 2
