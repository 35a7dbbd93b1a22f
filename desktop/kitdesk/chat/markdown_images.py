"""The images a ChatKit server writes into its markdown text (``![alt](url)``).

An assistant message (and a ``Markdown`` widget) may name pictures inline,
absolute on the server (``https://agents.example/img.png``) or relative to it
(``/static/x.png``). The window cannot load either itself: its CSP allows
Kitdesk's own images only, and a relative URL would be taken as Kitdesk's. So
``chat/image_links.py`` points them at Kitdesk's image route, as it does an
``Image`` widget's ``src``, with ``rewrite_markdown``.

A streamed answer arrives in deltas, and an image's markdown can be cut
between two of them. ``DeltaHold`` keeps back the unfinished tail of a
delta (from its last ``![`` that is not closed yet, within one line and
``MAX_HELD_CHARS``) and sends it with the next delta, rewritten once whole;
the part's ``done`` event carries the whole text anyway. Images inside code
(fenced blocks, inline code spans) are text, and stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# ![alt](url) or ![alt](<url>) with an optional "title"; no newline inside.
IMAGE = re.compile(
    r"(?P<head>!\[[^\]\n]*\]\(\s*)"
    r"(?P<url><[^>\n]*>|[^\s()<>]+)"
    r"(?P<tail>(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\))"
)
# Code, where ``![a](b)`` is text to show as it is: fenced blocks (to their closing
# fence, or the end of the text) and inline code spans.
CODE = re.compile(
    r"^ {0,3}(```|~~~)[^\n]*\n(?:(?:.*?\n)?? {0,3}\1[^\n]*(?:\n|$)|.*\Z)|`[^`\n]+`", re.M | re.S
)
# A text being streamed: (item id, content index) of a message, or (item id,
# component id) of a widget's Markdown.
Part = tuple[str, int | str]
# An image's markdown longer than this is not waited for: it is sent as it is.
MAX_HELD_CHARS = 4096


def rewrite_markdown(text: str, link: Callable[[str], str]) -> str:
    """``text`` with every inline image's URL outside code replaced by ``link(url)``."""
    if "![" not in text:
        return text

    def swap(match: re.Match[str]) -> str:
        url = match["url"]
        bare = url[1:-1] if url.startswith("<") else url
        linked = link(bare)
        if linked == bare:
            return match[0]
        return f"{match['head']}{linked}{match['tail']}"

    if "`" not in text and "~~~" not in text:
        return IMAGE.sub(swap, text)
    pieces: list[str] = []
    done = 0
    for code in CODE.finditer(text):
        pieces += [IMAGE.sub(swap, text[done : code.start()]), code[0]]
        done = code.end()
    pieces.append(IMAGE.sub(swap, text[done:]))
    return "".join(pieces)


def unfinished_tail(text: str) -> int:
    """Where an image's markdown that may still be growing starts in ``text``;
    ``len(text)`` when nothing needs to wait."""
    if text.endswith("!"):
        return len(text) - 1
    start = text.rfind("![")
    if start < 0 or len(text) - start > MAX_HELD_CHARS or "\n" in text[start:]:
        return len(text)
    if IMAGE.match(text, start):
        return len(text)
    return start


class DeltaHold:
    """The held-back tails of one stream's text deltas, per message part.

    Only deltas that may hold an image are looked at (the relay skips the others
    unparsed), so a delta is rewritten on its own: code around it is not known,
    and an image's markdown inside a code block may show the routed URL until
    the part's ``done`` event (rewritten with its code in view) replaces it."""

    def __init__(self) -> None:
        self._held: dict[Part, str] = {}

    def __bool__(self) -> bool:
        return bool(self._held)

    def delta(
        self, part: Part, delta: str, link: Callable[[str], str], *, last: bool = False
    ) -> str:
        """What to send now for ``delta`` of ``part``; ``last``: nothing follows it, so
        nothing is held back."""
        text = self._held.pop(part, "") + delta
        if "!" not in text:
            return text
        cut = len(text) if last else unfinished_tail(text)
        if cut < len(text):
            self._held[part] = text[cut:]
        return rewrite_markdown(text[:cut], link)

    def done(self, part: Part) -> None:
        """The part is complete (its ``done`` event has the whole text)."""
        self._held.pop(part, None)
