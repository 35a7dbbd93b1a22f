"""Full-text search over every thread: the newest matching message per thread, or its title.

FTS5 walks matches newest first by rowid, which is cheap; the walk stops once
enough distinct threads are found, or after a bounded number of matches, so a
word found everywhere costs the same as a rare one.
"""

from __future__ import annotations

import json
import sqlite3

from kitdesk.store.database import from_us
from kitdesk.store.search import SearchHit, SearchQuery, snippet_html

# How many matching messages search reads, newest first, looking for distinct
# threads; bounds the cost of a word that occurs everywhere.
_SEARCH_SCAN_LIMIT = 5000


def search_threads(db: sqlite3.Connection, query: SearchQuery, limit: int) -> list[SearchHit]:
    # Newest matching message per thread. FTS5 walks rowids (= item seq,
    # i.e. time order) backwards cheaply, so stop once enough threads are found.
    message_hits: dict[str, int] = {}
    rows = db.execute(
        "SELECT items.thread_id, items_fts.rowid FROM items_fts "
        "JOIN items ON items.seq = items_fts.rowid "
        "WHERE items_fts MATCH ? ORDER BY items_fts.rowid DESC LIMIT ?",
        (query.expression, _SEARCH_SCAN_LIMIT),
    )
    for thread_id, seq in rows:
        message_hits.setdefault(thread_id, seq)
        if len(message_hits) >= limit:
            break
    rows.close()

    title_rows = db.execute(
        "SELECT threads.id FROM threads_fts JOIN threads ON threads.seq = threads_fts.rowid "
        "WHERE threads_fts MATCH ? ORDER BY threads_fts.rowid DESC LIMIT ?",
        (query.expression, limit),
    ).fetchall()
    thread_ids = set(message_hits) | {row[0] for row in title_rows}
    if not thread_ids:
        return []

    threads = db.execute(
        "SELECT id, title, updated_at FROM threads "
        "WHERE id IN (SELECT value FROM json_each(?)) "
        "ORDER BY updated_at DESC, id DESC LIMIT ?",
        (json.dumps(sorted(thread_ids)), limit),
    ).fetchall()
    matched = {
        seq: (text, item_id, bool(active))
        for seq, text, item_id, active in db.execute(
            "SELECT seq, search_text, id, active FROM items "
            "WHERE seq IN (SELECT value FROM json_each(?))",
            (json.dumps([message_hits[row[0]] for row in threads if row[0] in message_hits]),),
        )
    }
    hits: list[SearchHit] = []
    for thread_id, title, updated_at in threads:
        seq = message_hits.get(thread_id)
        item_id, on_active_branch = None, True
        if seq is not None:
            text, item_id, on_active_branch = matched.get(seq, ("", None, True))
            snippet = snippet_html(text or "", query)
        else:
            # A title-only hit: the title is the snippet, whole.
            snippet = snippet_html(title or "", query, words=None)
        hits.append(
            SearchHit(
                thread_id=thread_id,
                title=title,
                snippet=snippet,
                updated_at=from_us(updated_at),
                item_id=item_id,
                on_active_branch=on_active_branch,
            )
        )
    return hits
