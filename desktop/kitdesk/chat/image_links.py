"""Pointing the images in a remote ChatKit server's answers at Kitdesk's image route.

The window's CSP loads images only from Kitdesk itself (``img-src 'self' data:
blob:``), and that stays so: a page allowed to load any URL can be made to
signal anywhere. A ChatKit server names images on its own host: an ``Image``
widget's ``src``, a generated image's ``url``, an image attachment's
``preview_url``, and the inline images of its markdown text (an assistant
message's, a ``Markdown`` widget's: ``chat/markdown_images.py``, which also
handles an image cut between two streamed deltas). As its answers pass
through the proxy, those URLs become
Kitdesk's route for that provider (``/chatkit/images/<provider id>?url=…``,
served by ``web/routes/chatkit_images.py``), which fetches them on the page's
behalf (``chat/remote_images.py``).

Only URLs on the provider's own origin (the scheme, host and port of its base
URL) are rewritten; a relative one is taken as relative to the base URL.
``data:`` URLs stay as they are (the CSP allows them); URLs on any other origin
stay too, and the element shows their alt text instead of loading them. The
route is a path without scheme or host, so it follows whatever address (and
launch path prefix) the page reached Kitdesk at. The mirror keeps the server's
own URLs, made absolute (``AbsoluteImageLinks``): a conversation read offline or
exported names the server's pictures where they are, and shows alt text, never
a broken image.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from kitdesk.chat.markdown_images import DeltaHold, rewrite_markdown

DEFAULT_PORTS = {"http": 80, "https": 443}
# Bytes one of the rewritten fields always comes with: frames without any of
# them (text deltas, most events) are forwarded without a second parse.
# (b'!"' is a text ending in "!", which may open an image the next delta goes on with.)
MARKERS = (b'"Image"', b'"generated_image', b'"preview_url"', b"![", b'!"')
TEXT_DELTA = "assistant_message.content_part.text_delta"
WIDGET_TEXT_DELTA = "widget.streaming_text.value_delta"  # a Text or Markdown widget's

Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """``(scheme, host, port)`` of an absolute http(s) URL, else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


class ImageLinks:
    """Rewrites the image URLs of one provider's answers to Kitdesk's route for it."""

    def __init__(self, base_url: str, route: str) -> None:
        self.base_url = base_url
        self.origin = origin_of(base_url)
        self.route = route  # e.g. "/chatkit/images/agent" (a path: no scheme, no host)
        self._held = DeltaHold()  # unfinished markdown images of this stream's deltas

    def link(self, url: str) -> str:
        """The URL the page should load for ``url``."""
        if self.origin is None or url.strip()[:5].lower() == "data:":
            return url
        absolute = urljoin(self.base_url, url.strip())
        if origin_of(absolute) != self.origin:
            return url
        return f"{self.route}?url={quote(absolute, safe='')}"

    def may_apply(self, raw: bytes) -> bool:
        """Whether a frame may hold an image URL (a cheap test before parsing it again)."""
        if self._held and (b"text_delta" in raw or b"value_delta" in raw):
            return True
        return any(marker in raw for marker in MARKERS)

    def rewrite_frame(self, frame: bytes, payload: bytes) -> bytes:
        """The SSE frame to forward for ``frame`` (whose JSON is ``payload``): parsed
        again, so the event the mirror keeps still has the server's own URLs."""
        if not self.may_apply(frame):
            return frame
        event = json.loads(payload)
        if not self.rewrite(event):
            return frame
        return b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"

    def rewrite(self, value: Any) -> bool:
        """Rewrite every image URL in a decoded event or answer, in place; True if any changed."""
        changed = False
        if isinstance(value, list):
            for entry in value:
                changed = self.rewrite(entry) or changed
            return changed
        if not isinstance(value, dict):
            return False
        node: dict[str, Any] = value
        kind = node.get("type")
        if kind == "thread.item.updated":
            changed = self._update(node)
        elif kind == "output_text":  # an assistant message's markdown
            changed = self._swap_markdown(node, "text")
        elif kind == "Markdown":  # a widget component
            changed = self._swap_markdown(node, "value")
        elif kind == "Image":  # a widget component
            changed = self._swap(node, "src")
        elif kind == "image":  # an image attachment
            changed = self._swap(node, "preview_url")
        elif kind in ("generated_image", "generated_image.updated"):
            picture = node.get("image")
            if isinstance(picture, dict):
                changed = self._swap(picture, "url")
        for child in node.values():
            if isinstance(child, dict | list):
                changed = self.rewrite(child) or changed
        return changed

    def _update(self, event: dict[str, Any]) -> bool:
        """A text delta's inline images (held back while cut); the part's end forgets it."""
        update = event.get("update")
        item_id = event.get("item_id")
        if not isinstance(update, dict) or not isinstance(item_id, str):
            return False
        kind = update.get("type")
        index = update.get("content_index")
        component = update.get("component_id")
        if kind == "assistant_message.content_part.done" and isinstance(index, int):
            self._held.done((item_id, index))
            return False
        delta = update.get("delta")
        if not isinstance(delta, str):
            return False
        if kind == TEXT_DELTA and isinstance(index, int):
            update["delta"] = self._held.delta((item_id, index), delta, self.link)
        elif kind == WIDGET_TEXT_DELTA and isinstance(component, str):
            last = bool(update.get("done"))
            update["delta"] = self._held.delta((item_id, component), delta, self.link, last=last)
        return update["delta"] != delta

    def _swap_markdown(self, node: dict[str, Any], key: str) -> bool:
        text = node.get(key)
        if not isinstance(text, str):
            return False
        linked = rewrite_markdown(text, self.link)
        node[key] = linked
        return linked != text

    def _swap(self, node: dict[str, Any], key: str) -> bool:
        url = node.get(key)
        if not isinstance(url, str) or not url:
            return False
        linked = self.link(url)
        node[key] = linked
        return linked != url


class AbsoluteImageLinks(ImageLinks):
    """The server's image URLs made absolute against its base URL (for the mirror).

    A relative URL means the server's page, not Kitdesk's: saved as it is, an
    export or an offline reading would name a picture that is nowhere."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, route="")

    def link(self, url: str) -> str:
        if url.strip()[:5].lower() == "data:":
            return url
        absolute = urljoin(self.base_url, url.strip())
        return absolute if origin_of(absolute) is not None else url
