"""Settings › Tools (MCP) used as a person would, with the real stdio test server.

A server is added through the form, tested (its tools are listed with their
descriptions), switched off and on, set to "Always allow" and removed; the
composer's tools menu offers it and the chosen entry reaches ``/chatkit`` as
``inference_options.tool_choice``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from kitdesk.paths import resolve_paths
from playwright.sync_api import Page, Request, expect

from tests.browser.chat import open_chat, send, wait_until_answered
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.browser.test_settings import open_settings, section
from tests.mcp_servers import TOOL_NAMES, stdio_launch

pytestmark = pytest.mark.browser


def test_add_test_toggle_and_remove_an_mcp_server(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    launch = stdio_launch()
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)
    section(page, "Tools (MCP)")
    expect(page.get_by_text("No MCP servers yet.")).to_be_visible()
    expect(page.get_by_text("add a search MCP server")).to_be_visible()
    page.get_by_role("button", name="Add MCP server").click()

    form = page.get_by_role("form", name="New MCP server")
    expect(form.get_by_label("Arguments")).to_have_attribute(
        "placeholder", re.compile("@modelcontextprotocol/server-filesystem")
    )
    form.get_by_label("Name").fill("Test tools")
    form.get_by_label("Command").fill(launch.command)
    form.get_by_label("Arguments").fill("\n".join(launch.args))
    form.get_by_label("Environment variables", exact=True).fill(
        "\n".join(f"{k}={v}" for k, v in launch.env.items())
    )
    form.get_by_label("Secret environment variables").fill("KITDESK_TEST_SECRET=s3cret-value")

    # Test before saving: the tools are listed with their descriptions.
    form.get_by_role("button", name="Test").click()
    tools = form.get_by_role("list", name="Tools of Test tools")
    expect(tools.get_by_role("listitem")).to_have_count(len(TOOL_NAMES), timeout=30_000)
    expect(tools).to_contain_text("echo — Return the given text unchanged.")
    expect(form.get_by_role("status")).to_have_text(
        f"Connected to “Test tools”: {len(TOOL_NAMES)} tools."
    )
    screenshot(page, "settings-mcp-form")
    form.get_by_role("button", name="Add MCP server").click()

    card = page.get_by_role("article", name="Test tools")
    expect(card).to_contain_text("Secrets stored: KITDESK_TEST_SECRET")
    [saved] = ready_server.api("GET", "/api/mcp/servers")
    assert (saved["id"], saved["enabled"], saved["approval"]) == ("test-tools", True, "ask")
    assert saved["secret_env"] == ["KITDESK_TEST_SECRET"]
    assert "s3cret-value" not in json.dumps(saved)
    settings_text = resolve_paths(ready_server.home).settings_path.read_text()
    assert "KITDESK_TEST_SECRET" in settings_text and "s3cret-value" not in settings_text

    card.get_by_role("button", name="Test").click()
    expect(card.get_by_role("list", name="Tools of Test tools")).to_contain_text(
        "plan_trip", timeout=30_000
    )
    screenshot(page, "settings-mcp-card")

    # The choice shows once the server saved it (the card shows what the server holds).
    card.get_by_label("Before a tool runs").select_option(label="Always allow")
    expect(card.get_by_label("Before a tool runs")).to_have_value("allow")
    card.get_by_role("switch").click()
    expect(card.get_by_text("Off", exact=True)).to_be_visible()
    [off] = ready_server.api("GET", "/api/mcp/servers")
    assert (off["enabled"], off["approval"]) == (False, "allow")
    card.get_by_role("switch").click()
    expect(card.get_by_text("On", exact=True)).to_be_visible()

    card.get_by_role("button", name="Remove").click()
    card.get_by_role("alertdialog").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No MCP servers yet.")).to_be_visible()
    assert ready_server.api("GET", "/api/mcp/servers") == []
    assert page_errors.errors == []


def test_the_composer_tools_menu_sends_the_chosen_server(
    page: Page, ready_server: KitdeskServer
) -> None:
    launch = stdio_launch()
    server = {
        "name": "Test tools",
        "command": launch.command,
        "args": launch.args,
        "env": launch.env,
    }
    ready_server.api("POST", "/api/mcp/servers", server)
    ready_server.api("POST", "/api/mcp/servers", {**server, "name": "Off one", "enabled": False})
    sent: list[dict[str, Any]] = []

    def remember(request: Request) -> None:
        if request.url.endswith("/chatkit") and request.method == "POST" and request.post_data:
            sent.append(json.loads(request.post_data))

    page.on("request", remember)
    open_chat(page, ready_server)
    menu_button = page.locator("openai-chatkit").get_by_role("button", name="Tools")
    menu_button.click()
    menu = page.locator("openai-chatkit").get_by_role("menu", name="Tools")
    expect(menu.get_by_role("menuitemradio")).to_have_text(["Only Test tools"])
    menu.get_by_role("menuitemradio", name="Only Test tools").click()
    send(page, "Hello there")
    wait_until_answered(page, 1)
    kinds = ("threads.create", "threads.add_user_message")
    messages = [body for body in sent if body.get("type") in kinds]
    assert messages, sent
    options = messages[-1]["params"]["input"]["inference_options"]
    assert options["tool_choice"] == {"id": "mcp:test-tools"}
