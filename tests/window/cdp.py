"""A minimal Chrome DevTools Protocol client for Qt WebEngine's remote debugging port.

Playwright's ``connect_over_cdp`` needs browser-level commands Qt WebEngine
does not implement (``Browser.setDownloadBehavior``), so the window tests talk
to the page target directly: evaluate JavaScript, and type and press keys with
``Input.*`` commands, which go through the engine's real input pipeline.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
import urllib.request
from typing import Any

from websockets.sync.client import ClientConnection, connect

# Finds an element in the document or any open shadow root (the chat element uses one).
_DEEP_QUERY = """
(selector) => {
  const visit = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) {
        const inner = visit(el.shadowRoot);
        if (inner) return inner;
      }
    }
    return null;
  };
  return visit(document);
}
"""


class CDPError(RuntimeError):
    pass


def page_targets(port: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
        return [t for t in json.load(response) if t.get("type") == "page"]


class Page:
    """One page target: JavaScript evaluation and real input events."""

    def __init__(self, socket: ClientConnection, url: str, target_id: str = "") -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.url = url
        self.target_id = target_id

    @classmethod
    def attach(
        cls,
        port: int,
        url_prefix: str,
        timeout: float,
        *,
        quick: bool | None = None,
        other_than: frozenset[str] = frozenset(),
    ) -> Page:
        """Wait until a page whose URL starts with ``url_prefix`` exists; connect to it.

        ``quick`` picks the quick-ask window's page (True) or never it (False);
        ``other_than`` skips pages already attached to (their ``target_id``).
        """
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, ValueError):
                for target in page_targets(port):
                    url = target.get("url", "")
                    if quick is not None and url.endswith("#quick") != quick:
                        continue
                    if target.get("id") in other_than:
                        continue
                    if url.startswith(url_prefix):
                        socket = connect(
                            target["webSocketDebuggerUrl"], max_size=None, open_timeout=5
                        )
                        return cls(socket, target["url"], target.get("id", ""))
            if time.monotonic() > deadline:
                raise TimeoutError(f"no page at {url_prefix} on the DevTools port {port}")
            time.sleep(0.05)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._socket.close()

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._socket.recv(timeout=30))
            if reply.get("id") != message_id:
                continue  # an event we did not subscribe to, or a late reply
            if "error" in reply:
                raise CDPError(f"{method}: {reply['error']}")
            return reply.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise CDPError(f"JavaScript failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(CDPError):
                value = self.evaluate(expression)
                if value:
                    return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def query(self, selector: str, js_member: str) -> str:
        """A JS expression for ``member`` of the element matching ``selector`` (shadow DOM too)."""
        find = f"({_DEEP_QUERY})({json.dumps(selector)})"
        return f"(() => {{ const el = {find}; return el && el{js_member}; }})()"

    def text(self) -> str:
        """All visible text, including inside open shadow roots."""
        return self.evaluate(
            """(() => {
              const parts = [];
              const visit = (root) => {
                parts.push(root.innerText || '');
                for (const el of root.querySelectorAll('*')) if (el.shadowRoot) {
                  parts.push(el.shadowRoot.textContent || '');
                  visit(el.shadowRoot);
                }
              };
              visit(document.body);
              return parts.join('\\n');
            })()"""
        )

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        box = self.evaluate(
            self.query(
                selector,
                ".getBoundingClientRect() && (() => { const r = el.getBoundingClientRect();"
                " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()",
            )
        )
        if not box:
            raise CDPError(f"nothing matches {selector}")
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box["x"],
                y=box["y"],
                button="left",
                clickCount=1,
            )

    def type_text(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def press_enter(self) -> None:
        common = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        self.send("Input.dispatchKeyEvent", type="keyDown", text="\r", **common)
        self.send("Input.dispatchKeyEvent", type="keyUp", **common)
