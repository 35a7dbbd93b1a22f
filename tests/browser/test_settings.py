"""Settings, the shortcut help and the reconnect banner, used as a person would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kitdesk.paths import resolve_paths
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import (
    UPSTREAM_KEY,
    KitdeskServer,
    PageErrors,
    require_server_parts,
    screenshot,
    start_server,
    stop_server,
)
from tests.upstream import Upstream

pytestmark = pytest.mark.browser


def open_settings(page: Page) -> None:
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Comma")
    expect(page.get_by_role("dialog", name="Settings")).to_be_visible()


def section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name=name
    ).click()


def test_provider_cards_test_keys_add_and_remove(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)
    card = page.get_by_role("article", name="Test upstream")
    expect(card.get_by_text(upstream.base_url)).to_be_visible()
    expect(card.get_by_test_id("key-status")).to_have_text("Key stored in the system keyring")
    expect(card).to_contain_text("2 found")
    card.get_by_role("button", name="Test connection").click()
    expect(card.get_by_role("status")).to_have_text(re.compile(r"Connected: 2 models"))
    screenshot(page, "settings-providers")

    # Remove the key: it asks first, like removing a provider; "Keep it" keeps it.
    card.get_by_role("button", name="Remove key").click()
    confirm = card.get_by_role("alertdialog", name="Remove the key for Test upstream?")
    expect(confirm).to_contain_text("Remove the API key for Test upstream")
    confirm.get_by_role("button", name="Keep it").click()
    expect(confirm).to_have_count(0)
    expect(card.get_by_test_id("key-status")).to_have_text("Key stored in the system keyring")
    [kept] = ready_server.api("GET", "/api/providers")
    assert kept["key"] == {"has_key": True, "source": "keyring"}
    card.get_by_role("button", name="Remove key").click()
    confirm.get_by_role("button", name="Remove key").click()
    expect(card.get_by_test_id("key-status")).to_have_text("No key")
    [removed] = ready_server.api("GET", "/api/providers")
    assert removed["key"] == {"has_key": False, "source": "none"}
    # Now the provider refuses, and the card says where the key goes.
    card.get_by_role("button", name="Test connection").click()
    expect(card.locator(".kd-test-result .kd-bad")).to_have_text(
        "✕ The server asks for an API key. Add one with “Set key”."
    )

    # Set it again through the write-only key form; the field is emptied.
    card.get_by_role("button", name="Set key").click()
    card.get_by_label("API key").fill(UPSTREAM_KEY)
    card.get_by_role("button", name="Save key").click()
    expect(card.get_by_test_id("key-status")).to_have_text("Key stored in the system keyring")
    assert UPSTREAM_KEY not in page.content()

    # Edit the name; turn it off and on.
    card.get_by_role("button", name="Edit").click()
    card.get_by_label("Name").fill("Renamed upstream")
    card.get_by_role("button", name="Save", exact=True).click()
    card = page.get_by_role("article", name="Renamed upstream")
    expect(card).to_be_visible()
    card.get_by_role("switch").uncheck()
    expect(card.get_by_role("switch")).not_to_be_checked()
    # The switch flips at once; its save reaches the server a moment later.
    [saved] = ready_server.api("GET", "/api/providers")
    for _ in range(100):
        if saved["enabled"] is False:
            break
        page.wait_for_timeout(100)
        [saved] = ready_server.api("GET", "/api/providers")
    assert saved["enabled"] is False and saved["name"] == "Renamed upstream"
    card.get_by_role("switch").check()
    expect(card.get_by_role("switch")).to_be_checked()

    # Add a local server with no key, then remove it after confirming.
    dialog = page.get_by_role("dialog", name="Settings")
    dialog.get_by_role("button", name="Add provider").click()
    form = dialog.get_by_role("form", name="Add provider")
    form.get_by_label("Kind").select_option("ollama")
    form.get_by_label("Name").fill("Local Ollama")
    form.get_by_label("Base URL").fill(upstream.base_url)
    form.get_by_role("button", name="Add provider").click()
    local = page.get_by_role("article", name="Local Ollama")
    expect(local.get_by_test_id("key-status")).to_have_text("No key")
    # The upstream wants a key, and a local server was added without one: said in words.
    local.get_by_role("button", name="Test connection").click()
    expect(local.get_by_role("status")).to_contain_text("asks for an API key")
    local.get_by_role("button", name="Remove", exact=True).click()
    local.get_by_role("button", name="Remove provider").click()
    expect(local).to_have_count(0)
    assert [p["name"] for p in ready_server.api("GET", "/api/providers")] == ["Renamed upstream"]
    assert page_errors.errors == []


def test_models_chat_appearance_data_about(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)

    section(page, "Models")
    [provider] = ready_server.api("GET", "/api/providers")
    picker = page.get_by_label("Default model")
    expect(picker).to_have_value(f"{provider['id']}::gpt-test")
    picker.select_option(f"{provider['id']}::gpt-test-mini")
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    settings = ready_server.api("GET", "/api/settings")
    assert (settings["default_provider"], settings["default_model"]) == (
        provider["id"],
        "gpt-test-mini",
    )

    section(page, "Chat")
    save_state = page.locator(".kd-save-state")
    page.get_by_label("System prompt").fill("You answer like a pirate.")
    page.get_by_label("Set a temperature").check()
    page.get_by_label("Temperature", exact=True).fill("0.3")
    expect(save_state).to_have_text("Unsaved changes")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(save_state).to_have_text("Saved")
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_disabled()
    settings = ready_server.api("GET", "/api/settings")
    assert settings["system_prompt"] == "You answer like a pirate."
    assert settings["temperature"] == pytest.approx(0.3)
    # A further edit: "Saved" no longer claims it, until it is saved.
    page.get_by_label("System prompt").press_sequentially(" Arr.")
    expect(save_state).to_have_text("Unsaved changes")
    expect(page.get_by_text("Saved", exact=True)).to_have_count(0)
    page.get_by_label("Temperature", exact=True).fill("0.8")
    expect(save_state).to_have_text("Unsaved changes")
    assert ready_server.api("GET", "/api/settings")["system_prompt"] == "You answer like a pirate."
    page.get_by_role("button", name="Save", exact=True).click()
    expect(save_state).to_have_text("Saved")
    settings = ready_server.api("GET", "/api/settings")
    assert settings["system_prompt"] == "You answer like a pirate. Arr."
    assert settings["temperature"] == pytest.approx(0.8)

    section(page, "Appearance")
    page.get_by_role("radio", name="Dark").check()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert ready_server.api("GET", "/api/settings")["theme"] == "dark"
    screenshot(page, "settings-dark")

    section(page, "Data")
    app = ready_server.api("GET", "/api/app")
    expect(page.get_by_text(app["data_dir"], exact=True)).to_be_visible()
    # Outside the desktop window there is no bridge, so no folder buttons.
    expect(page.get_by_role("button", name="Open data folder")).to_have_count(0)

    section(page, "About")
    expect(page.get_by_test_id("app-version")).to_have_text(app["version"])

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Settings")).to_have_count(0)
    # The theme survives a reload.
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page_errors.errors == []


def test_the_default_provider_is_shown_and_can_be_changed(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    [first] = ready_server.api("GET", "/api/providers")
    second = ready_server.api(
        "POST",
        "/api/providers",
        {"kind": "custom", "name": "Second upstream", "base_url": upstream.base_url},
    )
    ready_server.api("PUT", f"/api/providers/{second['id']}/key", {"key": UPSTREAM_KEY})
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)

    first_card = page.get_by_role("article", name="Test upstream")
    second_card = page.get_by_role("article", name="Second upstream")
    expect(first_card.get_by_test_id("default-badge")).to_have_text("Default")
    expect(second_card.get_by_test_id("default-badge")).to_have_count(0)
    # The default offers no "Make default"; the other one does.
    expect(first_card.get_by_role("button", name="Make default")).to_have_count(0)
    second_card.get_by_role("button", name="Make default").click()

    expect(second_card.get_by_test_id("default-badge")).to_have_text("Default")
    expect(first_card.get_by_test_id("default-badge")).to_have_count(0)
    expect(first_card.get_by_role("button", name="Make default")).to_be_visible()
    settings = ready_server.api("GET", "/api/settings")
    assert settings["default_provider"] == second["id"]
    assert settings["default_model"] in upstream.models  # one the provider lists
    screenshot(page, "settings-default-provider")

    # The Models section agrees.
    section(page, "Models")
    expect(page.get_by_label("Default model")).to_have_value(
        f"{second['id']}::{settings['default_model']}"
    )
    assert first["id"] != second["id"]

    # A provider that is off cannot be made the default.
    section(page, "Providers")
    first_card.get_by_role("switch").uncheck()
    expect(first_card.get_by_role("button", name="Make default")).to_have_count(0)
    assert page_errors.errors == []


def test_api_errors_name_fields_by_their_labels(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_settings(page)
    card = page.get_by_role("article", name="Test upstream")
    card.get_by_role("button", name="Edit").click()
    form = card.get_by_role("form", name="Edit Test upstream")
    form.get_by_label("Base URL").fill("127.0.0.1:9/v1")
    form.get_by_role("button", name="Save", exact=True).click()
    error = form.get_by_role("alert")
    expect(error).to_have_text("Base URL must start with http:// or https://.")
    # Nothing was saved.
    [provider] = ready_server.api("GET", "/api/providers")
    assert provider["base_url"].startswith("http://127.0.0.1:")
    # The only failed request is the refused save.
    assert [e.split(" http")[0] for e in page_errors.errors] == ["HTTP 422: PUT"]


def test_desktop_bridge_opens_the_data_folder(page: Page, ready_server: KitdeskServer) -> None:
    page.add_init_script(
        "window.__opened = [];"
        "window.pywebview = {api: {"
        "open_data_folder: async () => { window.__opened.push('data'); return true; },"
        "open_log_folder: async () => { window.__opened.push('log'); return true; }}};"
    )
    page.goto(ready_server.url)
    open_settings(page)
    section(page, "Data")
    page.get_by_role("button", name="Open data folder").click()
    page.get_by_role("button", name="Open log folder").click()
    page.wait_for_function("window.__opened.length === 2")
    assert page.evaluate("window.__opened") == ["data", "log"]


def test_shortcut_help_lists_the_shortcuts(page: Page, ready_server: KitdeskServer) -> None:
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Slash")
    help_panel = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_panel).to_be_visible()
    for label in (
        "New chat",
        "Search chats",
        "Open settings",
        "Focus the message box",
        "Stop the answer",
    ):
        expect(help_panel.get_by_role("rowheader", name=label)).to_be_visible()
    screenshot(page, "shortcut-help")
    page.keyboard.press("Escape")
    expect(help_panel).to_have_count(0)
    page.keyboard.press("Shift+Slash")  # "?"
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()


def test_unreachable_server_is_reported_and_reconnects(
    page: Page, ready_server: KitdeskServer
) -> None:
    # A fake clock, paused once the app is up, stops the automatic retry, so
    # only the button can bring the connection back (no race with the timer).
    page.clock.install()
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    # Start-up requests finish first: a late one's follow-up (the model list's MCP
    # servers), sent after the failure, would otherwise reconnect before the button.
    page.wait_for_load_state("networkidle")
    page.clock.pause_at(page.evaluate("Date.now()") + 1)

    server_up = False

    def refuse(route: Route) -> None:
        if server_up:
            route.continue_()
        else:
            route.abort("connectionrefused")

    # The browser's connection to the local server fails (as when it stopped).
    page.route("**/api/**", refuse)
    open_settings(page)
    banner = page.locator(".kd-offline")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Trying again in \d+ s"))
    screenshot(page, "server-unreachable")

    # No timer runs, so nothing reconnects by itself.
    expect(banner).to_be_visible()
    # The server comes back only now, for the button.
    server_up = True
    banner.get_by_role("button", name="Retry now").click()
    expect(banner).to_have_count(0)
    page.unroute("**/api/**", refuse)
    page.clock.resume()


def test_unreachable_at_start_shows_a_full_screen_notice(
    page: Page, ready_server: KitdeskServer
) -> None:
    page.goto(ready_server.url)  # trade the token for the cookie
    page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    page.reload()
    notice = page.get_by_role("alert").filter(has_text="local server is not answering")
    expect(notice).to_be_visible()
    expect(page.get_by_role("button", name="Retry now")).to_be_visible()
    page.unroute("**/api/**")
    # The backoff poll finds the server again by itself.
    expect(notice).to_have_count(0, timeout=15_000)
    expect(page.locator("openai-chatkit")).to_be_attached()


def test_an_unreadable_settings_file_is_reported(page: Page, tmp_path: Path) -> None:
    require_server_parts()
    home = tmp_path / "home"
    settings_path = resolve_paths(home).create().settings_path
    settings_path.write_text("{ this is not json")
    server = start_server(home, {})
    try:
        page.goto(server.url)
        banner = page.get_by_role("status").filter(has_text="could not be read")
        expect(banner).to_contain_text(".corrupt-")
        page.get_by_role("button", name="Dismiss").click()
        expect(banner).to_have_count(0)
        # It starts with defaults, so onboarding shows.
        expect(page.get_by_role("heading", name="Welcome to Kitdesk")).to_be_visible()
    finally:
        stop_server(server)


def test_empty_settings_say_what_to_do(page: Page, kitdesk_server: KitdeskServer) -> None:
    page.goto(kitdesk_server.url)
    page.get_by_role("button", name="Set up later").click()
    open_settings(page)
    expect(page.get_by_text("No providers yet. Add one to start chatting.")).to_be_visible()
    section(page, "Models")
    expect(page.get_by_label("Default model")).to_be_disabled()
    expect(page.get_by_text("No models to choose from yet.")).to_be_visible()
    section(page, "Providers")
    page.get_by_role("button", name="Add provider").click()
    # The new form takes the focus, so typing goes straight into it.
    expect(page.get_by_role("form", name="Add provider").get_by_label("Kind")).to_be_focused()
