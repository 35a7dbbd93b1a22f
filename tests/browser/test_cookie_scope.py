"""The launch token's cookie stays with Kitdesk (issue 11 item 2), in real Chromium.

Cookies ignore ports: a cookie for ``127.0.0.1`` goes to every server on this
machine that the browser visits, and SameSite=Strict lets pages on other
local ports (the same site) send it. Kitdesk's cookie carries the launch's
secret path prefix as its ``Path``. Here a second local server on another
port, the neighbour, records every cookie it receives while the person uses
Kitdesk and visits it, and a page the neighbour serves tries to read and use
Kitdesk's API.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from kitdesk.web.security import COOKIE_NAME
from playwright.sync_api import Page, Request, expect

from tests.browser.chat import threads
from tests.browser.conftest import KitdeskServer

pytestmark = pytest.mark.browser

NEIGHBOUR_COOKIE = "neighbour_probe"


class Neighbour(http.server.ThreadingHTTPServer):
    """Another local web server: answers every GET with a page, records the cookies."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (path, Cookie header)
        neighbour = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/favicon.ico":  # the browser's own extra request
                    neighbour.received.append((self.path, self.headers.get("Cookie", "")))
                body = b"<!doctype html><title>neighbour</title><p>Another local site</p>"
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def cookies_named(self, name: str) -> list[str]:
        return [path for path, header in self.received if f"{name}=" in header]


@pytest.fixture
def neighbour() -> Iterator[Neighbour]:
    server = Neighbour()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def open_kitdesk(page: Page, server: KitdeskServer) -> str:
    """Open the launch link as the window does; returns the secret prefix."""
    page.goto(server.url)
    expect(page).to_have_url(f"{server.base_url}/")  # the token left the address bar
    prefix = server.base_url.removeprefix(server.origin)
    ours = [c for c in page.context.cookies() if c.get("name") == COOKIE_NAME]
    assert [(c.get("value"), c.get("path"), c.get("httpOnly")) for c in ours] == [
        (server.token, f"{prefix}/", True)
    ]
    return prefix


def test_another_local_server_never_receives_the_token_cookie(
    page: Page, kitdesk_server: KitdeskServer, neighbour: Neighbour
) -> None:
    prefix = open_kitdesk(page, kitdesk_server)
    # Control: a cookie of 127.0.0.1 for every path does reach the neighbour.
    page.context.add_cookies(
        [{"name": NEIGHBOUR_COOKIE, "value": "1", "domain": "127.0.0.1", "path": "/"}]
    )
    for host in ("127.0.0.1", "localhost"):
        for path in ("/", "/api/settings", "/chatkit", "/k/", "/k/guess/", "/assets/x.js"):
            page.goto(f"http://{host}:{neighbour.port}{path}")
            expect(page.get_by_text("Another local site")).to_be_visible()
    assert len(neighbour.received) == 12
    assert neighbour.cookies_named(NEIGHBOUR_COOKIE) == [  # 127.0.0.1's, not localhost's
        "/",
        "/api/settings",
        "/chatkit",
        "/k/",
        "/k/guess/",
        "/assets/x.js",
    ]
    # Fetches a page there makes of its own paths (as of Kitdesk's: cookies
    # ignore ports) carry its cookies but not Kitdesk's.
    page.goto(f"http://127.0.0.1:{neighbour.port}/page")
    fetched = page.evaluate(
        """async () => { const out = [];
          for (const path of ["/api/settings", "/chatkit", "/k/guess/api/settings"]) {
            out.push((await fetch(path, { credentials: "include" })).status); }
          return out; }"""
    )
    assert fetched == [200, 200, 200]
    assert neighbour.cookies_named(NEIGHBOUR_COOKIE)[-4:] == [
        "/page",
        "/api/settings",
        "/chatkit",
        "/k/guess/api/settings",
    ]
    assert len(neighbour.received) == 16
    assert neighbour.cookies_named(COOKIE_NAME) == []
    # Only a URL naming the secret prefix would carry it (cookies ignore ports):
    # the prefix is what keeps it home, and no other server knows it.
    page.goto(f"http://127.0.0.1:{neighbour.port}{prefix}/")
    assert neighbour.cookies_named(COOKIE_NAME) == [f"{prefix}/"]


ATTACKS = """async ({ origin, base }) => {
  const attempt = async (run) => {
    try { return String(await run()); } catch (e) { return e.name; }
  };
  const create = JSON.stringify({
    type: "threads.create",
    params: { input: { content: [{ type: "input_text", text: "planted" }], attachments: [],
                       inference_options: {} } },
  });
  const results = {};
  for (const [name, root] of [["guessed", origin], ["leaked", base]]) {
    results[name + "Read"] = await attempt(async () =>
      (await fetch(root + "/api/settings", { credentials: "include" })).text());
    results[name + "ReadNoCors"] = await attempt(async () =>
      (await fetch(root + "/api/settings", { credentials: "include", mode: "no-cors" })).type);
    results[name + "Use"] = await attempt(async () =>
      (await fetch(root + "/chatkit", { method: "POST", mode: "no-cors", credentials: "include",
                                         headers: { "content-type": "text/plain" },
                                         body: create })).type);
  }
  results.cookie = document.cookie;
  return results;
}"""


def test_a_page_on_another_local_port_cannot_read_or_use_the_api(
    page: Page, kitdesk_server: KitdeskServer, neighbour: Neighbour
) -> None:
    open_kitdesk(page, kitdesk_server)
    page.goto(f"http://127.0.0.1:{neighbour.port}/attack")
    # Counted from here: requests the Kitdesk page itself still had in flight while
    # it loaded (settings, presets on a busy machine) are not the attacker's.
    to_kitdesk: list[Request] = []
    # (Which cookies a request carries is decided by host and path, not port:
    # the neighbour's own recordings in the test above show the browser's choice.)
    page.context.on(
        "request",
        lambda request: (
            to_kitdesk.append(request) if request.url.startswith(kitdesk_server.origin) else None
        ),
    )
    # The attacker knows the port (it can scan); give it the secret prefix as well,
    # as if it had leaked, to show the other locks hold on their own.
    results = page.evaluate(
        ATTACKS, {"origin": kitdesk_server.origin, "base": kitdesk_server.base_url}
    )
    assert results == {
        "guessedRead": "TypeError",  # no CORS: the answer is never readable
        "guessedReadNoCors": "TypeError",  # CORP same-origin: not even opaque
        "guessedUse": "TypeError",
        "leakedRead": "TypeError",
        "leakedReadNoCors": "TypeError",
        "leakedUse": "TypeError",
        "cookie": "",  # HttpOnly, and scoped to Kitdesk's prefix
    }, results
    # Each reached Kitdesk and got nothing back (the Origin, Sec-Fetch-Site and
    # prefix checks answered; Cross-Origin-Resource-Policy hides even that).
    assert len(to_kitdesk) == 6, [r.url for r in to_kitdesk]
    assert all(request.failure for request in to_kitdesk)
    assert threads(kitdesk_server) == []  # nothing was planted
