"""The element as an npm package: the BUILT `@kitdesk/chatkit-element`
(webui/dist-element, from `npm run build`) loaded into a plain page that uses
`@openai/chatkit-react` (`useChatKit` + `<ChatKit>`), pointed at a ChatKit
server (`kitdesk serve` with the fake upstream), chats end to end.

The page (webui/dist-element-demo, built against dist-element) is served on
the server's own origin by Playwright's routing, so the session cookie that
`kitdesk serve` hands out applies to its ChatKit requests as to any
same-origin integration.
"""

from __future__ import annotations

import json
import mimetypes

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.chat import assistant_messages, composer, send, thread_items, threads
from tests.browser.conftest import ROOT, KitdeskServer, PageErrors, screenshot
from tests.conftest import require
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

PACKAGE = ROOT / "webui" / "dist-element"
DEMO = ROOT / "webui" / "dist-element-demo"


def serve_demo(page: Page, server: KitdeskServer) -> str:
    """Routes <server>/element-demo/* to the built demo page; returns its URL."""

    def fulfil(route: Route) -> None:
        path = route.request.url.split("/element-demo/", 1)[1].split("?", 1)[0] or "index.html"
        file = (DEMO / path).resolve()
        if DEMO.resolve() not in file.parents or not file.is_file():
            route.fulfill(status=404, body="not found")
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix == ".js":
            kind = "text/javascript"
        route.fulfill(status=200, body=file.read_bytes(), headers={"content-type": kind})

    page.route(f"{server.base_url}/element-demo/**", fulfil)
    return f"{server.base_url}/element-demo/index.html?api=../chatkit"


def test_the_built_package_chats_through_chatkit_react(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    require((DEMO / "index.html").is_file(), "the element package is not built (npm run build)")
    manifest = json.loads((PACKAGE / "package.json").read_text())
    assert manifest["name"] == "@kitdesk/chatkit-element"
    assert manifest["exports"]["."] == {"types": "./types/index.d.ts", "import": "./index.js"}
    for entry in (
        "index.js",
        "register.js",
        "types/index.d.ts",
        "types/register.d.ts",
        "README.md",
    ):
        assert (PACKAGE / entry).is_file(), entry

    # The launch URL sets the session cookie, as the desktop window does.
    page.goto(ready_server.url)
    page.goto(serve_demo(page, ready_server))
    expect(page.get_by_text("Package demo")).to_be_visible()
    # The element on this page is the package's (chatkit-react found it registered).
    ours = page.evaluate(
        "() => !!document.querySelector('openai-chatkit')?.shadowRoot?.querySelector('.ck-root')"
    )
    assert ours is True

    upstream.script(Turn(text="Hello from the package demo."))
    send(page, "Hi from a plain page")
    answer = assistant_messages(page).last
    # The first answer waits for the server's ChatKit side to load (slow on a busy machine).
    expect(answer.get_by_role("paragraph")).to_have_text(
        "Hello from the package demo.", timeout=60_000
    )
    expect(page.locator("openai-chatkit .ck-assistant[aria-busy]")).to_have_count(0)
    screenshot(page, "element-package-demo")

    # The server stored the turn; chatkit-react's handlers saw the events.
    stored = threads(ready_server)
    assert len(stored) == 1
    texts = [item["type"] for item in thread_items(ready_server, stored[0]["id"])]
    assert "user_message" in texts and "assistant_message" in texts
    events = page.evaluate("() => window.chatkitEvents.map((e) => e.name)")
    assert events[0] == "ready"
    assert events.count("response.start") == 1
    assert events.count("response.end") == 1
    assert "thread.change" in events
    thread_change = page.evaluate(
        "() => window.chatkitEvents.filter((e) => e.name === 'thread.change').at(-1).detail"
    )
    assert thread_change == {"threadId": stored[0]["id"]}

    # A second turn in the same thread.
    upstream.script(Turn(text="Second answer."))
    expect(composer(page)).to_be_enabled()
    send(page, "And again")
    expect(assistant_messages(page)).to_have_count(2)
    expect(assistant_messages(page).last.get_by_role("paragraph")).to_have_text("Second answer.")
    assert len(threads(ready_server)) == 1
    assert page_errors.errors == []
