"""Kitdesk's dispatcher against chatkit-python's own ``ChatKitServer``, request for request.

The same scripted responder answers both; each test runs the same request
sequence through both servers (each on its own real SQLite store) and compares
the decoded responses and the stored items, ids and timestamps aside. Where
Kitdesk deliberately differs, ``DIFFERENCES`` names it and why; nothing else
may differ.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from chatkit.actions import Action
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    AudioInput,
    ClientToolCallItem,
    FeedbackKind,
    HiddenContextItem,
    SDKHiddenContextItem,
    SyncCustomActionResponse,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    TranscriptionResult,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
)
from chatkit.widgets import Card, Text
from kitdesk.chat.context import RequestContext
from kitdesk.chat.dispatcher import Dispatcher
from kitdesk.store.sqlite import SQLiteStore

DIFFERENCES = {
    # Kitdesk writes a new thread and its first message while the answer is already
    # requested (about 1.2 ms of each turn's first delta): the stored result is the same.
    "background writes": "no observable difference once a stream ends",
    # The SDK calls attachments.delete on the same store twice (as Store and as
    # AttachmentStore); Kitdesk once. The store result is the same.
    "attachments.delete": "one store call instead of two",
    # Retry keeps the later items as an inactive branch instead of deleting them;
    # the active path (what every read returns) is the same.
    "retry": "branch kept, not deleted",
    # A partial answer kept (and marked) on a cut provider stream, and answers
    # checkpointed while they stream, live in the turn engine (turn.py), not in the
    # dispatcher: a scripted responder cannot show them. tests/chat/test_responder_errors.py
    # and tests/test_crash_safety.py cover them.
    "partial answers": "turn engine, not protocol",
}

CONTEXT = RequestContext(origin="http://127.0.0.1:1")


def _text(message: UserMessageItem | None) -> str:
    if message is None:
        return ""
    return "".join(p.text for p in message.content if isinstance(p, UserMessageTextContent))


class Script:
    """What both servers answer, chosen by the user's words."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.feedback: list[tuple[str, list[str], str]] = []

    def _message(self, thread: ThreadMetadata, text: str) -> AssistantMessageItem:
        return AssistantMessageItem(
            id=self.store.generate_item_id("message", thread, CONTEXT),
            thread_id=thread.id,
            created_at=thread.created_at,
            content=[AssistantMessageContent(text=text, annotations=[])],
        )

    async def respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: Any
    ) -> AsyncIterator[ThreadStreamEvent]:
        words = _text(message) or "continue"
        if words == "fail":
            raise CustomStreamError("Scripted failure.", allow_retry=True)
        if words == "crash":
            raise RuntimeError("scripted crash")
        if words == "title":
            thread.title = "Named by the responder"
        if words == "hidden":
            yield ThreadItemDoneEvent(
                item=HiddenContextItem(
                    id=self.store.generate_item_id("message", thread, CONTEXT),
                    thread_id=thread.id,
                    created_at=thread.created_at,
                    content="only for the model",
                )
            )
        if words == "widget":
            yield ThreadItemDoneEvent(
                item=WidgetItem(
                    id=self.store.generate_item_id("message", thread, CONTEXT),
                    thread_id=thread.id,
                    created_at=thread.created_at,
                    widget=Card(children=[Text(value="A card")]),
                )
            )
        if words == "client tool":
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=self.store.generate_item_id("tool_call", thread, CONTEXT),
                    thread_id=thread.id,
                    created_at=thread.created_at,
                    status="pending",
                    call_id="call_1",
                    name="lookup",
                    arguments={"q": "x"},
                )
            )
            return
        item = self._message(thread, "")
        yield ThreadItemAddedEvent(item=item)
        answer = f"Answer to {words}"
        for word in answer.split(" "):
            if words == "slow":
                await asyncio.sleep(0.05)
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=word + " "),
            )
        if words == "slow":
            await asyncio.sleep(30)
        done = item.model_copy(
            update={"content": [AssistantMessageContent(text=answer, annotations=[])]}
        )
        yield ThreadItemDoneEvent(item=done)

    async def action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: Any, context: Any
    ) -> AsyncIterator[ThreadStreamEvent]:
        yield ThreadItemDoneEvent(item=self._message(thread, f"Action {action.type}"))

    async def sync_action(
        self, thread: ThreadMetadata, action: Action[str, Any], sender: Any, context: Any
    ) -> SyncCustomActionResponse:
        return SyncCustomActionResponse()

    async def transcribe(self, audio: AudioInput, context: Any) -> TranscriptionResult:
        return TranscriptionResult(text=f"{len(audio.data)} bytes of {audio.media_type}")

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], kind: FeedbackKind, context: Any
    ) -> None:
        self.feedback.append((thread_id, item_ids, kind))


class SdkServer(ChatKitServer[RequestContext]):
    """The SDK's server, answering with the script."""

    def __init__(self, store: SQLiteStore) -> None:
        super().__init__(store, attachment_store=store)
        self.script = Script(store)

    def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: Any
    ) -> AsyncIterator[ThreadStreamEvent]:
        return self.script.respond(thread, input_user_message, context)

    def action(self, thread: ThreadMetadata, action: Any, sender: Any, context: Any) -> Any:
        return self.script.action(thread, action, sender, context)

    async def sync_action(
        self, thread: ThreadMetadata, action: Any, sender: Any, context: Any
    ) -> Any:
        return await self.script.sync_action(thread, action, sender, context)

    async def transcribe(self, audio_input: AudioInput, context: Any) -> TranscriptionResult:
        return await self.script.transcribe(audio_input, context)

    async def add_feedback(
        self, thread_id: str, item_ids: list[str], feedback: FeedbackKind, context: Any
    ) -> None:
        await self.script.add_feedback(thread_id, item_ids, feedback, context)


class KitdeskScript(Script):
    """The same script as a ``Responder`` for Kitdesk's dispatcher."""

    async def stream_cancelled(
        self, thread: ThreadMetadata, pending: list[ThreadItem], context: Any
    ) -> None:
        # What the SDK's default handle_stream_cancelled does, for the comparison.
        for item in pending:
            if isinstance(item, AssistantMessageItem) and any(p.text.strip() for p in item.content):
                await self.store.add_thread_item(thread.id, item, context)
        await self.store.add_thread_item(
            thread.id,
            SDKHiddenContextItem(
                id=self.store.generate_item_id("sdk_hidden_context", thread, context),
                thread_id=thread.id,
                created_at=thread.created_at,
                content="The user cancelled the stream. Stop responding to the prior request.",
            ),
            context,
        )

    def public_metadata(self, thread: ThreadMetadata) -> dict[str, Any]:
        return {}


class Pair:
    """The two servers, each with its own store."""

    def __init__(self, folder: Path) -> None:
        self.sdk_store = SQLiteStore(folder / "sdk.db", folder / "sdk-files")
        self.kd_store = SQLiteStore(folder / "kd.db", folder / "kd-files")
        self.sdk = SdkServer(self.sdk_store)
        self.kd_script = KitdeskScript(self.kd_store)
        self.kd = Dispatcher(self.kd_store, self.kd_script)
        # The ids each server handed out, in order, so requests can name "the same" item.
        self.sdk_ids: list[str] = []
        self.kd_ids: list[str] = []

    async def close(self) -> None:
        await self.sdk_store.close()
        await self.kd_store.close()

    async def run_sdk(self, request: dict[str, Any]) -> Any:
        try:
            result = await self.sdk.process(json.dumps(request), CONTEXT)
            if isinstance(result, StreamingResult):
                return [json.loads(chunk[6:]) async for chunk in result]
            assert isinstance(result, NonStreamingResult)
            return json.loads(result.json)
        except Exception as exc:
            return raised(exc)

    async def run_kd(self, request: dict[str, Any]) -> Any:
        from kitdesk.web.routes.chatkit import _REQUEST_ADAPTER  # the route's own validation

        parsed = _REQUEST_ADAPTER.validate_python(request)
        try:
            if request["type"] in STREAMING:
                # Kitdesk sends events made together in one chunk: split it into frames.
                return [
                    json.loads(frame[6:])
                    async for chunk in self.kd.stream(parsed, CONTEXT)
                    for frame in chunk.split(b"\n\n")
                    if frame
                ]
            return json.loads(await self.kd.json(parsed, CONTEXT))
        except Exception as exc:
            return raised(exc)

    async def both(self, request: dict[str, Any]) -> tuple[Any, Any]:
        """Send ``request`` to both; ``$0``, ``$1``... name the n-th id seen (per server)."""
        sdk = await self.run_sdk(_bind(request, self.sdk_ids))
        kd = await self.run_kd(_bind(request, self.kd_ids))
        _collect_ids(sdk, self.sdk_ids)
        _collect_ids(kd, self.kd_ids)
        return normalize(sdk, self.sdk_ids), normalize(kd, self.kd_ids)

    async def stored(self, index: int) -> tuple[Any, Any]:
        """Every stored item of the n-th thread, in both stores."""

        async def items(store: SQLiteStore, ids: list[str]) -> Any:
            page = await store.load_thread_items(ids[index], None, 500, "asc", CONTEXT)
            dumped = [i.model_dump(mode="json") for i in page.data]
            _collect_ids(dumped, ids)  # items never sent (hidden context) have ids too
            return normalize(dumped, ids)

        return await items(self.sdk_store, self.sdk_ids), await items(self.kd_store, self.kd_ids)


def raised(exc: Exception) -> dict[str, str]:
    """A refusal, named by kind (Kitdesk's own ValueError subclass counts as ValueError)."""
    return {"raised": "ValueError" if isinstance(exc, ValueError) else type(exc).__name__}


STREAMING = {
    "threads.create",
    "threads.add_user_message",
    "threads.add_client_tool_output",
    "threads.add_structured_input",
    "threads.retry_after_item",
    "threads.custom_action",
}
IGNORED_KEYS = {"created_at", "updated_at"}
ID_KEYS = {"id", "thread_id", "item_id", "after"}


def _collect_ids(value: Any, ids: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ID_KEYS and isinstance(inner, str) and inner not in ids:
                ids.append(inner)
            _collect_ids(inner, ids)
    elif isinstance(value, list):
        for inner in value:
            _collect_ids(inner, ids)


def _bind(value: Any, ids: list[str]) -> Any:
    if isinstance(value, str) and value.startswith("$") and value[1:].isdigit():
        return ids[int(value[1:])]
    if isinstance(value, dict):
        return {k: _bind(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_bind(v, ids) for v in value]
    return value


def normalize(value: Any, ids: list[str]) -> Any:
    """Ids as their order of appearance, timestamps dropped."""
    if isinstance(value, dict):
        return {k: normalize(v, ids) for k, v in value.items() if k not in IGNORED_KEYS}
    if isinstance(value, list):
        return [normalize(v, ids) for v in value]
    if isinstance(value, str) and value in ids:
        return f"<id {ids.index(value)}>"
    return value


def message(text: str) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    servers = Pair(tmp_path)
    yield servers
    await servers.close()


async def same(pair: Pair, type_: str, **params: Any) -> Any:
    sdk, kd = await pair.both({"type": type_, "params": params})
    assert kd == sdk, f"{type_} differs"
    return kd


async def test_a_conversation_with_every_json_request(pair: Pair) -> None:
    created = await same(pair, "threads.create", input=message("hello"))
    assert created[0]["type"] == "thread.created"
    await same(pair, "threads.add_user_message", thread_id="$0", input=message("title"))
    await same(pair, "threads.add_user_message", thread_id="$0", input=message("hidden"))
    await same(pair, "threads.add_user_message", thread_id="$0", input=message("widget"))
    await same(pair, "threads.get_by_id", thread_id="$0")
    await same(pair, "items.list", thread_id="$0", limit=3, order="desc")
    await same(pair, "items.list", thread_id="$0", limit=3, order="asc", after="$2")
    await same(pair, "threads.update", thread_id="$0", title="Renamed")
    await same(pair, "items.feedback", thread_id="$0", item_ids=["$2"], kind="positive")
    await same(pair, "input.transcribe", audio_base64="aGVsbG8=", mime_type="audio/webm")
    await same(pair, "threads.sync_custom_action", thread_id="$0", action={"type": "x"})
    await same(pair, "threads.custom_action", thread_id="$0", action={"type": "press"})
    await same(pair, "threads.list", limit=5, order="desc")
    sdk_items, kd_items = await pair.stored(0)
    assert kd_items == sdk_items
    await same(pair, "threads.delete", thread_id="$0")
    await same(pair, "threads.get_by_id", thread_id="$0")  # both raise NotFoundError


async def test_threads_list_pages_alike(pair: Pair) -> None:
    for n in range(5):
        await same(pair, "threads.create", input=message(f"thread {n}"))
    first = await same(pair, "threads.list", limit=2, order="desc")
    assert first["has_more"] is True
    await same(
        pair,
        "threads.list",
        limit=2,
        order="desc",
        after=first["after"].replace("<id ", "$").rstrip(">"),
    )


async def test_errors_in_a_stream_end_it_alike(pair: Pair) -> None:
    await same(pair, "threads.create", input=message("hello"))
    failed = await same(pair, "threads.add_user_message", thread_id="$0", input=message("fail"))
    assert failed[-1] == {
        "type": "error",
        "code": "custom",
        "message": "Scripted failure.",
        "allow_retry": True,
    }
    crashed = await same(pair, "threads.add_user_message", thread_id="$0", input=message("crash"))
    assert crashed[-1]["type"] == "error" and crashed[-1]["code"] == "stream.error"
    unknown = await same(pair, "threads.add_user_message", thread_id="thr_nope", input=message("x"))
    assert unknown == {"raised": "NotFoundError"}
    sdk_items, kd_items = await pair.stored(0)
    assert kd_items == sdk_items


async def test_retry_after_an_item_replaces_the_later_items(pair: Pair) -> None:
    await same(pair, "threads.create", input=message("first"))
    await same(pair, "threads.add_user_message", thread_id="$0", input=message("second"))
    events = await same(pair, "threads.retry_after_item", thread_id="$0", item_id="$1")
    assert events[0]["type"] == "stream_options"
    sdk_items, kd_items = await pair.stored(0)
    assert kd_items == sdk_items
    answer_id = f"${len(pair.kd_ids) - 1}"  # the newest answer: not a user message
    refused = await same(pair, "threads.retry_after_item", thread_id="$0", item_id=answer_id)
    assert refused == {"raised": "ValueError"}


async def test_client_tool_output_continues_the_turn(pair: Pair) -> None:
    await same(pair, "threads.create", input=message("client tool"))
    await same(pair, "threads.add_client_tool_output", thread_id="$0", result={"answer": 42})
    sdk_items, kd_items = await pair.stored(0)
    assert kd_items == sdk_items
    none_pending = await same(pair, "threads.add_client_tool_output", thread_id="$0", result=1)
    assert none_pending == {"raised": "ValueError"}


async def test_cancel_mid_stream_keeps_the_partial_answer_and_a_hidden_note(pair: Pair) -> None:
    await same(pair, "threads.create", input=message("hello"))

    async def cancel_after_deltas(run: Any) -> None:
        task = asyncio.ensure_future(run)
        await asyncio.sleep(0.5)  # the slow script has sent its words and waits
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    request = {
        "type": "threads.add_user_message",
        "params": {"thread_id": "$0", "input": message("slow")},
    }
    await cancel_after_deltas(pair.run_sdk(_bind(request, pair.sdk_ids)))
    await cancel_after_deltas(pair.run_kd(_bind(request, pair.kd_ids)))
    sdk_items, kd_items = await pair.stored(0)
    assert kd_items == sdk_items
    kinds = [item["type"] for item in kd_items]
    assert kinds[-3:] == ["user_message", "assistant_message", "sdk_hidden_context"]
