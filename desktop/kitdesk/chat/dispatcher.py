"""The ChatKit protocol: one validated request in, JSON or a stream of events out.

Built on the SDK's public parts only (``chatkit.types`` requests and events,
the ``Store`` interface), so nothing here imports ``chatkit.server`` and, with
it, the Agents SDK and ``mcp`` (about 40 MB and a second of imports). The
routing follows ``ChatKitServer.process`` request by request; what answers a
turn is a ``Responder`` (``turn.py`` in the app, a scripted one in tests).
tests/chat/test_differential.py runs the same request sequences through this
dispatcher and through the SDK's own server and compares what comes out.

Deliberate differences from the SDK, each for a measured or user-facing reason:

- a new thread and the user's message are written in the background while
  the answer is already being requested (about 1.2 ms of every turn's first
  delta); the store's single writer keeps them in order;
- events made together (the new thread, the message and the stream options; a
  tool call's; one read of the provider's stream) go out as one chunk, their
  finished items stored in one transaction (a tool turn: 5 socket writes, not
  13): each event is still its own SSE frame, in the SDK's order;
- ``attachments.delete`` deletes once (the SDK calls the same store twice);
- ``threads.retry_after_item`` keeps the later items as an inactive branch
  (the earlier answer stays a sibling the person can switch back to) instead
  of deleting them; both then list the same active path;
- thread responses keep the public metadata the UI shows (the thread's model
  and its last activity).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chatkit.actions import Action
from chatkit.errors import ErrorCode
from chatkit.types import (
    ChatKitReq,
    ClientToolCallItem,
    ErrorEvent,
    StructuredInputItem,
    ThreadItem,
    ThreadMetadata,
    ThreadsAddClientToolOutputReq,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsRetryAfterItemReq,
    ThreadStreamEvent,
    UserMessageInput,
    UserMessageItem,
    WidgetItem,
)

from kitdesk.chat.context import RequestContext
from kitdesk.chat.events import ItemDone, ItemReplaced, ThreadCreated
from kitdesk.chat.json_requests import JsonRequests
from kitdesk.chat.pipeline import run_pipeline
from kitdesk.chat.protocol import (
    DEFAULT_PAGE_SIZE,
    InvalidRequestState,
    Responder,
    ResponderEvent,
    answered_structured_input,
    sse,
    sse_batch,
)
from kitdesk.store.organise import FOLDER_KEY, OrganiseRecords

if TYPE_CHECKING:
    from kitdesk.store.sqlite import SQLiteStore

log = logging.getLogger(__name__)


class Dispatcher(JsonRequests):
    """Routes ChatKit requests to the store and the responder (the JSON ones in
    ``JsonRequests``)."""

    def __init__(self, store: SQLiteStore, responder: Responder) -> None:
        super().__init__(store, responder)
        self._background: set[asyncio.Task[None]] = set()

    # ---- entry points ------------------------------------------------------------

    async def stream(self, request: ChatKitReq, context: RequestContext) -> AsyncIterator[bytes]:
        """Answer a streaming request as SSE frames (as the SDK, failures to load the
        thread or item surface while iterating); events made together share a chunk."""
        async for batch in self.batches(request, context):
            yield sse(batch[0]) if len(batch) == 1 else sse_batch(batch)

    async def batches(
        self, request: ChatKitReq, context: RequestContext
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        """The events of a streaming request, in the lists they are sent in."""
        match request:
            case ThreadsCreateReq():
                stream = self._create_thread(
                    request.params.input, context, request.metadata.get(FOLDER_KEY)
                )
            case ThreadsAddUserMessageReq():
                thread = await self.store.load_thread(request.params.thread_id, context)
                message = await self._user_message(request.params.input, thread, context)
                stream = self._new_message(thread, message, context, None)
            case ThreadsAddClientToolOutputReq():
                thread = await self.store.load_thread(request.params.thread_id, context)
                stream = self._client_tool_output(thread, request.params.result, context)
            case ThreadsAddStructuredInputReq():
                params = request.params
                thread = await self.store.load_thread(params.thread_id, context)
                item = await self.store.load_item(params.thread_id, params.item_id, context)
                if not isinstance(item, StructuredInputItem):
                    raise InvalidRequestState(f"Item {params.item_id} is not a structured input")
                stream = self._structured_input(thread, item, params.input, context)
            case ThreadsRetryAfterItemReq():
                thread = await self.store.load_thread(request.params.thread_id, context)
                stream = self._retry(thread, request.params.item_id, context)
            case ThreadsCustomActionReq():
                params = request.params
                thread = await self.store.load_thread(params.thread_id, context)
                item = None
                if params.item_id:
                    item = await self.store.load_item(params.thread_id, params.item_id, context)
                stream = self._custom_action(thread, params.action, item, context)
            case _:
                raise InvalidRequestState(f"{request.type} is not a streaming request")
        async for batch in stream:
            yield batch

    # ---- streaming requests ----------------------------------------------------------

    async def _create_thread(
        self, input: UserMessageInput, context: RequestContext, folder_id: object = None
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        thread = ThreadMetadata(
            id=self.store.generate_thread_id(context), created_at=datetime.now()
        )
        # What is stored and answered; `thread` is what the client is shown (its folder).
        metadata = thread.model_copy(deep=True)
        saved = self._in_background(self.store.save_thread(metadata, context))
        if not (isinstance(folder_id, str) and folder_id):
            context = replace(context, new_thread=True)  # its turn reads no history
        elif isinstance(self.store, OrganiseRecords):
            # A chat started in a folder is in it before its first turn reads the
            # folder's system prompt and default model (a folder deleted meanwhile: none).
            await asyncio.shield(saved)
            if await self.store.place_new_thread(thread.id, folder_id):
                thread.metadata[FOLDER_KEY] = folder_id
        created = ThreadCreated(thread=self.thread_response(thread))
        if input.attachments:  # reading them may fail: the client learns of the thread first
            yield [created]
        message = await self._user_message(input, metadata, context)
        ahead: list[ThreadStreamEvent] = [] if input.attachments else [created]
        async for batch in self._new_message(metadata, message, context, saved, ahead):
            yield batch

    async def _new_message(
        self,
        thread: ThreadMetadata,
        message: UserMessageItem,
        context: RequestContext,
        thread_saved: asyncio.Task[None] | None,
        ahead: list[ThreadStreamEvent] | None = None,
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        """The message, then the answer; the message (after ``ahead``) goes out in the
        answer's first chunk."""
        if message.attachments:
            if thread_saved is not None:
                await asyncio.shield(thread_saved)
            for attachment in message.attachments:
                await self.store.save_attachment(attachment, context)

        # Submitted now, the store's single writer runs it after the thread's save
        # and before any item of the answer (tasks start in the order they were made).
        saved = self._in_background(self.store.add_thread_item(thread.id, message, context))
        await asyncio.sleep(0)
        first: list[ThreadStreamEvent] | None = [*(ahead or ()), ItemDone(item=message)]
        try:
            async for batch in self._respond(thread, message, context):
                if first is not None:
                    batch, first = first + batch, None
                yield batch
        except BaseException:
            # The answer failed or was stopped: the response still ends only once the
            # thread and the message are stored, since the client reads them right away.
            # The answer's error is the one told; a failed write of theirs is not raised
            # over it (it is most likely the same disk problem).
            await asyncio.wait({task for task in (thread_saved, saved) if task is not None})
            raise
        await asyncio.shield(saved)  # a failed write surfaces as an error

    async def _client_tool_output(
        self, thread: ThreadMetadata, result: Any, context: RequestContext
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        last = await self.store.load_thread_items(thread.id, None, 1, "desc", context)
        call = next(
            (i for i in last.data if isinstance(i, ClientToolCallItem) and i.status == "pending"),
            None,
        )
        if call is None:
            raise InvalidRequestState(f"Last thread item in {thread.id} was not a client tool call")
        call.output = result
        call.status = "completed"
        await self.store.save_item(thread.id, call, context)
        recent = await self.store.load_thread_items(
            thread.id, None, DEFAULT_PAGE_SIZE, "desc", context
        )
        for item in recent.data:  # a dangling pending call would break the next request
            if isinstance(item, ClientToolCallItem) and item.status == "pending":
                await self.store.delete_thread_item(thread.id, item.id, context)
        async for batch in self._respond(thread, None, context):
            yield batch

    async def _structured_input(
        self,
        thread: ThreadMetadata,
        item: StructuredInputItem,
        submission: Any,
        context: RequestContext,
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        if item.status != "pending":
            raise InvalidRequestState(f"Structured input item {item.id} is not pending")
        updated = answered_structured_input(item, submission)

        async def events() -> AsyncIterator[ResponderEvent]:
            yield ItemReplaced(item=updated)
            async for event in self.responder.respond(thread, None, context):
                yield event

        async for batch in self._pipeline(thread, context, events):
            yield batch

    async def _retry(
        self, thread: ThreadMetadata, item_id: str, context: RequestContext
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        message: UserMessageItem | None = None
        after: str | None = None
        while message is None:
            page = await self.store.load_thread_items(
                thread.id, after, DEFAULT_PAGE_SIZE, "desc", context
            )
            for item in page.data:
                if item.id == item_id:
                    if not isinstance(item, UserMessageItem):
                        raise InvalidRequestState(f"Item {item_id} is not a user message")
                    message = item
                    break
            if message is not None or not page.has_more:
                break
            after = page.after
        if message is None:
            return
        # The later items stay as an inactive branch (the earlier answer stays a
        # sibling the person can switch back to); the SDK deletes them.
        await self.store.branch_off_after(thread.id, message.id)
        async for batch in self._respond(thread, message, context):
            yield batch

    async def _custom_action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        item: ThreadItem | None,
        context: RequestContext,
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        if item is not None and not isinstance(item, WidgetItem):
            yield [ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=False)]
            return
        async for batch in self._pipeline(
            thread, context, lambda: self.responder.action(thread, action, item, context)
        ):
            yield batch

    # ---- shared steps ----------------------------------------------------------------

    def _respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        return self._pipeline(
            thread, context, lambda: self.responder.respond(thread, message, context)
        )

    def _pipeline(
        self, thread: ThreadMetadata, context: RequestContext, stream: Any
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        return run_pipeline(
            self.store,
            thread,
            context,
            stream,
            thread_response=self.thread_response,
            on_cancel=self.responder.stream_cancelled,
        )

    async def _user_message(
        self, input: UserMessageInput, thread: ThreadMetadata, context: RequestContext
    ) -> UserMessageItem:
        attachments = [
            (await self.store.load_attachment(attachment_id, context)).model_copy(
                update={"thread_id": thread.id}
            )
            for attachment_id in input.attachments
        ]
        return UserMessageItem(
            id=self.store.generate_item_id("message", thread, context),
            content=input.content,
            thread_id=thread.id,
            attachments=attachments,
            quoted_text=input.quoted_text,
            inference_options=input.inference_options,
            created_at=datetime.now(),
        )

    def _in_background(self, write: Awaitable[None]) -> asyncio.Task[None]:
        """A store write as its own task: it completes even if the stream is cancelled."""
        task = asyncio.ensure_future(write)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return task
