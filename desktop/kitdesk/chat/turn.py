"""One turn, from request to stored answer.

    model -> history -> relayed stream -> tool loop -> checkpoint -> done | failed

``respond`` picks the model (the composer's choice, else the thread's last
model, else the default; ``turn_choices.py``), builds the history once, and streams the answer
through the lean relay (``relay.py``; Responses for OpenAI, Chat Completions
for every other provider). When the model asks for tools, they run
(``tool_steps.py``), their results join the history and the model is asked
again, up to the step limit in Settings. While text streams it is
checkpointed, so a kill keeps what was shown. Every way out (done, a
provider error, a cut stream, a stop) goes through ``turn_end.py``: the
checkpoints are dropped, the model is remembered, the thread named.

Events go to the pipeline in the lists they were made in (one read of the
provider's stream, one tool call), so each list costs one database
transaction and one socket write.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from chatkit.errors import CustomStreamError
from chatkit.types import (
    NoticeEvent,
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)

from kitdesk.chat.answer import AnswerBuilder
from kitdesk.chat.budget import fit_history
from kitdesk.chat.checkpoints import Checkpoints
from kitdesk.chat.context import RequestContext
from kitdesk.chat.early_stream import EarlyStream
from kitdesk.chat.folders import folder_model, settings_in_folder
from kitdesk.chat.history import ConvertedPrefix, HistoryConverter, WireApi
from kitdesk.chat.history_read import ReadHistory, read_history
from kitdesk.chat.relay import stream_chat, stream_responses
from kitdesk.chat.titles import is_reasoning_model, name_after_first_words, start_title
from kitdesk.chat.tool_steps import (
    ALLOWED_KEY,
    PENDING_KEY,
    PendingCall,
    StepOutcome,
    ToolSteps,
    dump_pending,
    pending_from_calls,
    retire_waiting,
)
from kitdesk.chat.turn_choices import (
    chosen_model_ref,
    chosen_servers,
    resolve_model,
    string_list,
    web_search_on,
)
from kitdesk.chat.turn_end import TurnState, fail_turn, finish_turn
from kitdesk.i18n import text
from kitdesk.keys import KeyStore
from kitdesk.providers.clients import ClientCache
from kitdesk.providers.resolver import ResolvedModel, make_ref
from kitdesk.settings import Settings
from kitdesk.store.organise import Folder
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.tools.base import ToolBox, ToolSpec

log = logging.getLogger(__name__)


class TurnEngine:
    """Answers turns with the provider and model the person chose, tools included."""

    def __init__(
        self,
        store: SQLiteStore,
        settings: Callable[[], Settings],
        keys: KeyStore,
        toolbox: ToolBox,
        clients: ClientCache,
        default_model_ready: Callable[[Settings], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.keys = keys
        self.toolbox = toolbox
        self.clients = clients
        # Awaited before a turn that names no model goes to the default one: the models
        # catalog learns the environment server's list if nothing is known of it yet.
        self.default_model_ready = default_model_ready
        self.history = HistoryConverter(store.read_attachment_bytes, store.attachment_fingerprint)
        self.checkpoints: dict[str, Checkpoints] = {}  # by thread id, while answering

    # ---- the turn ------------------------------------------------------------------

    async def respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        folder = await self._folder(thread, message, context)
        settings = settings_in_folder(self.settings(), thread, folder)
        folder_default = folder_model(folder)
        chosen = chosen_model_ref(thread, message, folder_default)
        if chosen is None and self.default_model_ready is not None:
            await self.default_model_ready(settings)
        try:
            model = self.resolve(thread, message, folder_default)
        except CustomStreamError:
            name_after_first_words(thread, message, settings)
            raise
        retired = await retire_waiting(self.store, thread, context)
        if retired:
            yield retired  # a new message supersedes unanswered approvals
        # Read now: its pages are converted for the model's API as they are read, and
        # an approval card retired above is a note the history must show.
        history = await self.history_for(thread, message, context, model.api)
        turn = TurnState(thread, model, history.newest, context, message, history.older)
        question = history.first_question
        turn.title_task = start_title(self.clients.get(model), thread, question, model, settings)
        async for batch in self.run(turn, settings, None):
            yield batch

    async def _folder(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> Folder | None:
        if context.new_thread and message is not None:
            return None  # a thread being created is in no folder yet: no round trip
        return await self.store.folder_of_thread(thread.id)

    async def run(
        self, turn: TurnState, settings: Settings, pending: list[PendingCall] | None
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        """The step loop, with its single clean-up path."""
        turn.checkpoints = Checkpoints(self.store, turn.thread.id, turn.context)
        self.checkpoints[turn.thread.id] = turn.checkpoints
        try:
            async for batch in self._steps(turn, settings, pending):
                yield batch
        except BaseException as exc:
            async for batch in fail_turn(self.store, turn, settings, exc):
                yield batch
            return
        finally:
            await self.drop_checkpoints(turn.thread.id)
        await finish_turn(self.store, turn, settings)

    async def _steps(
        self, turn: TurnState, settings: Settings, pending: list[PendingCall] | None
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        thread, model = turn.thread, turn.model
        specs = await self.tool_specs(thread, turn.message)
        problems = self.toolbox.problems()
        if problems:
            yield [NoticeEvent(level="warning", message=problem) for problem in problems]
        steps = ToolSteps(
            self.toolbox,
            thread.id,
            lambda: self.store.generate_item_id("tool_call", thread, turn.context),
            specs,
            set(string_list(thread.metadata.get(ALLOWED_KEY))),
            turn.context.language,
        )
        limit = settings.tool_step_limit
        converted = turn.converted  # each step converts only what it adds
        for step in range(limit + 1):
            held: list[ThreadStreamEvent] | None = None  # the step's last events
            if pending:
                outcome = StepOutcome()
                async for batch in steps.run(pending, outcome):
                    if outcome.last:
                        held = batch
                    else:
                        yield batch  # a call's events, sent before the next call runs
                turn.history.extend(outcome.items)
                turn.tool_calls += len(outcome.items)
                if outcome.waiting or step == limit:
                    if held is not None:
                        yield held
                    held = None
                if outcome.waiting:
                    thread.metadata[PENDING_KEY] = dump_pending(outcome.waiting)
                    return
            if step == limit:
                raise CustomStreamError(
                    text(turn.context.language, "steps.limit", limit=limit), allow_retry=False
                )
            answer = AnswerBuilder(
                thread.id, lambda kind: self.store.generate_item_id(kind, thread, turn.context)
            )
            turn.answer = answer
            model_input = fit_history(
                await self.history.to_input(turn.history, model.api, converted),
                settings.history_token_budget,
                settings.system_prompt,
            )
            checkpoints = turn.checkpoints
            assert checkpoints is not None
            stream = self._stream(turn, settings, answer, model_input, specs)
            if held is not None:
                # The next request goes out while the tool step's events are stored and sent.
                early = EarlyStream(stream)
                try:
                    yield held
                except BaseException:
                    turn.answer = None  # nothing of it was shown: nothing to keep
                    await early.aclose()
                    raise
                stream = early.events()
            async for batch in stream:
                for event in batch:
                    if isinstance(event, ThreadItemDoneEvent):
                        await checkpoints.release(event.item.id)
                if answer.message is not None:
                    await checkpoints.maybe_save(
                        {answer.message.id: answer.message}, {answer.message.id: answer.text}
                    )
                yield batch
            turn.usage.add(answer.usage)
            turn.history.extend(answer.finished_messages)
            turn.answered.extend(
                part.text for message in answer.finished_messages for part in message.content
            )
            turn.answer = None
            calls = answer.calls()
            if not calls:
                return
            pending = pending_from_calls(calls)

    def _stream(
        self,
        turn: TurnState,
        settings: Settings,
        answer: AnswerBuilder,
        model_input: list[dict[str, Any]],
        specs: list[ToolSpec],
    ) -> AsyncGenerator[list[ThreadStreamEvent], None]:
        model = turn.model
        endpoint = self.clients.get(model)
        tools = [
            {"name": s.name, "description": s.description, "parameters": s.parameters}
            for s in specs
        ]
        effort = settings.reasoning_effort.get(make_ref(model.provider_id, model.model))
        if model.api == "responses":
            return stream_responses(
                endpoint,
                model,
                model_input,
                instructions=settings.system_prompt or None,
                temperature=settings.temperature,
                reasoning=is_reasoning_model(model.model),
                answer=answer,
                tools=tools,
                web_search=web_search_on(turn.thread, turn.message),
                reasoning_effort=effort,
            )
        return stream_chat(
            endpoint,
            model,
            model_input,
            instructions=settings.system_prompt or None,
            temperature=settings.temperature,
            answer=answer,
            tools=tools,
            reasoning_effort=effort,
        )

    # ---- resuming after an approval ---------------------------------------------------

    async def resume(
        self,
        thread: ThreadMetadata,
        waiting: list[PendingCall],
        denied: bool,
        context: RequestContext,
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        """Run (or refuse) the first waiting call, then go on with the turn."""
        folder = await self.store.folder_of_thread(thread.id)
        settings = settings_in_folder(self.settings(), thread, folder)
        model = self.resolve(thread, None, folder_model(folder))
        thread.metadata.pop(PENDING_KEY, None)
        history = await self.history_for(thread, None, context, model.api)
        turn = TurnState(thread, model, history.newest, context, None, history.older)
        first, rest = waiting[0], waiting[1:]
        specs = await self.tool_specs(thread, None)
        steps = ToolSteps(
            self.toolbox,
            thread.id,
            lambda: self.store.generate_item_id("tool_call", thread, context),
            specs,
            {first.name},  # decided: do not ask again for this call
            context.language,
        )
        outcome = StepOutcome()
        events = await steps.execute(first, outcome, denied=denied)
        yield [*events, *steps.close_activity()]
        turn.history.extend(outcome.items)
        turn.tool_calls += len(outcome.items)
        async for batch in self.run(turn, settings, rest or None):
            yield batch

    # ---- the model, the tools, the history -------------------------------------------

    def resolve(
        self,
        thread: ThreadMetadata,
        message: UserMessageItem | None,
        folder_default: str | None = None,
    ) -> ResolvedModel:
        return resolve_model(self.settings(), self.keys, thread, message, folder_default)

    async def tool_specs(
        self, thread: ThreadMetadata, message: UserMessageItem | None
    ) -> list[ToolSpec]:
        return await self.toolbox.specs(chosen_servers(thread, message))

    async def history_for(
        self,
        thread: ThreadMetadata,
        message: UserMessageItem | None,
        context: RequestContext,
        api: WireApi,
    ) -> ReadHistory:
        """The thread's items for ``api``, the new message last, even if its write is still
        under way; only the newest when the thread outweighs the history budget."""
        if context.new_thread and message is not None:  # nothing stored before it
            history = ReadHistory(ConvertedPrefix(api))
            history.add_newest(message)
            return history
        budget = self.settings().history_token_budget
        return await read_history(
            self.store, thread.id, context, self.history, api, budget, message
        )

    # ---- checkpoints ---------------------------------------------------------------------

    async def drop_checkpoints(self, thread_id: str) -> None:
        """Remove what is left of this answer's checkpoints (the real items are stored)."""
        checkpoints = self.checkpoints.pop(thread_id, None)
        if checkpoints is not None:
            await checkpoints.release_all()
