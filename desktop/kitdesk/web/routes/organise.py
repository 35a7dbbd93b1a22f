"""``/api/organise``: pin, archive and folders ("projects") for the history sidebar.

- ``GET /folders``: ``{"folders": [{id, name, system_prompt, default_model, threads}]}``.
- ``POST /folders`` ``{name, system_prompt?, default_model?}``: a new folder (201).
- ``PATCH /folders/{id}``: change the given fields; ``null`` empties the
  system prompt or default model.
- ``DELETE /folders/{id}``: the folder goes; its conversations stay.
- ``GET /threads?view=archived`` or ``?view=folder&folder=ID`` (``limit``,
  ``after``): a page of the Archived view or of a folder, shaped as
  ``threads.list`` answers (``{data, has_more, after}``).
- ``POST /threads`` ``{thread_ids, action, folder_id?}``: ``pin``, ``unpin``,
  ``archive``, ``restore``, ``move`` (``folder_id`` null for no folder) or
  ``delete``, for one thread or the sidebar's selection, all or nothing.

The main list stays on the ChatKit protocol (``threads.list``: archived
threads left out, pinned first); search still finds archived threads.
"""

from __future__ import annotations

from typing import Any, Literal

from chatkit.store import NotFoundError
from chatkit.types import ThreadMetadata
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from kitdesk.chat.context import RequestContext
from kitdesk.errors import UserFacingError
from kitdesk.store.organise import Folder
from kitdesk.web.services import ApiServices

MAX_THREADS_PER_CHANGE = 10_000
MAX_PAGE = 200


class NewFolder(BaseModel):
    name: str = Field(max_length=1000)
    system_prompt: str | None = None
    default_model: str | None = Field(default=None, max_length=1000)


class FolderChange(BaseModel):
    name: str | None = Field(default=None, max_length=1000)
    system_prompt: str | None = None
    default_model: str | None = Field(default=None, max_length=1000)


class ThreadsChange(BaseModel):
    thread_ids: list[str] = Field(min_length=1, max_length=MAX_THREADS_PER_CHANGE)
    action: Literal["pin", "unpin", "archive", "restore", "move", "delete"]
    folder_id: str | None = None


class NotFound(UserFacingError):
    status = 404
    code = "not_found"


FOLDER_GONE = "That folder no longer exists. It may have been deleted."
THREAD_GONE = "One of the chosen conversations no longer exists. It may have been deleted."


def folder_json(folder: Folder) -> dict[str, Any]:
    return {
        "id": folder.id,
        "name": folder.name,
        "system_prompt": folder.system_prompt,
        "default_model": folder.default_model,
        "threads": folder.threads,
    }


def _thread_json(thread: ThreadMetadata) -> dict[str, Any]:
    return thread.model_dump(mode="json", exclude_none=True)


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/organise")
    store = services.store

    @router.get("/folders")
    async def folders() -> dict[str, Any]:
        return {"folders": [folder_json(f) for f in await store.list_folders()]}

    @router.post("/folders", status_code=201)
    async def create(body: NewFolder) -> dict[str, Any]:
        folder = await store.create_folder(body.name, body.system_prompt, body.default_model)
        return folder_json(folder)

    @router.patch("/folders/{folder_id}")
    async def update(folder_id: str, body: FolderChange) -> dict[str, Any]:
        given = body.model_fields_set
        try:
            folder = await store.update_folder(
                folder_id,
                name=body.name,
                system_prompt=body.system_prompt,
                default_model=body.default_model,
                clear=frozenset(
                    name
                    for name in ("system_prompt", "default_model")
                    if name in given and getattr(body, name) is None
                ),
            )
        except NotFoundError:
            raise NotFound(FOLDER_GONE) from None
        return folder_json(folder)

    @router.delete("/folders/{folder_id}")
    async def delete(folder_id: str) -> dict[str, Any]:
        try:
            await store.delete_folder(folder_id)
        except NotFoundError:
            raise NotFound(FOLDER_GONE) from None
        return {"deleted": folder_id}

    @router.get("/threads")
    async def threads(
        view: Literal["archived", "folder"] = "archived",
        folder: str | None = None,
        limit: int = Query(50, ge=1, le=MAX_PAGE),
        after: str | None = None,
    ) -> dict[str, Any]:
        if view == "folder" and not folder:
            raise UserFacingError("Say which folder to list (the folder parameter).")
        try:
            page = await store.load_organised_threads(view, folder, limit, after)
        except NotFoundError:
            raise NotFound(
                FOLDER_GONE if after is None else "The list changed; load it again."
            ) from None
        return {
            "data": [_thread_json(t) for t in page.data],
            "has_more": page.has_more,
            "after": page.after,
        }

    @router.post("/threads")
    async def change(body: ThreadsChange) -> dict[str, Any]:
        ids = list(dict.fromkeys(body.thread_ids))
        try:
            match body.action:
                case "pin" | "unpin":
                    changed = await store.set_pinned(ids, body.action == "pin")
                case "archive" | "restore":
                    changed = await store.set_archived(ids, body.action == "archive")
                case "move":
                    changed = await store.move_to_folder(ids, body.folder_id)
                case "delete":
                    changed = 0
                    for thread_id in ids:
                        try:
                            await store.delete_thread(thread_id, RequestContext(origin=""))
                        except NotFoundError:
                            continue  # already gone: what the person asked for
                        changed += 1
        except NotFoundError as error:
            folder_missing = body.action == "move" and "Folder" in str(error)
            raise NotFound(FOLDER_GONE if folder_missing else THREAD_GONE) from None
        return {"action": body.action, "changed": changed}

    return router
