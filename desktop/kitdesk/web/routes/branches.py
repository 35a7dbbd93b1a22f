"""``/api/threads/{id}/branches``: the ``‹ 2 / 3 ›`` switcher under edited or regenerated messages.

- ``GET``: every message on the active path that has sibling versions:
  ``{"forks": [{item_id, index, count, sibling_ids}]}``.
- ``POST`` ``{"item_id"}``: make that version's branch the active one (stored);
  answers the new path's item ids. The client then reloads the thread
  (``threads.get_by_id`` / ``items.list`` return the active path).
- ``POST /edit`` ``{"item_id"}``: before an edited message is sent, move that
  message and what follows it to an inactive branch (nothing is deleted); the
  client then sends the new text with ``threads.add_user_message``, which
  becomes the old message's sibling. Answers the ids moved off the path.
"""

from __future__ import annotations

from typing import Any

from chatkit.store import NotFoundError
from fastapi import APIRouter
from pydantic import BaseModel

from kitdesk.errors import UserFacingError
from kitdesk.store.branches import Fork, NotOnActivePathError
from kitdesk.web.services import ApiServices


class SwitchBranch(BaseModel):
    item_id: str


class BranchNotFound(UserFacingError):
    status = 404
    code = "not_found"

    def __init__(self) -> None:
        super().__init__("That message no longer exists. It may have been deleted.")


class NotOnActivePath(UserFacingError):
    status = 409
    code = "not_on_active_path"

    def __init__(self) -> None:
        super().__init__(
            "That message is on another branch of this conversation; switch to it first."
        )


def _fork(fork: Fork) -> dict[str, Any]:
    return {
        "item_id": fork.item_id,
        "index": fork.index,
        "count": fork.count,
        "sibling_ids": list(fork.sibling_ids),
    }


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/threads/{thread_id}/branches")
    store = services.store

    @router.get("")
    async def forks(thread_id: str) -> dict[str, Any]:
        return {"forks": [_fork(f) for f in await store.forks(thread_id)]}

    @router.post("")
    async def switch(thread_id: str, body: SwitchBranch) -> dict[str, Any]:
        try:
            path = await store.switch_branch(thread_id, body.item_id)
        except NotFoundError:
            raise BranchNotFound() from None
        return {"path": path, "forks": [_fork(f) for f in await store.forks(thread_id)]}

    @router.post("/edit")
    async def edit(thread_id: str, body: SwitchBranch) -> dict[str, Any]:
        try:
            moved = await store.branch_off_at(thread_id, body.item_id)
        except NotFoundError:
            raise BranchNotFound() from None
        except NotOnActivePathError:
            raise NotOnActivePath() from None
        return {"moved": moved}

    return router
