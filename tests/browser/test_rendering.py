"""Maths, diagrams and html/svg previews in real Chromium against a real `kitdesk serve`.

KaTeX and Mermaid render a streamed answer (light and dark), load only when an
answer needs them, and the sandboxed preview is proved unable to reach the app
(its document and cookie) or the network: code run inside the preview frame
fails each attempt, and neither a recording HTTP server nor the browser sees a
request.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import kitdesk
import pytest
from playwright.sync_api import Frame, Locator, Page, Request, expect

from tests.browser.chat import assistant_messages, open_chat, send, wait_until_answered
from tests.browser.conftest import SCREENSHOTS, KitdeskServer, PageErrors
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

MATHS_AND_DIAGRAM = (
    "The identity $e^{i\\pi} + 1 = 0$ links five constants, and \\(a^2 + b^2 = c^2\\) "
    "holds for right triangles. Tickets cost $5 and $10, or $3.50 online.\n\n"
    "$$\n\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}\n$$\n\n"
    "\\[\n\\sum_{n=1}^{\\infty} \\frac{1}{n^2} = \\frac{\\pi^2}{6}\n\\]\n\n"
    "Code stays code: `$x$` is not maths.\n\n"
    "```mermaid\ngraph LR\n  Ask[Ask a question] --> Think{Model}\n"
    "  Think -->|text| Answer[Stream the answer]\n  Think -->|tool| Tool[Run a tool]\n"
    "  Tool --> Think\n```\n\n"
    "That is the whole loop."
)

ANCHOR = "openai-chatkit .ck-assistant"


def answered(page: Page) -> None:
    """The answer is complete (patient with the first one on a busy machine)."""
    expect(assistant_messages(page)).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("button", name="Stop generating")).to_have_count(0, timeout=30_000)
    wait_until_answered(page, 1)


def shot(target: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def shot_span(page: Page, first: Locator, last: Locator, name: str) -> None:
    """A screenshot of the page from the top of `first` to the bottom of `last`."""
    top, bottom = first.bounding_box(), last.bounding_box()
    assert top is not None and bottom is not None
    pad = 12
    clip = {
        "x": top["x"] - pad,
        "y": top["y"] - pad,
        "width": max(top["width"], bottom["width"]) + 2 * pad,
        "height": bottom["y"] + bottom["height"] - top["y"] + 2 * pad,
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), clip=clip)  # type: ignore[arg-type]


def luminance(css: str) -> float:
    """Relative luminance of an `rgb(...)`/`rgba(...)` colour."""
    parts = [float(v) for v in re.findall(r"[\d.]+", css)[:3]]

    def channel(v: float) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in parts)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass
class Loaded:
    """JS files the page fetched."""

    scripts: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        if request.resource_type == "script":
            self.scripts.append(request.url.rsplit("/", 1)[-1])

    def lazy(self) -> list[str]:
        """Scripts loaded on demand: every one the page's HTML does not name (the entry
        and the shared chunks it preloads)."""
        return [s for s in self.scripts if s not in first_load_scripts()]


def first_load_scripts() -> set[str]:
    html = (Path(kitdesk.__file__).parent / "webui_dist" / "index.html").read_text()
    return {name.rsplit("/", 1)[-1] for name in re.findall(r"assets/[^\"']+\.js", html)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_maths_and_a_diagram_render_in_both_themes(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
    scheme: Literal["light", "dark"],
) -> None:
    ready_server.api("PUT", "/api/settings", {"theme": scheme})
    loaded = Loaded()
    page.on("request", loaded.on_request)
    open_chat(page, ready_server)
    upstream.script(Turn(text=MATHS_AND_DIAGRAM, delay_between=0.01))
    send(page, "Show me maths and a diagram")
    answered(page)
    answer = assistant_messages(page).last

    # Four formulas, two of them displayed; prices and code spans stay text.
    katex = answer.locator(".katex")
    expect(katex).to_have_count(4)
    expect(answer.locator(".katex-display")).to_have_count(2)
    tex = answer.locator('annotation[encoding="application/x-tex"]').all_text_contents()
    assert [t.strip() for t in tex] == [
        "e^{i\\pi} + 1 = 0",
        "a^2 + b^2 = c^2",
        "\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}",
        "\\sum_{n=1}^{\\infty} \\frac{1}{n^2} = \\frac{\\pi^2}{6}",
    ]
    expect(answer).to_contain_text("Tickets cost $5 and $10, or $3.50 online.")
    expect(answer.locator("code", has_text="$x$")).to_have_count(1)

    # KaTeX's CSS applies inside the shadow root and its bundled fonts are in use.
    assert katex.first.locator(".katex-mathml").evaluate("e => getComputedStyle(e).position") == (
        "absolute"
    )
    page.wait_for_function(
        "document.fonts.check('20px KaTeX_Main') && document.fonts.status === 'loaded'"
    )
    assert page.evaluate(
        "[...document.fonts].some("
        "f => f.family.replace(/\"/g, '') === 'KaTeX_Main' && f.status === 'loaded')"
    )
    # Maths takes the message's text colour, readable on the theme's background.
    maths_colour = katex.first.evaluate("e => getComputedStyle(e).color")
    text_colour = answer.locator(".ck-md p").first.evaluate("e => getComputedStyle(e).color")
    background = page.locator("openai-chatkit .ck-root").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert maths_colour == text_colour
    assert contrast(maths_colour, background) >= 7

    # The diagram: drawn once the answer finished, shown as a diagram, code one click away.
    block = answer.locator("[data-ck-diagram]")
    diagram_button = block.get_by_role("button", name="Diagram", exact=True)
    code_button = block.get_by_role("button", name="Code", exact=True)
    expect(diagram_button).to_have_attribute("aria-pressed", "true")
    svg = block.locator("[data-ck-diagram-view] svg")
    expect(svg).to_be_visible()
    labels = block.locator("[data-ck-diagram-view] svg text").all_text_contents()
    assert {"Ask a question", "Model", "Stream the answer", "Run a tool"} <= {
        " ".join(label.split()) for label in labels
    }
    assert (
        block.locator("[data-ck-diagram-view] script, [data-ck-diagram-view] foreignObject").count()
        == 0
    )
    # Node colours follow the theme: dark nodes with light text in dark, the reverse in light.
    node_fill, label_fill = block.evaluate(
        """b => {
          const root = b.querySelector('[data-ck-diagram-view]').shadowRoot;
          const shape = root.querySelector('.node rect, .node polygon, .node path');
          const label = root.querySelector('.node text');
          return [getComputedStyle(shape).fill, getComputedStyle(label).fill];
        }"""
    )
    assert (luminance(node_fill) < 0.2) == (scheme == "dark"), node_fill
    assert contrast(node_fill, label_fill) >= 4.5, (node_fill, label_fill)
    shot(answer, f"rendering-{scheme}")

    code_button.click()
    expect(code_button).to_have_attribute("aria-pressed", "true")
    expect(block.locator("pre code")).to_be_visible()
    expect(block.locator("pre code")).to_contain_text("Ask[Ask a question]")
    expect(svg).to_be_hidden()
    diagram_button.click()
    expect(svg).to_be_visible()
    expect(block.locator("pre code")).to_be_hidden()
    block.scroll_into_view_if_needed()
    shot(block, f"diagram-{scheme}")
    answer.locator(".katex-display").first.scroll_into_view_if_needed()
    shot_span(
        page,
        answer.locator(".ck-md p").first,
        answer.locator(".katex-display").last,
        f"maths-{scheme}",
    )

    answer.locator(".ck-md p").first.scroll_into_view_if_needed()
    shot(page, f"window-rendering-{scheme}")

    lazy = loaded.lazy()
    assert any(name.startswith("katex-") for name in lazy), lazy
    assert any(name.startswith("diagram-") for name in lazy), lazy
    assert not any(name.startswith("preview-") for name in lazy), lazy
    assert page_errors.errors == []


def test_a_broken_diagram_is_explained_with_its_code_visible(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    open_chat(page, ready_server)
    upstream.script(Turn(text="```mermaid\ngraph TD\n  A --> --> B\n```"))
    send(page, "Draw something broken")
    answered(page)
    block = assistant_messages(page).last.locator("[data-ck-diagram]")
    expect(block.get_by_role("status")).to_have_text(
        re.compile(r"^This diagram could not be drawn: .+\. Its code is shown below\.$")
    )
    expect(block.locator("pre code")).to_be_visible()
    expect(block.get_by_role("button", name="Diagram", exact=True)).to_be_disabled()
    assert page_errors.errors == []


def test_an_answer_without_maths_or_diagrams_loads_none_of_them(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    loaded = Loaded()
    page.on("request", loaded.on_request)
    open_chat(page, ready_server)
    upstream.script(
        Turn(
            text="Plain **markdown** with a price of $5 and a table.\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |"
        )
    )
    send(page, "Say something plain")
    answered(page)
    expect(assistant_messages(page).last.locator("table")).to_be_visible()
    expect(assistant_messages(page).last).to_contain_text("a price of $5 and a table")
    assert loaded.scripts and loaded.lazy() == []
    assert page_errors.errors == []


class Recorder(http.server.ThreadingHTTPServer):
    """Records the path of every request it receives (the "network")."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.paths.append(self.path)
                self.send_response(200)
                self.send_header("access-control-allow-origin", "*")
                self.end_headers()
                self.wfile.write(b"reached")

            do_POST = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


PROBE = """async ({ network, app }) => {
  const attempt = async (run) => {
    try { return String(await run()); } catch (e) { return e.name; }
  };
  return {
    origin: self.origin,
    parentDocument: await attempt(() => parent.document.title),
    parentCookie: await attempt(() => parent.document.cookie),
    topLocation: await attempt(() => top.location.href),
    cookie: await attempt(() => document.cookie),
    storage: await attempt(() => localStorage.length),
    fetchNetwork: await attempt(async () => (await fetch(network + '/fetch')).status),
    fetchApp: await attempt(async () => (await fetch(app + '/api/health')).status),
    beacon: await attempt(() => navigator.sendBeacon(network + '/beacon', 'x')),
    scriptRan: document.body.dataset.ran ?? 'no',
  };
}"""


def preview_frame(page: Page) -> Frame:
    """The preview's frame, once the browser has attached it (the element comes first)."""
    frames = [f for f in page.frames if f.url == "about:srcdoc"]
    for _ in range(150):
        if frames:
            break
        page.wait_for_timeout(100)
        frames = [f for f in page.frames if f.url == "about:srcdoc"]
    assert len(frames) == 1, [f.url for f in page.frames]
    return frames[0]


def test_the_preview_cannot_reach_the_app_the_cookie_or_the_network(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    recorder: Recorder,
    page_errors: PageErrors,
) -> None:
    # Controls: the recorder answers requests, and the app's page can read its cookie
    # and reach its server (each seen by the browser's log of requests that got an
    # answer; an attempt the CSP blocks is logged as failed, never as finished).
    assert httpx.get(f"{recorder.url}/control").text == "reached"
    assert recorder.paths == ["/control"]
    recorder.paths.clear()
    page.context.add_cookies(
        [{"name": "kitdesk_probe", "value": "app-secret", "url": ready_server.base_url}]
    )
    seen: list[str] = []
    page.context.on("requestfinished", lambda request: seen.append(request.url))
    open_chat(page, ready_server)
    assert "kitdesk_probe=app-secret" in page.evaluate("document.cookie")
    with page.expect_request_finished(lambda r: r.url.endswith("/api/health")):
        assert page.evaluate("fetch('api/health').then(r => r.status)") == 200
    seen.clear()
    page.evaluate(
        "window.__kitdeskMessages = [];"
        " addEventListener('message', e => window.__kitdeskMessages.push(String(e.data)))"
    )

    net = recorder.url
    hostile = (
        f'<meta http-equiv="refresh" content="0;url={net}/refresh">'
        f'<link rel="stylesheet" href="{net}/style.css"><link rel="prefetch" href="{net}/prefetch">'
        '<h1 id="probe" style="color:#0b6">Preview works</h1>'
        '<svg width="80" height="40"><rect width="80" height="40" fill="#36c"/></svg>'
        f'<img src="{net}/image.png" alt="remote">'
        f'<div style="background:url({net}/background.png)">styled</div>'
        f'<iframe src="{net}/frame"></iframe>'
        f"<script>document.body.dataset.ran = 'yes'; fetch('{net}/script');"
        " parent.postMessage('escaped', '*');</script>"
    )
    upstream.script(Turn(text=f"A page:\n\n```html\n{hostile}\n```\n\nTry it."))
    send(page, "Make a page")
    answered(page)
    block = assistant_messages(page).last.locator("[data-ck-preview]")
    preview = block.get_by_role("button", name="Preview")
    expect(preview).to_have_attribute("aria-pressed", "false")
    preview.click()
    expect(preview).to_have_attribute("aria-pressed", "true")
    frame_element = block.locator("iframe")
    expect(frame_element).to_have_attribute("sandbox", "allow-scripts")
    assert frame_element.get_attribute("src") is None

    frame = preview_frame(page)
    frame.wait_for_load_state("load")
    expect(frame.locator("#probe")).to_have_text("Preview works")
    result = frame.evaluate(PROBE, {"network": net, "app": ready_server.base_url})
    result.pop("beacon")  # queued (true) even when the CSP then blocks it: the recorder decides
    assert result == {
        "origin": "null",
        "parentDocument": "SecurityError",
        "parentCookie": "SecurityError",
        "topLocation": "SecurityError",
        "cookie": "SecurityError",
        "storage": "SecurityError",
        "fetchNetwork": "TypeError",
        "fetchApp": "TypeError",
        # A srcdoc frame inherits the page's CSP (script-src 'self'): its inline script never ran.
        "scriptRan": "no",
    }
    # The preview's own CSP is in force, first in its head.
    assert (
        frame.evaluate("document.head.firstElementChild.getAttribute('content')")
        == "default-src 'none'; img-src data:; style-src 'unsafe-inline';"
        " script-src 'unsafe-inline'"
    )
    shot(block, "preview")

    # Let the frame settle, then: the app saw no message, the network no request.
    frame.wait_for_load_state("networkidle")
    assert page.evaluate("window.__kitdeskMessages ?? []") == []
    assert recorder.paths == []
    assert [url for url in seen if url.startswith(net) or url.endswith("/api/health")] == []
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
    # The only console errors are the preview's blocked attempts, reported by Chromium.
    blocked = [e for e in page_errors.errors if "Content Security Policy" in e]
    assert any("image.png" in e for e in blocked), page_errors.errors
    assert [e for e in page_errors.errors if e not in blocked] == []
