"""Importing a file of conversations: a bad file adds nothing, a file twice adds nothing.

An import reads the file twice, streaming both times, so memory stays bounded:

1. Check (``kitdesk.transfer.check_file``): the whole file is parsed without
   keeping anything, so a bad or truncated file is refused before anything
   is written.
2. Copy: a worker thread turns the conversations into rows, in batches of
   about ``BATCH_ITEMS`` items, one batch ahead of the writer thread, which
   commits each batch in its own transaction (``commit_batch``). Thread ids
   are stable per source conversation and inserted with ``INSERT OR IGNORE``,
   so importing the same file again adds nothing, and a thread arrives whole
   or not at all: a kill -9 between batches leaves whole threads, and
   importing the file again adds exactly the rest. Batches keep the write
   lock short, so the app's own writes (an answer streaming in the window
   while ``kitdesk import`` runs) wait for one batch at most. The full-text
   index follows through the store's triggers, so search is right after
   every batch.

Should the second read fail where the first did not (the file changed in
between), the threads this import added are deleted again (``remove_threads``):
nothing is half-imported.

Rows are written straight from the neutral threads: message JSON without a
pydantic model per message (``message_item_json``); Kitdesk's own export
keeps its exact items through ``to_storable``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from chatkit.types import ThreadMetadata

from kitdesk.store import import_organisation
from kitdesk.store.search import searchable_text
from kitdesk.transfer import ImportedThread, Skipped, read_threads
from kitdesk.transfer.chatkit_items import (
    imported_thread_metadata,
    message_item_json,
    to_storable,
)
from kitdesk.transfer.model import Organisation, Source
from kitdesk.transfer.reading import ProgressCallback

# Items per write transaction: the app's writes wait for at most one batch.
BATCH_ITEMS = 5000
# Batches between WAL checkpoints during an import (about 60 MB of WAL).
CHECKPOINT_EVERY_BATCHES = 4
# The share of an import's progress that checking the file stands for.
CHECK_SHARE = 0.2
# Rows per INSERT statement when a batch goes into the temporary tables.
_ROWS_PER_STATEMENT = 1000
# Threads per statement when an import that failed half-way is taken back out.
_REMOVE_AT_ONCE = 500


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


# (thread_id, id, type, data, search_text, parent_id, active), in parent-first order.
ItemRow = tuple[str, str, str, str, str | None, str | None, int]


@dataclass(frozen=True)
class ThreadRows:
    """One conversation as the rows ``threads`` and ``items`` get."""

    thread_id: str
    # (id, title, created_at, updated_at, status, metadata, data)
    thread: tuple[object, ...]
    items: list[ItemRow]
    messages: int
    # Pinned, archived and folder, as Kitdesk's own export records them.
    organisation: Organisation | None = None


@dataclass
class Batch:
    """Threads to commit in one transaction, and how far through the file they reach."""

    threads: list[ThreadRows] = field(default_factory=list)
    items: int = 0
    read_share: float = 0.0


@dataclass
class FileTotals:
    """Filled in while the file is read: distinct conversations and what was skipped."""

    conversations: int = 0
    skipped: Skipped = field(default_factory=Skipped)


def _us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _active_ids(parents: dict[str, str | None], leaf: str | None) -> set[str]:
    active: set[str] = set()
    current = leaf
    while current is not None and current in parents and current not in active:
        active.add(current)
        current = parents[current]
    return active


def _thread_row(thread: ThreadMetadata, updated_at: int) -> tuple[object, ...]:
    return (
        thread.id,
        thread.title,
        thread.created_at.isoformat(),
        updated_at,
        thread.status.model_dump_json(),
        json.dumps(thread.metadata),
        thread.model_dump_json(include=set(ThreadMetadata.model_fields)),
    )


def thread_rows(
    imported: ImportedThread, now: datetime | None = None
) -> tuple[ThreadRows, Skipped]:
    """The rows for one conversation, and what of it was skipped."""
    # (parent id, id, type, JSON, searchable text) per item, parent-first.
    written: list[tuple[str | None, str, str, str, str | None]]
    if imported.source == "kitdesk" and imported.native is not None:
        storable = to_storable(imported)
        thread, leaf, skipped = storable.thread, storable.active_item_id, storable.skipped
        written = [
            (parent, item.id, item.type, item.model_dump_json(), searchable_text(item))
            for parent, item in storable.items
        ]
        stamps = [_us(item.created_at) for _, item in storable.items]
        messages = storable.message_count
        organisation = storable.organisation
    else:
        thread = imported_thread_metadata(imported, now)
        leaf, skipped = imported.active_leaf_id, Skipped(imported.skipped)
        source, fallback = imported.source, thread.created_at
        written = [
            (node.parent_id, node.id, *message_item_json(node, thread.id, fallback, source))
            for node in imported.nodes
        ]
        stamps = [_us(node.created_at) for node in imported.nodes if node.created_at]
        messages = len(imported.nodes)
        organisation = imported.organisation
    active = _active_ids({row[1]: row[0] for row in written}, leaf)
    seen: set[str] = set()
    items: list[ItemRow] = []
    for parent, item_id, kind, data, text in written:
        if item_id in seen:
            continue  # the same node id twice in one conversation: the first one counts
        seen.add(item_id)
        items.append((thread.id, item_id, kind, data, text, parent, int(item_id in active)))
    created = _us(thread.created_at)
    updated = max(created, max(stamps, default=created))
    rows = ThreadRows(thread.id, _thread_row(thread, updated), items, messages, organisation)
    return rows, skipped


def read_batches(
    path: Path,
    source: Source,
    totals: FileTotals,
    progress: ProgressCallback | None = None,
) -> Generator[Batch, None, None]:
    """The file's conversations as batches of rows; each conversation once, however
    often the file holds it. ``totals`` is complete once the iterator is exhausted."""
    seen: set[str] = set()
    share = 0.0

    def note(read: float) -> None:
        nonlocal share
        share = read
        if progress is not None:
            progress(read)

    batch = Batch()
    for imported in read_threads(path, source, progress=note):
        rows, skipped = thread_rows(imported)
        if rows.thread_id in seen:
            continue  # the same conversation twice in one file
        seen.add(rows.thread_id)
        totals.conversations += 1
        totals.skipped.update(skipped)
        batch.threads.append(rows)
        batch.items += len(rows.items)
        if batch.items >= BATCH_ITEMS:
            batch.read_share = share
            yield batch
            batch = Batch()
    if batch.threads:
        batch.read_share = share
        yield batch


_BATCH_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS import_threads (
    id TEXT PRIMARY KEY, title TEXT, created_at TEXT, updated_at INTEGER, status TEXT,
    metadata TEXT, data TEXT
);
CREATE TEMP TABLE IF NOT EXISTS import_items (
    ord INTEGER PRIMARY KEY, thread_id TEXT, id TEXT, type TEXT, data TEXT, search_text TEXT,
    parent_id TEXT, active INTEGER
);
"""


def commit_batch(db: sqlite3.Connection, batch: Batch) -> tuple[list[str], int]:
    """Inside the caller's transaction: add the batch's threads the database does not have
    yet, with their items; return the ids added and how many messages they hold.

    The rows go through temporary tables and arrive in ``threads`` and ``items``
    with one statement each: every statement that fires the full-text triggers
    makes FTS5 write its pending index out (at its savepoint), so a statement
    per row would write a tiny index segment per message and merge them over
    and over, several times the cost of the whole import.
    """
    for statement in _BATCH_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("DELETE FROM temp.import_threads")
    db.execute("DELETE FROM temp.import_items")
    _insert_many(db, "INSERT INTO temp.import_threads VALUES", [r.thread for r in batch.threads])
    db.execute("DELETE FROM temp.import_threads WHERE id IN (SELECT id FROM main.threads)")
    new = {row[0] for row in db.execute("SELECT id FROM temp.import_threads")}
    if not new:
        return [], 0
    added = [rows for rows in batch.threads if rows.thread_id in new]
    _insert_many(
        db,
        "INSERT INTO temp.import_items (thread_id, id, type, data, search_text, parent_id,"
        " active) VALUES",
        [item for rows in added for item in rows.items],
    )
    db.execute(
        "INSERT INTO main.threads (id, title, created_at, updated_at, status, metadata, data)"
        " SELECT id, title, created_at, updated_at, status, metadata, data"
        " FROM temp.import_threads ORDER BY rowid"
    )
    db.execute(
        "INSERT INTO main.items (thread_id, id, type, data, search_text, parent_id, active)"
        " SELECT thread_id, id, type, data, search_text, parent_id, active"
        " FROM temp.import_items ORDER BY ord"
    )
    # Pinned, archived, folder (Kitdesk JSON) for the threads added: import_organisation.py
    import_organisation.apply(db, [(rows.thread_id, rows.organisation) for rows in added])
    return [rows.thread_id for rows in added], sum(rows.messages for rows in added)


def _insert_many(db: sqlite3.Connection, insert: str, rows: Sequence[tuple[object, ...]]) -> None:
    """``insert`` (ending in VALUES) for every row, many rows per statement.

    Not ``executemany``: it releases the GIL around every row's step, and while
    the import's reader thread holds the GIL each row would wait for it (the
    thread switch interval, more on a busy machine); a statement of hundreds of
    rows waits once.
    """
    if not rows:
        return
    columns = len(rows[0])
    limit = db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(_ROWS_PER_STATEMENT, limit // columns))
    row_marks = "(" + ", ".join("?" * columns) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        db.execute(
            f"{insert} {', '.join([row_marks] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def remove_threads(db: sqlite3.Connection, thread_ids: list[str]) -> None:
    """Inside the caller's transaction: take an unfinished import's threads back out
    (their items, and the search index entries, follow by cascade and trigger)."""
    for start in range(0, len(thread_ids), _REMOVE_AT_ONCE):
        db.execute(
            "DELETE FROM threads WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(thread_ids[start : start + _REMOVE_AT_ONCE]),),
        )
