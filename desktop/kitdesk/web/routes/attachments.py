"""``/api/attachments/{id}``: the upload of an attachment's bytes and its content.

The bytes decide the type (a JPEG named .png is stored as a JPEG); served files
can neither run nor load anything in our origin.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chatkit.store import NotFoundError
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from kitdesk.errors import UserFacingError
from kitdesk.store.sqlite import ALLOWED_MIME_TYPES
from kitdesk.web.services import ApiServices, request_context
from kitdesk.web.uploads import checked_type, receive_file

# Nothing inside an attachment may run or load anything in our origin.
ATTACHMENT_CSP = "default-src 'none'; sandbox"


class AttachmentNotFound(UserFacingError):
    status = 404
    code = "attachment_not_found"

    def __init__(self) -> None:
        super().__init__("That attachment does not exist. It may have been deleted.")


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    store = services.store
    upload_spool_dir = services.paths.cache_dir / "uploads"

    @router.post("/attachments/{attachment_id}/upload")
    async def upload_attachment(attachment_id: str, request: Request) -> dict[str, Any]:
        context = request_context(request)
        try:
            attachment = await store.load_attachment(attachment_id, context)
        except NotFoundError:
            raise AttachmentNotFound() from None
        if attachment.upload_descriptor is None:
            raise UserFacingError(
                "This attachment was already uploaded; attach the file again to replace it.",
                status=409,
                code="already_uploaded",
            )
        async with receive_file(request, upload_spool_dir) as upload:
            actual = checked_type(
                recorded=attachment.mime_type,
                declared=upload.content_type,
                upload=upload,
                name=attachment.name,
            )
            data = await asyncio.to_thread(upload.read_all)
        if actual != attachment.mime_type:
            # The bytes decide (a JPEG saved as .png): the model and the
            # browser are then told the truth.
            await store.save_attachment(
                attachment.model_copy(update={"mime_type": actual}), context
            )
        try:
            done = await store.write_attachment_file(attachment_id, data, context)
        except NotFoundError:
            raise AttachmentNotFound() from None  # deleted while uploading
        return done.model_dump(mode="json")

    @router.get("/attachments/{attachment_id}/content")
    async def attachment_content(attachment_id: str, request: Request) -> Response:
        try:
            attachment = await store.load_attachment(attachment_id, request_context(request))
        except NotFoundError:
            raise AttachmentNotFound() from None
        path = store.attachment_file_path(attachment_id)
        if path is None:
            raise AttachmentNotFound()
        mime = attachment.mime_type if attachment.mime_type in ALLOWED_MIME_TYPES else None
        is_image = mime is not None and mime.startswith("image/")
        media_type = mime or "application/octet-stream"
        if media_type.startswith("text/") or media_type == "application/json":
            media_type += "; charset=utf-8"
        return FileResponse(
            path,
            media_type=media_type,
            filename=attachment.name,
            content_disposition_type="inline" if is_image else "attachment",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": ATTACHMENT_CSP,
                "Cross-Origin-Resource-Policy": "same-origin",
                "Cache-Control": "private, no-cache",
            },
        )

    return router
