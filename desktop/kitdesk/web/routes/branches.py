"""``/api/threads/{id}/branches``: the ``‹ 2 / 3 ›`` switcher under edited or regenerated messages.

- ``GET``: every message on the active path that has sibling versions:
  ``{"forks": [{item_id, index, count, sibling_ids}]}``.
- ``POST`` ``{"item_id", "page"?}``: make that version's branch the active one
  (stored); answers the new path's forks. With ``"page": N`` it also answers
  what the window paints, so a switch is one round trip: ``"thread"`` (as
  ``threads.get_by_id`` answers it, without items) and ``"items"``, the newest
  N items of the new path (as ``items.list`` with ``order: "desc"`` answers).
  Without it the client reloads the thread itself (opening a search hit does).
- ``POST /edit`` ``{"item_id"}``: before an edited message is sent, move that
  message and what follows it to an inactive branch (nothing is deleted); the
  client then sends the new text with ``threads.add_user_message``, which
  becomes the old message's sibling. Answers the ids moved off the path.
"""

from __future__ import annotations

import json
from typing import Any

from chatkit.store import NotFoundError
from chatkit.types import HiddenContextItem, Page, SDKHiddenContextItem, ThreadItem
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kitdesk.chat.events import ThreadView
from kitdesk.errors import UserFacingError
from kitdesk.store.branches import Fork, NotOnActivePathError
from kitdesk.store.sqlite import MAX_PAGE_SIZE
from kitdesk.web.services import ApiServices, request_context


class EditBranch(BaseModel):
    item_id: str


class SwitchBranch(BaseModel):
    item_id: str
    # The newest items of the new path to answer with (what the window paints).
    page: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)


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


def _json(model: BaseModel) -> str:
    """A model as the ChatKit server serializes it, so the client reads the same shape."""
    return model.model_dump_json(
        by_alias=True, exclude_none=True, context={"exclude_metadata": True}
    )


def _visible(page: Page[ThreadItem]) -> Page[ThreadItem]:
    """Hidden context items stay on the server, as in ``items.list``."""
    page.data = [
        i for i in page.data if not isinstance(i, HiddenContextItem | SDKHiddenContextItem)
    ]
    return page


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/threads/{thread_id}/branches")
    store = services.store

    @router.get("")
    async def forks(thread_id: str) -> dict[str, Any]:
        return {"forks": [_fork(f) for f in await store.forks(thread_id)]}

    @router.post("")
    async def switch(thread_id: str, body: SwitchBranch, request: Request) -> Response:
        try:
            await store.switch_branch(thread_id, body.item_id)
        except NotFoundError:
            raise BranchNotFound() from None
        forks = json.dumps([_fork(f) for f in await store.forks(thread_id)])
        if body.page is None:
            return Response(f'{{"forks":{forks}}}', media_type="application/json")
        context = request_context(request)
        meta = await store.load_thread(thread_id, context)
        thread = ThreadView(
            id=meta.id,
            title=meta.title,
            created_at=meta.created_at,
            items=Page(),
            status=meta.status,
            allowed_image_domains=meta.allowed_image_domains,
        )
        items = _visible(await store.load_thread_items(thread_id, None, body.page, "desc", context))
        return Response(
            f'{{"forks":{forks},"thread":{_json(thread)},"items":{_json(items)}}}',
            media_type="application/json",
        )

    @router.post("/edit")
    async def edit(thread_id: str, body: EditBranch) -> dict[str, Any]:
        try:
            moved = await store.branch_off_at(thread_id, body.item_id)
        except NotFoundError:
            raise BranchNotFound() from None
        except NotOnActivePathError:
            raise NotOnActivePath() from None
        return {"moved": moved}

    return router
