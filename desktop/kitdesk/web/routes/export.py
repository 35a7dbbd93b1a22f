"""Export one conversation: ``GET /api/threads/{thread_id}/export?format=markdown|json|html``.

Markdown and HTML hold the active branch (what the window shows); JSON is
Kitdesk's lossless export format (every branch; docs/export-format.md). The
download name keeps the title in any script (``Content-Disposition`` with
RFC 5987 ``filename*``; a plain ``filename="Café 日本.md"`` header cannot be
encoded and used to answer 500). The window's bridge saves the file through a
native dialog. Several threads or all of them: ``/api/data/export``.
"""

from __future__ import annotations

import secrets
from typing import Literal

from chatkit.store import NotFoundError
from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import FileResponse, Response

import kitdesk
from kitdesk.chat.context import RequestContext
from kitdesk.store.exporting import EXTENSIONS, MEDIA_TYPES
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.transfer.documents import content_disposition, download_filename
from kitdesk.web.responses import error_response


def build_export_router(store: SQLiteStore) -> APIRouter:
    router = APIRouter()
    # Beside the database: a crash leaves the file where the automatic backup's tidy-up
    # removes stale ``.kitdesk-*`` files.
    folder = store.db_path.parent

    @router.get("/api/threads/{thread_id}/export")
    async def export_thread(
        thread_id: str,
        background: BackgroundTasks,
        format: Literal["markdown", "json", "html"] = "markdown",
    ) -> Response:
        try:
            thread = await store.load_thread(thread_id, RequestContext(origin=""))
        except NotFoundError:
            return error_response(
                404, "not_found", "That conversation no longer exists. It may have been deleted."
            )
        target = folder / f".kitdesk-export-{secrets.token_hex(6)}.{EXTENSIONS[format]}"
        summary = await store.export_file(
            target, format, thread_ids=[thread_id], app_version=kitdesk.__version__
        )
        background.add_task(summary.path.unlink, missing_ok=True)
        name = download_filename(thread.title, EXTENSIONS[format])
        return FileResponse(
            summary.path,
            media_type=MEDIA_TYPES[format],
            headers={"content-disposition": content_disposition(name)},
        )

    return router
