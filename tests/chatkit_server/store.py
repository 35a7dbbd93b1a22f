"""In-memory ``Store`` and ``AttachmentStore`` for the test ChatKit server.

The SDK's ``ChatKitServer`` needs both. Everything lives in dicts for the
life of the process, which is all a test server needs; pagination follows the
SDK's contract (``after`` is the id of the last item of the previous page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from chatkit.store import AttachmentStore, NotFoundError, Store
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
    Page,
    ThreadItem,
    ThreadMetadata,
)
from pydantic import AnyUrl

T = TypeVar("T")


@dataclass(frozen=True)
class RequestContext:
    """What ``respond()`` and the stores know about the request: where the server is."""

    base_url: str  # e.g. http://127.0.0.1:40123 (no trailing slash)


def paginate(records: list[T], ids: list[str], after: str | None, limit: int) -> Page[T]:
    """One page of ``records`` (already in the wanted order) starting after the id ``after``."""
    start = ids.index(after) + 1 if after in ids else 0
    page = records[start : start + limit]
    has_more = start + limit < len(records)
    return Page(data=page, has_more=has_more, after=ids[start + len(page) - 1] if page else None)


@dataclass
class MemoryStore(Store[RequestContext]):
    threads: dict[str, ThreadMetadata] = field(default_factory=dict)
    items: dict[str, list[ThreadItem]] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)

    async def load_thread(self, thread_id: str, context: RequestContext) -> ThreadMetadata:
        if thread_id not in self.threads:
            raise NotFoundError(f"Thread {thread_id} not found")
        return self.threads[thread_id].model_copy(deep=True)

    async def save_thread(self, thread: ThreadMetadata, context: RequestContext) -> None:
        # A Thread (with items) is stored as its metadata only; items live apart.
        self.threads[thread.id] = ThreadMetadata.model_validate(
            thread.model_dump(exclude={"items"})
        )
        self.items.setdefault(thread.id, [])

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: RequestContext
    ) -> Page[ThreadItem]:
        items = list(self.items.get(thread_id, []))
        if order == "desc":
            items.reverse()
        return paginate(items, [item.id for item in items], after, limit)

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        self.attachments[attachment.id] = attachment

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        if attachment_id not in self.attachments:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return self.attachments[attachment_id]

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        self.attachments.pop(attachment_id, None)

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: RequestContext
    ) -> Page[ThreadMetadata]:
        threads = sorted(self.threads.values(), key=lambda thread: thread.created_at)
        if order == "desc":
            threads.reverse()
        return paginate(threads, [thread.id for thread in threads], after, limit)

    async def add_thread_item(
        self, thread_id: str, item: ThreadItem, context: RequestContext
    ) -> None:
        self.items.setdefault(thread_id, []).append(item)

    async def save_item(self, thread_id: str, item: ThreadItem, context: RequestContext) -> None:
        items = self.items.setdefault(thread_id, [])
        for index, existing in enumerate(items):
            if existing.id == item.id:
                items[index] = item
                return
        items.append(item)

    async def load_item(self, thread_id: str, item_id: str, context: RequestContext) -> ThreadItem:
        for item in self.items.get(thread_id, []):
            if item.id == item_id:
                return item.model_copy(deep=True)
        raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")

    async def delete_thread(self, thread_id: str, context: RequestContext) -> None:
        self.threads.pop(thread_id, None)
        self.items.pop(thread_id, None)

    async def delete_thread_item(
        self, thread_id: str, item_id: str, context: RequestContext
    ) -> None:
        items = self.items.get(thread_id, [])
        self.items[thread_id] = [item for item in items if item.id != item_id]


@dataclass
class MemoryAttachmentStore(AttachmentStore[RequestContext]):
    """Two-phase uploads: ``attachments.create`` hands out a URL on this server to POST to."""

    uploads: dict[str, bytes] = field(default_factory=dict)

    async def create_attachment(
        self, input: AttachmentCreateParams, context: RequestContext
    ) -> Attachment:
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        upload_url = f"{context.base_url}/uploads/{attachment_id}"
        descriptor = AttachmentUploadDescriptor(url=AnyUrl(upload_url), method="POST")
        if input.mime_type.startswith("image/"):
            return ImageAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=descriptor,
                preview_url=AnyUrl(upload_url),
            )
        return FileAttachment(
            id=attachment_id,
            name=input.name,
            mime_type=input.mime_type,
            upload_descriptor=descriptor,
        )

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        self.uploads.pop(attachment_id, None)
