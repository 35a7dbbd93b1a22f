"""What happens to every event a response stream yields: stored, then sent.

The same rules as chatkit's ``ChatKitServer._process_events`` (kept equal by
tests/chat/test_differential.py): stream options first; a finished item is
stored before it is sent; removed and replaced items are applied to the
store; hidden context items are stored but never sent; a thread changed by
the responder (a title, its model) is saved and announced; errors become one
``error`` event; on cancel, the responder saves what was pending.

Kitdesk's addition: a responder may hand over a list of events made at the same
moment (``protocol.ResponderEvent``). The finished items of a list are stored
in one transaction, and the list goes out as one chunk, so a tool call's four
events cost one write to the database and one to the socket instead of four
and two. The order of the events, and "stored before sent", stay as above.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol, runtime_checkable

from chatkit.errors import CustomStreamError, ErrorCode, StreamError
from chatkit.store import NotFoundError, Store
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ErrorEvent,
    HiddenContextItem,
    SDKHiddenContextItem,
    StreamOptions,
    StreamOptionsEvent,
    Thread,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)

from kitdesk.chat.context import RequestContext
from kitdesk.chat.events import ThreadUpdated
from kitdesk.chat.protocol import ResponderEvent
from kitdesk.store.problems import storage_problem

log = logging.getLogger(__name__)

ThreadResponse = Callable[[ThreadMetadata], Thread]


class CancelHandler(Protocol):
    def __call__(
        self, thread: ThreadMetadata, pending: list[ThreadItem], context: RequestContext
    ) -> Awaitable[None]: ...


@runtime_checkable
class ItemBatchStore(Protocol):
    """A store that can append several items in one transaction (Kitdesk's SQLite store)."""

    async def add_thread_items(
        self, thread_id: str, items: list[ThreadItem], context: RequestContext
    ) -> None: ...


async def run_pipeline(
    store: Store[RequestContext],
    thread: ThreadMetadata,
    context: RequestContext,
    stream: Callable[[], AsyncIterator[ResponderEvent]],
    *,
    thread_response: ThreadResponse,
    on_cancel: CancelHandler,
) -> AsyncIterator[list[ThreadStreamEvent]]:
    """The events to send, in lists: each list is one chunk of the response."""
    await asyncio.sleep(0)  # let the response start streaming
    yield [StreamOptionsEvent(stream_options=StreamOptions(allow_cancel=True))]
    last = thread.model_copy(deep=True)
    pending: dict[str, ThreadItem] = {}
    finished: list[ThreadItem] = []  # done items of the current list, not stored yet

    async def store_finished() -> None:
        if not finished:
            return
        if len(finished) > 1 and isinstance(store, ItemBatchStore):
            await store.add_thread_items(thread.id, finished, context)
        else:
            for item in finished:
                await store.add_thread_item(thread.id, item, context=context)
        for item in finished:
            pending.pop(item.id, None)
        finished.clear()

    try:
        async for produced in stream():
            events = produced if isinstance(produced, list) else [produced]
            out: list[ThreadStreamEvent] = []
            for event in events:
                match event:
                    case ThreadItemAddedEvent():
                        pending[event.item.id] = event.item.model_copy(deep=True)
                    case ThreadItemDoneEvent():
                        finished.append(event.item)
                    case ThreadItemRemovedEvent():
                        await store_finished()
                        await store.delete_thread_item(thread.id, event.item_id, context=context)
                        pending.pop(event.item_id, None)
                    case ThreadItemReplacedEvent():
                        await store_finished()
                        await store.save_item(thread.id, event.item, context=context)
                        pending.pop(event.item.id, None)
                    case ThreadItemUpdatedEvent():
                        _apply_update(pending, event)
                    case _:
                        pass
                hidden = isinstance(event, ThreadItemDoneEvent) and isinstance(
                    event.item, HiddenContextItem | SDKHiddenContextItem
                )
                if not hidden:
                    out.append(event)
                if thread != last:
                    last = thread.model_copy(deep=True)
                    await store_finished()
                    await store.save_thread(thread, context=context)
                    out.append(ThreadUpdated(thread=thread_response(thread)))
            await store_finished()
            if out:
                yield out
    except asyncio.CancelledError:
        await on_cancel(thread, list(pending.values()), context)
        raise
    except CustomStreamError as error:
        yield [ErrorEvent(code="custom", message=error.message, allow_retry=error.allow_retry)]
    except StreamError as error:
        yield [ErrorEvent(code=error.code, allow_retry=error.allow_retry)]
    except Exception as exc:
        if storage_problem(exc) is not None or isinstance(exc, NotFoundError):
            # Disk full, read-only, locked, closing, or the thread deleted (or never
            # saved) meanwhile: the HTTP layer says which, in words and without a
            # traceback (chatkit-python logs it and sends a wordless stream.error).
            raise
        log.exception("a response stream failed")
        yield [ErrorEvent(code=ErrorCode.STREAM_ERROR, allow_retry=True)]
    if thread != last:
        await store.save_thread(thread, context=context)
        yield [ThreadUpdated(thread=thread_response(thread))]


def _apply_update(pending: dict[str, ThreadItem], event: ThreadItemUpdatedEvent) -> None:
    """Keep pending items current, so a cancel saves what was shown."""
    item = pending.get(event.item_id)
    update = event.update
    if isinstance(item, AssistantMessageItem):
        if not isinstance(
            update,
            AssistantMessageContentPartAdded
            | AssistantMessageContentPartTextDelta
            | AssistantMessageContentPartAnnotationAdded
            | AssistantMessageContentPartDone,
        ):
            return
        while len(item.content) <= update.content_index:
            item.content.append(AssistantMessageContent(text="", annotations=[]))
        match update:
            case AssistantMessageContentPartAdded() | AssistantMessageContentPartDone():
                item.content[update.content_index] = update.content
            case AssistantMessageContentPartTextDelta():
                item.content[update.content_index].text += update.delta
            case AssistantMessageContentPartAnnotationAdded():
                annotations = item.content[update.content_index].annotations
                annotations.insert(
                    min(update.annotation_index, len(annotations)), update.annotation
                )
    elif isinstance(item, WorkflowItem):
        if isinstance(update, WorkflowTaskUpdated):
            item.workflow.tasks[update.task_index] = update.task
        elif isinstance(update, WorkflowTaskAdded):
            item.workflow.tasks.append(update.task)
