"""Hostile model output and thread titles never run anything in the page.

Every payload calls ``pwn(...)``, a trap installed before the app loads; a
dialog handler catches ``alert``. After the answer streams, after a reload
(the stored-history path) and after clicking every link, nothing may have run
and no live script, frame, plugin or inline handler may be in the DOM.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.chat import assistant_messages, open_chat, send, wait_until_answered
from tests.browser.conftest import KitdeskServer
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

TRAP = """
window.__pwned = [];
window.pwn = (what) => window.__pwned.push(String(what));
"""

HOSTILE_ANSWER = "\n\n".join(
    [
        "Here you go: <script>pwn('script')</script>",
        "<img src=x onerror=\"pwn('img-onerror')\">",
        "[a link](javascript:pwn('md-link'))",
        "<a href=\"javascript:pwn('html-link')\">html link</a>",
        "<a href=\"JaVaScRiPt&colon;pwn('encoded-link')\">encoded link</a>",
        "![pic](javascript:pwn('md-image'))",
        "<javascript:pwn('autolink')> and [ref link][evil]\n\n[evil]: javascript:pwn('ref-link')",
        "[upper](JAVASCRIPT:pwn('upper')) [data](data:text/html,<script>pwn('data')</script>)",
        "[spaced](  javascript:pwn('spaced')  ) [vb](vbscript:pwn('vb'))",
        '<svg onload="pwn(\'svg-onload\')"><circle r="5"/></svg>',
        "<svg><script>pwn('svg-script')</script></svg>",
        "<iframe src=\"javascript:parent.pwn('iframe')\"></iframe>",
        "<iframe srcdoc=\"<script>parent.pwn('srcdoc')</script>\"></iframe>",
        "<object data=\"javascript:pwn('object')\"></object>",
        "<embed src=\"javascript:pwn('embed')\">",
        "<details open ontoggle=\"pwn('details')\"><summary>s</summary>x</details>",
        "<math><mtext><table><mglyph><style><img src=x onerror=\"pwn('mxss')\">",
        "<form action=\"javascript:pwn('form')\"><button>submit</button></form>",
        "<div style=\"background:url(javascript:pwn('css'))\""
        " onmouseover=\"pwn('hover')\">hover me</div>",
        "<base href=\"javascript:pwn('base')//\">",
        '<meta http-equiv="refresh" content="0;url=javascript:pwn(\'meta\')">',
        "```html\n<script>pwn('code-block')</script>\n```",
        "Plain ending.",
    ]
)
HOSTILE_TITLE = "<img src=x onerror=\"pwn('title')\"><script>pwn('title-script')</script>"

# Anything live that must not be in the element: no inline handler or
# javascript: URL anywhere, and no script, frame, plugin or form in a message.
FORBIDDEN_DOM = """() => {
  const root = document.querySelector('openai-chatkit').shadowRoot;
  const found = [];
  const live = ['script', 'iframe', 'frame', 'object', 'embed', 'base', 'meta', 'form'];
  const walk = (node, inMessage) => {
    for (const el of node.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const message = inMessage || el.closest('.ck-user, .ck-assistant') !== null;
      if ((message && live.includes(tag)) || tag === 'script' || tag === 'iframe') found.push(tag);
      for (const attr of el.attributes) {
        const value = attr.value.replace(/\\s+/g, '').toLowerCase();
        if (attr.name.startsWith('on')) found.push(`${tag}[${attr.name}]`);
        if (['href', 'src', 'action', 'xlink:href', 'formaction', 'data'].includes(attr.name)
            && value.startsWith('javascript:')) found.push(`${tag}[${attr.name}=javascript:]`);
      }
      if (el.shadowRoot) walk(el.shadowRoot, message);
    }
  };
  walk(root, false);
  return found;
}"""


def _assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert page.evaluate("window.__pwned") == []
    assert dialogs == []
    assert page.evaluate(FORBIDDEN_DOM) == []


def test_hostile_answer_and_title_never_execute(
    page: Page, ready_server: KitdeskServer, upstream: Upstream
) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(TRAP)
    upstream.script(Turn(text=HOSTILE_ANSWER))
    upstream.script_title(Turn(text=HOSTILE_TITLE))
    open_chat(page, ready_server)
    send(page, "<img src=x onerror=\"pwn('user-message')\"> show me everything")
    wait_until_answered(page, 1)
    answer = assistant_messages(page).last
    expect(answer).to_contain_text("Plain ending.")
    # The code block shows the markup as text.
    expect(answer.locator("pre")).to_contain_text("<script>pwn('code-block')</script>")
    # The hostile title is shown as text in the history and the header.
    history = page.get_by_role("navigation", name="Chat history")
    expect(history.get_by_role("listitem").first).to_contain_text("<img src=x")
    expect(page.get_by_role("heading", level=2)).to_contain_text("<img src=x")
    _assert_nothing_ran(page, dialogs)

    # Pointing at and clicking everything clickable in the answer runs nothing.
    answer.get_by_text("hover me", exact=False).hover()
    with NoJavascriptPopups(page):
        for link in answer.locator("a").all():
            link.click(no_wait_after=True)
    for button in answer.get_by_role("button", name="submit").all():
        button.click()
    _assert_nothing_ran(page, dialogs)

    # Search snippets are HTML from the server (matches in <mark>): still inert.
    history.get_by_role("searchbox", name="Search chats").fill("onerror")
    expect(history.locator("mark").first).to_be_visible()
    _assert_nothing_ran(page, dialogs)
    history.get_by_role("button", name="Clear search").click()

    # The stored history renders through the same path after a reload.
    page.reload()
    expect(assistant_messages(page).last).to_contain_text("Plain ending.")
    _assert_nothing_ran(page, dialogs)
    assert page.url.startswith(ready_server.base_url)


class NoJavascriptPopups:
    """Fails when a page opened meanwhile runs a javascript: URL; closes any that open."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.opened: list[str] = []

    def __enter__(self) -> NoJavascriptPopups:
        self.page.context.on("page", self._on_page)
        return self

    def __exit__(self, *exc: object) -> None:
        self.page.context.remove_listener("page", self._on_page)
        assert not any(url.startswith("javascript:") for url in self.opened), self.opened

    def _on_page(self, opened: Page) -> None:
        self.opened.append(opened.url)
        opened.close()
