"""The update opt-in banner and Settings > About > Updates, in real Chromium.

The feed URL points at a loopback port nothing listens on, so every check is
the "no network" case: it must stay a quiet sentence in Settings, never an
alert. (The signed-download path is covered in tests/updates/.)
"""

from __future__ import annotations

import socket

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import stored_setting, wait_for_stored
from tests.browser.conftest import UPSTREAM_KEY, KitdeskServer, PageErrors, screenshot
from tests.upstream import Upstream

pytestmark = pytest.mark.browser

OFFLINE = "Could not check for updates just now (no connection). Kitdesk will try again later."


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_first_run_question_then_settings_about_offline(
    page: Page, kitdesk_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    upstream.require_key = UPSTREAM_KEY
    kitdesk_server.add_upstream_provider(upstream)  # a fresh install with a provider
    ready_server = kitdesk_server
    feed = f"http://127.0.0.1:{closed_port()}/feed.json"
    ready_server.api("PUT", "/api/settings", {"update_feed_url": feed})
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()

    banner = page.get_by_test_id("updates-banner")
    expect(banner).to_contain_text("Check for new versions of Kitdesk once a day?")
    screenshot(page, "updates-opt-in-banner")
    banner.get_by_role("button", name="Check automatically").click()
    expect(banner).to_have_count(0)
    assert ready_server.api("GET", "/api/settings")["updates"] == "on"

    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Comma")
    dialog = page.get_by_role("dialog", name="Settings")
    dialog.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name="About"
    ).click()
    updates = dialog.get_by_test_id("updates")
    automatic = updates.get_by_role("checkbox", name="Check for updates automatically (once a day)")
    expect(automatic).to_be_checked()
    expect(updates.get_by_test_id("update-status")).to_have_text(OFFLINE)
    expect(page.get_by_role("alert")).to_have_count(0)  # offline is never an alert
    screenshot(page, "settings-about-updates")

    automatic.uncheck()
    expect(automatic).not_to_be_checked()
    updates.get_by_role("button", name="Check now").click()
    expect(updates.get_by_test_id("update-status")).to_have_text(OFFLINE)
    expect(updates.get_by_role("button", name="Restart to update")).to_have_count(0)
    # The box shows the change at once and saves it after: wait for the save.
    wait_for_stored(stored_setting(ready_server, "updates"), "off")
    state = ready_server.api("GET", "/api/updates")
    assert (state["status"], state["install_kind"]) == ("could_not_check", "source")
    assert page_errors.errors == []
