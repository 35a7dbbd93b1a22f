"""Branches of a thread: edits and regenerations kept as siblings, one path active.

Each item records the item it follows (``items.parent_id``, within its
thread; NULL for the first) and whether it is on the thread's active path
(``items.active``). Items with the same parent are branches: regenerating an
answer moves the old answer (and whatever followed it) off the active path
and the new answer becomes its sibling; editing a question does the same one
step earlier. Nothing is deleted.

Along any path an item's ``seq`` is larger than its parent's (a child is
always written after its parent), so the active path in ``seq`` order *is*
the conversation, and every page query stays a keyset range on a partial
index (``items_active_path``: ``(thread_id, seq) WHERE active = 1``): a
thread with branches pages exactly like one without.

Switching to a branch activates the path from the root to that item and then,
below it, the newest child at each step; it rewrites only the rows whose
flag changes, in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from chatkit.store import NotFoundError
from chatkit.types import ThreadItem
from pydantic import TypeAdapter

from kitdesk.store.database import Database, require_thread

_item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


class NotOnActivePathError(ValueError):
    """The item is not on the thread's active path (switch to its branch first)."""


@dataclass(frozen=True)
class Fork:
    """An item on the active path that has siblings: the ``‹ index / count ›`` switcher."""

    item_id: str
    index: int  # 1-based position among its siblings, oldest first
    sibling_ids: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.sibling_ids)


def active_leaf(db: sqlite3.Connection, thread_id: str) -> str | None:
    """The last item of the active path: where a new item is attached."""
    row = db.execute(
        "SELECT id FROM items WHERE thread_id = ? AND active = 1 ORDER BY seq DESC LIMIT 1",
        (thread_id,),
    ).fetchone()
    return row[0] if row else None


def _item_seq(db: sqlite3.Connection, thread_id: str, item_id: str) -> tuple[int, bool]:
    row = db.execute(
        "SELECT seq, active FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Item {item_id} was not found in thread {thread_id}")
    return int(row[0]), bool(row[1])


def branch_off(
    db: sqlite3.Connection, thread_id: str, item_id: str, *, including: bool
) -> list[str]:
    """Move the active path after ``item_id`` (or from it, when ``including``) to an inactive
    branch; returns the ids moved, in order. The next item added follows ``item_id`` (or
    its parent), so it becomes their sibling."""
    seq, active = _item_seq(db, thread_id, item_id)
    if not active:
        raise NotOnActivePathError(f"Item {item_id} is not on the active path of {thread_id}")
    op = ">=" if including else ">"
    moved = [
        row[0]
        for row in db.execute(
            f"SELECT id FROM items WHERE thread_id = ? AND active = 1 AND seq {op} ? "  # noqa: S608
            "ORDER BY seq",
            (thread_id, seq),
        )
    ]
    db.execute(
        f"UPDATE items SET active = 0 WHERE thread_id = ? AND active = 1 AND seq {op} ?",  # noqa: S608
        (thread_id, seq),
    )
    return moved


def switch_branch(db: sqlite3.Connection, thread_id: str, item_id: str) -> list[str]:
    """Make ``item_id``'s branch the active path; returns the new path's ids in order."""
    rows = db.execute(
        "SELECT id, parent_id, seq, active FROM items WHERE thread_id = ?", (thread_id,)
    ).fetchall()
    parents = {row[0]: row[1] for row in rows}
    if item_id not in parents:
        raise NotFoundError(f"Item {item_id} was not found in thread {thread_id}")
    newest_child: dict[str | None, tuple[int, str]] = {}
    for child, parent, seq, _ in rows:
        if parent not in newest_child or seq > newest_child[parent][0]:
            newest_child[parent] = (seq, child)
    path: list[str] = []
    wanted: set[str] = set()  # the path as a set: a deep item's walk stays linear
    current: str | None = item_id
    while current is not None and current not in wanted:
        path.append(current)
        wanted.add(current)
        current = parents.get(current)
    path.reverse()
    current = item_id
    while current in newest_child and newest_child[current][1] not in wanted:
        current = newest_child[current][1]
        path.append(current)
        wanted.add(current)
    # Set-based: one statement each way, so the flips of a long path cost one pass;
    # rows are found by seq (the rowid), not through the (thread_id, id) index.
    off = [row[2] for row in rows if row[3] and row[0] not in wanted]
    on = [row[2] for row in rows if not row[3] and row[0] in wanted]
    if off:
        db.execute(
            "UPDATE items SET active = 0 WHERE seq IN (SELECT value FROM json_each(?))",
            (json.dumps(off),),
        )
    if on:
        db.execute(
            "UPDATE items SET active = 1 WHERE seq IN (SELECT value FROM json_each(?))",
            (json.dumps(on),),
        )
    return path


def branch_siblings(db: sqlite3.Connection, thread_id: str, item_id: str) -> Fork:
    """The item's siblings (itself included), oldest first."""
    _item_seq(db, thread_id, item_id)
    ids = tuple(
        row[0]
        for row in db.execute(
            "SELECT id FROM items WHERE thread_id = ? AND parent_id IS "
            "(SELECT parent_id FROM items WHERE thread_id = ? AND id = ?) ORDER BY seq",
            (thread_id, thread_id, item_id),
        )
    )
    return Fork(item_id, ids.index(item_id) + 1, ids)


def forks(db: sqlite3.Connection, thread_id: str) -> list[Fork]:
    """Every item on the active path that has siblings, in path order."""
    rows = db.execute(
        """
        SELECT a.id, s.id FROM items AS a
        JOIN items AS s ON s.thread_id = a.thread_id AND s.parent_id IS a.parent_id
        WHERE a.thread_id = ? AND a.active = 1
          AND EXISTS (SELECT 1 FROM items AS o WHERE o.thread_id = a.thread_id
                      AND o.parent_id IS a.parent_id AND o.id != a.id)
        ORDER BY a.seq, s.seq
        """,
        (thread_id,),
    ).fetchall()
    grouped: dict[str, list[str]] = {}
    for active_id, sibling in rows:
        grouped.setdefault(active_id, []).append(sibling)
    return [Fork(i, ids.index(i) + 1, tuple(ids)) for i, ids in grouped.items()]


def reattach_children(db: sqlite3.Connection, thread_id: str, item_id: str) -> None:
    """Before deleting an item: its children follow its parent instead."""
    db.execute(
        "UPDATE items SET parent_id = (SELECT parent_id FROM items WHERE thread_id = ? AND id = ?)"
        " WHERE thread_id = ? AND parent_id = ?",
        (thread_id, item_id, thread_id, item_id),
    )


class BranchRecords(Database):
    """The store's branch operations. The chat dispatcher calls ``branch_off_after`` for
    ``threads.retry_after_item`` (instead of deleting the later items) and
    ``branch_off_at`` before adding an edited message; ``load_thread_items`` (so
    ``items.list``, ``threads.get_by_id`` and the model's history) sees the active path."""

    async def load_active_path(self, thread_id: str) -> list[ThreadItem]:
        """Every item of the active path, oldest first (what the model is sent)."""

        def work(db: sqlite3.Connection) -> list[ThreadItem]:
            require_thread(db, thread_id)
            rows = db.execute(
                "SELECT data FROM items WHERE thread_id = ? AND active = 1 ORDER BY seq",
                (thread_id,),
            )
            return [_item_adapter.validate_json(row[0]) for row in rows]

        return await self._run(work)

    async def branch_off_after(self, thread_id: str, item_id: str) -> list[str]:
        """Retry: keep the items after ``item_id`` as an inactive branch (nothing deleted);
        the next item added follows ``item_id``. Returns the ids moved off the path."""
        return await self._run_write(lambda db: branch_off(db, thread_id, item_id, including=False))

    async def branch_off_at(self, thread_id: str, item_id: str) -> list[str]:
        """Edit: keep ``item_id`` and what follows as an inactive branch; the edited
        message, added next, becomes its sibling. Returns the ids moved off the path."""
        return await self._run_write(lambda db: branch_off(db, thread_id, item_id, including=True))

    async def switch_branch(self, thread_id: str, item_id: str) -> list[str]:
        """Make ``item_id``'s branch active (stored); returns the new active path's ids."""
        return await self._run_write(lambda db: switch_branch(db, thread_id, item_id))

    async def branch_siblings(self, thread_id: str, item_id: str) -> Fork:
        """The item and its sibling branches, oldest first (for ``‹ 2 / 3 ›``)."""
        return await self._run(lambda db: branch_siblings(db, thread_id, item_id))

    async def forks(self, thread_id: str) -> list[Fork]:
        """Every item on the active path that has sibling branches, in path order."""
        return await self._run(lambda db: forks(db, thread_id))
