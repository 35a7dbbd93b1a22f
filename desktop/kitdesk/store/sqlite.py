"""The ChatKit ``Store``: threads, items and feedback in one SQLite file.

Why the schema looks the way it does (tables are created in ``migrations.py``):

- ``threads`` keeps the whole ThreadMetadata as JSON (``data``) so nothing the
  SDK adds is lost, plus the columns SQL needs: ``title`` (indexed for
  search), ``status`` and ``metadata`` (queryable with json_extract), and
  ``updated_at``, the last activity. The history lists threads by
  ``(updated_at, id)`` newest first; an index on exactly that pair makes every
  page an index range scan, the cursor being the last thread id returned.
- ``items`` keeps each ThreadItem as JSON and an AUTOINCREMENT ``seq`` that is
  the insertion order. Pages are keyset ranges on ``(thread_id, seq)``: the
  cursor item's seq is looked up by id, then ``seq > ?`` (or ``<``) walks the
  index; never OFFSET, so a page deep in a long thread costs the same as the
  first. Item ids are unique per thread,
  not globally: SDK-generated ids are short and some providers reuse them.
- ``items.search_text`` is the message text (what the user typed, what the
  assistant answered); ``items_fts`` and ``threads_fts`` are FTS5 indexes over
  it and over titles, kept in step by triggers so every write path, including
  the cascade of a thread delete, updates them in the same transaction.
- ``items.parent_id`` and ``items.active``: edits and regenerations kept as
  branches; pages walk the active path (``branches.py``).
- ``pinned``, ``archived``, ``folder_id`` and ``folders``: how the person
  organised the history (``organise.py``).
- ``usage``: token counts per answer (``usage.py``); import, export, backup
  and restore run through ``transfers.py``.
- ``attachments`` rows and files: see ``attachments.py``; their URLs are
  stored location-free and built when read (``attachment_urls.py``).
- ``feedback`` holds thumbs up/down per item and cascades with the item
  (``feedback.py``).

Search returns threads, most recently active first (``thread_search.py``).
Every write is one transaction, run by ``database.py``'s writer thread.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3

from chatkit.store import AttachmentStore, NotFoundError, Store, StoreItemType
from chatkit.types import (
    Page,
    ThreadItem,
    ThreadMetadata,
)
from pydantic import TypeAdapter

from kitdesk.chat.context import RequestContext
from kitdesk.store.attachment_urls import items_for_reader, stored_item_json
from kitdesk.store.attachments import (
    ALLOWED_MIME_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_MESSAGE,
    AttachmentRecords,
)
from kitdesk.store.branches import BranchRecords, active_leaf, reattach_children
from kitdesk.store.database import StoreClosedError, now_us, require_thread
from kitdesk.store.feedback import FeedbackRecords
from kitdesk.store.migrations import SchemaError
from kitdesk.store.organise import ACTIVITY_KEY, OrganiseRecords, listed_thread
from kitdesk.store.search import SearchHit, parse_query, searchable_text
from kitdesk.store.thread_rows import thread_row, upsert_thread
from kitdesk.store.thread_search import search_threads
from kitdesk.store.transfers import DataTransfers
from kitdesk.store.usage import UsageRecords

__all__ = [
    "ACTIVITY_KEY",
    "ALLOWED_MIME_TYPES",
    "MAX_ATTACHMENTS_PER_MESSAGE",
    "MAX_ATTACHMENT_BYTES",
    "DuplicateItemError",
    "NotFoundError",
    "SQLiteStore",
    "SchemaError",
    "SearchHit",
    "StoreClosedError",
]

log = logging.getLogger(__name__)

# The most rows one page returns, whatever the client asks; it pages on for more.
MAX_PAGE_SIZE = 500
_item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


# Page queries, keyed by "descending". Keyset cursors: (updated_at, id) for
# threads, seq for items; each is a range scan on an index, never an OFFSET.
# The history leaves archived threads out and lists pinned ones first
# (organise.py): the cursor is (pinned, updated_at, id), one range of the
# index threads_listed.
_LISTED = "SELECT id, data, updated_at, pinned, archived, folder_id FROM threads WHERE archived = 0"
_THREADS_FIRST = {
    True: f"{_LISTED} ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?",
    False: f"{_LISTED} ORDER BY pinned ASC, updated_at ASC, id ASC LIMIT ?",
}
_THREADS_AFTER = {
    True: f"{_LISTED} AND (pinned, updated_at, id) < (?, ?, ?) "
    "ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?",
    False: f"{_LISTED} AND (pinned, updated_at, id) > (?, ?, ?) "
    "ORDER BY pinned ASC, updated_at ASC, id ASC LIMIT ?",
}
# Items pages walk the active path only (the partial index items_active_path).
_ITEMS_FIRST = {
    True: "SELECT id, data FROM items WHERE thread_id = ? AND active = 1 ORDER BY seq DESC LIMIT ?",
    False: "SELECT id, data FROM items WHERE thread_id = ? AND active = 1 ORDER BY seq ASC LIMIT ?",
}
_ITEMS_AFTER = {
    True: "SELECT id, data FROM items WHERE thread_id = ? AND active = 1 AND seq < ? "
    "ORDER BY seq DESC LIMIT ?",
    False: "SELECT id, data FROM items WHERE thread_id = ? AND active = 1 AND seq > ? "
    "ORDER BY seq ASC LIMIT ?",
}


class DuplicateItemError(ValueError):
    """add_thread_item was given an id the thread already has (use save_item to replace)."""


class SQLiteStore(
    AttachmentRecords,
    BranchRecords,
    FeedbackRecords,
    UsageRecords,
    OrganiseRecords,
    DataTransfers,
    Store[RequestContext],
    AttachmentStore[RequestContext],
):
    """chatkit Store and AttachmentStore over one SQLite database file."""

    # ---- ids -----------------------------------------------------------------
    # The SDK's default ids carry 32 random bits: at a million items collisions
    # become likely. 64 bits keeps them unique for any realistic history.

    def generate_thread_id(self, context: RequestContext) -> str:
        return f"thr_{secrets.token_hex(8)}"

    def generate_item_id(
        self, item_type: StoreItemType, thread: ThreadMetadata, context: RequestContext
    ) -> str:
        prefix = {
            "thread": "thr",
            "message": "msg",
            "tool_call": "tc",
            "workflow": "wf",
            "task": "tsk",
            "attachment": "atc",
            "sdk_hidden_context": "shcx",
        }[item_type]
        return f"{prefix}_{secrets.token_hex(8)}"

    # ---- threads -------------------------------------------------------------

    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        """Load a thread's metadata by id."""

        def work(db: sqlite3.Connection) -> ThreadMetadata:
            row = db.execute("SELECT data FROM threads WHERE id = ?", (thread_id,))
            found = row.fetchone()
            if found is None:
                raise NotFoundError(f"Thread {thread_id} was not found")
            return ThreadMetadata.model_validate_json(found[0])

        return await self._run(work)

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        """Insert or update a thread; a new thread's last activity is now."""
        row = thread_row(thread)
        if self.is_last_write(row):
            return  # the turn's end wrote this very row, and nothing was written since
        updated_at = now_us()
        await self._run_write(lambda db: upsert_thread(db, row, updated_at))

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        """A page of the history ("desc": pinned first, then newest first; archived threads
        left out); ``after`` is a thread id."""
        descending = order != "asc"
        limit = min(max(1, int(limit)), MAX_PAGE_SIZE)

        def work(db: sqlite3.Connection) -> Page[ThreadMetadata]:
            if after is None:
                rows = db.execute(_THREADS_FIRST[descending], (limit + 1,)).fetchall()
            else:
                cursor = db.execute(
                    "SELECT pinned, updated_at, id FROM threads WHERE id = ?", (after,)
                ).fetchone()
                if cursor is None:
                    raise NotFoundError(f"Thread {after} was not found")
                rows = db.execute(_THREADS_AFTER[descending], (*cursor, limit + 1)).fetchall()
            page = rows[:limit]
            has_more = len(rows) > limit
            return Page(
                data=[listed_thread(*row[1:]) for row in page],
                has_more=has_more,
                after=page[-1][0] if has_more else None,
            )

        return await self._run(work)

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        """Delete a thread with its items, feedback, attachments and their files."""

        def work(db: sqlite3.Connection) -> list[str]:
            rows = db.execute("SELECT id FROM attachments WHERE thread_id = ?", (thread_id,))
            attachment_ids = [row[0] for row in rows]
            deleted = db.execute("DELETE FROM threads WHERE id = ?", (thread_id,)).rowcount
            if deleted == 0:
                raise NotFoundError(f"Thread {thread_id} was not found")
            # The full-text indexes only mark deleted rows until their segments
            # merge; merging now leaves no word of the thread in the file.
            # (SQLite 3.44's secure-delete option would do it per row.)
            db.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")
            db.execute("INSERT INTO threads_fts (threads_fts) VALUES ('optimize')")
            return attachment_ids

        attachment_ids = await self._run_write(work)
        await asyncio.to_thread(self._remove_files, attachment_ids)

    # ---- items ---------------------------------------------------------------

    async def load_thread_items(
        self,
        thread_id: str,
        after: str | None,
        limit: int,
        order: str,
        context: RequestContext,
    ) -> Page[ThreadItem]:
        """A page of items in insertion order ("asc") or reverse; ``after`` is an item id."""
        descending = order == "desc"
        limit = min(max(1, int(limit)), MAX_PAGE_SIZE)

        def work(db: sqlite3.Connection) -> Page[ThreadItem]:
            if after is None:
                rows = db.execute(_ITEMS_FIRST[descending], (thread_id, limit + 1)).fetchall()
            else:
                cursor = db.execute(
                    "SELECT seq FROM items WHERE thread_id = ? AND id = ?", (thread_id, after)
                ).fetchone()
                if cursor is None:
                    require_thread(db, thread_id)
                    raise NotFoundError(f"Item {after} was not found in thread {thread_id}")
                rows = db.execute(
                    _ITEMS_AFTER[descending], (thread_id, cursor[0], limit + 1)
                ).fetchall()
            if not rows:
                require_thread(db, thread_id)
            page = rows[:limit]
            has_more = len(rows) > limit
            items = [_item_adapter.validate_json(data) for _, data in page]
            return Page(
                data=items_for_reader(db, items, context.origin),
                has_more=has_more,
                after=page[-1][0] if has_more else None,
            )

        return await self._run(work)

    async def add_thread_item(
        self, thread_id: str, item: ThreadItem, context: RequestContext
    ) -> None:
        """Append an item to the thread's active path and bump the thread's last activity."""
        await self.add_thread_items(thread_id, [item], context)

    async def add_thread_items(
        self, thread_id: str, items: list[ThreadItem], context: RequestContext
    ) -> None:
        """Append items in order, in one transaction (all of them or none)."""
        texts = [searchable_text(item) for item in items]

        def work(db: sqlite3.Connection) -> None:
            _touch_thread(db, thread_id)
            for item, text in zip(items, texts, strict=True):
                row = (thread_id, item.id, item.type, stored_item_json(db, item), text)
                try:
                    db.execute(
                        "INSERT INTO items (thread_id, id, type, data, search_text, parent_id) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (*row, active_leaf(db, thread_id)),
                    )
                except sqlite3.IntegrityError as error:
                    raise DuplicateItemError(
                        f"Thread {thread_id} already has an item {item.id}"
                    ) from error

        await self._run_write(work)

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        """Insert or replace an item by id; a replaced item keeps its place and branch,
        a new one is appended to the active path."""
        text = searchable_text(item)

        def work(db: sqlite3.Connection) -> None:
            row = (thread_id, item.id, item.type, stored_item_json(db, item), text)
            _touch_thread(db, thread_id)
            exists = db.execute(
                "SELECT 1 FROM items WHERE thread_id = ? AND id = ?", (thread_id, item.id)
            ).fetchone()
            parent = None if exists else active_leaf(db, thread_id)
            db.execute(
                """
                INSERT INTO items (thread_id, id, type, data, search_text, parent_id)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (thread_id, id) DO UPDATE SET
                    type = excluded.type,
                    data = excluded.data,
                    search_text = excluded.search_text
                """,
                (*row, parent),
            )

        await self._run_write(work)

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        """Load one item of a thread."""

        def work(db: sqlite3.Connection) -> ThreadItem:
            found = db.execute(
                "SELECT data FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id)
            ).fetchone()
            if found is None:
                require_thread(db, thread_id)
                raise NotFoundError(f"Item {item_id} was not found in thread {thread_id}")
            item = _item_adapter.validate_json(found[0])
            return items_for_reader(db, [item], context.origin)[0]

        return await self._run(work)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        """Delete an item; deleting one that is not stored is not an error.

        The SDK removes items that were streamed but never saved (a workflow
        replaced mid-answer), so absence here is normal, not a bug.
        """

        def work(db: sqlite3.Connection) -> None:
            reattach_children(db, thread_id, item_id)
            db.execute("DELETE FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id))

        await self._run_write(work)

    # ---- search --------------------------------------------------------------

    async def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Threads whose messages or title match ``query``, most recently active first."""
        parsed = parse_query(query)
        if parsed is None or limit <= 0:
            return []
        return await self._run(lambda db: search_threads(db, parsed, limit))


def _touch_thread(db: sqlite3.Connection, thread_id: str) -> None:
    """Mark activity on a thread; NotFoundError when it does not exist."""
    updated = db.execute(
        "UPDATE threads SET updated_at = max(updated_at, ?) WHERE id = ?",
        (now_us(), thread_id),
    ).rowcount
    if updated == 0:
        raise NotFoundError(f"Thread {thread_id} was not found")
