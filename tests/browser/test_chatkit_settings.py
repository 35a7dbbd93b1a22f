"""Settings for ChatKit backends, used as a person would: a ChatKit server added as a
provider with a secret request header (tested before saving, stored in the keyring,
never shown again), and Agent Builder workflows added, opened and removed.

The ChatKit server is the real scripted one (tests/chatkit_server, its own process,
refusing requests without the header). Hosted workflows run OpenAI's runtime from
its CDN, which tests cannot reach: as in test_hosted.py, Playwright answers the
runtime's URL with a stand-in element that shows the secret it was given."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from kitdesk.web.routes.hosted import CDN
from playwright.sync_api import Page, expect

from tests.browser.chat import composer
from tests.browser.conftest import UPSTREAM_KEY, KitdeskServer, PageErrors, screenshot
from tests.browser.test_hosted import STAND_IN_RUNTIME
from tests.browser.test_settings import open_settings, section
from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.upstream import Upstream

pytestmark = pytest.mark.browser

HEADER, SECRET = "X-Api-Key", "v-secret-7d1e"
WORKFLOW = "wf_68d5bd1c0b1881908a3b5b44f1e2d2f4"
TERMS = (
    "Hosted mode runs OpenAI’s hosted ChatKit UI, loaded from OpenAI’s servers, under "
    "OpenAI’s terms."
)


@pytest.fixture(scope="module")
def guarded_chatkit_server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process(require_header=(HEADER, SECRET)) as server:
        yield server


def test_a_chatkit_server_with_a_secret_header_is_added_tested_and_edited(
    page: Page,
    ready_server: KitdeskServer,
    guarded_chatkit_server: ChatKitServerProcess,
    page_errors: PageErrors,
) -> None:
    page.goto(ready_server.url)
    expect(composer(page)).to_be_visible()
    open_settings(page)
    page.get_by_role("button", name="Add provider").click()
    form = page.get_by_role("form", name="Add provider")
    form.get_by_label("Kind").select_option(label="ChatKit server")
    form.get_by_label("Name", exact=True).fill("Agent")
    form.get_by_label("Base URL").fill(guarded_chatkit_server.url)
    expect(form.get_by_label("API key")).to_have_count(0)  # a ChatKit server takes headers

    # Without the header the server refuses; the test says so before anything is saved.
    form.get_by_role("button", name="Test connection").click()
    expect(form.get_by_role("status")).to_contain_text("refused the request (HTTP 401)")
    form.get_by_role("button", name="Add header").click()
    form.get_by_label("Name of header 1").fill(HEADER)
    form.get_by_label(f"Value of {HEADER}").fill("wrong")
    form.get_by_role("button", name="Test connection").click()
    expect(form.get_by_role("status")).to_contain_text("refused the request (HTTP 401)")
    form.get_by_label(f"Value of {HEADER}").fill(SECRET)
    form.get_by_role("button", name="Test connection").click()
    expect(form.get_by_role("status")).to_have_text("✓ Connected: the ChatKit server answers")
    screenshot(page, "settings-chatkit-server")
    form.get_by_role("button", name="Add provider").click()

    card = page.get_by_role("article", name="Agent")
    expect(card.get_by_text(guarded_chatkit_server.url)).to_be_visible()
    [agent] = [p for p in ready_server.api("GET", "/api/providers") if p["name"] == "Agent"]
    assert (agent["kind"], agent["headers"], agent["headers_set"]) == (
        "chatkit",
        [HEADER],
        [HEADER],
    )
    assert SECRET not in page.content()
    card.get_by_role("button", name="Test connection").click()
    expect(card.get_by_role("status")).to_have_text("✓ Connected: the ChatKit server answers")
    models = [m["id"] for m in ready_server.api("GET", "/api/models")["models"]]
    assert f"{agent['id']}::default" in models

    # Editing shows the value as stored (never its text); removing the header forgets it.
    card.get_by_role("button", name="Edit").click()
    edit = page.get_by_role("form", name="Edit Agent")
    value = edit.get_by_label(f"Value of {HEADER}")
    expect(value).to_have_value("")
    expect(value).to_have_attribute("placeholder", "Stored in the keyring; type to replace")
    edit.get_by_role("button", name="Test connection").click()  # with the stored value
    expect(edit.get_by_role("status")).to_have_text("✓ Connected: the ChatKit server answers")
    edit.get_by_role("button", name=f"Remove {HEADER}").click()
    edit.get_by_role("button", name="Save").click()
    expect(edit).to_have_count(0)
    [agent] = [p for p in ready_server.api("GET", "/api/providers") if p["name"] == "Agent"]
    assert (agent["headers"], agent["headers_set"]) == ([], [])
    card.get_by_role("button", name="Test connection").click()
    expect(card.get_by_role("status")).to_contain_text("refused the request (HTTP 401)")
    assert page_errors.errors == []


def add_openai_provider(server: KitdeskServer, upstream: Upstream) -> str:
    provider = server.api(
        "POST",
        "/api/providers",
        {"kind": "openai", "name": "OpenAI (test)", "base_url": upstream.base_url},
    )
    server.api("PUT", f"/api/providers/{provider['id']}/key", {"key": UPSTREAM_KEY})
    return provider["id"]


def test_workflows_are_added_opened_and_removed_with_the_hosted_terms_said_plainly(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    page.goto(ready_server.url)
    expect(composer(page)).to_be_visible()
    open_settings(page)
    section(page, "Workflows")
    expect(page.get_by_test_id("hosted-terms")).to_contain_text(TERMS)

    # No OpenAI provider with a key yet: the form says what is needed.
    page.get_by_role("button", name="Add workflow").click()
    form = page.get_by_role("form", name="Add workflow")
    expect(form.get_by_role("note")).to_have_text(
        "Workflows run with an OpenAI provider’s key. Add an OpenAI provider with a key "
        "in Providers first."
    )
    form.get_by_role("button", name="Cancel").click()

    provider_id = add_openai_provider(ready_server, upstream)
    section(page, "Providers")
    section(page, "Workflows")
    page.get_by_role("button", name="Add workflow").click()
    form = page.get_by_role("form", name="Add workflow")
    expect(form.get_by_label("OpenAI provider")).to_have_value(provider_id)
    form.get_by_label("Workflow ID").fill("support")
    form.get_by_label("Name", exact=True).fill("Support")
    form.get_by_role("button", name="Add workflow").click()
    expect(form.get_by_role("alert")).to_have_text(
        "A workflow ID starts with wf_ followed by letters, digits, dashes or underscores."
    )
    form.get_by_label("Workflow ID").fill(WORKFLOW)
    form.get_by_role("button", name="Add workflow").click()

    card = page.get_by_role("article", name="Support")
    expect(card).to_contain_text(WORKFLOW)
    expect(card).to_contain_text("OpenAI (test)")
    assert ready_server.api("GET", "/api/workflows") == [
        {"id": WORKFLOW, "name": "Support", "provider_id": provider_id}
    ]
    screenshot(page, "settings-workflows")

    # Open: the hosted document replaces the app, gets a secret, and leads back.
    page.route(
        f"{CDN}/**",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=STAND_IN_RUNTIME
        ),
    )
    card.get_by_role("link", name="Open").click()
    expect(page).to_have_url(f"{ready_server.base_url}/hosted/{WORKFLOW}")
    expect(page.locator("openai-chatkit")).to_have_text(re.compile(r"^\S+ \S+$"))
    assert page.locator("openai-chatkit").inner_text().split(" ") == [
        s.client_secret for s in upstream.chatkit.sessions
    ]
    page.get_by_role("link", name="← Back to Kitdesk").click()
    expect(composer(page)).to_be_visible()

    open_settings(page)
    section(page, "Workflows")
    card = page.get_by_role("article", name="Support")
    card.get_by_role("button", name="Remove").click()
    confirm = card.get_by_role("alertdialog", name="Remove Support?")
    expect(confirm).to_contain_text("The workflow itself and its conversations stay with OpenAI.")
    confirm.get_by_role("button", name="Remove workflow").click()
    expect(page.get_by_role("article", name="Support")).to_have_count(0)
    expect(page.get_by_text("No workflows yet.")).to_be_visible()
    assert ready_server.api("GET", "/api/workflows") == []
