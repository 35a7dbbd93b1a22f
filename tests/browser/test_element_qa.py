"""QA findings on the ChatKit element, checked in the real browser: a reopened
chat answers with its own model, the Stop icon can be seen, and the message
box has focus when the app opens and after New chat."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.chat import (
    assistant_messages,
    open_chat,
    send,
    stop_button,
    wait_focused,
    wait_until_answered,
)
from tests.browser.conftest import KitdeskServer, screenshot
from tests.upstream import Turn, Upstream, last_user_text

pytestmark = pytest.mark.browser


def model_picker(page: Page) -> Locator:
    return page.get_by_role("button", name=re.compile(r"^Choose model"))


def pick_model(page: Page, name: str) -> None:
    model_picker(page).click()
    page.get_by_role("menuitemradio", name=re.compile(f"^{re.escape(name)}")).click()
    expect(model_picker(page)).to_have_accessible_name(f"Choose model: {name}")


def new_chat(page: Page) -> None:
    page.get_by_role("button", name="New chat", exact=True).click()


def test_a_reopened_chat_answers_with_its_own_model(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    expect(model_picker(page)).to_have_accessible_name("Choose model: gpt-test")
    pick_model(page, "gpt-test-mini")
    send(page, "Mini question")
    wait_until_answered(page, 1)

    # A new chat starts on the default model again.
    new_chat(page)
    expect(model_picker(page)).to_have_accessible_name("Choose model: gpt-test")
    send(page, "Default question")
    wait_until_answered(page, 1)

    # Reopening the first chat brings its model back to the picker, and the
    # follow-up goes there, as the header says.
    history = page.get_by_role("navigation", name="Chat history")
    history.get_by_role("button", name=re.compile("Mini Question", re.I)).click()
    expect(assistant_messages(page)).to_have_count(1)
    expect(page.locator("openai-chatkit .ck-header-model")).to_have_text("gpt-test-mini")
    expect(model_picker(page)).to_have_accessible_name("Choose model: gpt-test-mini")
    send(page, "Mini follow-up")
    wait_until_answered(page, 2)

    # And the other chat still goes to the default model.
    history.get_by_role("button", name=re.compile("Default Question", re.I)).click()
    expect(model_picker(page)).to_have_accessible_name("Choose model: gpt-test")
    send(page, "Default follow-up")
    wait_until_answered(page, 2)

    assert [(r.model, last_user_text(r.json)) for r in upstream.chat_requests] == [
        ("gpt-test-mini", "Mini question"),
        ("gpt-test", "Default question"),
        ("gpt-test-mini", "Mini follow-up"),
        ("gpt-test", "Default follow-up"),
    ]


def _rgb(css: str) -> tuple[float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)[:3]]
    assert len(numbers) == 3, css
    return numbers[0], numbers[1], numbers[2]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_stop_icon_stands_out_from_its_button(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, scheme: str
) -> None:
    ready_server.api("PUT", "/api/settings", {"theme": scheme})
    open_chat(page, ready_server)
    upstream.script(Turn(chunks=[f"word{n} " for n in range(80)], delay_between=0.1))
    send(page, "A long story please")
    stop = stop_button(page)
    expect(stop).to_be_visible()
    colours = stop.evaluate(
        """button => ({
          background: getComputedStyle(button).backgroundColor,
          icon: getComputedStyle(button.querySelector('svg path')).fill,
        })"""
    )
    # The filled square is drawn in the icon colour on the button's background.
    assert contrast(colours["icon"], colours["background"]) >= 4.5, colours
    screenshot(page, f"element-qa-stop-{scheme}")
    stop.click()
    expect(stop_button(page)).to_have_count(0)


def test_the_message_box_has_focus_on_open_and_after_new_chat(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    wait_focused(page, "Message")
    page.keyboard.type("Typed straight away")
    page.keyboard.press("Enter")
    wait_until_answered(page, 1)
    expect(page.locator("openai-chatkit .ck-user .ck-bubble")).to_have_text(["Typed straight away"])

    # Focus moves away (into the conversation), then New chat brings it back.
    page.get_by_role("region", name="Conversation").focus()
    new_chat(page)
    wait_focused(page, "Message")


LONG_LINES = "\n".join(f"value_{n} = {n} * 2  # line {n}" for n in range(300))
LONG_CODE = f"```python\n{LONG_LINES}\n```"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_long_code_keeps_copy_in_view_and_earlier_answers_leave_no_gap(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, scheme: str
) -> None:
    ready_server.api("PUT", "/api/settings", {"theme": scheme})
    open_chat(page, ready_server)
    upstream.script(
        Turn(text="A short first answer."),
        Turn(text="Here is the long listing:\n\n" + LONG_CODE + "\n\nThat was it."),
    )
    send(page, "First question")
    wait_until_answered(page, 1)
    send(page, "Show me a long listing")
    wait_until_answered(page, 2)

    # Scrolled into the middle of the listing, its header (and Copy) stays on screen.
    scroller = page.locator("openai-chatkit .ck-scroll")
    line = page.locator("openai-chatkit .ck-code code").get_by_text("# line 150", exact=False)
    line.scroll_into_view_if_needed()
    view = scroller.bounding_box()
    head = page.locator("openai-chatkit .ck-code-head").bounding_box()
    copy = page.get_by_role("button", name="Copy code").bounding_box()
    assert view is not None and head is not None and copy is not None
    # The header sits at the top of the conversation's viewport...
    assert abs(head["y"] - view["y"]) <= 1, (view, head)
    # ...with Copy inside it.
    assert view["y"] <= copy["y"] and copy["y"] + copy["height"] <= view["y"] + view["height"]
    screenshot(page, f"element-qa-long-code-{scheme}")

    # The earlier answer keeps only a small gap before the next question, and
    # its actions appear there on hover.
    first_answer = page.locator("openai-chatkit .ck-row-assistant_message").first
    first_answer.scroll_into_view_if_needed()
    answer_box = first_answer.locator(".ck-assistant").bounding_box()
    next_question = page.locator("openai-chatkit .ck-user").nth(1).bounding_box()
    assert answer_box is not None and next_question is not None
    gap = next_question["y"] - (answer_box["y"] + answer_box["height"])
    assert gap < 56, gap
    actions = first_answer.get_by_role("toolbar", name="Message actions")
    expect(actions).to_have_css("opacity", "0")
    first_answer.hover()
    expect(actions).to_have_css("opacity", "1")
    actions.get_by_role("button", name="Copy message").hover()
    expect(actions).to_have_css("opacity", "1")
    screenshot(page, f"element-qa-earlier-actions-{scheme}")


def test_history_shows_chats_from_another_tab_when_the_window_comes_back(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    open_chat(page, ready_server)
    history = page.get_by_role("navigation", name="Chat history")
    expect(history.get_by_text("No chats yet", exact=False)).to_be_visible()

    # Another tab starts a chat (same server, same protocol).
    other = page.context.new_page()
    open_chat(other, ready_server)
    send(other, "Started in the other tab")
    wait_until_answered(other, 1)
    other.close()

    # Back in this window, its focus event brings the history up to date.
    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(
        history.get_by_role("button", name=re.compile("^Started In The Other", re.I))
    ).to_be_visible()
