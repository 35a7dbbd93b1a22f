"""The app's own screens in both themes and a narrow window: every control has
a name, all text meets WCAG AA contrast, and screenshots for a person to judge."""

from __future__ import annotations

from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import KitdeskServer, screenshot

pytestmark = pytest.mark.browser

# Text in the app's own DOM (the element has its own tests) whose contrast with
# the background behind it is under WCAG AA, and controls without a name.
AUDIT = """() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g) || []; return m.map(Number); };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return document.documentElement.dataset.theme === 'dark' ? [23, 24, 27] : [255, 255, 255];
  };
  const problems = [];
  const scope = document.querySelector('dialog[open]') || document.getElementById('root');
  for (const el of scope.querySelectorAll('*')) {
    if (el.closest('openai-chatkit, [disabled]') || el.matches(':disabled')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    const text = [...el.childNodes]
      .filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('');
    if (text) {
      const fg = parse(style.color).slice(0, 3);
      const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        problems.push(`contrast ${ratio.toFixed(2)}: "${text.slice(0, 40)}"`);
      }
    }
    if (el.matches('button, input, select, textarea, [role=switch], [role=radio]')) {
      const named = el.getAttribute('aria-label') || (el.labels && el.labels.length)
        || el.textContent.trim() || el.getAttribute('aria-labelledby') || el.title;
      if (!named) problems.push(`unnamed ${el.tagName.toLowerCase()}`);
    }
  }
  return problems;
}"""


def audit(page: Page) -> list[str]:
    return page.evaluate(AUDIT)


def open_settings_section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name=name
    ).click()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_onboarding_screen(
    browser: Browser, kitdesk_server: KitdeskServer, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(kitdesk_server.url)
        expect(page.get_by_role("heading", name="Welcome to Kitdesk")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-theme", scheme)
        assert audit(page) == []
        screenshot(page, f"onboarding-{scheme}")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_settings_sections(browser: Browser, ready_server: KitdeskServer, scheme: str) -> None:
    ready_server.api("PUT", "/api/settings", {"theme": scheme})
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(ready_server.url)
        expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
        page.locator("body").click(position={"x": 1, "y": 1})
        page.keyboard.press("Control+Comma")
        expect(page.get_by_role("dialog", name="Settings")).to_be_visible()
        for name in ("Providers", "Models", "Chat", "Appearance", "Data", "About"):
            open_settings_section(page, name)
            expect(page.get_by_role("heading", name=name, level=3)).to_be_visible()
            assert audit(page) == [], name
            screenshot(page, f"settings-{name.lower()}-{scheme}")
        open_settings_section(page, "Providers")
        page.get_by_role("button", name="Add provider").click()
        assert audit(page) == []
        screenshot(page, f"settings-add-provider-{scheme}")
    finally:
        context.close()


def test_narrow_window(browser: Browser, ready_server: KitdeskServer) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 760})
    try:
        page = context.new_page()
        page.goto(ready_server.url)
        expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
        screenshot(page, "narrow-chat")
        page.locator("body").click(position={"x": 1, "y": 1})
        page.keyboard.press("Control+Comma")
        dialog = page.get_by_role("dialog", name="Settings")
        expect(dialog).to_be_visible()
        box = dialog.bounding_box()
        assert box is not None and box["width"] <= 420
        # Nothing in the dialog sticks out sideways.
        assert page.evaluate(
            "() => { const d = document.querySelector('dialog[open]');"
            " return d.scrollWidth <= d.clientWidth + 1; }"
        )
        screenshot(page, "narrow-settings")
    finally:
        context.close()


def test_narrow_onboarding(browser: Browser, kitdesk_server: KitdeskServer) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 760})
    try:
        page = context.new_page()
        page.goto(kitdesk_server.url)
        expect(page.get_by_role("heading", name="Welcome to Kitdesk")).to_be_visible()
        # Nothing sticks out sideways; the page scrolls only down.
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        assert audit(page) == []
        screenshot(page, "narrow-onboarding")
    finally:
        context.close()
