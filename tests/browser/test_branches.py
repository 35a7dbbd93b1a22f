"""Versions of a message in the real browser: regenerate keeps the earlier answer
behind a ``‹ 2 / 2 ›`` switcher, switching is stored (a reload keeps it), and
editing a sent message starts a new branch whose history is what the model sees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.bench.branches_in_browser import (
    DEEP_TWO,
    LONG,
    OPEN,
    SCROLL_TO_ROW,
    SHORT,
    THREAD,
    seed_forked_thread,
)
from tests.browser.chat import (
    assistant_messages,
    item_text,
    open_chat,
    send,
    thread_items,
    threads,
    user_messages,
    wait_focused,
    wait_until_answered,
)
from tests.browser.conftest import (
    KitdeskServer,
    PageErrors,
    require_server_parts,
    screenshot,
    start_server,
    stop_server,
)
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

# The machine running these is shared and slow: a first answer may take a while.
SLOW = 30_000


def versions(page: Page) -> Locator:
    return page.get_by_role("group", name="Versions of this message")


def test_regenerate_then_switch_back_and_a_reload_keeps_the_choice(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(SLOW)
    open_chat(page, ready_server)
    upstream.script(Turn(text="A first answer."), Turn(text="A second, better answer."))
    send(page, "Say something")
    wait_until_answered(page, 1)
    expect(versions(page)).to_have_count(0)

    page.get_by_role("button", name="Retry").last.click()
    expect(assistant_messages(page)).to_have_text([re.compile("A second, better answer.")])
    wait_until_answered(page, 1)
    expect(versions(page)).to_have_count(1)
    expect(versions(page)).to_contain_text("2 / 2")
    expect(versions(page).get_by_role("button", name="Next version")).to_be_disabled()
    screenshot(page, "branches-switcher")

    # By keyboard: focus the previous-version button and press Enter.
    versions(page).get_by_role("button", name="Previous version").focus()
    page.keyboard.press("Enter")
    expect(assistant_messages(page)).to_have_text([re.compile("A first answer.")])
    expect(versions(page)).to_contain_text("1 / 2")
    wait_focused(page, "Next version")

    [thread] = threads(ready_server)
    stored = [i for i in thread_items(ready_server, thread["id"]) if i["type"] != "user_message"]
    assert [item_text(i) for i in stored if i["type"] == "assistant_message"] == ["A first answer."]

    page.reload()
    expect(assistant_messages(page)).to_have_text([re.compile("A first answer.")])
    expect(versions(page)).to_contain_text("1 / 2")
    versions(page).get_by_role("button", name="Next version").click()
    expect(assistant_messages(page)).to_have_text([re.compile("A second, better answer.")])
    expect(versions(page)).to_contain_text("2 / 2")
    assert page_errors.errors == []


def test_edit_a_sent_message_into_a_new_branch(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(SLOW)
    open_chat(page, ready_server)
    upstream.script(Turn(text="Paris is the capital."), Turn(text="Rome is the capital."))
    send(page, "Capital of France?")
    wait_until_answered(page, 1)

    user_messages(page).first.hover()
    page.get_by_role("button", name="Edit message").click()
    box = page.get_by_role("textbox", name="Edit your message")
    expect(box).to_be_focused()
    expect(box).to_have_value("Capital of France?")
    box.fill("Capital of Italy?")
    box.press("Enter")
    expect(user_messages(page)).to_have_text(["Capital of Italy?"])
    expect(assistant_messages(page)).to_have_text([re.compile("Rome is the capital.")])
    wait_until_answered(page, 1)
    # The model saw only the edited branch.
    sent = json.dumps(upstream.chat_requests[-1].json)
    assert "Capital of Italy?" in sent and "Capital of France?" not in sent

    expect(versions(page)).to_contain_text("2 / 2")
    versions(page).get_by_role("button", name="Previous version").click()
    expect(user_messages(page)).to_have_text(["Capital of France?"])
    expect(assistant_messages(page)).to_have_text([re.compile("Paris is the capital.")])
    expect(versions(page)).to_contain_text("1 / 2")

    # Escape leaves the editor without sending anything.
    user_messages(page).first.hover()
    page.get_by_role("button", name="Edit message").click()
    page.get_by_role("textbox", name="Edit your message").press("Escape")
    expect(user_messages(page)).to_have_text(["Capital of France?"])
    assert len(upstream.chat_requests) == 2
    assert page_errors.errors == []


def test_a_search_hit_in_an_earlier_answer_opens_that_branch(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(SLOW)
    open_chat(page, ready_server)
    upstream.script(Turn(text="A pelican answer."), Turn(text="A plain answer."))
    send(page, "Name a bird")
    wait_until_answered(page, 1)
    page.get_by_role("button", name="Retry").last.click()
    expect(assistant_messages(page)).to_have_text([re.compile("A plain answer.")])
    wait_until_answered(page, 1)
    expect(versions(page)).to_contain_text("2 / 2")

    page.keyboard.press("Control+n")
    history = page.get_by_role("navigation", name="Chat history")
    history.get_by_role("searchbox", name="Search chats").fill("pelican")
    hit = history.get_by_role("button").filter(has_text="pelican")
    expect(hit).to_have_count(1)
    hit.click()
    expect(assistant_messages(page)).to_have_text([re.compile("A pelican answer.")])
    expect(versions(page)).to_contain_text("1 / 2")
    assert page_errors.errors == []


def test_switching_at_a_fork_far_above_shows_the_new_paths_latest(
    tmp_path: Path, page: Page, upstream: Upstream, page_errors: PageErrors
) -> None:
    """The first answer of a 200-item thread regenerated: its switcher is only on
    screen once the reader has scrolled up past the latest page. Going to the
    other version and back lands on the long path's latest answer, not on
    whatever rows the old scroll offset happens to fall on."""
    require_server_parts()
    home = tmp_path / "home"
    seed_forked_thread(home, items=200)
    server = start_server(home, {})
    try:
        server.add_upstream_provider(upstream)
        server.api("PUT", "/api/settings", {"updates": "off"})
        page.set_default_timeout(SLOW)
        open_chat(page, server)
        page.evaluate(OPEN, [THREAD, DEEP_TWO])
        page.evaluate(SCROLL_TO_ROW, LONG)

        long_row = page.locator("openai-chatkit .ck-row").filter(has_text=LONG)
        long_row.hover()
        long_row.get_by_role("button", name="Previous version").click()
        expect(assistant_messages(page)).to_have_text([re.compile(re.escape(SHORT))])

        short_row = page.locator("openai-chatkit .ck-row").filter(has_text=SHORT)
        short_row.get_by_role("button", name="Next version").click()
        expect(page.locator("openai-chatkit .ck-row").filter(has_text=DEEP_TWO)).to_be_in_viewport()
        expect(page.locator("openai-chatkit .ck-row").filter(has_text=SHORT)).to_have_count(0)
        assert page_errors.errors == []
    finally:
        stop_server(server)
