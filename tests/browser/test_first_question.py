"""The page's first question to the server (``GET api/app``) is asked by the HTML
itself, while the scripts download and compile, and the app uses that answer:
the server is asked once, and before the scripts have run."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Request, Route

from tests.browser.chat import open_chat
from tests.browser.conftest import KitdeskServer, PageErrors

pytestmark = pytest.mark.browser

TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const app = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/app'));
  return { scriptsRan: nav.domContentLoadedEventStart, appAsked: app.map((e) => e.startTime) };
}"""


def test_the_app_question_is_asked_once_before_the_scripts_run(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    asked: list[str] = []

    def on_request(request: Request) -> None:
        if request.url.endswith("/api/app"):
            asked.append(request.method)

    page.on("request", on_request)
    open_chat(page, ready_server)
    timings = page.evaluate(TIMINGS)
    # One request: the preload's answer is the one the app's code takes.
    assert asked == ["GET"]
    assert len(timings["appAsked"]) == 1
    # Module scripts run before DOMContentLoaded; the question went out before that.
    assert timings["appAsked"][0] < timings["scriptsRan"]
    assert page_errors.errors == []


# Notes whether the start-up splash ("Starting Kitdesk...") was ever in the page.
WATCH_SPLASH = """
window.__splashSeen = false;
new MutationObserver(() => {
  if (document.querySelector('.kd-splash')) window.__splashSeen = true;
}).observe(document, { childList: true, subtree: true });
"""


def held(seconds: float) -> Callable[[Route], None]:
    def handler(route: Route) -> None:
        time.sleep(seconds)
        route.continue_()

    return handler


def test_when_the_answer_came_while_the_scripts_loaded_the_chat_is_the_first_render(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    """No splash and a second render a moment later: the answer is in before React starts."""
    page.add_init_script(WATCH_SPLASH)
    page.route("**/assets/index-*.js", held(1.0))  # the answer surely arrives meanwhile
    open_chat(page, ready_server)
    assert page.evaluate("window.__splashSeen") is False
    assert page_errors.errors == []


def test_while_the_server_has_not_answered_the_splash_shows(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    page.add_init_script(WATCH_SPLASH)
    page.route("**/api/app", held(1.5))
    open_chat(page, ready_server)
    assert page.evaluate("window.__splashSeen") is True
    assert page_errors.errors == []
