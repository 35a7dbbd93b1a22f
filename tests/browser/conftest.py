"""Real Chromium against a real ``kitdesk serve`` and the fake upstream.

The server runs as a subprocess the way a person starts it, under a private
D-Bus with an unlocked gnome-keyring, so keys go through the real keyring path
(the in-memory backend of the other tests lives only in pytest's process).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from tests.conftest import require
from tests.upstream import Upstream

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WEBUI_INDEX = ROOT / "desktop" / "kitdesk" / "webui_dist" / "index.html"
UPSTREAM_KEY = "sk-browser-test-key-4f9a2c"

# Waits, not delays: a passing check returns as soon as it holds. Playwright's 5 s
# default is short for a 2-core machine running the suite on two workers
# (tests/run-pytest.sh); only a failing check waits this long.
expect.set_options(timeout=15_000)

# Starts an unlocked Secret Service on the private bus, then becomes the server.
KEYRING_SHELL = (
    "printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; "
    'exec "$0" -m kitdesk serve --port 0'
)


@dataclass
class KitdeskServer:
    """A running ``kitdesk serve``: its URL with the launch token, and an API client."""

    url: str
    home: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        parsed = urlparse(self.url)
        return f"{parsed.scheme}://{parsed.netloc}"

    @property
    def base_url(self) -> str:
        """Where the UI, /api and /chatkit live: the origin and the launch's secret prefix."""
        return self.url.split("/?token=")[0]

    @property
    def token(self) -> str:
        return parse_qs(urlparse(self.url).query)["token"][0]

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    def api(self, method: str, path: str, body: Any = None) -> Any:
        with self.client() as client:
            reply = client.request(method, path, json=body)
        assert reply.status_code < 400, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else None

    def add_upstream_provider(self, upstream: Upstream, *, model: str = "gpt-test") -> str:
        """Makes the fake upstream the default provider through the HTTP API, as onboarding does."""
        provider = self.api(
            "POST",
            "/api/providers",
            {
                "kind": "custom",
                "name": "Test upstream",
                "base_url": upstream.base_url,
                "default_model": model,
            },
        )
        provider_id: str = provider["id"]
        self.api("PUT", f"/api/providers/{provider_id}/key", {"key": UPSTREAM_KEY})
        self.api("PUT", "/api/settings", {"default_model": f"{provider_id}::{model}"})
        return provider_id


def start_server(home: Path, env_extra: dict[str, str], *, keyring: bool = True) -> KitdeskServer:
    """Starts `kitdesk serve` with KITDESK_HOME=home (plus env_extra) and waits for its API.

    Without `keyring` there is no D-Bus at all, as on a desktop with no Secret Service.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DBUS_SESSION_BUS_ADDRESS")
    }
    env.update(
        KITDESK_HOME=str(home),
        LANG=env.get("LANG", "C.UTF-8"),
        XDG_DATA_HOME=str(home / "xdg-data"),
        XDG_RUNTIME_DIR=str(home / "xdg-run"),
        XDG_CACHE_HOME=str(home / "xdg-cache"),
        **env_extra,
    )
    (home / "xdg-run").mkdir(parents=True, exist_ok=True, mode=0o700)
    command = [sys.executable, "-m", "kitdesk", "serve", "--port", "0"]
    if keyring:
        command = ["dbus-run-session", "--", "sh", "-c", KEYRING_SHELL, sys.executable]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so the bus and keyring stop with it
    )
    output: list[str] = []
    url: str | None = None
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if line.startswith("http://127.0.0.1:") and "token=" in line:
            url = line.strip()
            break
    if url is None:
        process.wait(timeout=10)
        raise RuntimeError("kitdesk serve did not print its URL:\n" + "".join(output))
    server = KitdeskServer(url=url, home=home, process=process, output=output)
    # Keep draining its log so the pipe never fills and blocks the server.
    threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True).start()
    # The page is served at once while the rest of the app loads in the background
    # (seconds on a busy 2-core machine); the tests start once the API answers.
    with server.client() as client:
        client.get("/api/health", timeout=120).raise_for_status()
    return server


def stop_server(server: KitdeskServer) -> None:
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)


def require_server_parts() -> None:
    require(WEBUI_INDEX.exists(), "the web UI is not built (make webui)")
    require(
        shutil.which("dbus-run-session") is not None
        and shutil.which("gnome-keyring-daemon") is not None,
        "dbus-run-session and gnome-keyring-daemon are needed (apt-get install gnome-keyring)",
    )


@pytest.fixture
def kitdesk_server(tmp_path: Path) -> Iterator[KitdeskServer]:
    """A fresh ``kitdesk serve`` with no provider (onboarding shows)."""
    require_server_parts()
    server = start_server(tmp_path / "home", {})
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def ready_server(kitdesk_server: KitdeskServer, upstream: Upstream) -> KitdeskServer:
    """A server whose default provider is the fake upstream (which now wants our key)."""
    upstream.require_key = UPSTREAM_KEY
    kitdesk_server.add_upstream_provider(upstream)
    # Answered, as by someone who has used Kitdesk before: no first-run update question
    # in the other tests' screens (tests/browser/test_updates.py asks it).
    kitdesk_server.api("PUT", "/api/settings", {"updates": "off"})
    return kitdesk_server


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    require(
        os.path.exists(CHROMIUM),
        f"Debian's Chromium is needed at {CHROMIUM} (apt-get install chromium)",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")  # a live sync Playwright blocks asyncio tests that run after it
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class PageErrors:
    """Uncaught page errors and console errors, to assert none happened."""

    errors: list[str] = field(default_factory=list)
    # For the report of a failed test: requests not answered yet, and ones that
    # failed without an answer (an aborted search is normal, so not an error).
    in_flight: dict[Request, str] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.in_flight[request] = _described(request)

    def on_request_done(self, request: Request) -> None:
        self.in_flight.pop(request, None)

    def on_request_failed(self, request: Request) -> None:
        self.in_flight.pop(request, None)
        self.unanswered.append(f"{_described(request)}: {request.failure}")

    def on_console(self, message: ConsoleMessage) -> None:
        # Failed loads are recorded with their URL by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    yield context
    context.close()


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(context: BrowserContext, page_errors: PageErrors) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.errors.append(f"pageerror: {error}"))
    page.on("console", page_errors.on_console)
    page.on("response", page_errors.on_response)
    page.on("request", page_errors.on_request)
    page.on("requestfinished", page_errors.on_request_done)
    page.on("requestfailed", page_errors.on_request_failed)
    page.set_default_timeout(20_000)
    return page


# The page's text, the element's shadow root included (body.innerText skips it).
SHOWN_TEXT = """() => {
  const parts = [document.body.innerText];
  for (const host of document.querySelectorAll("*")) {
    if (host.shadowRoot) for (const el of host.shadowRoot.children) parts.push(el.innerText ?? "");
  }
  return parts.filter(Boolean).join("\\n");
}"""


def _described(request: Request) -> str:
    """Method and URL, without the launch token a page URL may carry."""
    return f"{request.method} {request.url.split('?token=')[0]}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test's report says what the page showed and which requests
    were still open or failed: a locator that found nothing does not say why."""
    report = yield
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    page, errors = funcargs.get("page"), funcargs.get("page_errors")
    if call.when != "call" or not report.failed or not isinstance(page, Page):
        return report
    try:
        shown = str(page.evaluate(SHOWN_TEXT))
    except Exception as exc:  # the page may be closed or hung: the report still goes out
        shown = f"(could not read the page: {type(exc).__name__})"
    report.sections.append(("page text at the failure", shown[-4000:]))
    if isinstance(errors, PageErrors):
        open_requests = "\n".join(errors.in_flight.values()) or "(none)"
        failed = "\n".join(errors.unanswered) or "(none)"
        report.sections.append(
            ("requests at the failure", f"open:\n{open_requests}\nfailed:\n{failed}")
        )
    return report


def screenshot(page: Page, name: str) -> Path:
    """Saves a screenshot of the page to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
