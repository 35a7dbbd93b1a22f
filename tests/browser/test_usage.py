"""Token usage in the real browser: quietly under each answer, the chat's total at
its end (once there is more than one answer), and Settings > Data's totals per
provider and model by month."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat import open_chat, send, wait_until_answered
from tests.browser.conftest import KitdeskServer, PageErrors
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

# The fake upstream reports 10 input and 5 output tokens for every answer.


def test_tokens_under_answers_the_chat_total_and_the_monthly_table(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(30_000)
    open_chat(page, ready_server)
    upstream.script(Turn(text="One."), Turn(text="Two."))
    send(page, "First")
    wait_until_answered(page, 1)
    usage = page.locator("openai-chatkit .ck-actions .ck-usage")
    expect(usage).to_have_count(1)
    expect(usage.first).to_contain_text("10 in · 5 out")
    # One answer: its own line says it all, so the chat's total is not shown twice.
    total = page.locator("openai-chatkit .ck-usage-total")
    expect(total).to_have_count(0)

    send(page, "Second")
    wait_until_answered(page, 2)
    expect(total).to_contain_text("This chat: 20 input tokens, 10 output tokens")
    expect(usage).to_have_count(2)

    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Comma")
    dialog = page.get_by_role("dialog", name="Settings")
    dialog.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name="Data"
    ).click()
    table = dialog.get_by_role("table")
    row = table.get_by_role("row").filter(has_text="gpt-test")
    expect(row).to_have_count(1)
    cells = row.get_by_role("cell")
    expect(cells).to_have_text(["gpt-test Test upstream", "2", "20", "10"])
    assert page_errors.errors == []
