"""A thread's row in ``threads``, and the end of a turn written in one transaction.

``save_thread`` and ``save_turn_end`` build the row the same way. A turn ends with
its usage and the thread as the turn left it (model remembered, title) in one
write; the ChatKit pipeline then saves the changed thread as the protocol says,
and that save finds the row already written. It is skipped only when no other
write was submitted in between, so the row in the file is exactly the one it
would write: nothing changes but a round trip to the writer thread saved.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from chatkit.types import ThreadMetadata
from pydantic import TypeAdapter

_metadata_adapter: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])

# id, title, created_at, status, metadata, data: what an update of the row sets (with the
# id it matches); updated_at is set only when the row is new.
ThreadRow = tuple[str, str | None, str, str, str, str]


def thread_row(thread: ThreadMetadata) -> ThreadRow:
    # A full Thread (with items) may be passed; store only the metadata fields.
    data = thread.model_dump_json(include=set(ThreadMetadata.model_fields))
    return (
        thread.id,
        thread.title,
        thread.created_at.isoformat(),
        thread.status.model_dump_json(),
        _metadata_adapter.dump_json(thread.metadata).decode(),
        data,
    )


def upsert_thread(db: sqlite3.Connection, row: ThreadRow, updated_at: int) -> None:
    """Insert the thread, or update it (its last activity stays as it was)."""
    thread_id, title, created_at, status, metadata, data = row
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
        (thread_id, title, created_at, updated_at, status, metadata, data),
    )
