"""An import's pinned, archived and folder: applied in the transaction that adds the threads.

Kitdesk's own export says how each conversation was organised (see
``kitdesk.transfer.kitdesk_json``). Folders travel by name, because folder ids
belong to one database: on import a thread joins the folder of that name,
which is created (with the exported system prompt and default model) only
when no folder has the name yet. An existing folder keeps its own settings.

Only threads the import adds are organised, in the same transaction that adds
them, so importing a file twice changes nothing the second time: no thread is
added, so no folder is created and no pin or archive is reapplied over what
the person changed since.
"""

from __future__ import annotations

import secrets
import sqlite3

from kitdesk.store.database import now_us
from kitdesk.store.organise import FOLDER_NAME_MAX, SYSTEM_PROMPT_MAX
from kitdesk.transfer.model import Organisation


def _folder_name(name: str) -> str | None:
    cleaned = " ".join(name.split())[:FOLDER_NAME_MAX]
    return cleaned or None


def _cleaned(organisation: Organisation) -> tuple[int, int, str | None, str | None, str | None]:
    """(pinned, archived, folder name, its system prompt, its default model), within the
    limits the organise routes enforce (an over-long prompt is dropped, not cut)."""
    folder = organisation.folder
    name = _folder_name(folder.name) if folder else None
    prompt = folder.system_prompt if folder and name else None
    if prompt is not None and len(prompt) > SYSTEM_PROMPT_MAX:
        prompt = None
    model = (folder.default_model or "").strip() or None if folder and name else None
    return int(organisation.pinned), int(organisation.archived), name, prompt, model


def _folder_id(db: sqlite3.Connection, name: str, prompt: str | None, model: str | None) -> str:
    """The folder named ``name`` (the oldest if several are), created when there is none."""
    found = db.execute(
        "SELECT id FROM folders WHERE name = ? ORDER BY created_at, id LIMIT 1", (name,)
    ).fetchone()
    if found is not None:
        return str(found[0])
    folder_id = f"fld_{secrets.token_hex(8)}"
    db.execute(
        "INSERT INTO folders (id, name, system_prompt, default_model, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (folder_id, name, prompt, model, now_us()),
    )
    return folder_id


def apply(db: sqlite3.Connection, added: list[tuple[str, Organisation | None]]) -> None:
    """Inside the commit transaction: organise the threads just added, as recorded."""
    folders: dict[str, str] = {}
    for thread_id, organisation in added:
        if not organisation:
            continue
        pinned, archived, name, prompt, model = _cleaned(organisation)
        folder_id = None
        if name is not None:
            if name not in folders:
                folders[name] = _folder_id(db, name, prompt, model)
            folder_id = folders[name]
        db.execute(
            "UPDATE main.threads SET pinned = ?, archived = ?, folder_id = ? WHERE id = ?",
            (pinned, archived, folder_id, thread_id),
        )
