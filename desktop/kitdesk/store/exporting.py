"""Exporting threads to a file: Kitdesk JSON (every branch), Markdown or offline HTML.

An export reads through its own read-only connection inside one read
transaction: a consistent snapshot of everything it writes, taken without
waiting for (or delaying) the app's writes, so it also works from the
command line while the window is open. Threads are loaded and written one at
a time, so memory is bounded by the largest thread. The file is written
beside its target and renamed when complete: a failed export never leaves a
half file under the chosen name.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from chatkit.types import AssistantMessageItem, ThreadItem, ThreadMetadata, UserMessageItem
from pydantic import TypeAdapter

from kitdesk.transfer import kitdesk_json
from kitdesk.transfer.chatkit_items import to_neutral
from kitdesk.transfer.documents import many_to_markdown, to_html
from kitdesk.transfer.model import FolderInfo, Organisation

ExportFormat = Literal["json", "markdown", "html"]
EXTENSIONS: dict[ExportFormat, str] = {"json": "json", "markdown": "md", "html": "html"}
MEDIA_TYPES: dict[ExportFormat, str] = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}

_item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


@dataclass(frozen=True)
class StoredTree:
    """A thread with every item of every branch, parents first, and its active path."""

    thread: ThreadMetadata
    items: list[tuple[str | None, ThreadItem]]
    active_ids: frozenset[str]
    organisation: Organisation | None = None

    @property
    def active_leaf(self) -> str | None:
        active = [item.id for _, item in self.items if item.id in self.active_ids]
        return active[-1] if active else None

    def active_path(self) -> list[ThreadItem]:
        return [item for _, item in self.items if item.id in self.active_ids]


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    threads: int
    messages: int


def open_snapshot(db_path: Path) -> sqlite3.Connection:
    """A read-only connection holding one read transaction (a consistent snapshot)."""
    db = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("BEGIN")
    return db


def all_thread_ids(db: sqlite3.Connection) -> list[str]:
    """Every thread, most recently active first."""
    return [row[0] for row in db.execute("SELECT id FROM threads ORDER BY updated_at DESC, id")]


_THREAD_WITH_ORGANISATION = (
    "SELECT t.data, t.pinned, t.archived, f.name, f.system_prompt, f.default_model "
    "FROM threads t LEFT JOIN folders f ON f.id = t.folder_id WHERE t.id = ?"
)


def _organisation(
    pinned: int, archived: int, name: str | None, prompt: str | None, model: str | None
) -> Organisation | None:
    folder = FolderInfo(name, prompt, model) if name is not None else None
    return Organisation(pinned=bool(pinned), archived=bool(archived), folder=folder) or None


def load_tree(db: sqlite3.Connection, thread_id: str) -> StoredTree | None:
    row = db.execute(_THREAD_WITH_ORGANISATION, (thread_id,)).fetchone()
    if row is None:
        return None
    items: list[tuple[str | None, ThreadItem]] = []
    active: set[str] = set()
    for parent, data, is_active in db.execute(
        "SELECT parent_id, data, active FROM items WHERE thread_id = ? ORDER BY seq",
        (thread_id,),
    ):
        item = _item_adapter.validate_json(data)
        items.append((parent, item))
        if is_active:
            active.add(item.id)
    return StoredTree(
        ThreadMetadata.model_validate_json(row[0]),
        items,
        frozenset(active),
        _organisation(*row[1:]),
    )


def iter_trees(db: sqlite3.Connection, thread_ids: Sequence[str] | None) -> Iterator[StoredTree]:
    for thread_id in all_thread_ids(db) if thread_ids is None else thread_ids:
        tree = load_tree(db, thread_id)
        if tree is not None:
            yield tree


def _messages(items: Sequence[ThreadItem]) -> int:
    return sum(1 for item in items if isinstance(item, UserMessageItem | AssistantMessageItem))


def export_file(
    db_path: Path,
    target: Path,
    fmt: ExportFormat,
    *,
    thread_ids: Sequence[str] | None = None,
    app_version: str,
    now: datetime | None = None,
) -> ExportSummary:
    """Write the chosen threads (all when None) to ``target`` in ``fmt``."""
    now = now or datetime.now(UTC)
    partial = target.with_name(target.name + ".partial")
    threads = messages = 0
    db = open_snapshot(db_path)
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            trees = iter_trees(db, thread_ids)
            if fmt == "json":

                def neutral() -> Iterator:
                    nonlocal threads, messages
                    for tree in trees:
                        threads += 1
                        messages += _messages([item for _, item in tree.items])
                        yield to_neutral(
                            tree.thread, tree.items, tree.active_leaf, tree.organisation
                        )

                kitdesk_json.write(out, neutral(), app_version=app_version, now=now)
            else:
                chosen = [(tree.thread, tree.active_path(), tree.organisation) for tree in trees]
                threads = len(chosen)
                messages = sum(_messages(items) for _, items, _ in chosen)
                if fmt == "markdown":
                    out.write(many_to_markdown(chosen))
                else:
                    title = chosen[0][0].title if len(chosen) == 1 else None
                    out.write(
                        to_html(
                            chosen, page_title=title or "Kitdesk conversations", exported_at=now
                        )
                    )
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        db.close()
    return ExportSummary(target, threads, messages)
