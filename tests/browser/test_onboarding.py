"""First run in the real browser: pick a provider, test it, continue to the chat."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
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


def test_onboarding_with_a_key_reaches_the_chat_and_keeps_the_key_out_of_the_page(
    page: Page, kitdesk_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    upstream.require_key = UPSTREAM_KEY
    page.goto(kitdesk_server.url)
    expect(page.get_by_role("heading", name="Welcome to Kitdesk")).to_be_visible()
    screenshot(page, "onboarding")

    page.get_by_role("radio", name=re.compile(r"^Another provider")).check()
    page.get_by_label("Provider", exact=True).select_option("custom")
    page.get_by_label("Name").fill("Test upstream")
    page.get_by_label("Base URL").fill(upstream.base_url)
    key_field = page.get_by_label(re.compile(r"^API key"))

    # A wrong key: the provider's refusal, in words.
    key_field.fill("sk-wrong-key-000000000000")
    page.get_by_role("button", name="Test connection").click()
    result = page.get_by_role("status").filter(has_text=re.compile(r"\S"))
    expect(result).to_contain_text(re.compile(r"key", re.IGNORECASE))
    expect(result.locator(".kd-bad")).to_be_visible()

    key_field.fill(UPSTREAM_KEY)
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status")).to_contain_text("Connected: 2 models")
    screenshot(page, "onboarding-connected")

    page.get_by_role("button", name="Continue").click()
    expect(page.locator("openai-chatkit")).to_be_attached()
    expect(page.get_by_role("heading", name="Welcome to Kitdesk")).to_have_count(0)

    providers = kitdesk_server.api("GET", "/api/providers")
    [provider] = [p for p in providers if p["name"] == "Test upstream"]
    assert provider["key"] == {"has_key": True, "source": "keyring"}
    assert provider["base_url"] == upstream.base_url
    settings = kitdesk_server.api("GET", "/api/settings")
    assert settings["default_provider"] == provider["id"]
    assert settings["default_model"] in upstream.models
    app = kitdesk_server.api("GET", "/api/app")
    assert app["needs_onboarding"] is False

    # The key went to the keyring only: not the page, its storage, or the settings file.
    assert UPSTREAM_KEY not in page.content()
    stored = page.evaluate(
        "() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert UPSTREAM_KEY not in stored
    settings_files = list(kitdesk_server.home.rglob("settings.json*"))
    assert settings_files
    for path in settings_files:
        assert UPSTREAM_KEY not in path.read_text()
    assert any(
        r.headers.get("authorization") == f"Bearer {UPSTREAM_KEY}" for r in upstream.requests
    )
    assert page_errors.errors == []


def test_onboarding_with_a_local_server_needs_no_key(
    page: Page, kitdesk_server: KitdeskServer, upstream: Upstream
) -> None:
    page.goto(kitdesk_server.url)
    page.get_by_role("radio", name=re.compile(r"^Local server")).check()
    expect(page.get_by_label(re.compile(r"^API key"))).to_have_count(0)
    page.get_by_label("Server", exact=True).select_option("lmstudio")
    base_url = page.get_by_label("Base URL")
    expect(base_url).to_have_value("http://127.0.0.1:1234/v1")
    base_url.fill(upstream.base_url)
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status")).to_contain_text("Connected: 2 models")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("openai-chatkit")).to_be_attached()

    [provider] = kitdesk_server.api("GET", "/api/providers")
    assert provider["kind"] == "lmstudio"
    assert provider["key"]["has_key"] is False


def test_onboarding_reports_an_unreachable_server_and_a_bad_url(
    page: Page, kitdesk_server: KitdeskServer
) -> None:
    page.goto(kitdesk_server.url)
    page.get_by_role("radio", name=re.compile(r"^Local server")).check()
    base_url = page.get_by_label("Base URL")
    # Port 9 (discard) on loopback has nothing listening.
    base_url.fill("http://127.0.0.1:9/v1")
    page.get_by_role("button", name="Test connection").click()
    failure = page.locator(".kd-test-result .kd-bad")
    expect(failure).to_be_visible()
    assert "Traceback" not in failure.inner_text()

    # A local server that is not running: "is it running?" is the right question.
    expect(failure).to_contain_text("is the server running?")

    base_url.fill("ftp://example.com")
    page.get_by_role("button", name="Continue").click()
    # The form's label, not the API's field name.
    expect(page.get_by_role("alert")).to_have_text("Base URL must start with http:// or https://.")
    assert kitdesk_server.api("GET", "/api/providers") == []


def test_another_provider_without_a_key_points_at_the_key_field(
    page: Page, kitdesk_server: KitdeskServer, upstream: Upstream
) -> None:
    upstream.require_key = UPSTREAM_KEY
    page.goto(kitdesk_server.url)
    page.get_by_role("radio", name=re.compile(r"^Another provider")).check()
    page.get_by_label("Provider", exact=True).select_option("custom")
    page.get_by_label("Base URL").fill(upstream.base_url)
    key_field = page.get_by_label(re.compile(r"^API key"))
    expect(key_field).to_be_visible()
    expect(key_field).to_have_value("")
    page.get_by_role("button", name="Test connection").click()
    failure = page.locator(".kd-test-result .kd-bad")
    expect(failure).to_have_text("✕ The server asks for an API key. Enter the API key above.")
    screenshot(page, "onboarding-no-key")

    key_field.fill(UPSTREAM_KEY)
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status")).to_contain_text("Connected: 2 models")


def test_openai_offline_says_to_check_the_connection(
    page: Page, kitdesk_server: KitdeskServer
) -> None:
    asked: list[dict[str, str]] = []

    def offline(route: Route) -> None:
        # The real server tests a dead address in place of api.openai.com, as when
        # this computer is offline; the page still believes it asked about OpenAI.
        body: dict[str, str] = json.loads(route.request.post_data or "{}")
        asked.append(body)
        route.continue_(post_data=json.dumps({**body, "base_url": "http://127.0.0.1:9/v1"}))

    page.route("**/api/providers/test", offline)
    page.goto(kitdesk_server.url)
    expect(page.get_by_role("radio", name=re.compile(r"^OpenAI API key"))).to_be_checked()
    page.get_by_label(re.compile(r"^API key")).fill("sk-test-0000000000000000")
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".kd-test-result .kd-bad")).to_have_text(
        "✕ Could not reach api.openai.com — check your internet connection."
    )
    assert [(b["kind"], b["base_url"]) for b in asked] == [("openai", "https://api.openai.com/v1")]
    screenshot(page, "onboarding-openai-offline")


def test_with_openai_api_key_set_the_chat_opens_directly(
    page: Page, tmp_path: Path, upstream: Upstream
) -> None:
    require_server_parts()
    upstream.require_key = UPSTREAM_KEY
    server = start_server(
        tmp_path / "home", {"OPENAI_API_KEY": UPSTREAM_KEY, "OPENAI_BASE_URL": upstream.base_url}
    )
    try:
        page.goto(server.url)
        expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Welcome to Kitdesk")).to_have_count(0)
        page.locator("body").click(position={"x": 1, "y": 1})
        page.keyboard.press("Control+Comma")
        card = page.get_by_role("article", name=re.compile("Environment"))
        expect(card.get_by_test_id("key-status")).to_have_text("Using OPENAI_API_KEY")
        # Read-only: no edit, key or remove controls.
        expect(card.get_by_role("button", name="Edit")).to_have_count(0)
        expect(card.get_by_role("button", name=re.compile("key"))).to_have_count(0)
        card.get_by_role("button", name="Test connection").click()
        expect(card.get_by_role("status")).to_contain_text("Connected: 2 models")
    finally:
        stop_server(server)


def test_without_a_keyring_onboarding_says_so_and_offers_a_local_server(
    page: Page, tmp_path: Path, upstream: Upstream
) -> None:
    require_server_parts()
    server = start_server(tmp_path / "home", {}, keyring=False)
    try:
        assert server.api("GET", "/api/app")["keyring"]["usable"] is False
        page.goto(server.url)
        warning = page.get_by_role("alert").filter(has_text="keyring")
        expect(warning).to_contain_text("OPENAI_API_KEY")
        expect(page.get_by_role("textbox", name="API key")).to_be_disabled()
        expect(page.get_by_role("button", name="Continue")).to_be_disabled()
        screenshot(page, "onboarding-no-keyring")
        # A local server needs no key, so it still works.
        page.get_by_role("radio", name=re.compile(r"^Local server")).check()
        expect(warning).to_have_count(0)
        page.get_by_label("Base URL").fill(upstream.base_url)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
    finally:
        stop_server(server)


def test_set_up_later_then_sending_says_what_to_do(
    page: Page, kitdesk_server: KitdeskServer
) -> None:
    page.goto(kitdesk_server.url)
    page.get_by_role("button", name="Set up later").click()
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill("Hello?")
    box.press("Enter")
    error = page.locator("openai-chatkit").get_by_role("alert")
    expect(error).to_contain_text("Settings")
    assert "Traceback" not in error.inner_text()
