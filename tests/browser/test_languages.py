"""The app and the element in every shipped language, in real Chromium.

Each language opens as the system language (the browser's locale), shows its
own words in the app (composer placeholder, greeting, Settings) and in the
element (history search), formats nothing in English, and Arabic lays out
right to left. Screenshots of each go to test-artifacts/; with
KITDESK_UPDATE_DOCS=1 the German and Arabic ones also replace those in docs/
(the README's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.browser.conftest import ROOT, KitdeskServer, PageErrors, screenshot
from tests.browser.test_tools_ui import LONG, add_test_tools, script_echo_then
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"


@dataclass(frozen=True)
class Language:
    code: str
    browser_locale: str
    placeholder: str  # the app's composer placeholder
    greeting: str  # the app's start-screen greeting
    settings: str  # the Settings dialog's title
    appearance: str  # the Appearance section
    language: str  # the language picker's label
    search: str  # the element's own history search field
    today: str  # the element's history group for today
    question: str = ""
    answer: str = ""


LANGUAGES = [
    Language(
        "en",
        "en-US",
        "Message Kitdesk",
        "What can I help with?",
        "Settings",
        "Appearance",
        "Language",
        "Search chats",
        "Today",
    ),
    Language(
        "de",
        "de-DE",
        "Nachricht an Kitdesk",
        "Wobei kann ich helfen?",
        "Einstellungen",
        "Darstellung",
        "Sprache",
        "Chats durchsuchen",
        "Heute",
        "Was ist ein Primzahlzwilling?",
        "Zwei Primzahlen mit dem Abstand 2, zum Beispiel **11 und 13** oder **17 und 19**.",
    ),
    Language(
        "fr",
        "fr-FR",
        "Écrire à Kitdesk",
        "Comment puis-je vous aider ?",
        "Paramètres",
        "Apparence",
        "Langue",
        "Rechercher",
        "Aujourd’hui",
    ),
    Language(
        "es",
        "es-ES",
        "Escribe a Kitdesk",
        "¿En qué puedo ayudarte?",
        "Configuración",
        "Apariencia",
        "Idioma",
        "Buscar chats",
        "Hoy",
    ),
    Language(
        "ja",
        "ja-JP",
        "Kitdesk にメッセージを送信",
        "どんなお手伝いをしましょうか？",
        "設定",
        "外観",
        "言語",
        "チャットを検索",
        "今日",
    ),
    Language(
        "zh-CN",
        "zh-CN",
        "给 Kitdesk 发送消息",
        "有什么可以帮你？",
        "设置",
        "外观",
        "语言",
        "搜索聊天",
        "今天",
    ),
    Language(
        "pt-BR",
        "pt-BR",
        "Envie uma mensagem para o Kitdesk",
        "Como posso ajudar?",
        "Configurações",
        "Aparência",
        "Idioma",
        "Pesquisar chats",
        "Hoje",
    ),
    Language(
        "ar",
        "ar-EG",
        "أرسل رسالة إلى Kitdesk",
        "كيف يمكنني مساعدتك؟",
        "الإعدادات",
        "المظهر",
        "اللغة",
        "البحث في المحادثات",
        "اليوم",
        "ما هي الأعداد الأولية التوأم؟",
        "عددان أوليان الفرق بينهما 2، مثل **11 و13** أو **17 و19**.",
    ),
]

DIRECTIONS = """() => {
  const host = document.querySelector('openai-chatkit');
  const area = host.shadowRoot.querySelector('textarea');
  return {
    html: getComputedStyle(document.documentElement).direction,
    host: host.getAttribute('dir'),
    composer: getComputedStyle(area).direction,
    lang: document.documentElement.lang,
  };
}"""

# Buttons, labels and headings whose text is cut off (wider than their box).
CLIPPED = """(root) => {
  const scope = root === 'dialog' ? document.querySelector('dialog[open]') : document.body;
  const out = [];
  const texts = 'button, label, h1, h2, h3, h4, legend, .kd-badge, .kd-nav-item';
  const nodes = [...scope.querySelectorAll(texts)];
  for (const el of nodes) {
    if (el.getClientRects().length === 0 || el.closest('.kd-visually-hidden')) continue;
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') {
      out.push(el.textContent.trim().slice(0, 40));
    }
  }
  if (scope.scrollWidth > scope.clientWidth + 1) out.push('the page scrolls sideways');
  return out;
}"""


def composer_area(page: Page):
    return page.locator("openai-chatkit textarea")


def open_settings(page: Page, title: str) -> None:
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Comma")
    expect(page.get_by_role("dialog", name=title)).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
def test_each_language_as_the_system_language(
    browser: Browser, ready_server: KitdeskServer, upstream: Upstream, language: Language
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        color_scheme="light",
        locale=language.browser_locale,
    )
    errors = PageErrors()
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.errors.append(f"pageerror: {error}"))
        page.on("console", errors.on_console)
        page.set_default_timeout(10_000)
        page.goto(ready_server.url)

        # The app's words, and the element's own.
        expect(composer_area(page)).to_have_attribute("placeholder", language.placeholder)
        expect(page.locator("openai-chatkit").get_by_text(language.greeting)).to_be_visible()
        expect(page.locator("openai-chatkit").get_by_placeholder(language.search)).to_be_visible()
        directions = page.evaluate(DIRECTIONS)
        assert directions["lang"] == language.code
        expected = "rtl" if language.code == "ar" else "ltr"
        assert directions == {
            **directions,
            "html": expected,
            "host": expected,
            "composer": expected,
        }

        if language.question:
            upstream.script(Turn(text=language.answer))
            composer_area(page).fill(language.question)
            composer_area(page).press("Enter")
            # Generous waits: the answer goes through the server and the fake upstream,
            # slow on a loaded 2-core machine.
            expect(page.locator("openai-chatkit .ck-assistant").last).to_contain_text(
                re.sub(r"\*\*", "", language.answer), timeout=30_000
            )
            expect(page.locator("openai-chatkit .ck-assistant[aria-busy]")).to_have_count(
                0, timeout=30_000
            )
            # The history groups the new chat under the language's "Today".
            expect(
                page.locator("openai-chatkit").get_by_text(language.today, exact=True)
            ).to_be_visible(timeout=30_000)
        assert page.evaluate(CLIPPED, "page") == []
        chat_shot = screenshot(page, f"language-{language.code}-chat")

        open_settings(page, language.settings)
        page.get_by_role("dialog", name=language.settings).get_by_role(
            "button", name=language.appearance
        ).click()
        expect(page.get_by_role("heading", name=language.appearance, level=3)).to_be_visible()
        expect(page.get_by_label(language.language, exact=True)).to_have_value("system")
        assert page.evaluate(CLIPPED, "dialog") == []
        settings_shot = screenshot(page, f"language-{language.code}-settings")

        if language.code in ("de", "ar") and os.environ.get("KITDESK_UPDATE_DOCS") == "1":
            DOCS.mkdir(exist_ok=True)
            shutil.copyfile(chat_shot, DOCS / f"screenshot-{language.code}.png")
            if language.code == "ar":
                shutil.copyfile(settings_shot, DOCS / "screenshot-ar-settings.png")
        assert errors.errors == []
    finally:
        context.close()


def test_the_language_picker_switches_at_once_and_is_remembered(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors
) -> None:
    page.goto(ready_server.url)
    expect(composer_area(page)).to_have_attribute("placeholder", "Message Kitdesk")
    open_settings(page, "Settings")
    page.get_by_role("button", name="Appearance").click()
    picker = page.get_by_label("Language")
    expect(picker).to_have_value("system")
    picker.select_option("ar")

    # Everything switches without a reload: the dialog, the document's direction, the element.
    expect(page.get_by_role("dialog", name="الإعدادات")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(composer_area(page)).to_have_attribute("placeholder", "أرسل رسالة إلى Kitdesk")
    expect(page.locator("openai-chatkit")).to_have_attribute("dir", "rtl")

    page.get_by_label("اللغة").select_option("de")
    expect(page.get_by_role("dialog", name="Einstellungen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    # Kept on the server too (settings.json), not only in this browser profile.
    saved = page.get_by_test_id("language-save-state")
    expect(saved).to_have_text("Gespeichert")
    assert ready_server.api("GET", "/api/settings")["language"] == "de"

    page.reload()
    expect(composer_area(page)).to_have_attribute("placeholder", "Nachricht an Kitdesk")
    open_settings(page, "Einstellungen")
    page.get_by_role("button", name="Darstellung").click()
    picker = page.get_by_label("Sprache")
    expect(picker).to_have_value("de")
    picker.select_option("system")
    expect(page.get_by_role("dialog", name="Settings")).to_be_visible()
    expect(page.get_by_test_id("language-save-state")).to_have_text("Saved")
    assert ready_server.api("GET", "/api/settings")["language"] == "system"
    assert page_errors.errors == []


def test_the_server_setting_wins_in_a_new_profile(
    browser: Browser, ready_server: KitdeskServer
) -> None:
    """A language chosen earlier (settings.json) applies in a window whose profile never saw it."""
    ready_server.api("PUT", "/api/settings", {"language": "ja"})
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(ready_server.url)
        expect(composer_area(page)).to_have_attribute("placeholder", "Kitdesk にメッセージを送信")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        # Remembered in the profile, so the next start paints in Japanese at once.
        assert page.evaluate("localStorage.getItem('kitdesk.language')") == "ja"
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "heading"), [("ar-SA", "مرحبًا بك في Kitdesk")])
def test_onboarding_right_to_left(
    browser: Browser, kitdesk_server: KitdeskServer, locale: str, heading: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    try:
        page = context.new_page()
        page.goto(kitdesk_server.url)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert page.evaluate(CLIPPED, "page") == []
        screenshot(page, "language-ar-onboarding")
    finally:
        context.close()


def test_a_german_ui_gets_a_german_approval_card_from_the_server(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    """The server writes the approval card and the tool activity; the app tells it the
    language shown on every request. The browser itself asks for English (its locale is
    en-US), so only the app's own header can make these German."""
    ready_server.api("PUT", "/api/settings", {"language": "de"})
    add_test_tools(ready_server, "ask")
    script_echo_then(upstream, "hallo von der Karte", "Das Tool sagte hallo.")
    asked: dict[str, list[str]] = {"page": [], "chatkit": []}

    def note(request: Request) -> None:
        wanted = request.all_headers().get("accept-language", "")
        if request.resource_type == "document":
            asked["page"].append(wanted)
        elif request.url.endswith("/chatkit"):
            # Named by kind: Playwright may report a request sent before the switch to
            # German (the page starts in the browser's language) after the UI shows it.
            kind = json.loads(request.post_data or "{}").get("type", "?")
            asked["chatkit"].append(f"{kind}: {wanted}")

    page.on("request", note)
    page.goto(ready_server.url)
    expect(composer_area(page)).to_have_attribute("placeholder", "Nachricht an Kitdesk")
    # Left to itself the browser asks for English, which the server would follow.
    assert asked["page"] and all(v.startswith("en") for v in asked["page"]), asked
    composer_area(page).fill("Benutze das Echo-Tool")
    composer_area(page).press("Enter")

    element = page.locator("openai-chatkit")
    card = element.locator(".ck-w-card").filter(
        has=page.get_by_role("heading", name="echo (Test tools) erlauben?")
    )
    expect(card).to_be_visible(timeout=LONG)
    expect(card).to_contain_text("Das Modell möchte ein Tool des Servers „Test tools“ verwenden.")
    for label in ("Einmal erlauben", "Dieses Tool immer erlauben", "Ablehnen"):
        expect(card.get_by_role("button", name=label)).to_be_visible()
    screenshot(page, "language-de-approval")

    card.get_by_role("button", name="Einmal erlauben").click()
    expect(card).to_contain_text("Einmal erlaubt.", timeout=LONG)
    expect(element.get_by_role("button", name="1 Tool verwendet")).to_be_visible(timeout=LONG)
    expect(element.locator(".ck-assistant").last).to_contain_text(
        "Das Tool sagte hallo.", timeout=LONG
    )
    # The message and the decision named German (requests before the switch named English).
    sent = [r for r in asked["chatkit"] if r.startswith(("threads.create", "threads.custom"))]
    assert len(sent) >= 2 and all(r.endswith(": de") for r in sent), asked
