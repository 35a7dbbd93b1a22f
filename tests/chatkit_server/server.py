"""The test ``ChatKitServer``: scripted answers, widget actions and a client tool round trip.

``respond()`` runs the script named by the user's text (``scripts.py``); after
``threads.add_client_tool_output`` it answers with the tool's output.
``action()`` and ``sync_action()`` answer the counter's ``increment`` (the
sender widget is replaced, or a new counter is added when the sender is not
the counter), a form's ``submit_form``, and any other action by describing
it; an unknown action fails with a ``CustomStreamError`` message.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from chatkit.actions import Action
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer
from chatkit.types import (
    AudioInput,
    ClientToolCallItem,
    FeedbackKind,
    SyncCustomActionResponse,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    TranscriptionResult,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
)

from tests.chatkit_server.scripts import SCRIPTS, Turn, client_tool_named, stream_text, words
from tests.chatkit_server.store import MemoryAttachmentStore, MemoryStore, RequestContext
from tests.chatkit_server.widgets import counter_widget

TRANSCRIPT = "Hello from the ChatKit test server microphone"
DESCRIBED_ACTIONS = ("confirm", "cancel", "pick", "submit_form")


def user_text(item: UserMessageItem) -> str:
    return "".join(part.text for part in item.content if isinstance(part, UserMessageTextContent))


def script_key(text: str) -> str:
    return " ".join(text.lower().split())


class ScriptedChatKitServer(ChatKitServer[RequestContext]):
    def __init__(self) -> None:
        self.memory_store = MemoryStore()
        self.memory_attachments = MemoryAttachmentStore()
        self.feedback: list[tuple[str, list[str], FeedbackKind]] = []
        super().__init__(self.memory_store, self.memory_attachments)

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        turn = Turn(thread, self.store, context)
        if input_user_message is None:
            async for event in self._after_client_tool(turn):
                yield event
            return
        text = user_text(input_user_message)
        if thread.title is None:
            thread.title = text[:40] or "Untitled"
        key = script_key(text)
        if key.startswith("stream ") and key[7:].isdigit():
            chunks = [f"w{index} " for index in range(int(key[7:]))]
            async for event in stream_text(turn, chunks):
                yield event
            return
        script = SCRIPTS.get(key)
        if script is None and key.startswith("client tool "):
            script = client_tool_named(key.removeprefix("client tool "), {})
        if script is None:
            async for event in stream_text(turn, words(f"You said: {text}")):
                yield event
            return
        async for event in script(turn):
            yield event

    async def _after_client_tool(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        recent = await self.store.load_thread_items(turn.thread.id, None, 5, "desc", turn.context)
        call = next(
            (
                item
                for item in recent.data
                if isinstance(item, ClientToolCallItem) and item.status == "completed"
            ),
            None,
        )
        if call is None:
            raise CustomStreamError("There is no client tool output to answer.")
        answer = f"The client tool {call.name} returned {json.dumps(call.output, sort_keys=True)}"
        async for event in stream_text(turn, words(answer)):
            yield event

    async def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        turn = Turn(thread, self.store, context)
        payload = action.payload if isinstance(action.payload, dict) else {}
        if action.type == "increment":
            updated = self._incremented(thread, sender, payload)
            if sender is not None and sender.id == updated.id:
                yield ThreadItemReplacedEvent(item=updated)
            else:
                yield ThreadItemDoneEvent(item=updated)
            return
        if action.type not in DESCRIBED_ACTIONS:
            raise CustomStreamError(f"The test server does not know the action {action.type!r}.")
        described = f"Action {action.type} with {json.dumps(payload, sort_keys=True)}"
        async for event in stream_text(turn, words(described)):
            yield event

    async def sync_action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> SyncCustomActionResponse:
        payload = action.payload if isinstance(action.payload, dict) else {}
        if action.type != "increment":
            raise ValueError(f"The test server does not know the sync action {action.type!r}.")
        updated = self._incremented(thread, sender, payload)
        await self.store.save_item(thread.id, updated, context)
        return SyncCustomActionResponse(updated_item=updated)

    def _incremented(
        self, thread: ThreadMetadata, sender: WidgetItem | None, payload: dict[str, Any]
    ) -> WidgetItem:
        count = int(payload.get("count", 0)) + 1
        widget = counter_widget(count)
        if sender is not None and sender.widget.key == "counter":
            return sender.model_copy(update={"widget": widget, "copy_text": f"Count: {count}"})
        return WidgetItem(
            id=self.store.generate_item_id("message", thread, RequestContext("")),
            thread_id=thread.id,
            created_at=datetime.now(),
            widget=widget,
            copy_text=f"Count: {count}",
        )

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], feedback: FeedbackKind, context: RequestContext
    ) -> None:
        self.feedback.append((thread_id, item_ids, feedback))

    async def transcribe(
        self, audio_input: AudioInput, context: RequestContext
    ) -> TranscriptionResult:
        return TranscriptionResult(text=TRANSCRIPT)
