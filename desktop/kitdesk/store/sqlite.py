"""Threads, items, attachments and search, in one SQLite file.

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
- ``attachments`` holds the attachment JSON; the bytes are files named by id
  under ``attachments_dir``. Rows cascade with their thread; the store removes
  the files after the delete commits, and sweeps files without a row at start
  (left behind if the process died between the two). Uploads never sent in a
  message are forgotten at the first start a day later.
- ``feedback`` holds thumbs up/down per item and cascades with the item.

Search returns threads, most recently active first, each with the newest
message that matched (or its title). FTS5 walks matches newest first by rowid,
which is cheap; the walk stops once enough distinct threads are found, or
after a bounded number of matches, so a word found everywhere costs the same
as a rare one.

Every write is one transaction. SQLite never runs on the event loop: writes
go to one dedicated thread with one connection (WAL, synchronous=NORMAL,
foreign keys on), so they are serialized without lock contention; reads go to
a second thread with its own connection and see a consistent snapshot without
waiting for writes; WAL checkpoints (the only step that fsyncs) run on a third,
so a commit never waits for the disk.
A write that has been submitted completes even if the awaiting task is
cancelled (a client disconnecting must not lose the partial answer).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from chatkit.store import AttachmentStore, NotFoundError, Store, StoreItemType
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FeedbackKind,
    FileAttachment,
    ImageAttachment,
    Page,
    ThreadItem,
    ThreadMetadata,
)
from pydantic import AnyUrl, TypeAdapter

from kitdesk.chat.context import RequestContext
from kitdesk.store.migrations import LATEST_VERSION, SchemaError, migrate, schema_version
from kitdesk.store.search import SearchHit, SearchQuery, parse_query, searchable_text, snippet_html

__all__ = [
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

# Limits the HTTP layer enforces on uploads (the store itself accepts any bytes).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ALLOWED_MIME_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/markdown",
        "text/csv",
        "application/json",
        "application/pdf",
    }
)
MAX_ATTACHMENTS_PER_MESSAGE = 10

# The most rows one page returns, whatever the client asks; it pages on for more.
MAX_PAGE_SIZE = 500
_BUSY_TIMEOUT_MS = 5000
# How many just-deleted attachment ids delete_attachment remembers.
_JUST_DELETED_MEMORY = 256
# Uploads not sent in a message within this time are deleted at the next start.
_UNSENT_ATTACHMENT_MAX_AGE_US = 24 * 3600 * 1_000_000
# Write transactions between background WAL checkpoints (a few MB of WAL at most).
_CHECKPOINT_EVERY_WRITES = 200
# How many matching messages search reads, newest first, looking for distinct
# threads; bounds the cost of a word that occurs everywhere.
_SEARCH_SCAN_LIMIT = 5000
# Attachment ids become file names: only these characters, ever.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")

_item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_attachment_adapter: TypeAdapter[Attachment] = TypeAdapter(Attachment)
_metadata_adapter: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])

T = TypeVar("T")

# Set on threads returned by load_threads: when the thread last had activity.
ACTIVITY_KEY = "updated_at"

# Page queries, keyed by "descending". Keyset cursors: (updated_at, id) for
# threads, seq for items; each is a range scan on an index, never an OFFSET.
_THREADS_FIRST = {
    True: "SELECT id, data, updated_at FROM threads ORDER BY updated_at DESC, id DESC LIMIT ?",
    False: "SELECT id, data, updated_at FROM threads ORDER BY updated_at ASC, id ASC LIMIT ?",
}
_THREADS_AFTER = {
    True: "SELECT id, data, updated_at FROM threads WHERE (updated_at, id) < (?, ?) "
    "ORDER BY updated_at DESC, id DESC LIMIT ?",
    False: "SELECT id, data, updated_at FROM threads WHERE (updated_at, id) > (?, ?) "
    "ORDER BY updated_at ASC, id ASC LIMIT ?",
}
_ITEMS_FIRST = {
    True: "SELECT id, data FROM items WHERE thread_id = ? ORDER BY seq DESC LIMIT ?",
    False: "SELECT id, data FROM items WHERE thread_id = ? ORDER BY seq ASC LIMIT ?",
}
_ITEMS_AFTER = {
    True: "SELECT id, data FROM items WHERE thread_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
    False: "SELECT id, data FROM items WHERE thread_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?",
}


class StoreClosedError(RuntimeError):
    """The store was used after close()."""


class DuplicateItemError(ValueError):
    """add_thread_item was given an id the thread already has (use save_item to replace)."""


def _now_us() -> int:
    return time.time_ns() // 1000


def _from_us(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def _listed_thread(data: str, updated_at: int) -> ThreadMetadata:
    """A thread as the history lists it, carrying its last activity for the UI's grouping."""
    thread = ThreadMetadata.model_validate_json(data)
    thread.metadata[ACTIVITY_KEY] = _from_us(updated_at).isoformat()
    return thread


def _thread_json(thread: ThreadMetadata) -> str:
    # A full Thread (with items) may be passed; store only the metadata fields.
    return thread.model_dump_json(include=set(ThreadMetadata.model_fields))


class SQLiteStore(Store[RequestContext], AttachmentStore[RequestContext]):
    """chatkit Store and AttachmentStore over one SQLite database file."""

    def __init__(
        self,
        db_path: Path,
        attachments_dir: Path,
        *,
        backups_dir: Path | None = None,
        busy_timeout_ms: int = _BUSY_TIMEOUT_MS,
    ) -> None:
        self.db_path = Path(db_path)
        # How long to wait for a lock another process holds before failing.
        self._busy_timeout_ms = int(busy_timeout_ms)
        self.attachments_dir = Path(attachments_dir)
        self.backups_dir = backups_dir or self.db_path.parent / "backups"
        # Set when opening migrated an existing file: where the copy went.
        self.last_backup: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._closed = False
        # Attachment ids deleted moments ago (see delete_attachment), oldest first.
        self._just_deleted_attachments: dict[str, bool] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kitdesk-store")
        # Commits only append to the WAL (synchronous=NORMAL: no fsync). Copying
        # the WAL back into the database (a checkpoint) fsyncs and can take tens
        # of milliseconds, so it runs on its own thread and connection and no
        # write ever waits for it.
        self._checkpointer = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="kitdesk-checkpoint"
        )
        self._checkpoint_db: sqlite3.Connection | None = None
        # Reads run on their own thread and connection: WAL lets them proceed
        # while a long write (deleting a big thread) holds the writer.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kitdesk-read")
        self._reader_db: sqlite3.Connection | None = None
        self._writes_since_checkpoint = 0
        self._checkpoint_pending = False
        try:
            self._executor.submit(self._open).result()
            # Open the reader now (after migrations) so the first read is not slower.
            self._reader.submit(self._read, lambda db: None).result()
        except BaseException:
            self._shutdown()
            raise

    # ---- threads and connections ---------------------------------------------

    def _open(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.attachments_dir.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        self._db = db
        try:
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode (got %s) for %s", mode, self.db_path)
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("PRAGMA wal_autocheckpoint = 0")  # see _checkpoint
            self.last_backup = migrate(db, self.backups_dir)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise SchemaError(
                    f"Kitdesk cannot open its database {self.db_path}: {error}."
                ) from error
            raise SchemaError(
                f"Kitdesk's database {self.db_path} is busy in another program "
                "(is Kitdesk already running?). Close it and try again."
            ) from error
        except sqlite3.DatabaseError as error:
            raise SchemaError(
                f"Kitdesk cannot open its database {self.db_path}: {error}. "
                "If the file is damaged, move it aside and start again; "
                f"earlier copies may be in {self.backups_dir}."
            ) from error
        self._prune_unsent_attachments()
        self._sweep_orphan_files()

    def _close_connection(self) -> None:
        if self._db is not None:
            try:
                # Lets SQLite refresh planner statistics it found missing while running.
                self._db.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreClosedError("the store is closed")
        return self._db

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one write transaction on the worker thread."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint >= _CHECKPOINT_EVERY_WRITES and not self._closed:
            self._request_checkpoint()
        return result

    def _request_checkpoint(self) -> None:
        if self._checkpoint_pending:
            return
        self._checkpoint_pending = True
        self._writes_since_checkpoint = 0
        try:
            self._checkpointer.submit(self._checkpoint)
        except RuntimeError:  # shutting down: closing the last connection checkpoints
            self._checkpoint_pending = False

    def _checkpoint(self) -> None:
        """Copy committed WAL pages into the database file (on the checkpoint thread)."""
        try:
            if self._checkpoint_db is None:
                self._checkpoint_db = sqlite3.connect(
                    self.db_path, isolation_level=None, check_same_thread=False
                )
                self._checkpoint_db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            # PASSIVE never blocks the writer or readers; what it cannot copy
            # now (pages a reader still sees) is copied next time.
            self._checkpoint_db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            log.warning("WAL checkpoint failed (will retry later): %s", error)
        finally:
            self._checkpoint_pending = False

    def _close_checkpoint_connection(self) -> None:
        if self._checkpoint_db is not None:
            self._checkpoint_db.close()
            self._checkpoint_db = None

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one read transaction (a consistent snapshot) on the reader thread."""
        if self._reader_db is None:
            db = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            db.execute("PRAGMA query_only = ON")
            self._reader_db = db
        db = self._reader_db
        db.execute("BEGIN")
        try:
            return work(db)
        finally:
            db.execute("COMMIT")

    def _close_reader_connection(self) -> None:
        if self._reader_db is not None:
            self._reader_db.close()
            self._reader_db = None

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """A read on the reader thread; cancelling the caller drops it."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, work)

    async def _run_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """A write on the worker thread; once submitted it completes even if the caller is
        cancelled."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._write, work)
        future.add_done_callback(_note_failed_write)
        return await asyncio.shield(future)

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

    def generate_attachment_id(self, mime_type: str, context: RequestContext) -> str:
        return f"atc_{secrets.token_hex(8)}"

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
        data = _thread_json(thread)
        status = thread.status.model_dump_json()
        meta_json = _metadata_adapter.dump_json(thread.metadata).decode()
        row = (
            thread.id,
            thread.title,
            thread.created_at.isoformat(),
            _now_us(),
            status,
            meta_json,
            data,
        )

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                """
                INSERT INTO threads (id, title, created_at, updated_at, status, metadata, data)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    title = excluded.title,
                    status = excluded.status,
                    metadata = excluded.metadata,
                    data = excluded.data
                """,
                row,
            )

        await self._run_write(work)

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        """A page of threads by last activity ("desc": newest first); ``after`` is a thread id."""
        descending = order != "asc"
        limit = min(max(1, int(limit)), MAX_PAGE_SIZE)

        def work(db: sqlite3.Connection) -> Page[ThreadMetadata]:
            if after is None:
                rows = db.execute(_THREADS_FIRST[descending], (limit + 1,)).fetchall()
            else:
                cursor = db.execute(
                    "SELECT updated_at, id FROM threads WHERE id = ?", (after,)
                ).fetchone()
                if cursor is None:
                    raise NotFoundError(f"Thread {after} was not found")
                rows = db.execute(
                    _THREADS_AFTER[descending], (cursor[0], cursor[1], limit + 1)
                ).fetchall()
            page = rows[:limit]
            return Page(
                data=[_listed_thread(data, updated_at) for _, data, updated_at in page],
                has_more=len(rows) > limit,
                after=page[-1][0] if page else None,
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
                    _require_thread(db, thread_id)
                    raise NotFoundError(f"Item {after} was not found in thread {thread_id}")
                rows = db.execute(
                    _ITEMS_AFTER[descending], (thread_id, cursor[0], limit + 1)
                ).fetchall()
            if not rows:
                _require_thread(db, thread_id)
            page = rows[:limit]
            return Page(
                data=[_item_adapter.validate_json(data) for _, data in page],
                has_more=len(rows) > limit,
                after=page[-1][0] if page else None,
            )

        return await self._run(work)

    async def add_thread_item(
        self, thread_id: str, item: ThreadItem, context: RequestContext
    ) -> None:
        """Append an item to a thread and bump the thread's last activity."""
        row = (thread_id, item.id, item.type, item.model_dump_json(), searchable_text(item))

        def work(db: sqlite3.Connection) -> None:
            _touch_thread(db, thread_id)
            try:
                db.execute(
                    "INSERT INTO items (thread_id, id, type, data, search_text) "
                    "VALUES (?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError as error:
                raise DuplicateItemError(
                    f"Thread {thread_id} already has an item {item.id}"
                ) from error

        await self._run_write(work)

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        """Insert or replace an item by id; a replaced item keeps its position."""
        row = (thread_id, item.id, item.type, item.model_dump_json(), searchable_text(item))

        def work(db: sqlite3.Connection) -> None:
            _touch_thread(db, thread_id)
            db.execute(
                """
                INSERT INTO items (thread_id, id, type, data, search_text) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (thread_id, id) DO UPDATE SET
                    type = excluded.type,
                    data = excluded.data,
                    search_text = excluded.search_text
                """,
                row,
            )

        await self._run_write(work)

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        """Load one item of a thread."""

        def work(db: sqlite3.Connection) -> ThreadItem:
            found = db.execute(
                "SELECT data FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id)
            ).fetchone()
            if found is None:
                _require_thread(db, thread_id)
                raise NotFoundError(f"Item {item_id} was not found in thread {thread_id}")
            return _item_adapter.validate_json(found[0])

        return await self._run(work)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        """Delete an item; deleting one that is not stored is not an error.

        The SDK removes items that were streamed but never saved (a workflow
        replaced mid-answer), so absence here is normal, not a bug.
        """

        def work(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id))

        await self._run_write(work)

    # ---- feedback ------------------------------------------------------------

    async def save_feedback(self, thread_id: str, item_ids: list[str], kind: FeedbackKind) -> None:
        """Record thumbs up/down for items of a thread (the latest vote wins)."""
        if kind not in ("positive", "negative"):
            raise ValueError(f"Unknown feedback kind {kind!r}")
        now = _now_us()

        def work(db: sqlite3.Connection) -> None:
            _require_thread(db, thread_id)
            for item_id in item_ids:
                exists = db.execute(
                    "SELECT 1 FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id)
                ).fetchone()
                if exists is None:
                    raise NotFoundError(f"Item {item_id} was not found in thread {thread_id}")
                db.execute(
                    """
                    INSERT INTO feedback (thread_id, item_id, kind, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (thread_id, item_id) DO UPDATE SET
                        kind = excluded.kind, created_at = excluded.created_at
                    """,
                    (thread_id, item_id, kind, now),
                )

        await self._run_write(work)

    async def load_feedback(self, thread_id: str) -> dict[str, FeedbackKind]:
        """The feedback given on a thread's items, by item id."""

        def work(db: sqlite3.Connection) -> dict[str, FeedbackKind]:
            _require_thread(db, thread_id)
            rows = db.execute(
                "SELECT item_id, kind FROM feedback WHERE thread_id = ?", (thread_id,)
            ).fetchall()
            return {item_id: kind for item_id, kind in rows}

        return await self._run(work)

    # ---- attachments ---------------------------------------------------------

    async def create_attachment(
        self, input: AttachmentCreateParams, context: RequestContext
    ) -> Attachment:
        """Register an upload: the client then POSTs the bytes to ``upload_descriptor.url``."""
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        origin = context.origin.rstrip("/")
        descriptor = AttachmentUploadDescriptor(
            url=AnyUrl(f"{origin}/api/attachments/{attachment_id}/upload"), method="POST"
        )
        attachment: Attachment
        if input.mime_type.startswith("image/"):
            attachment = ImageAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=descriptor,
                preview_url=AnyUrl(f"{origin}/api/attachments/{attachment_id}/content"),
            )
        else:
            attachment = FileAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=descriptor,
            )
        await self.save_attachment(attachment, context)
        return attachment

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        """Insert or update attachment metadata."""
        _check_attachment_id(attachment.id)
        row = (attachment.id, attachment.thread_id, _now_us(), attachment.model_dump_json())

        def work(db: sqlite3.Connection) -> None:
            if attachment.thread_id is not None:
                _require_thread(db, attachment.thread_id)
            db.execute(
                """
                INSERT INTO attachments (id, thread_id, created_at, data) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, data = excluded.data
                """,
                row,
            )

        await self._run_write(work)

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        """Load attachment metadata by id."""

        def work(db: sqlite3.Connection) -> Attachment:
            found = db.execute(
                "SELECT data FROM attachments WHERE id = ?", (attachment_id,)
            ).fetchone()
            if found is None:
                raise NotFoundError(f"Attachment {attachment_id} was not found")
            return _attachment_adapter.validate_json(found[0])

        return await self._run(work)

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        """Delete an attachment's row and file; NotFoundError when there is no such attachment.

        ChatKitServer handles ``attachments.delete`` by calling this twice, once
        as the AttachmentStore and once as the Store, and here both are this one
        method: so the repeat call for an id deleted a moment ago succeeds quietly.
        """
        if self._just_deleted_attachments.pop(attachment_id, False):
            return

        def work(db: sqlite3.Connection) -> int:
            return db.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,)).rowcount

        deleted = await self._run_write(work)
        await asyncio.to_thread(self._remove_files, [attachment_id])
        if deleted == 0:
            raise NotFoundError(f"Attachment {attachment_id[:100]} was not found")
        self._just_deleted_attachments[attachment_id] = True
        while len(self._just_deleted_attachments) > _JUST_DELETED_MEMORY:
            self._just_deleted_attachments.pop(next(iter(self._just_deleted_attachments)))

    async def write_attachment_file(self, attachment_id: str, data: bytes) -> Attachment:
        """Store an attachment's bytes and mark its upload complete; returns the new metadata."""
        attachment = await self.load_attachment(attachment_id, RequestContext(origin=""))
        path = self._file_path(attachment_id)
        await asyncio.to_thread(_write_file_atomically, path, data)
        done = attachment.model_copy(update={"upload_descriptor": None})
        await self.save_attachment(done, RequestContext(origin=""))
        return done

    def attachment_file_path(self, attachment_id: str) -> Path | None:
        """The file holding an attachment's bytes, or None when nothing was uploaded."""
        if not _SAFE_ID.match(attachment_id):
            return None
        path = self._file_path(attachment_id)
        return path if path.is_file() else None

    async def read_attachment_bytes(self, attachment_id: str) -> bytes:
        """An attachment's bytes; NotFoundError when there is no such upload."""
        path = self.attachment_file_path(attachment_id)
        if path is None:
            raise NotFoundError(f"Attachment {attachment_id} has no uploaded file")
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as error:
            raise NotFoundError(f"Attachment {attachment_id} has no uploaded file") from error

    def _file_path(self, attachment_id: str) -> Path:
        _check_attachment_id(attachment_id)
        return self.attachments_dir / attachment_id

    def _remove_files(self, attachment_ids: list[str]) -> None:
        for attachment_id in attachment_ids:
            if _SAFE_ID.match(attachment_id):
                (self.attachments_dir / attachment_id).unlink(missing_ok=True)

    def _prune_unsent_attachments(self) -> None:
        """Forget uploads never sent in a message (the composer that held them is long gone)."""
        cutoff = _now_us() - _UNSENT_ATTACHMENT_MAX_AGE_US
        self._write(
            lambda db: db.execute(
                "DELETE FROM attachments WHERE thread_id IS NULL AND created_at < ?", (cutoff,)
            )
        )

    def _sweep_orphan_files(self) -> None:
        """Remove files with no attachment row (a crash between a delete's commit and unlink)."""
        known = {row[0] for row in self._conn().execute("SELECT id FROM attachments")}
        for entry in self.attachments_dir.iterdir():
            if entry.is_file() and entry.name not in known:
                entry.unlink(missing_ok=True)

    # ---- search --------------------------------------------------------------

    async def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Threads whose messages or title match ``query``, most recently active first."""
        parsed = parse_query(query)
        if parsed is None or limit <= 0:
            return []
        return await self._run(lambda db: _search(db, parsed, limit))

    # ---- lifecycle -----------------------------------------------------------

    def check(self) -> str:
        """Return "ok" when the database answers, else a short description of the problem."""
        if self._closed:
            return "closed"
        try:
            # A separate read-only connection: never waits behind queued writes
            # and never touches the worker's connection from this thread.
            probe = sqlite3.connect(f"{self.db_path.as_uri()}?mode=ro", uri=True, timeout=1.0)
            try:
                version = schema_version(probe)
                probe.execute("SELECT 1 FROM threads LIMIT 1").fetchall()
            finally:
                probe.close()
        except sqlite3.Error as error:
            return f"error: {error}"
        if version != LATEST_VERSION:
            return f"error: schema version {version}, expected {LATEST_VERSION}"
        return "ok"

    async def close(self) -> None:
        """Finish queued writes and close the database; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._shutdown)

    def close_sync(self) -> None:
        """close() for code without an event loop (signal handlers, atexit)."""
        if self._closed:
            return
        self._closed = True
        self._shutdown()

    def _shutdown(self) -> None:
        # Jobs run in order: these wait for every queued read and write.
        self._reader.submit(self._close_reader_connection).result()
        self._reader.shutdown(wait=True)
        self._executor.submit(lambda: None).result()
        self._checkpointer.submit(self._close_checkpoint_connection).result()
        self._checkpointer.shutdown(wait=True)
        # Closed last, the writer's connection checkpoints and removes the WAL.
        self._executor.submit(self._close_connection).result()
        self._executor.shutdown(wait=True)


def _search(db: sqlite3.Connection, query: SearchQuery, limit: int) -> list[SearchHit]:
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
    texts = dict(
        db.execute(
            "SELECT seq, search_text FROM items WHERE seq IN (SELECT value FROM json_each(?))",
            (json.dumps([message_hits[row[0]] for row in threads if row[0] in message_hits]),),
        ).fetchall()
    )
    hits: list[SearchHit] = []
    for thread_id, title, updated_at in threads:
        seq = message_hits.get(thread_id)
        if seq is not None:
            snippet = snippet_html(texts.get(seq) or "", query)
        else:
            # A title-only hit: the title is the snippet, whole.
            snippet = snippet_html(title or "", query, words=None)
        hits.append(
            SearchHit(
                thread_id=thread_id,
                title=title,
                snippet=snippet,
                updated_at=_from_us(updated_at),
            )
        )
    return hits


def _note_failed_write(future: asyncio.Future[Any]) -> None:
    # Retrieve the outcome so a write whose caller was cancelled (and so never
    # awaits it) is logged rather than reported as "exception never retrieved".
    if not future.cancelled() and (error := future.exception()) is not None:
        log.debug("store write failed: %r", error)


def _require_thread(db: sqlite3.Connection, thread_id: str) -> None:
    if db.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone() is None:
        raise NotFoundError(f"Thread {thread_id} was not found")


def _touch_thread(db: sqlite3.Connection, thread_id: str) -> None:
    """Mark activity on a thread; NotFoundError when it does not exist."""
    updated = db.execute(
        "UPDATE threads SET updated_at = max(updated_at, ?) WHERE id = ?",
        (_now_us(), thread_id),
    ).rowcount
    if updated == 0:
        raise NotFoundError(f"Thread {thread_id} was not found")


def _check_attachment_id(attachment_id: str) -> None:
    if not _SAFE_ID.match(attachment_id):
        raise NotFoundError(f"Attachment {attachment_id[:100]!r} was not found")


def _write_file_atomically(path: Path, data: bytes) -> None:
    # Write beside the target, flush to disk, then rename: readers see the old
    # file or the whole new one, never half an upload.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
