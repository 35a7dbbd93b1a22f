"""Kitdesk's answers to the ChatKit hooks: turns, tool approvals, dictation, feedback.

The dispatcher (``dispatcher.py``) owns the protocol; this object answers
what the protocol leaves to the server: ``respond`` (a turn, ``turn.py``),
``action`` (the tool approval cards' buttons), ``transcribe`` (dictation),
``add_feedback``, and what to keep when a stream is stopped. The turn engine
comes from ``lazy_engine.py`` on the first turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chatkit.actions import Action
from chatkit.errors import CustomStreamError
from chatkit.types import (
    AssistantMessageItem,
    AudioInput,
    FeedbackKind,
    SDKHiddenContextItem,
    SyncCustomActionResponse,
    ThreadItem,
    ThreadMetadata,
    TranscriptionResult,
    UserMessageItem,
    WidgetItem,
)

from kitdesk.chat.context import RequestContext
from kitdesk.chat.events import ItemReplaced
from kitdesk.chat.lazy_engine import LazyEngine
from kitdesk.chat.protocol import ResponderEvent
from kitdesk.chat.tool_steps import ALLOWED_KEY, PENDING_KEY, load_pending
from kitdesk.chat.tool_ui import APPROVAL_ACTION, DECISIONS, decided_card
from kitdesk.chat.turn_choices import THREAD_MODEL_KEY, string_list
from kitdesk.errors import UserFacingError
from kitdesk.i18n import text
from kitdesk.providers.resolver import ProviderNotReady, ProviderResolver, ResolvedModel
from kitdesk.store.organise import ARCHIVED_KEY, FOLDER_KEY, PINNED_KEY
from kitdesk.store.sqlite import ACTIVITY_KEY, SQLiteStore

if TYPE_CHECKING:
    from kitdesk.chat.turn import TurnEngine

log = logging.getLogger(__name__)

# Thread metadata keys included in thread responses (the rest stays server-side).
PUBLIC_METADATA = (THREAD_MODEL_KEY, ACTIVITY_KEY, PINNED_KEY, ARCHIVED_KEY, FOLDER_KEY)
CANCELLED_NOTE = "The user cancelled the stream. Stop responding to the prior request."
ACTION_NOT_SUPPORTED = "Kitdesk does not support this action."


class ActionNotSupported(UserFacingError):
    """A synchronous custom action reached the server; Kitdesk defines none."""

    status = 501
    code = "not_supported"

    def __init__(self, message: str = ACTION_NOT_SUPPORTED) -> None:
        super().__init__(message)


class TranscriptionUnavailable(UserFacingError):
    """Dictation cannot work with the current provider; the message says why."""

    status = 422
    code = "transcription_unavailable"


def transcription_model(model: ResolvedModel) -> str:
    return "gpt-4o-mini-transcribe" if model.kind == "openai" else "whisper-1"


class KitdeskResponder:
    """Implements ``dispatcher.Responder`` for the app."""

    def __init__(self, store: SQLiteStore, engines: LazyEngine) -> None:
        self.engines = engines
        self.store = store
        self._background: set[asyncio.Task[None]] = set()

    def respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ResponderEvent]:
        engine = self.engines.built
        if engine is not None:  # every turn but the first: no extra step per event
            return engine.respond(thread, message, context)
        return self._first_respond(thread, message, context)

    async def _first_respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ResponderEvent]:
        engine = await self.engines.get()
        async for batch in engine.respond(thread, message, context):
            yield batch

    def public_metadata(self, thread: ThreadMetadata) -> dict[str, Any]:
        return {key: thread.metadata[key] for key in PUBLIC_METADATA if key in thread.metadata}

    # ---- tool approvals ------------------------------------------------------------

    async def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ResponderEvent]:
        payload = action.payload if isinstance(action.payload, dict) else {}
        decision = payload.get("decision")
        if action.type != APPROVAL_ACTION or decision not in DECISIONS or sender is None:
            raise CustomStreamError(ACTION_NOT_SUPPORTED, allow_retry=False)
        waiting = load_pending(thread.metadata.get(PENDING_KEY))
        if not waiting or waiting[0].card_id != sender.id:
            raise CustomStreamError(text(context.language, "approval.gone"), allow_retry=False)
        first = waiting[0]
        if decision == "always":
            allowed = string_list(thread.metadata.get(ALLOWED_KEY))
            thread.metadata[ALLOWED_KEY] = sorted({*allowed, first.name})
        yield ItemReplaced(item=decided_card(sender, decision, context.language))
        engine = await self.engines.get()
        async for batch in engine.resume(thread, waiting, decision == "deny", context):
            yield batch

    async def sync_action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> SyncCustomActionResponse:
        raise ActionNotSupported()

    # ---- a stopped stream -------------------------------------------------------------

    async def stream_cancelled(
        self, thread: ThreadMetadata, pending: list[ThreadItem], context: RequestContext
    ) -> None:
        """Save the partial answer and the "user cancelled" note, even while cancelled.

        Starlette runs the stream inside an anyio cancel scope, which cancels
        every await after the client disconnects; a separate task is outside it.
        """

        async def save() -> None:
            engine: TurnEngine = await self.engines.get()
            await engine.drop_checkpoints(thread.id)  # the partial answer replaces them
            for item in pending:
                if isinstance(item, AssistantMessageItem) and any(
                    part.text.strip() for part in item.content
                ):
                    await self.store.add_thread_item(thread.id, item, context)
            note = SDKHiddenContextItem(
                id=self.store.generate_item_id("sdk_hidden_context", thread, context),
                thread_id=thread.id,
                created_at=datetime.now(),
                content=CANCELLED_NOTE,
            )
            await self.store.add_thread_item(thread.id, note, context)
            # The turn may have named the thread (a stopped first answer): keep it.
            await self.store.save_thread(thread, context)

        task = asyncio.ensure_future(save())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        await asyncio.shield(task)

    # ---- the other requests ----------------------------------------------------------

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: RequestContext
    ) -> None:
        await self.store.save_feedback(thread_id, item_ids, kind)

    async def transcribe(self, audio: AudioInput, context: RequestContext) -> TranscriptionResult:
        engine = await self.engines.get()
        from kitdesk.chat.upstream_errors import describe_upstream_error  # loaded with the engine
        from kitdesk.providers.provider_errors import ProviderError, ProviderStatusError

        resolver = ProviderResolver(engine.settings(), engine.keys)
        try:
            model = resolver.resolve_for_transcription()
        except ProviderNotReady as exc:
            raise TranscriptionUnavailable(str(exc)) from None
        extension = audio.media_type.rsplit("/", 1)[-1] or "webm"
        try:
            result = await engine.clients.get(model).post_form(
                "/audio/transcriptions",
                {"model": transcription_model(model)},
                {"file": (f"dictation.{extension}", audio.data, audio.media_type)},
            )
        except ProviderStatusError as exc:
            if exc.status_code in (404, 405, 501):
                raise TranscriptionUnavailable(
                    f"{model.provider_name} does not offer speech-to-text, so dictation "
                    "is not available with it. Type your message instead, or add a provider "
                    "with transcription (such as OpenAI) in Settings."
                ) from None
            raise TranscriptionUnavailable(
                "Dictation failed: " + describe_upstream_error(exc, model).message, status=502
            ) from None
        except ProviderError as exc:
            raise TranscriptionUnavailable(
                "Dictation failed: " + describe_upstream_error(exc, model).message, status=502
            ) from None
        transcript = result.get("text")
        return TranscriptionResult(text=transcript.strip() if isinstance(transcript, str) else "")
