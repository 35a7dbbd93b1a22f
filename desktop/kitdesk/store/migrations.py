"""Schema versions of the Kitdesk database, as an ordered list of functions.

``PRAGMA user_version`` holds how many migrations a file has had. Opening an
older file first copies it, with SQLite's online backup API (a consistent
snapshot even while another connection writes), to
``<backups_dir>/kitdesk-v<old>-<UTC timestamp>.db``; then each missing step
runs in its own transaction together with its version bump, so a crash leaves
the file at one version or the next, never between. Never edit a released
step: append a new one.

Version 1: threads, items and attachments.
Version 2: feedback, and full-text search over message text and thread titles.
Version 3: branches: each item records the item it follows (``parent_id``) and
whether it is on the thread's active path (``active``); existing threads
become one branch, unchanged (see ``branches.py``).
Version 4: token usage per answer (see ``usage.py``).
Version 5: organising: pinned and archived threads, and folders with an
optional system prompt and default model (see ``organise.py``).
Version 6: every attachment sent in a message names its thread. The first
store left ``thread_id`` empty on them, and an attachment with none is an
upload never sent, which is forgotten after a day (``attachments.py``): those
files would go on the first start of a newer Kitdesk.

Pre-migration copies are pruned like automatic backups: the newest 7 stay.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from chatkit.types import ThreadItem
from pydantic import TypeAdapter, ValidationError

from kitdesk.store.search import searchable_text
from kitdesk.transfer.retention import PARTIAL_SUFFIX, backups_to_prune, list_backups

log = logging.getLogger(__name__)

_item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


class SchemaError(Exception):
    """The database file cannot be used by this version of Kitdesk (message is for a person)."""


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction.

    ``executescript`` would COMMIT first (Python 3.11), breaking the one
    transaction per step; this splits on complete statements instead, which
    keeps trigger bodies (``BEGIN ... END;``) whole.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")


Migration = Callable[[sqlite3.Connection], None]


def sql_step(script: str) -> Migration:
    """A step that is only SQL (no data rewritten in Python)."""
    return lambda db: _run_script(db, script)


_V1_CORE = """
        -- seq is the rowid: the full-text index of titles points at it.
        -- updated_at is the last activity in microseconds since the epoch;
        -- the history sidebar lists threads by it, newest first.
        CREATE TABLE threads (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT,
            created_at TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            metadata TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX threads_by_activity ON threads (updated_at, id);

        -- seq gives insertion order and is the keyset for paging. AUTOINCREMENT
        -- never hands out a number twice, so a cursor or index entry of a
        -- deleted item can never point at a newer one.
        CREATE TABLE items (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (thread_id, id)
        );
        CREATE INDEX items_by_thread ON items (thread_id, seq);

        -- thread_id stays NULL until the message carrying the attachment is sent.
        CREATE TABLE attachments (
            id TEXT PRIMARY KEY,
            thread_id TEXT REFERENCES threads (id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX attachments_by_thread ON attachments (thread_id);
        """


def _v2_feedback_and_search(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE feedback (
            thread_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('positive', 'negative')),
            created_at INTEGER NOT NULL,
            PRIMARY KEY (thread_id, item_id),
            FOREIGN KEY (thread_id, item_id) REFERENCES items (thread_id, id) ON DELETE CASCADE
        ) WITHOUT ROWID;

        ALTER TABLE items ADD COLUMN search_text TEXT;
        """,
    )
    # Fill search_text for existing messages. The text is extracted in Python
    # (the same function the store uses on every write) so old and new rows match.
    rows = db.execute(
        "SELECT seq, data FROM items WHERE type IN ('user_message', 'assistant_message')"
    )
    updates: list[tuple[str, int]] = []
    for seq, data in rows:
        try:
            text = searchable_text(_item_adapter.validate_json(data))
        except ValidationError:
            log.warning("item %s is not a valid thread item; not indexed", seq)
            continue
        if text:
            updates.append((text, seq))
    db.executemany("UPDATE items SET search_text = ? WHERE seq = ?", updates)

    # External-content FTS5 tables: the text lives once, in items/threads; the
    # index points at their rowids. Triggers keep it in step with every insert,
    # update and delete, including the cascade when a thread is deleted.
    _run_script(
        db,
        """
        -- prefix = '2 3': the last query term is matched as a prefix while
        -- typing; without these indexes a short prefix of a common word ("th")
        -- merges the lists of every word it starts, which is slow at scale.
        CREATE VIRTUAL TABLE items_fts USING fts5 (
            search_text, content = 'items', content_rowid = 'seq',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        );
        INSERT INTO items_fts (rowid, search_text)
            SELECT seq, search_text FROM items WHERE search_text IS NOT NULL;

        CREATE TRIGGER items_fts_insert AFTER INSERT ON items
        WHEN new.search_text IS NOT NULL BEGIN
            INSERT INTO items_fts (rowid, search_text) VALUES (new.seq, new.search_text);
        END;
        CREATE TRIGGER items_fts_delete AFTER DELETE ON items
        WHEN old.search_text IS NOT NULL BEGIN
            INSERT INTO items_fts (items_fts, rowid, search_text)
                VALUES ('delete', old.seq, old.search_text);
        END;
        CREATE TRIGGER items_fts_update AFTER UPDATE OF search_text ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, search_text)
                SELECT 'delete', old.seq, old.search_text WHERE old.search_text IS NOT NULL;
            INSERT INTO items_fts (rowid, search_text)
                SELECT new.seq, new.search_text WHERE new.search_text IS NOT NULL;
        END;

        CREATE VIRTUAL TABLE threads_fts USING fts5 (
            title, content = 'threads', content_rowid = 'seq',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        );
        INSERT INTO threads_fts (rowid, title)
            SELECT seq, title FROM threads WHERE title IS NOT NULL;

        CREATE TRIGGER threads_fts_insert AFTER INSERT ON threads
        WHEN new.title IS NOT NULL BEGIN
            INSERT INTO threads_fts (rowid, title) VALUES (new.seq, new.title);
        END;
        CREATE TRIGGER threads_fts_delete AFTER DELETE ON threads
        WHEN old.title IS NOT NULL BEGIN
            INSERT INTO threads_fts (threads_fts, rowid, title)
                VALUES ('delete', old.seq, old.title);
        END;
        CREATE TRIGGER threads_fts_update AFTER UPDATE OF title ON threads BEGIN
            INSERT INTO threads_fts (threads_fts, rowid, title)
                SELECT 'delete', old.seq, old.title WHERE old.title IS NOT NULL;
            INSERT INTO threads_fts (rowid, title)
                SELECT new.seq, new.title WHERE new.title IS NOT NULL;
        END;
        """,
    )


_V3_BRANCHES = """
        ALTER TABLE items ADD COLUMN parent_id TEXT;
        ALTER TABLE items ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
        -- Every existing thread is one branch: each item follows the one before it.
        UPDATE items SET parent_id = (
            SELECT p.id FROM items AS p
            WHERE p.thread_id = items.thread_id AND p.seq < items.seq
            ORDER BY p.seq DESC LIMIT 1
        );
        -- Pages of the active path: a keyset range, whatever the branches.
        CREATE INDEX items_active_path ON items (thread_id, seq) WHERE active = 1;
        CREATE INDEX items_by_parent ON items (thread_id, parent_id);
        """

_V4_USAGE = """
        -- No foreign key: what was spent stays counted when a thread is deleted.
        CREATE TABLE usage (
            thread_id TEXT NOT NULL,
            item_id TEXT NOT NULL,
            provider_id TEXT NOT NULL,
            model TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (thread_id, item_id)
        ) WITHOUT ROWID;
        CREATE INDEX usage_by_time ON usage (created_at);
        """


_V5_ORGANISE = """
        CREATE TABLE folders (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            system_prompt TEXT,
            default_model TEXT,
            created_at INTEGER NOT NULL
        );
        ALTER TABLE threads ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE threads ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
        -- Deleting a folder keeps its conversations (they return to the list).
        ALTER TABLE threads ADD COLUMN folder_id TEXT REFERENCES folders (id) ON DELETE SET NULL;
        -- The history: archived threads left out, pinned ones first, then by
        -- last activity; every page is one range scan of this index.
        CREATE INDEX threads_listed ON threads (archived, pinned, updated_at, id);
        CREATE INDEX threads_by_folder ON threads (folder_id, updated_at, id)
            WHERE folder_id IS NOT NULL;
        """


def _v6_sent_attachments_know_their_thread(db: sqlite3.Connection) -> None:
    unlinked = {row[0] for row in db.execute("SELECT id FROM attachments WHERE thread_id IS NULL")}
    if not unlinked:
        return
    messages = db.execute("SELECT thread_id, data FROM items WHERE type = 'user_message'")
    for thread_id, data in messages:  # row by row: a big store is not read into memory
        if not unlinked:
            return
        try:
            attachments = json.loads(data).get("attachments") or []
        except (ValueError, AttributeError):  # an unreadable row keeps what it has
            continue
        for attachment in attachments:
            attachment_id = attachment.get("id") if isinstance(attachment, dict) else None
            if attachment_id in unlinked:
                db.execute(
                    "UPDATE attachments SET thread_id = ? WHERE id = ?", (thread_id, attachment_id)
                )
                unlinked.discard(attachment_id)


MIGRATIONS: list[Migration] = [
    sql_step(_V1_CORE),
    _v2_feedback_and_search,
    sql_step(_V3_BRANCHES),
    sql_step(_V4_USAGE),
    sql_step(_V5_ORGANISE),
    _v6_sent_attachments_know_their_thread,
]
LATEST_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def backup_database(db: sqlite3.Connection, backups_dir: Path, version: int) -> Path:
    """Copy the open database to the backups folder with the online backup API."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backups_dir / f"kitdesk-v{version}-{stamp}.db"
    # Written under a ``.partial`` name and renamed once whole: a process killed
    # mid-copy (no ``except`` runs on SIGKILL) must not leave a half copy that looks
    # like a backup. The backups folder's clean-up removes stale ``.partial`` files.
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    copy = sqlite3.connect(partial)
    try:
        db.backup(copy)
        # The copy inherits WAL mode from the page header; a backup should be one
        # self-contained file that opens anywhere, read-only media included.
        copy.execute("PRAGMA journal_mode = DELETE")
        copy.close()
        partial.replace(target)
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    return target


def _prune_pre_migration_copies(backups_dir: Path) -> None:
    for entry in backups_to_prune(list_backups(backups_dir)):
        if entry.kind == "pre-migration":
            entry.path.unlink(missing_ok=True)


def migrate(db: sqlite3.Connection, backups_dir: Path) -> Path | None:
    """Bring the database to LATEST_VERSION; return the backup made first, if any.

    ``db`` must be in autocommit mode (isolation_level=None).
    """
    version = schema_version(db)
    if version > LATEST_VERSION:
        raise SchemaError(
            f"This database was written by a newer Kitdesk (schema version {version}; "
            f"this version understands up to {LATEST_VERSION}). Update Kitdesk to open it."
        )
    if version == LATEST_VERSION:
        return None

    has_content = db.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] > 0
    if version == 0 and has_content:
        raise SchemaError(
            "This file is not a Kitdesk database (it already holds other tables). "
            "Move it aside or choose another data folder."
        )
    backup = None
    if has_content:
        try:
            backup = backup_database(db, backups_dir, version)
        except (OSError, sqlite3.Error) as error:
            raise SchemaError(
                f"Kitdesk must back up its database before upgrading it, and could not "
                f"write the copy to {backups_dir}: {error}. Nothing was changed; free some "
                "disk space or fix the folder's permissions, then start Kitdesk again."
            ) from error
    if backup is not None:
        log.info("backed up schema version %s to %s before migrating", version, backup)
        _prune_pre_migration_copies(backups_dir)

    for target, step in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            if schema_version(db) >= target:
                db.execute("ROLLBACK")
                continue
            step(db)
            db.execute(f"PRAGMA user_version = {int(target)}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        log.info("database migrated to schema version %s", target)
    return backup
