"""Thumbs up and down on a thread's items.

One ``feedback`` row per item (the latest vote wins); it cascades with the
item and its thread. ``SQLiteStore`` takes these methods from ``FeedbackRecords``.
"""

from __future__ import annotations

import sqlite3

from chatkit.store import NotFoundError
from chatkit.types import FeedbackKind

from kitdesk.store.database import Database, now_us, require_thread


class FeedbackRecords(Database):
    """The store's feedback operations (``items.feedback`` in the ChatKit protocol)."""

    async def save_feedback(self, thread_id: str, item_ids: list[str], kind: FeedbackKind) -> None:
        """Record thumbs up/down for items of a thread (the latest vote wins)."""
        if kind not in ("positive", "negative"):
            raise ValueError(f"Unknown feedback kind {kind!r}")
        now = now_us()

        def work(db: sqlite3.Connection) -> None:
            require_thread(db, thread_id)
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
            require_thread(db, thread_id)
            rows = db.execute(
                "SELECT item_id, kind FROM feedback WHERE thread_id = ?", (thread_id,)
            ).fetchall()
            return {item_id: kind for item_id, kind in rows}

        return await self._run(work)
