"""A link in model output shows where it goes before it opens (issue 11, item 11).

Real Chromium against a real ``kitdesk serve``: the link's text claims one
site, its address is another; clicking it opens nothing until the person has
seen the real host and chosen Open. Cancel opens nothing at all.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import assistant_messages, open_chat, send, wait_until_answered
from tests.browser.conftest import KitdeskServer
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

ADDRESS = "http://127.0.0.1:9/evil-login?next=1"  # port 9 (discard): nothing loads
ANSWER = f"Sign in at [https://bank.example.com/login]({ADDRESS}) to continue."


def test_a_link_shows_its_real_host_and_opens_only_after_open(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text=ANSWER))
    open_chat(page, ready_server)
    send(page, "Where do I sign in?")
    wait_until_answered(page, 1)
    opened: list[str] = []

    def record(popup: Page) -> None:
        opened.append(popup.url)
        popup.close()

    page.context.on("page", record)
    answer = assistant_messages(page).last
    link = answer.get_by_role("link", name="https://bank.example.com/login")

    link.click()
    confirm = answer.get_by_role("alertdialog", name="Open a link from the answer")
    expect(confirm).to_contain_text("Open a link to 127.0.0.1:9?")
    expect(confirm).to_contain_text(ADDRESS)
    expect(confirm.get_by_role("button", name="Open link")).to_be_focused()
    page.wait_for_timeout(300)  # a popup would have opened by now
    assert opened == []

    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(link).to_be_focused()
    page.wait_for_timeout(300)
    assert opened == []

    link.click()
    with page.context.expect_page():
        confirm.get_by_role("button", name="Open link").click()
    assert len(opened) == 1  # opened once, after Open
    expect(confirm).to_have_count(0)


def test_escape_closes_the_confirm_without_opening(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text=ANSWER))
    open_chat(page, ready_server)
    send(page, "Where do I sign in?")
    wait_until_answered(page, 1)
    opened: list[str] = []
    page.context.on("page", lambda popup: opened.append(popup.url))
    answer = assistant_messages(page).last
    answer.get_by_role("link", name="https://bank.example.com/login").click()
    confirm = answer.get_by_role("alertdialog", name="Open a link from the answer")
    expect(confirm).to_be_visible()
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    page.wait_for_timeout(300)
    assert opened == []
