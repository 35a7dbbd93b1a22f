"""Organising conversations: pinned, archived, and folders ("projects").

Three columns on ``threads`` (schema version 5) and one ``folders`` table:

- ``pinned`` threads come first in the history; ``archived`` ones leave it
  (search still finds them, and the Archived view lists them until restored).
  Both are columns, not part of the ChatKit thread JSON, so saving a thread
  through the SDK's ``save_thread`` never undoes them.
- A folder has a name and, optionally, a system prompt and a default model.
  A turn in a thread inside a folder uses the folder's system prompt unless the
  thread has one of its own; a new chat started in a folder begins on the
  folder's default model. Deleting a folder keeps its conversations
  (``ON DELETE SET NULL``): they return to the list, nothing is lost.

Operations on several threads (the sidebar's multi-select) are one
transaction each: all of the chosen threads change, or none.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Literal

from chatkit.store import NotFoundError
from chatkit.types import Page, ThreadMetadata

from kitdesk.errors import UserFacingError
from kitdesk.store.database import Database, from_us, now_us

FOLDER_NAME_MAX = 200
SYSTEM_PROMPT_MAX = 20_000
# Keys the listed threads carry in their metadata for the sidebar: the last
# activity, and how the thread is organised.
ACTIVITY_KEY = "updated_at"
PINNED_KEY = "pinned"
ARCHIVED_KEY = "archived"
FOLDER_KEY = "folder_id"

ThreadView = Literal["archived", "folder"]


class OrganiseError(UserFacingError):
    """A folder or thread change that cannot be made (message is for a person)."""


@dataclass(frozen=True)
class Folder:
    id: str
    name: str
    system_prompt: str | None
    default_model: str | None
    threads: int = 0


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise OrganiseError("A folder needs a name.")
    if len(cleaned) > FOLDER_NAME_MAX:
        raise OrganiseError(f"A folder name can be at most {FOLDER_NAME_MAX} characters long.")
    return cleaned


def _clean_prompt(prompt: str | None) -> str | None:
    if prompt is None or not prompt.strip():
        return None
    if len(prompt) > SYSTEM_PROMPT_MAX:
        raise OrganiseError(
            f"A folder's system prompt can be at most {SYSTEM_PROMPT_MAX:,} characters long."
        )
    return prompt


def _clean_model(model: str | None) -> str | None:
    return model.strip() or None if model is not None else None


def listed_thread(
    data: str, updated_at: int, pinned: int, archived: int, folder_id: str | None
) -> ThreadMetadata:
    """A thread as the sidebar lists it: last activity and how it is organised in metadata."""
    thread = ThreadMetadata.model_validate_json(data)
    thread.metadata[ACTIVITY_KEY] = from_us(updated_at).isoformat()
    if pinned:
        thread.metadata[PINNED_KEY] = True
    if archived:
        thread.metadata[ARCHIVED_KEY] = True
    if folder_id is not None:
        thread.metadata[FOLDER_KEY] = folder_id
    return thread


def _require_folder(db: sqlite3.Connection, folder_id: str) -> None:
    if db.execute("SELECT 1 FROM folders WHERE id = ?", (folder_id,)).fetchone() is None:
        raise NotFoundError(f"Folder {folder_id} was not found")


_SET_THREADS = {
    "pinned": "UPDATE threads SET pinned = ? WHERE id IN (SELECT value FROM json_each(?))",
    "archived": "UPDATE threads SET archived = ? WHERE id IN (SELECT value FROM json_each(?))",
    "folder_id": "UPDATE threads SET folder_id = ? WHERE id IN (SELECT value FROM json_each(?))",
}
_SET_FOLDER = {
    "name": "UPDATE folders SET name = ? WHERE id = ?",
    "system_prompt": "UPDATE folders SET system_prompt = ? WHERE id = ?",
    "default_model": "UPDATE folders SET default_model = ? WHERE id = ?",
}


def _update_threads(
    db: sqlite3.Connection, thread_ids: list[str], column: str, value: object
) -> int:
    ids = json.dumps(sorted(set(thread_ids)))
    found = db.execute(
        "SELECT count(*) FROM threads WHERE id IN (SELECT value FROM json_each(?))", (ids,)
    ).fetchone()[0]
    if found != len(set(thread_ids)):
        raise NotFoundError(
            "One of the chosen conversations no longer exists. It may have been deleted."
        )
    return db.execute(_SET_THREADS[column], (value, ids)).rowcount


_FOLDER_ROW = (
    "SELECT f.id, f.name, f.system_prompt, f.default_model, "
    "(SELECT count(*) FROM threads t WHERE t.folder_id = f.id) FROM folders f"
)
_FOLDERS_BY_NAME = f"{_FOLDER_ROW} ORDER BY f.name COLLATE NOCASE, f.id"
_FOLDER_BY_ID = f"{_FOLDER_ROW} WHERE f.id = ?"
_FOLDER_OF_THREAD = f"{_FOLDER_ROW} WHERE f.id = ?"  # given the thread's folder_id

# The Archived view and a folder's view, newest first; keyset pages as the history's.
_VIEW_WHERE = {"archived": "archived = 1", "folder": "folder_id = ? AND archived = 0"}
_VIEW_COLUMNS = "SELECT id, data, updated_at, pinned, archived, folder_id FROM threads"
_VIEW_FIRST = {
    view: f"{_VIEW_COLUMNS} WHERE {where} ORDER BY updated_at DESC, id DESC LIMIT ?"
    for view, where in _VIEW_WHERE.items()
}
_VIEW_AFTER = {
    view: f"{_VIEW_COLUMNS} WHERE {where} AND (updated_at, id) < (?, ?) "
    "ORDER BY updated_at DESC, id DESC LIMIT ?"
    for view, where in _VIEW_WHERE.items()
}


class OrganiseRecords(Database):
    """Pin, archive and folders on the store (a mixin of ``SQLiteStore``)."""

    # ---- folders -------------------------------------------------------------

    async def list_folders(self) -> list[Folder]:
        """Every folder, by name."""

        def work(db: sqlite3.Connection) -> list[Folder]:
            rows = db.execute(_FOLDERS_BY_NAME).fetchall()
            return [Folder(*row) for row in rows]

        return await self._run(work)

    async def load_folder(self, folder_id: str) -> Folder:
        def work(db: sqlite3.Connection) -> Folder:
            row = db.execute(_FOLDER_BY_ID, (folder_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"Folder {folder_id} was not found")
            return Folder(*row)

        return await self._run(work)

    async def create_folder(
        self, name: str, system_prompt: str | None = None, default_model: str | None = None
    ) -> Folder:
        folder = Folder(
            id=f"fld_{secrets.token_hex(8)}",
            name=_clean_name(name),
            system_prompt=_clean_prompt(system_prompt),
            default_model=_clean_model(default_model),
        )

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO folders (id, name, system_prompt, default_model, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (folder.id, folder.name, folder.system_prompt, folder.default_model, now_us()),
            )

        await self._run_write(work)
        return folder

    async def update_folder(
        self,
        folder_id: str,
        *,
        name: str | None = None,
        system_prompt: str | None = None,
        default_model: str | None = None,
        clear: frozenset[str] = frozenset(),
    ) -> Folder:
        """Change the given fields; names in ``clear`` ("system_prompt",
        "default_model") are emptied."""
        changes: dict[str, str | None] = {}
        if name is not None:
            changes["name"] = _clean_name(name)
        if system_prompt is not None or "system_prompt" in clear:
            changes["system_prompt"] = _clean_prompt(system_prompt)
        if default_model is not None or "default_model" in clear:
            changes["default_model"] = _clean_model(default_model)

        def work(db: sqlite3.Connection) -> None:
            _require_folder(db, folder_id)
            for column, value in changes.items():
                db.execute(_SET_FOLDER[column], (value, folder_id))

        await self._run_write(work)
        return await self.load_folder(folder_id)

    async def delete_folder(self, folder_id: str) -> None:
        """Delete a folder; its conversations stay, outside any folder."""

        def work(db: sqlite3.Connection) -> None:
            if db.execute("DELETE FROM folders WHERE id = ?", (folder_id,)).rowcount == 0:
                raise NotFoundError(f"Folder {folder_id} was not found")

        await self._run_write(work)

    async def folder_of_thread(self, thread_id: str) -> Folder | None:
        """The folder a thread is in (None when it is in none, or does not exist)."""

        def work(db: sqlite3.Connection) -> Folder | None:
            found = db.execute("SELECT folder_id FROM threads WHERE id = ?", (thread_id,))
            folder_id = (found.fetchone() or (None,))[0]
            if folder_id is None:
                return None
            row = db.execute(_FOLDER_OF_THREAD, (folder_id,)).fetchone()
            return Folder(*row) if row is not None else None

        return await self._run(work)

    # ---- threads -------------------------------------------------------------

    async def set_pinned(self, thread_ids: list[str], pinned: bool) -> int:
        return await self._run_write(
            lambda db: _update_threads(db, thread_ids, "pinned", int(pinned))
        )

    async def set_archived(self, thread_ids: list[str], archived: bool) -> int:
        """Archive (leave the list, stay searchable) or restore threads."""
        return await self._run_write(
            lambda db: _update_threads(db, thread_ids, "archived", int(archived))
        )

    async def move_to_folder(self, thread_ids: list[str], folder_id: str | None) -> int:
        """Put threads in a folder, or in none with ``None``."""

        def work(db: sqlite3.Connection) -> int:
            if folder_id is not None:
                _require_folder(db, folder_id)
            return _update_threads(db, thread_ids, "folder_id", folder_id)

        return await self._run_write(work)

    async def place_new_thread(self, thread_id: str, folder_id: str) -> bool:
        """Put a just-created thread in a folder; False when the folder no longer exists."""

        def work(db: sqlite3.Connection) -> bool:
            return (
                db.execute(
                    "UPDATE threads SET folder_id = ? WHERE id = ? "
                    "AND EXISTS (SELECT 1 FROM folders WHERE id = ?)",
                    (folder_id, thread_id, folder_id),
                ).rowcount
                == 1
            )

        return await self._run_write(work)

    async def load_organised_threads(
        self, view: ThreadView, folder_id: str | None, limit: int, after: str | None
    ) -> Page[ThreadMetadata]:
        """A page of the Archived view, or of a folder's threads (not archived), newest first."""
        args: tuple[str | None, ...] = () if view == "archived" else (folder_id,)

        def work(db: sqlite3.Connection) -> Page[ThreadMetadata]:
            if view == "folder" and folder_id is not None:
                _require_folder(db, folder_id)
            if after is None:
                rows = db.execute(_VIEW_FIRST[view], (*args, limit + 1)).fetchall()
            else:
                cursor = db.execute(
                    "SELECT updated_at, id FROM threads WHERE id = ?", (after,)
                ).fetchone()
                if cursor is None:
                    raise NotFoundError(f"Thread {after} was not found")
                rows = db.execute(
                    _VIEW_AFTER[view], (*args, cursor[0], cursor[1], limit + 1)
                ).fetchall()
            page = rows[:limit]
            has_more = len(rows) > limit
            return Page(
                data=[listed_thread(*row[1:]) for row in page],
                has_more=has_more,
                after=page[-1][0] if has_more else None,
            )

        return await self._run(work)
