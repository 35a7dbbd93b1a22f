"""Full-text search helpers: what text of a thread is searchable, how a person's
query becomes a safe FTS5 expression, and how a raw snippet becomes HTML.

The store owns the index (see ``store.py``); this module is pure functions so
the rules can be read and tested on their own.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from chatkit.types import AssistantMessageItem, ThreadItem, UserMessageItem
from pydantic import BaseModel

# Private-use characters mark the match inside raw snippets. They are stripped
# from indexed text, so a message can never forge a highlight: after escaping
# the snippet, these two are the only things turned into markup.
MARK_START = "\ue000"
MARK_END = "\ue001"
ELLIPSIS = "…"
SNIPPET_TOKENS = 12
# More terms than this narrow nothing further and only cost time; ignore the rest.
MAX_QUERY_TERMS = 16

# A token as the unicode61 tokenizer sees it: runs of letters and digits. Every
# other character separates tokens, so dropping it from the query loses nothing
# and leaves no FTS5 operator ("NEAR(", "*", "-", quotes, column filters) behind.
_TOKEN = re.compile(r"[^\W_]+")
_MARKS = re.compile(f"[{MARK_START}{MARK_END}]")


class SearchHit(BaseModel):
    """One thread that matched a search."""

    thread_id: str
    title: str | None
    # HTML: the matched words wrapped in <mark>...</mark>, everything else escaped.
    snippet: str
    # The thread's last activity (UTC).
    updated_at: datetime


def searchable_text(item: ThreadItem) -> str | None:
    """The words of a thread item worth finding: what the user typed and what the assistant said."""
    if isinstance(item, UserMessageItem):
        parts = [part.text for part in item.content]
    elif isinstance(item, AssistantMessageItem):
        parts = [part.text for part in item.content]
    else:
        return None
    text = clean_text("\n".join(part for part in parts if part))
    return text or None


def clean_text(text: str) -> str:
    """Text as indexed: without the characters reserved for highlight markers."""
    return _MARKS.sub("", text)


def match_expression(query: str) -> str | None:
    """Turn free text into an FTS5 MATCH expression that cannot be a syntax error.

    Every term is a quoted string (all terms must match); the last one also
    matches as a prefix so results appear while the person is still typing.
    Returns None when the query has no searchable characters.
    """
    terms = _TOKEN.findall(query)[:MAX_QUERY_TERMS]
    if not terms:
        return None
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def snippet_html(raw: str) -> str:
    """Escape a raw FTS5 snippet for HTML, turning only the match markers into <mark>."""
    escaped = html.escape(raw, quote=True)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
