"""Full-text search rules: what text of a thread is searchable, how a person's
query becomes a safe FTS5 expression, and how a match is shown as an HTML
snippet.

The store owns the index (see ``store.py``); this module is pure functions so
the rules can be read and tested on their own.

Snippets are cut and highlighted here rather than by FTS5's ``snippet()``:
for a prefix query ``snippet()`` rebuilds the merged match list of every word
with that prefix for each hit (milliseconds per hit at a million messages),
while the same work on one message's text in Python takes microseconds. The
highlighter folds case and diacritics the way the index's ``unicode61
remove_diacritics 2`` tokenizer does, so what is marked is what matched.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime

from chatkit.types import AssistantMessageItem, ThreadItem, UserMessageItem
from pydantic import BaseModel

ELLIPSIS = "…"
# Words shown around the match in a snippet.
SNIPPET_WORDS = 12
# More terms than this narrow nothing further and only cost time; ignore the rest.
MAX_QUERY_TERMS = 16

# A token as the unicode61 tokenizer sees it: runs of letters and digits. Every
# other character separates tokens, so dropping it from the query loses nothing
# and leaves no FTS5 operator ("NEAR(", "*", "-", quotes, column filters) behind.
_TOKEN = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")


class SearchHit(BaseModel):
    """One thread that matched a search."""

    thread_id: str
    title: str | None
    # HTML: the matched words wrapped in <mark>...</mark>, everything else escaped.
    snippet: str
    # The thread's last activity (UTC).
    updated_at: datetime
    # The message that matched (None for a title match), and whether it is on the
    # thread's active branch: opening a hit on another branch switches to it first.
    item_id: str | None = None
    on_active_branch: bool = True


def searchable_text(item: ThreadItem) -> str | None:
    """The words of a thread item worth finding: what the user typed and what the assistant said."""
    if isinstance(item, UserMessageItem):
        parts = [part.text for part in item.content]
    elif isinstance(item, AssistantMessageItem):
        parts = [part.text for part in item.content]
    else:
        return None
    text = "\n".join(part for part in parts if part)
    return text or None


def fold(word: str) -> str:
    """Lower case without diacritics, as the index compares words."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@dataclass(frozen=True)
class SearchQuery:
    """A person's query, parsed once: the FTS5 expression and how to highlight its matches."""

    expression: str
    words: frozenset[str]
    prefix: str | None

    def matches(self, word: str) -> bool:
        folded = fold(word)
        return folded in self.words or (self.prefix is not None and folded.startswith(self.prefix))


def parse_query(query: str) -> SearchQuery | None:
    """Turn free text into a query that cannot be an FTS5 syntax error; None if nothing to search.

    Every term is a quoted string (all terms must match); the last one, if at
    least two characters long, also matches as a prefix so results appear
    while the person is still typing. A single character would match most of
    the index as a prefix, so it is searched as a word.
    """
    terms = _TOKEN.findall(query)[:MAX_QUERY_TERMS]
    if not terms:
        return None
    quoted = [f'"{term}"' for term in terms]
    prefix: str | None = None
    words = terms
    if len(terms[-1]) >= 2:
        quoted[-1] += "*"
        prefix = fold(terms[-1])
        words = terms[:-1]
    return SearchQuery(
        expression=" ".join(quoted),
        words=frozenset(fold(term) for term in words),
        prefix=prefix,
    )


def match_expression(query: str) -> str | None:
    """Just the FTS5 MATCH expression for ``query`` (see parse_query)."""
    parsed = parse_query(query)
    return parsed.expression if parsed else None


def snippet_html(text: str, query: SearchQuery, words: int | None = SNIPPET_WORDS) -> str:
    """An HTML snippet of ``text``: matched words in <mark>, everything else escaped.

    With ``words`` set, shows that many words around the densest run of
    matches, with an ellipsis where text was cut; with None, the whole text.
    """
    text = _SPACE.sub(" ", text).strip()
    tokens = list(_TOKEN.finditer(text))
    hits = [index for index, token in enumerate(tokens) if query.matches(token.group())]
    first, last = 0, len(tokens)
    if words is not None and len(tokens) > words:
        first = _best_window(hits, len(tokens), words)
        last = first + words
    start = tokens[first].start() if first > 0 else 0
    end = tokens[last - 1].end() if last < len(tokens) else len(text)

    pieces = [ELLIPSIS] if first > 0 else []
    position = start
    hit_set = set(hits)
    for index in range(first, last):
        if index in hit_set:
            token = tokens[index]
            pieces.append(html.escape(text[position : token.start()]))
            pieces.append(f"<mark>{html.escape(token.group())}</mark>")
            position = token.end()
    pieces.append(html.escape(text[position:end]))
    if last < len(tokens):
        pieces.append(ELLIPSIS)
    return "".join(pieces)


def _best_window(hits: list[int], token_count: int, words: int) -> int:
    """First token of the window of ``words`` tokens holding the most matches (earliest wins)."""
    if not hits:
        return 0
    best_start, best_count = 0, -1
    for hit in hits:
        # Start a little before the match, so it reads in context.
        start = min(max(0, hit - 2), token_count - words)
        count = bisect_left(hits, start + words) - bisect_left(hits, start)
        if count > best_count:
            best_start, best_count = start, count
    return best_start
