"""The provider form warns before a key goes where it should not (issue 11, items 1 and 10).

Real Chromium against a real ``kitdesk serve``: an ``http://`` address on a
public host is flagged while it is typed, before any key is sent; moving a
provider with a stored key to another origin says the key will be cleared,
before saving, and saving does clear it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import KitdeskServer, PageErrors
from tests.browser.test_settings import open_settings
from tests.upstream import Upstream

pytestmark = pytest.mark.browser

CLEARTEXT = "the API key and your messages would travel unencrypted"
CLEARED = "the stored key will be cleared when you save"


def test_http_to_a_public_host_is_flagged_before_a_key_is_sent(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)
    dialog = page.get_by_role("dialog", name="Settings")
    dialog.get_by_role("button", name="Add provider").click()
    form = dialog.get_by_role("form", name="Add provider")
    form.get_by_label("Kind").select_option("custom")
    url = form.get_by_label("Base URL")
    warning = form.get_by_role("alert").filter(has_text=CLEARTEXT)

    url.fill("http://api.example.com/v1")
    expect(warning).to_be_visible()
    url.fill("https://api.example.com/v1")
    expect(warning).to_have_count(0)
    url.fill("http://192.168.1.20:8000/v1")  # a private network: no warning
    expect(warning).to_have_count(0)
    url.fill("http://localhost:11434/v1")
    expect(warning).to_have_count(0)
    url.fill("http://203.0.113.7/v1")
    expect(warning).to_be_visible()
    assert page_errors.errors == []


def test_moving_a_provider_to_another_origin_says_its_key_will_be_cleared(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)
    card = page.get_by_role("article", name="Test upstream")
    expect(card.get_by_test_id("key-status")).to_have_text("Key stored in the system keyring")
    card.get_by_role("button", name="Edit").click()
    form = card.get_by_role("form", name="Edit Test upstream")
    url = form.get_by_label("Base URL")
    notice = form.get_by_role("alert").filter(has_text=CLEARED)
    expect(notice).to_have_count(0)

    url.fill(upstream.base_url.rsplit("/", 1)[0] + "/other")  # same origin, new path
    expect(notice).to_have_count(0)
    other_port = int(upstream.base_url.split(":")[2].split("/")[0]) + 1
    moved = f"http://127.0.0.1:{other_port}/v1"
    url.fill(moved)
    expect(notice).to_be_visible()
    [before] = ready_server.api("GET", "/api/providers")
    assert before["key"] == {"has_key": True, "source": "keyring"}  # nothing saved yet

    form.get_by_role("button", name="Save", exact=True).click()
    expect(card.get_by_test_id("key-status")).to_have_text("No key")
    [after] = ready_server.api("GET", "/api/providers")
    assert after["base_url"] == moved
    assert after["key"] == {"has_key": False, "source": "none"}
    assert page_errors.errors == []
