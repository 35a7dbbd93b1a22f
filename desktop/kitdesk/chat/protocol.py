"""What the dispatcher needs from the rest of Kitdesk, and how it writes the protocol.

``Responder`` is the SDK's ``ChatKitServer`` hooks as a separate object (the
app's is ``responder.KitdeskResponder``; tests use a scripted one). Responses
are serialised exactly as chatkit-python serialises them; a thread is shown
without its hidden items, and a structured input is answered, as the SDK does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from chatkit.actions import Action
from chatkit.types import (
    AudioInput,
    FeedbackKind,
    HiddenContextItem,
    Page,
    SDKHiddenContextItem,
    StructuredInputAnswer,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    SyncCustomActionResponse,
    Thread,
    ThreadItem,
    ThreadMetadata,
    ThreadStreamEvent,
    TranscriptionResult,
    UserMessageItem,
    WidgetItem,
)
from pydantic import BaseModel

from kitdesk.chat.context import RequestContext
from kitdesk.chat.events import ThreadView

DEFAULT_PAGE_SIZE = 20  # as the SDK: threads.get_by_id returns the first 20 items


# What a responder streams: events one by one, or lists of events made at the same
# moment (one read of the provider's stream, one tool call's items). The pipeline
# stores a list's finished items in one transaction and sends the list in one write.
ResponderEvent = ThreadStreamEvent | list[ThreadStreamEvent]


class Responder(Protocol):
    """What answers: the SDK's ``ChatKitServer`` hooks, as a separate object."""

    def respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ResponderEvent]: ...

    def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ResponderEvent]: ...

    async def sync_action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> SyncCustomActionResponse: ...

    async def transcribe(
        self, audio: AudioInput, context: RequestContext
    ) -> TranscriptionResult: ...

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: RequestContext
    ) -> None: ...

    async def stream_cancelled(
        self, thread: ThreadMetadata, pending: list[ThreadItem], context: RequestContext
    ) -> None: ...

    def public_metadata(self, thread: ThreadMetadata) -> dict[str, Any]: ...


class InvalidRequestState(ValueError):
    """The request does not fit the thread as it is (the SDK raises ValueError too)."""


def serialize(value: BaseModel) -> bytes:
    return value.model_dump_json(
        by_alias=True, exclude_none=True, context={"exclude_metadata": True}
    ).encode("utf-8")


def sse(event: ThreadStreamEvent) -> bytes:
    return b"data: " + serialize(event) + b"\n\n"


def sse_batch(events: list[ThreadStreamEvent]) -> bytes:
    """Several events as one chunk of the stream (one write to the socket)."""
    return b"".join([sse(event) for event in events])


def is_hidden(item: ThreadItem) -> bool:
    return isinstance(item, HiddenContextItem | SDKHiddenContextItem)


def thread_response(
    thread: ThreadMetadata | Thread,
    items: Page[ThreadItem] | None,
    metadata: dict[str, Any],
) -> ThreadView:
    """The thread as a response shows it: its items (given, its own, or none) without the
    hidden ones, and the public ``metadata``."""
    page = items if items is not None else thread.items if isinstance(thread, Thread) else Page()
    page = Page(
        data=[item for item in page.data if not is_hidden(item)],
        has_more=page.has_more,
        after=page.after,
    )
    response = ThreadView(
        id=thread.id,
        title=thread.title,
        created_at=thread.created_at,
        items=page,
        status=thread.status,
        allowed_image_domains=thread.allowed_image_domains,
    )
    response.metadata = metadata
    return response


def answered_structured_input(item: StructuredInputItem, submission: Any) -> StructuredInputItem:
    """A copy of the pending item with the person's answers (or skips) filled in."""
    updated = item.model_copy(deep=True)
    for question in updated.inputs:
        answer = submission.answers.get(question.id)
        if submission.status == "skipped" or answer is None or answer.skipped or not answer.values:
            question.answer = StructuredInputAnswer(skipped=True)
            continue
        values = answer.values
        if isinstance(question, StructuredInputMultipleChoice) and not question.multiple:
            values = values[:1]
        question.answer = StructuredInputAnswer(values=values)
    updated.status = submission.status
    return updated
