"""The ChatKit server subclass that answers: history in, streamed answer out.

For each turn ``respond()`` picks the model (the composer's choice, else the
thread's last model, else the default), loads the whole thread, converts it
(``model_input``) and streams the answer from the provider through the Agents
SDK: the Responses API for OpenAI, Chat Completions for every other provider.
Failures become one readable ``error`` event (``upstream_errors``); a stream
cut mid-answer keeps the partial answer, marked. After the first exchange the
thread gets a title (``titles``).

Agents SDK tracing is switched off at import: nothing but the provider is
ever contacted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import agents
import openai
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RunConfig,
    Runner,
    TResponseInputItem,
)
from chatkit.actions import Action
from chatkit.agents import AgentContext, stream_agent_response
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    AudioInput,
    ChatKitReq,
    ClientToolCallItem,
    FeedbackKind,
    Page,
    StreamingReq,
    SyncCustomActionResponse,
    Thread,
    ThreadCreatedEvent,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadsCreateReq,
    ThreadStreamEvent,
    TranscriptionResult,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
    is_streaming_req,
)
from openai import AsyncOpenAI
from openai.types.shared import Reasoning
from pydantic import TypeAdapter

from kitdesk.chat.checkpoints import Checkpoints
from kitdesk.chat.context import RequestContext
from kitdesk.chat.history import ModelInputConverter
from kitdesk.chat.relay import AnswerBuilder, stream_chat, stream_responses
from kitdesk.chat.titles import fallback_title, is_reasoning_model, make_title
from kitdesk.chat.upstream_errors import cut_off_note, describe_upstream_error
from kitdesk.errors import UserFacingError
from kitdesk.keys import KeyStore
from kitdesk.providers.resolver import ProviderNotReady, ProviderResolver, ResolvedModel, make_ref
from kitdesk.settings import Settings
from kitdesk.store.sqlite import ACTIVITY_KEY, SQLiteStore

log = logging.getLogger(__name__)

_REQUEST_ADAPTER: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)

# No trace of any conversation leaves the machine.
agents.set_tracing_disabled(True)

HISTORY_PAGE_SIZE = 200
CONNECT_TIMEOUT_SECONDS = 10.0
# Between two bytes of a streamed answer; reasoning models can think for a while.
READ_TIMEOUT_SECONDS = 120.0
# No silent retries: the openai client would otherwise sleep up to a minute on a
# 429's Retry-After before failing. Errors surface at once, with a retry button.
MAX_RETRIES = 0
# Local servers (Ollama, LM Studio, llama.cpp) want no key, but the openai
# client insists on one; this placeholder is what they receive.
NO_KEY_PLACEHOLDER = "no-key"
THREAD_MODEL_KEY = "model"
# Thread metadata keys included in thread responses (the rest stays server-side).
PUBLIC_METADATA = (THREAD_MODEL_KEY, ACTIVITY_KEY)

# "auto": the lean relay for plain text, the Agents SDK when tools are involved.
Engine = Literal["auto", "agents", "relay"]

ENGINES: tuple[Engine, ...] = ("auto", "agents", "relay")


def engine_from_environment() -> Engine:
    """KITDESK_ENGINE=agents|relay forces one path (benchmarks, or to work around a provider)."""
    value = os.environ.get("KITDESK_ENGINE", "auto").strip().lower()
    for engine in ENGINES:
        if engine == value:
            return engine
    return "auto"


ACTION_NOT_SUPPORTED = "Kitdesk does not support custom actions yet."


class ActionNotSupported(UserFacingError):
    """A custom action reached the server; nothing in Kitdesk defines one yet."""

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


class ProviderClient(AsyncOpenAI):
    """The openai client, with an idempotency key that costs no system call.

    The client draws each request's key from ``uuid.uuid4()``, i.e. ``os.urandom``,
    which releases the GIL: with the store's threads busy at the start of a turn,
    getting it back cost the event loop up to milliseconds before the provider
    request was sent (py-spy, tests/bench/bench_relay.py). The key only pairs a
    request with its own retries (Kitdesk makes none), so it need not be secret.
    """

    def _idempotency_key(self) -> str:
        return f"stainless-python-retry-{random.getrandbits(128):032x}"


class ClientCache:
    """One AsyncOpenAI client (and its connection pool) per provider endpoint and key."""

    def __init__(self, timeout: openai.Timeout, max_retries: int) -> None:
        self.timeout = timeout
        self.max_retries = max_retries
        self._clients: dict[tuple[str, str, str | None], AsyncOpenAI] = {}

    def get(self, model: ResolvedModel) -> AsyncOpenAI:
        key = model.api_key or NO_KEY_PLACEHOLDER
        cache_key = (model.base_url, key, model.api_version)
        client = self._clients.get(cache_key)
        if client is None:
            headers: dict[str, str] = {}
            query: dict[str, object] = {}
            if model.kind == "azure":
                # Azure OpenAI's v1 endpoint takes the key as "api-key" and, for
                # preview features, an api-version query parameter.
                headers["api-key"] = key
            if model.api_version:
                query["api-version"] = model.api_version
            client = ProviderClient(
                base_url=model.base_url,
                api_key=key,
                timeout=self.timeout,
                max_retries=self.max_retries,
                default_headers=headers or None,
                default_query=query or None,
                # No redirects: Azure's api-key header would survive one to another host.
                http_client=openai.DefaultAsyncHttpxClient(follow_redirects=False),
            )
            self._clients[cache_key] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


class AssistantIds:
    """Gives each streamed assistant message a store id and remembers its text.

    Providers' message ids are not ours to trust: through Chat Completions the
    Agents SDK names every message ``__fake_id__``, so without remapping each
    turn would overwrite the last. The text is kept so a cut stream can still
    save what arrived.
    """

    def __init__(self, new_id: Callable[[], str] | None) -> None:
        # None: the ids are already the store's; only track the text.
        self._new_id = new_id
        self._ids: dict[str, str] = {}
        self.open: dict[str, AssistantMessageItem] = {}
        self.text: dict[str, list[str]] = {}

    def remap(self, event: ThreadStreamEvent) -> ThreadStreamEvent:
        match event:
            case ThreadItemAddedEvent(item=AssistantMessageItem() as item):
                if self._new_id is not None:
                    item.id = self._ids.setdefault(item.id, self._new_id())
                store_id = item.id
                self.open[store_id] = item
                self.text[store_id] = [part.text for part in item.content]
            case ThreadItemUpdatedEvent():
                store_id = self._ids.get(event.item_id, event.item_id)
                event.item_id = store_id
                parts = self.text.get(store_id)
                if parts is not None and isinstance(
                    event.update, AssistantMessageContentPartTextDelta
                ):
                    parts.append(event.update.delta)
            case ThreadItemDoneEvent(item=AssistantMessageItem() as item):
                if self._new_id is not None:
                    item.id = self._ids.pop(item.id, None) or self._new_id()
                store_id = item.id
                self.open.pop(store_id, None)
                self.text.pop(store_id, None)
            case _:
                pass
        return event

    def partial_text(self) -> str:
        return "".join("".join(parts) for parts in self.text.values())

    def close_partial(self, note: str) -> list[ThreadItemDoneEvent]:
        """Done events that save each unfinished message with the text that arrived, marked."""
        events: list[ThreadItemDoneEvent] = []
        for store_id, item in self.open.items():
            text = "".join(self.text.get(store_id, []))
            if not text.strip():
                continue
            content = [AssistantMessageContent(text=text + note, annotations=[])]
            events.append(ThreadItemDoneEvent(item=item.model_copy(update={"content": content})))
        self.open.clear()
        self.text.clear()
        return events


@dataclass
class UserMessageWrite:
    """A new user message being written while its answer is already requested."""

    task: asyncio.Task[None]
    new_thread: bool  # the thread was created by this request: the message is its history


def user_text(item: UserMessageItem) -> str:
    return "".join(part.text for part in item.content if isinstance(part, UserMessageTextContent))


class KitdeskChatServer(ChatKitServer[RequestContext]):
    """Answers ChatKit requests with the provider and model the person chose."""

    def __init__(
        self,
        store: SQLiteStore,
        settings: Callable[[], Settings],
        keys: KeyStore,
        *,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        max_retries: int = MAX_RETRIES,
        engine: Engine | None = None,
    ) -> None:
        super().__init__(store, attachment_store=store)
        self.sqlite_store = store
        self.settings = settings
        self.keys = keys
        self.engine: Engine = engine or engine_from_environment()
        self._background: set[asyncio.Task[None]] = set()
        self._user_writes: dict[str, UserMessageWrite] = {}
        self._checkpoints: dict[str, Checkpoints] = {}  # by thread id, while answering
        self.clients = ClientCache(
            openai.Timeout(read_timeout, connect=connect_timeout), max_retries
        )

    async def aclose(self) -> None:
        """Close the provider connection pools (at shutdown)."""
        await self.clients.aclose()

    # ---- requests ----------------------------------------------------------------

    async def process(
        self, request: str | bytes | bytearray, context: RequestContext
    ) -> StreamingResult | NonStreamingResult:
        """As ChatKit's, with the request adapter built once.

        chatkit 1.6.5 builds ``TypeAdapter(ChatKitReq)`` on every request: a
        schema build of a few milliseconds before the first byte of each answer.
        """
        return await self.process_request(_REQUEST_ADAPTER.validate_json(request), context)

    async def process_request(
        self, request: ChatKitReq, context: RequestContext
    ) -> StreamingResult | NonStreamingResult:
        """Route an already-validated request (the endpoint validates it once, up front)."""
        log.debug("chatkit request %s", request.type)
        if is_streaming_req(request):
            return StreamingResult(self._process_streaming(request, context))
        return NonStreamingResult(await self._process_non_streaming(request, context))

    # ---- writing the new message while the answer is requested ---------------
    # ChatKit (pinned at 1.6.5) saves a new thread and then the user's message,
    # each a round trip to the store's writer thread, before it calls
    # ``respond()``: about 1.2 ms of every turn's first-delta latency here
    # (tests/bench/bench_relay.py). These two overrides start those writes and
    # go on at once; the writer thread keeps them in order (thread, message,
    # then the answer), and the stream ends with an error event if one failed.

    async def _process_streaming_impl(
        self, request: StreamingReq, context: RequestContext
    ) -> AsyncGenerator[ThreadStreamEvent, None]:
        if not isinstance(request, ThreadsCreateReq):
            async for event in super()._process_streaming_impl(request, context):
                yield event
            return
        # As ChatKit's threads.create, without waiting for the thread's write.
        thread = Thread(
            id=self.store.generate_thread_id(context), created_at=datetime.now(), items=Page()
        )
        saved = self._write_in_background(
            self.store.save_thread(ThreadMetadata(**thread.model_dump()), context=context)
        )
        yield ThreadCreatedEvent(thread=self._to_thread_response(thread))
        user_message = await self._build_user_message_item(request.params.input, thread, context)
        async for event in self._process_new_thread_item_respond(
            thread, user_message, context, thread_saved=saved
        ):
            yield event

    async def _process_new_thread_item_respond(
        self,
        thread: ThreadMetadata,
        item: UserMessageItem,
        context: RequestContext,
        thread_saved: asyncio.Task[None] | None = None,
    ) -> AsyncIterator[ThreadStreamEvent]:
        if item.attachments:
            if thread_saved is not None:
                await asyncio.shield(thread_saved)
            for attachment in item.attachments:
                await self.store.save_attachment(attachment, context=context)

        async def write() -> None:
            if thread_saved is not None:
                await asyncio.shield(thread_saved)
            await self.store.add_thread_item(thread.id, item, context=context)

        saved = self._write_in_background(write())
        self._user_writes[item.id] = UserMessageWrite(saved, new_thread=thread_saved is not None)
        try:
            yield ThreadItemDoneEvent(item=item)
            async for event in self._process_events(
                thread, context, lambda: self.respond(thread, item, context)
            ):
                yield event
        finally:
            self._user_writes.pop(item.id, None)
        await asyncio.shield(saved)  # a failed write ends the stream with an error event

    def _write_in_background(self, write: Awaitable[None]) -> asyncio.Task[None]:
        """Run a store write as its own task: it completes even if the stream is
        cancelled (the store shields it), and it is kept referenced until then."""
        task = asyncio.ensure_future(write)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return task

    async def user_message_saved(self, message: UserMessageItem | None) -> None:
        pending = self._user_writes.get(message.id) if message is not None else None
        if pending is not None:
            await asyncio.shield(pending.task)

    async def history_for(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> list[ThreadItem]:
        """The thread's items, the new message last, even if its write is still under way."""
        pending = self._user_writes.get(message.id) if message is not None else None
        if pending is not None and pending.new_thread:
            assert message is not None
            return [message]
        history = await self.load_history(thread.id, context)
        if message is not None and all(item.id != message.id for item in history):
            history.append(message)
        return history

    # ---- choosing the model --------------------------------------------------

    def model_ref(
        self, thread: ThreadMetadata, message: UserMessageItem | None, resolver: ProviderResolver
    ) -> str | None:
        """The composer's choice, else the thread's last model, else the default."""
        if message is not None and message.inference_options and message.inference_options.model:
            return message.inference_options.model
        last = thread.metadata.get(THREAD_MODEL_KEY)
        if isinstance(last, str) and last:
            return last
        return resolver.default_ref()

    def resolve(self, thread: ThreadMetadata, message: UserMessageItem | None) -> ResolvedModel:
        resolver = ProviderResolver(self.settings(), self.keys)
        try:
            return resolver.resolve(self.model_ref(thread, message, resolver))
        except ProviderNotReady as exc:
            raise CustomStreamError(str(exc), allow_retry=True) from None

    # ---- history ---------------------------------------------------------------

    async def load_history(self, thread_id: str, context: RequestContext) -> list[ThreadItem]:
        """Every item of the thread, oldest first, read in keyset pages."""
        items: list[ThreadItem] = []
        after: str | None = None
        while True:
            page = await self.store.load_thread_items(
                thread_id, after, HISTORY_PAGE_SIZE, "asc", context
            )
            items.extend(page.data)
            if not page.has_more or page.after is None:
                return items
            after = page.after

    async def model_input(
        self, items: list[ThreadItem], model: ResolvedModel
    ) -> list[TResponseInputItem]:
        converter = ModelInputConverter(model.api, self.sqlite_store.read_attachment_bytes)
        return await converter.to_agent_input(items)

    # ---- answering -------------------------------------------------------------

    def uses_agents_sdk(self, history: list[ThreadItem]) -> bool:
        """Tool calls need the Agents SDK; plain text turns take the lean relay."""
        if self.engine != "auto":
            return self.engine == "agents"
        return any(isinstance(item, ClientToolCallItem) for item in history)

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        settings = self.settings()
        try:
            model = self.resolve(thread, input_user_message)
        except CustomStreamError:
            self.name_after_first_words(thread, input_user_message, settings)
            raise
        history = await self.history_for(thread, input_user_message, context)
        model_input = await self.model_input(history, model)

        # The title is asked for alongside the answer (from the user's words alone),
        # so the stream can end as soon as the answer does.
        title_task = self.start_title(thread, history, model, settings)
        if self.uses_agents_sdk(history):
            # ChatKit's Agents SDK glue reads the thread from the store: let the
            # new thread and message land first.
            await self.user_message_saved(input_user_message)
            ids = AssistantIds(lambda: self.store.generate_item_id("message", thread, context))
            events = self.agent_events(thread, context, model, model_input, settings)
        else:
            ids = AssistantIds(None)  # the relay already uses store ids
            events = self.relay_events(thread, context, model, model_input, settings)
        started = time.perf_counter()
        answer: list[str] = []
        checkpoints = Checkpoints(self.sqlite_store, thread.id, context)
        self._checkpoints[thread.id] = checkpoints
        try:
            async for event in events:
                event = ids.remap(event)
                if isinstance(event, ThreadItemDoneEvent) and isinstance(
                    event.item, AssistantMessageItem
                ):
                    answer.extend(part.text for part in event.item.content)
                    await checkpoints.release(event.item.id)
                elif ids.open:
                    await checkpoints.maybe_save(ids.open, ids.text)
                yield event
        except CustomStreamError:
            self.remember_model(thread, model)
            self.give_up_title(thread, input_user_message, settings, title_task)
            await self.drop_checkpoints(thread.id)
            raise
        except BaseException as exc:
            self.give_up_title(thread, input_user_message, settings, title_task)
            if not isinstance(exc, Exception):
                # Cancelled by the client: handle_stream_cancelled saves the partial
                # answer in place of its checkpoint.
                raise
            self.remember_model(thread, model)
            partial = bool(ids.partial_text().strip())
            log.warning(
                "answer from %s (%s) failed: %s%s",
                model.provider_id,
                model.model,
                type(exc).__name__,
                f" {exc.status_code}" if isinstance(exc, openai.APIStatusError) else "",
            )
            for done in ids.close_partial(cut_off_note(model)):
                await checkpoints.release(done.item.id)
                yield done
            await self.drop_checkpoints(thread.id)
            raise describe_upstream_error(exc, model, partial=partial) from None
        await self.drop_checkpoints(thread.id)
        # Saved with the thread after the answer, not before: a save ahead of the
        # first delta would delay it.
        self.remember_model(thread, model)
        if not "".join(answer).strip():
            self.give_up_title(thread, input_user_message, settings, title_task)
            log.warning("answer from %s (%s) was empty", model.provider_id, model.model)
            raise CustomStreamError(
                f"{model.provider_name} sent back an empty answer. Try again, or pick "
                "another model.",
                allow_retry=True,
            )
        log.info(
            "answer from %s (%s): %d chars in %.2f s",
            model.provider_id,
            model.model,
            sum(map(len, answer)),
            time.perf_counter() - started,
        )
        if title_task is not None:
            thread.title = await title_task

    async def drop_checkpoints(self, thread_id: str) -> None:
        """Remove what is left of this answer's checkpoints (the real items are stored)."""
        checkpoints = self._checkpoints.pop(thread_id, None)
        if checkpoints is not None:
            await checkpoints.release_all()

    def give_up_title(
        self,
        thread: ThreadMetadata,
        message: UserMessageItem | None,
        settings: Settings,
        title_task: asyncio.Task[str] | None,
    ) -> None:
        """The first exchange failed or was stopped: no model title, but still a name."""
        if title_task is not None:
            title_task.cancel()
            self.name_after_first_words(thread, message, settings)

    @staticmethod
    def name_after_first_words(
        thread: ThreadMetadata, message: UserMessageItem | None, settings: Settings
    ) -> None:
        if settings.auto_title and not thread.title and message is not None:
            thread.title = fallback_title(user_text(message))

    def start_title(
        self,
        thread: ThreadMetadata,
        history: list[ThreadItem],
        model: ResolvedModel,
        settings: Settings,
    ) -> asyncio.Task[str] | None:
        """Name the thread after its first exchange (when titles are on and it has none)."""
        if not settings.auto_title or thread.title:
            return None
        users = [item for item in history if isinstance(item, UserMessageItem)]
        if len(users) != 1:
            return None
        return asyncio.create_task(
            make_title(self.clients.get(model), model, user_text(users[0]), "")
        )

    def _to_thread_response(self, thread: ThreadMetadata | Thread) -> Thread:
        """As ChatKit's, but keeping the metadata the UI shows: the thread's model (so a
        reopened thread continues with it) and its last activity (for history grouping).
        Nothing else in metadata leaves the server."""
        response = super()._to_thread_response(thread)
        response.metadata = {
            key: thread.metadata[key] for key in PUBLIC_METADATA if key in thread.metadata
        }
        return response

    @staticmethod
    def remember_model(thread: ThreadMetadata, model: ResolvedModel) -> None:
        """The next turn (and the UI) default to the model that answered this one."""
        thread.metadata[THREAD_MODEL_KEY] = make_ref(model.provider_id, model.model)

    async def relay_events(
        self,
        thread: ThreadMetadata,
        context: RequestContext,
        model: ResolvedModel,
        model_input: list[TResponseInputItem],
        settings: Settings,
    ) -> AsyncIterator[ThreadStreamEvent]:
        answer = AnswerBuilder(
            thread.id, lambda kind: self.store.generate_item_id(kind, thread, context)
        )
        client = self.clients.get(model)
        instructions = settings.system_prompt or None
        if model.api == "responses":
            batches = stream_responses(
                client,
                model,
                model_input,
                instructions=instructions,
                temperature=settings.temperature,
                reasoning=is_reasoning_model(model.model),
                answer=answer,
            )
        else:
            batches = stream_chat(
                client,
                model,
                model_input,
                instructions=instructions,
                temperature=settings.temperature,
                answer=answer,
            )
        async for batch in batches:
            for event in batch:
                yield event

    def agent(self, model: ResolvedModel, settings: Settings) -> Agent[AgentContext]:
        client = self.clients.get(model)
        if model.api == "responses":
            llm: Any = OpenAIResponsesModel(model=model.model, openai_client=client)
            reasoning = Reasoning(summary="auto") if is_reasoning_model(model.model) else None
            model_settings = ModelSettings(
                temperature=settings.temperature, store=False, reasoning=reasoning
            )
        else:
            llm = OpenAIChatCompletionsModel(model=model.model, openai_client=client)
            model_settings = ModelSettings(temperature=settings.temperature)
        return Agent[AgentContext](
            name="Kitdesk",
            instructions=settings.system_prompt or None,
            model=llm,
            model_settings=model_settings,
        )

    async def agent_events(
        self,
        thread: ThreadMetadata,
        context: RequestContext,
        model: ResolvedModel,
        model_input: list[TResponseInputItem],
        settings: Settings,
    ) -> AsyncIterator[ThreadStreamEvent]:
        agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
        result = Runner.run_streamed(
            self.agent(model, settings),
            model_input,
            context=agent_context,
            run_config=RunConfig(tracing_disabled=True, trace_include_sensitive_data=False),
        )
        try:
            async for event in stream_agent_response(agent_context, result):
                yield event
        finally:
            # On cancel or error, stop reading from the provider right away.
            result.cancel()

    async def handle_stream_cancelled(
        self,
        thread: ThreadMetadata,
        pending_items: list[ThreadItem],
        context: RequestContext,
    ) -> None:
        """Save the partial answer and the "user cancelled" note, even while cancelled.

        Starlette runs the stream inside an anyio cancel scope, which cancels
        every await after the client disconnects: the SDK's second save (the
        hidden note) never ran. A separate task is outside that scope.
        """

        async def save() -> None:
            await self.drop_checkpoints(thread.id)  # the partial answer replaces them
            await super(KitdeskChatServer, self).handle_stream_cancelled(
                thread, pending_items, context
            )
            # respond() may have named the thread (a stopped first answer): keep it.
            await self.store.save_thread(thread, context=context)

        task = asyncio.ensure_future(save())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        await asyncio.shield(task)

    # ---- the other requests ----------------------------------------------------

    async def add_feedback(
        self,
        thread_id: str,
        item_ids: list[str],
        feedback: FeedbackKind,
        context: RequestContext,
    ) -> None:
        await self.sqlite_store.save_feedback(thread_id, item_ids, feedback)

    async def transcribe(
        self, audio_input: AudioInput, context: RequestContext
    ) -> TranscriptionResult:
        resolver = ProviderResolver(self.settings(), self.keys)
        try:
            model = resolver.resolve_for_transcription()
        except ProviderNotReady as exc:
            raise TranscriptionUnavailable(str(exc)) from None
        extension = audio_input.media_type.rsplit("/", 1)[-1] or "webm"
        try:
            result = await self.clients.get(model).audio.transcriptions.create(
                model=transcription_model(model),
                file=(f"dictation.{extension}", audio_input.data, audio_input.media_type),
            )
        except openai.APIStatusError as exc:
            if exc.status_code in (404, 405, 501):
                raise TranscriptionUnavailable(
                    f"{model.provider_name} does not offer speech-to-text, so dictation "
                    "is not available with it. Type your message instead, or add a provider "
                    "with transcription (such as OpenAI) in Settings."
                ) from None
            raise TranscriptionUnavailable(
                "Dictation failed: " + describe_upstream_error(exc, model).message,
                status=502,
            ) from None
        except openai.APIConnectionError as exc:
            raise TranscriptionUnavailable(
                "Dictation failed: " + describe_upstream_error(exc, model).message,
                status=502,
            ) from None
        return TranscriptionResult(text=result.text.strip())

    async def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        # Raised inside the stream, so ChatKit turns it into a readable error event.
        raise CustomStreamError(ACTION_NOT_SUPPORTED, allow_retry=False)
        yield  # an async generator, as ChatKit expects  # pragma: no cover

    async def sync_action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: RequestContext,
    ) -> SyncCustomActionResponse:
        raise ActionNotSupported()
