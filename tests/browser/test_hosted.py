"""Hosted mode: the document for an Agent Builder workflow loads OpenAI's ChatKit runtime
from its CDN under a policy of its own, and hands it fresh client secrets from Kitdesk.

The CDN is not reachable in tests: Playwright answers the runtime's URL with a stand-in
element that asks for a secret twice (a first one, then a refresh) and shows what it got.
The real runtime is checked by hand (README, "Hosted workflows")."""

from __future__ import annotations

import re

from kitdesk.web.routes.hosted import CDN, NOT_LOADED, RUNTIME_URL
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import UPSTREAM_KEY, KitdeskServer
from tests.upstream import Upstream

WORKFLOW = "wf_68d5bd1c0b1881908a3b5b44f1e2d2f4"

STAND_IN_RUNTIME = """
customElements.define("openai-chatkit", class extends HTMLElement {
  async setOptions(options) {
    const first = await options.api.getClientSecret(null);
    const second = await options.api.getClientSecret(first);
    this.textContent = first + " " + second;
  }
});
"""


def add_workflow(server: KitdeskServer, upstream: Upstream) -> None:
    provider = server.api(
        "POST", "/api/providers", {"kind": "openai", "base_url": upstream.base_url}
    )
    server.api("PUT", f"/api/providers/{provider['id']}/key", {"key": UPSTREAM_KEY})
    server.api(
        "POST", "/api/workflows", {"id": WORKFLOW, "name": "Support", "provider_id": provider["id"]}
    )


def test_the_hosted_document_loads_the_cdn_runtime_and_gets_fresh_secrets(
    page: Page, kitdesk_server: KitdeskServer, upstream: Upstream
) -> None:
    upstream.require_key = UPSTREAM_KEY
    add_workflow(kitdesk_server, upstream)
    requested: list[str] = []

    def runtime(route: Route) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body=STAND_IN_RUNTIME)

    page.route(f"{CDN}/**", runtime)
    page.goto(kitdesk_server.url)  # trades the launch token for the cookie
    response = page.goto(f"{kitdesk_server.base_url}/hosted/{WORKFLOW}")
    assert response is not None and response.status == 200
    policy = {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in response.headers["content-security-policy"].split("; ")
    }
    assert policy["default-src"] == "'none'"
    assert policy["script-src"].split(" ")[1:] == [CDN]
    assert policy["frame-src"] == CDN
    chat = page.locator("openai-chatkit")
    expect(chat).to_have_text(re.compile(r"^\S+ \S+$"))
    secrets = chat.inner_text().split(" ")
    # Each request got a fresh secret from the upstream's sessions endpoint.
    assert secrets == [session.client_secret for session in upstream.chatkit.sessions]
    assert secrets[0] != secrets[1]
    assert requested == [RUNTIME_URL]


def test_without_the_runtime_the_page_says_why(
    page: Page, kitdesk_server: KitdeskServer, upstream: Upstream
) -> None:
    add_workflow(kitdesk_server, upstream)
    page.route(f"{CDN}/**", lambda route: route.abort("internetdisconnected"))
    page.goto(kitdesk_server.url)
    page.goto(f"{kitdesk_server.base_url}/hosted/{WORKFLOW}")
    expect(page.get_by_role("alert")).to_have_text(NOT_LOADED)
