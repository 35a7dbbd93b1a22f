"""The ChatKit requests answered with one JSON document (reads, renames, deletes, feedback,
attachments, transcription and synchronous widget actions).

``Dispatcher`` (``dispatcher.py``) adds the streaming requests on top; both
follow ``ChatKitServer.process`` request by request (see its docstring for
where Kitdesk deliberately differs).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from chatkit.types import (
    AttachmentsCreateReq,
    AttachmentsDeleteReq,
    AudioInput,
    ChatKitReq,
    InputTranscribeReq,
    ItemsFeedbackReq,
    ItemsListReq,
    Page,
    Thread,
    ThreadItem,
    ThreadMetadata,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsSyncCustomActionReq,
    ThreadsUpdateReq,
    WidgetItem,
)

from kitdesk.chat.context import RequestContext
from kitdesk.chat.protocol import (
    DEFAULT_PAGE_SIZE,
    InvalidRequestState,
    Responder,
    is_hidden,
    serialize,
)
from kitdesk.chat.protocol import thread_response as public_thread

if TYPE_CHECKING:
    from kitdesk.store.sqlite import SQLiteStore


class JsonRequests:
    """Answers the non-streaming requests from the store and the responder."""

    def __init__(self, store: SQLiteStore, responder: Responder) -> None:
        self.store = store
        self.responder = responder

    async def json(self, request: ChatKitReq, context: RequestContext) -> bytes:
        """Answer a non-streaming request (raises for a streaming one)."""
        match request:
            case ThreadsGetByIdReq():
                thread = await self.store.load_thread(request.params.thread_id, context)
                items = await self.store.load_thread_items(
                    thread.id, None, DEFAULT_PAGE_SIZE, "asc", context
                )
                return serialize(self.thread_response(thread, items))
            case ThreadsListReq():
                params = request.params
                threads = await self.store.load_threads(
                    params.limit or DEFAULT_PAGE_SIZE, params.after, params.order, context
                )
                page = Page(
                    data=[self.thread_response(t) for t in threads.data],
                    has_more=threads.has_more,
                    after=threads.after,
                )
                return serialize(page)
            case ItemsListReq():
                params = request.params
                items = await self.store.load_thread_items(
                    params.thread_id,
                    params.after,
                    params.limit or DEFAULT_PAGE_SIZE,
                    params.order,
                    context,
                )
                items.data = [item for item in items.data if not is_hidden(item)]
                return serialize(items)
            case ItemsFeedbackReq():
                params = request.params
                await self.responder.add_feedback(
                    params.thread_id, params.item_ids, params.kind, context
                )
                return b"{}"
            case AttachmentsCreateReq():
                attachment = await self.store.create_attachment(request.params, context)  # type: ignore[attr-defined]
                return serialize(attachment)
            case AttachmentsDeleteReq():
                await self.store.delete_attachment(request.params.attachment_id, context)
                return b"{}"
            case InputTranscribeReq():
                audio = AudioInput(
                    data=base64.b64decode(request.params.audio_base64),
                    mime_type=request.params.mime_type,
                )
                return serialize(await self.responder.transcribe(audio, context))
            case ThreadsUpdateReq():
                thread = await self.store.load_thread(request.params.thread_id, context)
                thread.title = request.params.title
                await self.store.save_thread(thread, context)
                return serialize(self.thread_response(thread))
            case ThreadsDeleteReq():
                await self.store.delete_thread(request.params.thread_id, context)
                return b"{}"
            case ThreadsSyncCustomActionReq():
                params = request.params
                thread = await self.store.load_thread(params.thread_id, context)
                sender = await self._widget_sender(params.thread_id, params.item_id, context)
                response = await self.responder.sync_action(thread, params.action, sender, context)
                return serialize(response)
            case _:
                raise InvalidRequestState(f"{request.type} is a streaming request")

    async def _widget_sender(
        self, thread_id: str, item_id: str | None, context: RequestContext
    ) -> WidgetItem | None:
        if not item_id:
            return None
        item = await self.store.load_item(thread_id, item_id, context)
        if not isinstance(item, WidgetItem):
            raise InvalidRequestState("threads.sync_custom_action requires a widget sender item")
        return item

    def thread_response(
        self, thread: ThreadMetadata | Thread, items: Page[ThreadItem] | None = None
    ) -> Thread:
        return public_thread(thread, items, self.responder.public_metadata(thread))
