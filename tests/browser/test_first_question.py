"""The page's first question to the server (``GET api/app``) is asked by the HTML
itself, while the scripts download and compile, and the app uses that answer:
the server is asked once, and before the scripts have run."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Request

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
