"""Importing a file of conversations: a bad file adds nothing, a file twice adds nothing.

An import runs in two steps:

1. Stage: the file is streamed (``kitdesk.transfer``) into a private SQLite
   file beside the database, one conversation at a time, so memory stays
   bounded and a bad or truncated file is refused before anything is written.
   A crash here leaves only the staging file (removed an hour later by the
   automatic backup's tidy-up, ``kitdesk.transfer.retention.stale_leftovers``).
2. Commit: the staged threads the database does not have yet (thread ids are
   stable per source conversation, so importing the same file again adds
   nothing) are copied with their items, in transactions of about
   ``CHUNK_ITEMS`` items. Each thread arrives whole or not at all; a crash
   between chunks leaves some threads in, and importing the file again adds
   exactly the rest. Chunks keep the write lock short, so the app's own
   writes (an answer streaming in the window while ``kitdesk import`` runs)
   wait for one chunk at most.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from chatkit.types import ThreadMetadata

from kitdesk.store import import_organisation
from kitdesk.store.search import searchable_text
from kitdesk.transfer import Skipped, read_threads
from kitdesk.transfer.chatkit_items import StorableThread, to_storable
from kitdesk.transfer.reading import ProgressCallback

STAGING_PREFIX = ".kitdesk-import-"


@dataclass
class ImportResult:
    threads: int = 0
    messages: int = 0
    already_present: int = 0
    skipped: Skipped = field(default_factory=Skipped)

    def summary(self) -> str:
        """One line for a person: what was added, what was there already, what was left out."""
        noun = "conversation" if self.threads == 1 else "conversations"
        line = f"Imported {self.threads} {noun} ({self.messages} messages)"
        if self.already_present:
            line += f"; {self.already_present} already in Kitdesk"
        skipped = self.skipped.describe()
        line += f"; skipped {skipped}." if skipped else "; nothing skipped."
        return line


_STAGING_SCHEMA = """
CREATE TABLE threads (
    id TEXT PRIMARY KEY, title TEXT, created_at TEXT NOT NULL, updated_at INTEGER NOT NULL,
    status TEXT NOT NULL, metadata TEXT NOT NULL, data TEXT NOT NULL,
    messages INTEGER NOT NULL, items INTEGER NOT NULL
);
CREATE TABLE items (
    ord INTEGER PRIMARY KEY, thread_id TEXT NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL,
    data TEXT NOT NULL, search_text TEXT, parent_id TEXT, active INTEGER NOT NULL,
    UNIQUE (thread_id, id)
);
CREATE TABLE skipped (reason TEXT PRIMARY KEY, count INTEGER NOT NULL);
"""


def _us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _active_ids(storable: StorableThread) -> set[str]:
    parents = {item.id: parent for parent, item in storable.items}
    active: set[str] = set()
    current = storable.active_item_id
    while current is not None and current in parents and current not in active:
        active.add(current)
        current = parents[current]
    return active


def _thread_row(
    thread: ThreadMetadata, updated_at: int, messages: int, items: int
) -> tuple[object, ...]:
    return (
        thread.id,
        thread.title,
        thread.created_at.isoformat(),
        updated_at,
        thread.status.model_dump_json(),
        json.dumps(thread.metadata),
        thread.model_dump_json(include=set(ThreadMetadata.model_fields)),
        messages,
        items,
    )


def stage(path: Path, folder: Path, progress: ProgressCallback | None = None) -> Path:
    """Stream ``path`` into a new staging file in ``folder``; ImportFormatError when it is bad."""
    staging = folder / f"{STAGING_PREFIX}{secrets.token_hex(6)}.db"
    db = sqlite3.connect(staging, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a throwaway file: a crash just discards it
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_STAGING_SCHEMA + import_organisation.STAGING_SCHEMA)
        skipped = Skipped()
        db.execute("BEGIN")
        for imported in read_threads(path, progress=progress):
            storable = to_storable(imported)
            skipped.update(storable.skipped)
            created = _us(storable.thread.created_at)
            latest = max((_us(item.created_at) for _, item in storable.items), default=created)
            added = db.execute(
                "INSERT OR IGNORE INTO threads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _thread_row(
                    storable.thread,
                    max(created, latest),
                    storable.message_count,
                    len(storable.items),
                ),
            ).rowcount
            if not added:
                continue  # the same conversation twice in one file
            import_organisation.stage(db, storable.thread.id, storable.organisation)
            active = _active_ids(storable)
            db.executemany(
                "INSERT OR IGNORE INTO items (thread_id, id, type, data, search_text, parent_id,"
                " active) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        storable.thread.id,
                        item.id,
                        item.type,
                        item.model_dump_json(),
                        searchable_text(item),
                        parent,
                        int(item.id in active),
                    )
                    for parent, item in storable.items
                ],
            )
        db.executemany("INSERT INTO skipped VALUES (?, ?)", list(skipped.items()))
        db.execute("COMMIT")
    except BaseException:
        db.close()
        staging.unlink(missing_ok=True)
        raise
    db.close()
    return staging


# Items per commit transaction: the app's writes wait for at most one chunk.
CHUNK_ITEMS = 5000


def attach(db: sqlite3.Connection, staging: Path) -> list[tuple[int, int]]:
    """Attach a staging file (outside any transaction); return the chunks to commit,
    as inclusive ranges of staged thread rowids."""
    db.execute("ATTACH DATABASE ? AS staged", (str(staging),))
    chunks: list[tuple[int, int]] = []
    first = size = 0
    last = None
    for rowid, items in db.execute("SELECT rowid, items FROM staged.threads ORDER BY rowid"):
        if last is None:
            first = rowid
        elif size + items > CHUNK_ITEMS and size:
            chunks.append((first, last))
            first, size = rowid, 0
        size += items
        last = rowid
    if last is not None:
        chunks.append((first, last))
    return chunks


def detach(db: sqlite3.Connection) -> None:
    db.execute("DETACH DATABASE staged")


def commit_chunk(db: sqlite3.Connection, first: int, last: int) -> tuple[int, int]:
    """Inside the caller's transaction: copy the staged threads ``first..last`` that the
    database does not have yet, with their items; return (threads, messages) added."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS import_new (id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.import_new")
    db.execute(
        "INSERT INTO temp.import_new SELECT id FROM staged.threads "
        "WHERE rowid BETWEEN ? AND ? AND id NOT IN (SELECT id FROM main.threads)",
        (first, last),
    )
    db.execute(
        "INSERT INTO main.threads (id, title, created_at, updated_at, status, metadata, data)"
        " SELECT id, title, created_at, updated_at, status, metadata, data"
        " FROM staged.threads WHERE id IN (SELECT id FROM temp.import_new) ORDER BY rowid"
    )
    db.execute(
        "INSERT INTO main.items (thread_id, id, type, data, search_text, parent_id, active)"
        " SELECT thread_id, id, type, data, search_text, parent_id, active"
        " FROM staged.items WHERE thread_id IN (SELECT id FROM temp.import_new) ORDER BY ord"
    )
    import_organisation.apply(db)  # pinned, archived, folder (Kitdesk JSON): import_organisation.py
    added, messages = db.execute(
        "SELECT count(*), coalesce(sum(messages), 0) FROM staged.threads "
        "WHERE id IN (SELECT id FROM temp.import_new)"
    ).fetchone()
    return int(added), int(messages)


def staged_totals(db: sqlite3.Connection) -> tuple[int, Skipped]:
    """How many distinct conversations the file held, and what was skipped."""
    total = db.execute("SELECT count(*) FROM staged.threads").fetchone()[0]
    return int(total), Skipped(dict(db.execute("SELECT reason, count FROM staged.skipped")))


def commit_all(db: sqlite3.Connection, staging: Path) -> ImportResult:
    """Attach, commit every chunk in its own transaction, detach (``db`` in autocommit mode)."""
    chunks = attach(db, staging)
    try:
        result = ImportResult()
        for first, last in chunks:
            db.execute("BEGIN IMMEDIATE")
            try:
                added, messages = commit_chunk(db, first, last)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            result.threads += added
            result.messages += messages
        total, result.skipped = staged_totals(db)
        result.already_present = total - result.threads
    finally:
        detach(db)
    return result
