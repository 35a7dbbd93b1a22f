"""A ChatKit server's answers in Kitdesk's window, end to end: the real scripted server
(tests/chatkit_server, its own process) is a provider of ``kitdesk serve``; Chromium
chats with it through Kitdesk's /chatkit relay.

Every widget type of the SDK renders (each is checked for what makes it that widget,
and photographed in light and dark into test-artifacts/widgets/<type>-<scheme>.png);
widget actions go through ``threads.custom_action`` and ``threads.sync_custom_action``
with their loading state; workflow items with progress updates, notices, ``error``
events and client effects arrive in the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from tests.browser.chat import composer, send, thread_items, threads
from tests.browser.conftest import ROOT, KitdeskServer, PageErrors
from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.chatkit_server.scripts import IMAGES_ALTS, MARKDOWN_IMAGES_ALTS
from tests.chatkit_server.widgets import ROOT_TYPES, sdk_widget_types

pytestmark = pytest.mark.browser

WIDGET_SHOTS = ROOT / "test-artifacts" / "widgets"
PROVIDER = "Agent"


@pytest.fixture(scope="module")
def chatkit_server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process() as server:
        yield server


@pytest.fixture
def agent_server(
    kitdesk_server: KitdeskServer, chatkit_server: ChatKitServerProcess
) -> KitdeskServer:
    """Kitdesk whose default (and only) provider is the ChatKit test server."""
    provider = kitdesk_server.api(
        "POST",
        "/api/providers",
        {"kind": "chatkit", "name": PROVIDER, "base_url": chatkit_server.url},
    )
    kitdesk_server.api(
        "PUT", "/api/settings", {"default_model": f"{provider['id']}::default", "updates": "off"}
    )
    return kitdesk_server


def widgets(page: Page) -> Locator:
    return page.locator("openai-chatkit .ck-widget")


def widget_of_type(page: Page, widget_type: str) -> Locator:
    """The widget showing ``widget_type``, scrolled into the virtualized thread: each
    example is labelled by a caption naming its type (the list view by its items)."""
    if widget_type in ("ListView", "ListViewItem"):
        # A list item only lives in a list view: both examples are the same list.
        found = widgets(page).filter(has_text="Second").filter(has_text="First").first
    else:
        caption = page.locator(".ck-w-caption", has_text=re.compile(f"^{widget_type}$"))
        found = widgets(page).filter(has=caption)
    scroller = page.locator("openai-chatkit .ck-scroll")
    # As the reader's wheel would: only their own input unsticks the view from the bottom.
    scroller.evaluate(
        "el => { const wheel = { deltaY: -el.clientHeight, bubbles: true, composed: true };"
        " el.dispatchEvent(new WheelEvent('wheel', wheel)); el.scrollTop = 0; }"
    )
    for _ in range(200):
        if found.count() >= 1:
            try:  # rows come and go as the virtualizer measures: centre it, then look again
                found.evaluate("el => el.scrollIntoView({ block: 'center' })", timeout=1000)
            except PlaywrightError:
                continue
            page.wait_for_timeout(100)
            if found.count() >= 1:
                return found
            continue
        at_end = scroller.evaluate(
            "el => { const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;"
            " el.scrollTop += el.clientHeight / 2; return end; }"
        )
        if at_end:
            break
        page.wait_for_timeout(50)  # the virtualizer draws the rows now in view
    raise AssertionError(f"no {widget_type} widget in the thread")


def scheme_is(page: Page, scheme: str) -> None:
    expect(page.locator(f"openai-chatkit .ck-root[data-color-scheme={scheme}]")).to_have_count(1)


def check_widget(widget_type: str, widget: Locator) -> None:
    """What shows that the widget is this type and not an empty box."""
    box = widget.bounding_box()
    assert box is not None and box["height"] > 20 and box["width"] > 100, widget_type
    if widget_type not in ("ListView", "ListViewItem", "Card"):
        expect(widget.locator(".ck-w-caption").first).to_have_text(
            "Basic" if widget_type == "Basic" else widget_type
        )
    match widget_type:
        case "Chart":
            expect(widget.locator("svg").first).to_be_visible()
            expect(widget).to_contain_text("Sales")
            expect(widget).to_contain_text("Mar")
        case "DatePicker":
            picker = widget.locator("input[name=date]")
            expect(picker).to_have_value("2026-05-04")
            expect(picker).to_have_attribute("min", "2026-01-01")
        case "RadioGroup":
            group = widget.get_by_role("radiogroup", name="Size")
            expect(group.get_by_role("radio")).to_have_count(3)
            expect(group.get_by_role("radio", name="Medium")).to_be_checked()
        case "Select":
            expect(widget.get_by_role("combobox")).to_have_value("pear")
        case "Checkbox":
            expect(widget.get_by_role("checkbox", name="I agree")).to_be_checked()
        case "Input":
            expect(widget.get_by_placeholder("you@example.com")).to_be_visible()
        case "Textarea":
            expect(widget.get_by_placeholder("Notes")).to_be_visible()
        case "Form":
            expect(widget.get_by_role("button", name="Send")).to_be_visible()
            expect(widget.get_by_placeholder("Ada")).to_be_visible()
        case "Button":
            expect(widget.get_by_role("button", name="Press me")).to_be_enabled()
        case "Card":
            expect(widget.get_by_role("button", name="Confirm")).to_be_visible()
            expect(widget.get_by_role("button", name="Cancel")).to_be_visible()
        case "ListView" | "ListViewItem":
            expect(widget).to_contain_text("First")
            expect(widget).to_contain_text("Second")
        case "Markdown":
            expect(widget.locator("strong")).to_have_text("Bold")
        case "Title":
            expect(widget.get_by_role("heading", name="A title")).to_be_visible()
        case "Badge":
            expect(widget.locator(".ck-w-badge")).to_have_text("Beta")
        case "Image":
            # The server's own picture, fetched through Kitdesk's image route (the
            # window's CSP allows 'self' images only) and really painted.
            assert painted(widget.get_by_role("img", name="A four-colour test pattern"))
        case _:
            assert widget.inner_text().strip(), widget_type


def painted(image: Locator) -> bool:
    """Whether the <img> has loaded and has pixels (naturalWidth > 0)."""
    expect(image).to_be_visible()
    image.evaluate(
        "img => img.complete && img.naturalWidth > 0 ? null : new Promise((done) => {"
        " img.addEventListener('load', done, { once: true });"
        " img.addEventListener('error', done, { once: true }); })"
    )
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def shoot(widget: Locator, widget_type: str, scheme: str) -> Path:
    WIDGET_SHOTS.mkdir(parents=True, exist_ok=True)
    path = WIDGET_SHOTS / f"{widget_type}-{scheme}.png"
    widget.screenshot(path=str(path), animations="disabled")
    return path


def test_every_widget_type_renders_in_light_and_dark(
    page: Page, agent_server: KitdeskServer, page_errors: PageErrors
) -> None:
    types = sdk_widget_types()
    assert len(types) >= 25 and set(ROOT_TYPES) <= set(types)
    page.goto(agent_server.url)
    expect(composer(page)).to_be_visible()
    send(page, "widgets")
    expect(widgets(page).first).to_be_visible()
    # All arrived (and were mirrored) before the checks scroll through the thread.
    for _ in range(100):
        listed = threads(agent_server)
        items = thread_items(agent_server, listed[0]["id"]) if listed else []
        if len([i for i in items if i["type"] == "widget"]) == len(types):
            break
        page.wait_for_timeout(100)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)  # the app follows the system theme
        scheme_is(page, scheme)
        for widget_type in types:
            widget = widget_of_type(page, widget_type)
            check_widget(widget_type, widget)
            assert shoot(widget, widget_type, scheme).stat().st_size > 500
    # The thread was mirrored with every widget, under the server's own thread id.
    thread = threads(agent_server)[0]
    stored = [i for i in thread_items(agent_server, thread["id"]) if i["type"] == "widget"]
    assert sorted(i["copy_text"] for i in stored) == sorted(types)
    assert page_errors.errors == []


def test_widget_actions_stream_and_sync_with_a_loading_state(
    page: Page, agent_server: KitdeskServer
) -> None:
    page.goto(agent_server.url)
    expect(composer(page)).to_be_visible()
    send(page, "counter")
    counter = widgets(page).last
    expect(counter.get_by_role("heading")).to_have_text("Count: 0")

    # threads.custom_action: the widget is busy until the streamed answer replaces it.
    page.evaluate(
        """() => {
          const root = document.querySelector('openai-chatkit').shadowRoot;
          window.busySeen = [];
          new MutationObserver(() => {
            const busy = root.querySelector(
              '.ck-widget[aria-busy="true"], .ck-w-button[aria-busy="true"]');
            if (busy) window.busySeen.push(busy.className);
          }).observe(root, { subtree: true, attributes: true, childList: true });
        }"""
    )
    counter.get_by_role("button", name="Increment", exact=True).click()
    expect(widgets(page).last.get_by_role("heading")).to_have_text("Count: 1")
    assert page.evaluate("window.busySeen.length") > 0

    # threads.sync_custom_action: answered as JSON, the widget updates in place.
    widgets(page).last.get_by_role("button", name="Increment (sync)").click()
    expect(widgets(page).last.get_by_role("heading")).to_have_text("Count: 2")
    thread = threads(agent_server)[0]  # the newest (the server keeps earlier tests' too)
    titles = [
        child["value"]
        for item in thread_items(agent_server, thread["id"])
        if item["type"] == "widget"
        for child in item["widget"]["children"]
        if child.get("type") == "Title"
    ]
    assert titles[-1] == "Count: 2"


def test_workflow_progress_notices_errors_and_effects_reach_the_page(
    page: Page, agent_server: KitdeskServer
) -> None:
    page.goto(agent_server.url)
    expect(composer(page)).to_be_visible()
    page.evaluate(
        """() => {
          const chat = document.querySelector('openai-chatkit');
          const root = chat.shadowRoot;
          window.progressSeen = [];
          window.effects = [];
          chat.addEventListener('chatkit.effect', (e) => window.effects.push(e.detail));
          new MutationObserver(() => {
            const p = root.querySelector('.ck-progress');
            const seen = window.progressSeen;
            if (p && !seen.includes(p.textContent)) seen.push(p.textContent);
          }).observe(root, { subtree: true, childList: true, characterData: true });
        }"""
    )
    send(page, "workflow")
    workflow = page.locator("openai-chatkit .ck-workflow")
    expect(page.locator("openai-chatkit .ck-assistant").last).to_contain_text(
        "The workflow is done."
    )
    # Done, the workflow folds into its summary; opening it shows every task.
    expect(workflow.get_by_role("button", name="Thought for 3 seconds")).to_be_visible()
    workflow.get_by_role("button", name="Thought for 3 seconds").click()
    for title in ("Plan the answer", "Searched the web", "Thought", "Read files"):
        expect(workflow).to_contain_text(title)
    seen = page.evaluate("window.progressSeen")
    assert any(text.startswith("Step ") and text.endswith(" of 5") for text in seen), seen

    send(page, "notice")
    notices = page.locator("openai-chatkit .ck-notice")
    expect(notices).to_have_count(3)
    expect(notices.nth(0)).to_contain_text("Info")
    expect(notices.nth(0).locator("strong")).to_have_text("info")
    expect(notices.nth(1)).to_contain_text("A warning notice.")
    expect(page.locator("openai-chatkit .ck-notice-danger")).to_have_attribute("role", "alert")

    send(page, "effect")
    expect(page.locator("openai-chatkit .ck-assistant").last).to_contain_text(
        "Sent a client effect."
    )
    assert page.evaluate("window.effects") == [
        {"name": "highlight", "data": {"color": "accent", "ms": 300}}
    ]

    send(page, "error")
    expect(page.locator("openai-chatkit")).to_contain_text("The scripted server reports an error.")
    expect(page.get_by_role("button", name="Retry").last).to_be_visible()


def test_a_servers_images_are_painted_and_others_are_said_in_words(
    page: Page, agent_server: KitdeskServer, page_errors: PageErrors
) -> None:
    page.goto(agent_server.url)
    expect(composer(page)).to_be_visible()
    send(page, "images")
    card = widgets(page).last
    # On the server's own origin: through Kitdesk's image route, painted.
    own = card.get_by_role("img", name=IMAGES_ALTS["own"])
    assert painted(own)
    # A path under this launch's prefix: no host, no port, nothing another server could use.
    prefix = urlsplit(agent_server.base_url).path.rstrip("/")
    assert (own.get_attribute("src") or "").startswith(f"{prefix}/chatkit/images/")
    generated = page.locator("openai-chatkit .ck-genimage img")
    assert painted(generated)
    # Another site's picture is never requested: its alt text stands in.
    expect(card.locator(".ck-img-blocked").first).to_have_text(f"[{IMAGES_ALTS['foreign']}]")
    # An SVG of the server is refused by the route: alt text and a sentence.
    expect(card.locator(".ck-img-failed")).to_have_text(
        f"[{IMAGES_ALTS['svg']}] The image could not be loaded."
    )
    thread = threads(agent_server)[0]

    # With the server unreachable (nothing listens on the discard port), the mirrored
    # thread is read offline and shows words, not broken images.
    provider = next(p for p in agent_server.api("GET", "/api/providers") if p["kind"] == "chatkit")
    agent_server.api(
        "PUT", f"/api/providers/{provider['id']}", {"base_url": "http://127.0.0.1:9/chatkit"}
    )
    page.reload()
    expect(composer(page)).to_be_visible()
    page.get_by_role("navigation", name="Chat history").get_by_text(thread["title"]).first.click()
    mirrored = widgets(page).last
    expect(mirrored.locator(".ck-img-blocked")).to_have_count(3)
    expect(mirrored.locator(".ck-img-blocked").first).to_have_text(f"[{IMAGES_ALTS['own']}]")
    expect(page.locator("openai-chatkit .ck-genimage")).to_have_count(0)
    expect(
        page.locator("openai-chatkit .ck-img-blocked", has_text="Generated image")
    ).to_be_visible()
    broken = page.evaluate(
        "() => Array.from(document.querySelector('openai-chatkit').shadowRoot"
        ".querySelectorAll('img')).filter((img) => img.complete && img.naturalWidth === 0).length"
    )
    assert broken == 0
    # The one failed request is the SVG the route refused (HTTP 415).
    unexpected = [e for e in page_errors.errors if not ("HTTP 415" in e and "sample.svg" in e)]
    assert unexpected == []


def test_a_servers_inline_markdown_images_are_painted_through_kitdesk(
    page: Page, agent_server: KitdeskServer, page_errors: PageErrors
) -> None:
    """``![alt](url)`` in the server's streamed text, absolute or relative to the server:
    painted through Kitdesk's image route; another site's picture is its alt text."""
    images: list[str] = []
    page.on("request", lambda r: images.append(r.url) if r.resource_type == "image" else None)
    page.goto(agent_server.url)
    expect(composer(page)).to_be_visible()
    send(page, "markdown images")
    answer = page.locator("openai-chatkit .ck-assistant").last
    expect(answer).to_contain_text("elsewhere:")
    expect(page.locator("openai-chatkit .ck-assistant[aria-busy]")).to_have_count(0)
    prefix = urlsplit(agent_server.base_url).path.rstrip("/")
    for alt in (MARKDOWN_IMAGES_ALTS["own"], MARKDOWN_IMAGES_ALTS["relative"]):
        image = answer.get_by_role("img", name=alt)
        assert painted(image), alt
        assert (image.get_attribute("src") or "").startswith(f"{prefix}/chatkit/images/")
    expect(answer.locator(".ck-img-blocked")).to_have_text(f"[{MARKDOWN_IMAGES_ALTS['foreign']}]")
    # Every image the page asked for went through the route: never the server, another
    # site, or a relative URL taken as Kitdesk's own (even while the text streamed).
    assert images, "no image was requested"
    origin = agent_server.origin
    assert all(url.startswith(f"{origin}{prefix}/chatkit/images/") for url in images), images
    assert page_errors.errors == []
