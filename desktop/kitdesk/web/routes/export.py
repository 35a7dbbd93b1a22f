"""Export one conversation as Markdown (to read or share) or JSON (complete, re-importable data).

``GET /api/threads/{thread_id}/export?format=markdown|json`` answers the file
with a download name; the window's bridge saves it through a native dialog.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Literal

from chatkit.store import NotFoundError, Store
from chatkit.types import (
    AssistantMessageItem,
    HiddenContextItem,
    SDKHiddenContextItem,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
)
from fastapi import APIRouter
from fastapi.responses import Response

from kitdesk.chat.context import RequestContext
from kitdesk.web.responses import error_response

PAGE = 200


async def all_items(
    store: Store[RequestContext], thread_id: str, context: RequestContext
) -> AsyncIterator[ThreadItem]:
    after: str | None = None
    while True:
        page = await store.load_thread_items(thread_id, after, PAGE, "asc", context)
        for item in page.data:
            yield item
        if not page.has_more or page.after is None:
            return
        after = page.after


def _user_text(item: UserMessageItem) -> str:
    parts = [getattr(part, "text", "") for part in item.content]
    text = "".join(parts).strip()
    if item.quoted_text:
        quoted = "\n".join(f"> {line}" for line in item.quoted_text.splitlines())
        text = f"{quoted}\n\n{text}"
    if item.attachments:
        names = ", ".join(a.name for a in item.attachments)
        text += f"\n\n_Attachments: {names}_"
    return text


def to_markdown(thread: ThreadMetadata, items: Sequence[ThreadItem]) -> str:
    lines = [f"# {thread.title or 'Untitled conversation'}", ""]
    lines.append(f"_Exported from Kitdesk. Started {thread.created_at:%Y-%m-%d %H:%M}._")
    for item in items:
        if isinstance(item, UserMessageItem):
            lines += ["", "## You", "", _user_text(item)]
        elif isinstance(item, AssistantMessageItem):
            text = "".join(part.text for part in item.content).strip()
            lines += ["", "## Assistant", "", text]
    return "\n".join(lines) + "\n"


def download_name(thread: ThreadMetadata, extension: str) -> str:
    stem = re.sub(r"[^\w\- ]+", "", thread.title or "conversation").strip()[:60] or "conversation"
    return f"{stem}.{extension}"


def build_export_router(store: Store[RequestContext]) -> APIRouter:
    router = APIRouter()

    @router.get("/api/threads/{thread_id}/export")
    async def export_thread(
        thread_id: str, format: Literal["markdown", "json"] = "markdown"
    ) -> Response:
        context = RequestContext(origin="")
        try:
            thread = await store.load_thread(thread_id, context)
            items = [
                item
                async for item in all_items(store, thread_id, context)
                if not isinstance(item, (HiddenContextItem, SDKHiddenContextItem))
            ]
        except NotFoundError:
            return error_response(
                404, "not_found", "That conversation no longer exists. It may have been deleted."
            )
        if format == "json":
            body = json.dumps(
                {
                    "kitdesk_export": 1,
                    "thread": thread.model_dump(mode="json"),
                    "items": [item.model_dump(mode="json") for item in items],
                },
                indent=2,
                ensure_ascii=False,
            )
            name, media = download_name(thread, "json"), "application/json"
        else:
            body, name = to_markdown(thread, items), download_name(thread, "md")
            media = "text/markdown; charset=utf-8"
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    return router
