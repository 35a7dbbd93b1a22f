"""A chat's "Open in new window" under `kitdesk serve` in a real browser: a new tab opens
this same page (a relative address under the launch's secret prefix) on that chat, and
the first tab stays where it was."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.chat import open_chat
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.browser.test_organise import SLOW, make_chat, row
from tests.upstream import Upstream

pytestmark = pytest.mark.browser

LAST_THREAD = "localStorage.getItem('kitdesk.lastThread')"


def test_open_in_new_window_opens_that_chat_in_a_new_tab(
    page: Page,
    context: BrowserContext,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
) -> None:
    page.set_default_timeout(SLOW)
    alpha = make_chat(ready_server, upstream, "Alpha")
    bravo = make_chat(ready_server, upstream, "Bravo")
    open_chat(page, ready_server)
    row(page, "Bravo").click()
    expect(page.get_by_text("Question about Bravo")).to_be_visible()
    first_address = page.url

    row(page, "Alpha").hover()
    page.get_by_role("button", name="More actions for Alpha").click()
    with context.expect_page() as opened:
        page.get_by_role("menuitem", name="Open in new window").click()
    tab = opened.value
    tab.set_default_timeout(SLOW)
    tab.wait_for_load_state()

    # The new tab shows Alpha, on this launch's address, with the fragment dropped.
    expect(tab.get_by_text("Question about Alpha")).to_be_visible()
    expect(tab.get_by_text("Answer for Alpha.")).to_be_visible()
    assert tab.evaluate(LAST_THREAD) == alpha
    assert tab.url.startswith(ready_server.base_url + "/")
    assert "#" not in tab.url
    screenshot(tab, "open-in-new-window")

    # The first tab stays on Bravo.
    assert page.url == first_address
    expect(page.get_by_text("Question about Bravo")).to_be_visible()
    expect(page.get_by_text("Question about Alpha")).to_have_count(0)
    assert bravo != alpha
    tab.close()
    assert not page_errors.errors, page_errors.errors
