"""One turn, from request to stored answer.

    model -> history -> relayed stream -> tool loop -> checkpoint -> done | failed

``respond`` picks the model (the composer's choice, else the thread's last
model, else the default; ``turn_choices.py``), builds the history once, and streams the answer
through the lean relay (``relay.py``; Responses for OpenAI, Chat Completions
for every other provider). When the model asks for tools, they run
(``tool_steps.py``), their results join the history and the model is asked
again, up to the step limit in Settings. While text streams it is
checkpointed, so a kill keeps what was shown. Every way out (done, a
provider error, a cut stream, a stop) goes through ``_finish`` or ``_fail``:
the checkpoints are dropped, the model is remembered, the thread named.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from chatkit.errors import CustomStreamError
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    NoticeEvent,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)

from kitdesk.chat.answer import AnswerBuilder, Usage
from kitdesk.chat.budget import fit_history
from kitdesk.chat.checkpoints import Checkpoints
from kitdesk.chat.context import RequestContext
from kitdesk.chat.folders import folder_model, settings_in_folder
from kitdesk.chat.history import HistoryConverter, load_history
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
    chosen_servers,
    remember_model,
    resolve_model,
    string_list,
    web_search_on,
)
from kitdesk.chat.upstream_errors import cut_off_note, describe_upstream_error
from kitdesk.i18n import text
from kitdesk.keys import KeyStore
from kitdesk.providers.clients import ClientCache
from kitdesk.providers.resolver import ResolvedModel, make_ref
from kitdesk.settings import Settings
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.tools.base import ToolBox, ToolSpec

log = logging.getLogger(__name__)


@dataclass
class TurnState:
    """What one turn has produced so far (for the clean-up path)."""

    thread: ThreadMetadata
    model: ResolvedModel
    history: list[ThreadItem]
    context: RequestContext
    message: UserMessageItem | None
    title_task: asyncio.Task[str] | None = None
    checkpoints: Checkpoints | None = None
    answer: AnswerBuilder | None = None
    answered: list[str] = field(default_factory=list)
    tool_calls: int = 0
    usage: Usage = field(default_factory=Usage)
    started: float = field(default_factory=time.perf_counter)


class TurnEngine:
    """Answers turns with the provider and model the person chose, tools included."""

    def __init__(
        self,
        store: SQLiteStore,
        settings: Callable[[], Settings],
        keys: KeyStore,
        toolbox: ToolBox,
        clients: ClientCache,
    ) -> None:
        self.store = store
        self.settings = settings
        self.keys = keys
        self.toolbox = toolbox
        self.clients = clients
        self.history = HistoryConverter(store.read_attachment_bytes, store.attachment_fingerprint)
        self.checkpoints: dict[str, Checkpoints] = {}  # by thread id, while answering

    # ---- the turn ------------------------------------------------------------------

    async def respond(
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        folder = await self.store.folder_of_thread(thread.id)
        settings = settings_in_folder(self.settings(), thread, folder)
        try:
            model = self.resolve(thread, message, folder_model(folder))
        except CustomStreamError:
            name_after_first_words(thread, message, settings)
            raise
        for event in await retire_waiting(self.store, thread, context):
            yield event  # a new message supersedes unanswered approvals
        history = await self.history_for(thread, message, context)
        turn = TurnState(thread, model, history, context, message)
        turn.title_task = start_title(self.clients.get(model), thread, history, model, settings)
        async for event in self.run(turn, settings, None):
            yield event

    async def run(
        self, turn: TurnState, settings: Settings, pending: list[PendingCall] | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        """The step loop, with its single clean-up path."""
        turn.checkpoints = Checkpoints(self.store, turn.thread.id, turn.context)
        self.checkpoints[turn.thread.id] = turn.checkpoints
        try:
            async for event in self._steps(turn, settings, pending):
                yield event
        except BaseException as exc:
            async for event in self._fail(turn, settings, exc):
                yield event
            return
        finally:
            await self.drop_checkpoints(turn.thread.id)
        await self._finish(turn, settings)

    async def _steps(
        self, turn: TurnState, settings: Settings, pending: list[PendingCall] | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        thread, model = turn.thread, turn.model
        specs = await self.tool_specs(thread, turn.message)
        for problem in self.toolbox.problems():
            yield NoticeEvent(level="warning", message=problem)
        steps = ToolSteps(
            self.toolbox,
            thread.id,
            lambda: self.store.generate_item_id("tool_call", thread, turn.context),
            specs,
            set(string_list(thread.metadata.get(ALLOWED_KEY))),
            turn.context.language,
        )
        limit = settings.tool_step_limit
        for step in range(limit + 1):
            if pending:
                outcome = StepOutcome()
                async for event in steps.run(pending, outcome):
                    yield event
                turn.history.extend(outcome.items)
                turn.tool_calls += len(outcome.items)
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
                await self.history.to_input(turn.history, model.api),
                settings.history_token_budget,
                settings.system_prompt,
            )
            async for batch in self._stream(turn, settings, answer, model_input, specs):
                for event in batch:
                    if isinstance(event, ThreadItemDoneEvent):
                        await turn.checkpoints.release(event.item.id)  # type: ignore[union-attr]
                    elif answer.message is not None:
                        await turn.checkpoints.maybe_save(  # type: ignore[union-attr]
                            {answer.message.id: answer.message}, {answer.message.id: answer.text}
                        )
                    yield event
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
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        model = turn.model
        client = self.clients.get(model)
        tools = [
            {"name": s.name, "description": s.description, "parameters": s.parameters}
            for s in specs
        ]
        effort = settings.reasoning_effort.get(make_ref(model.provider_id, model.model))
        if model.api == "responses":
            return stream_responses(
                client,
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
            client,
            model,
            model_input,
            instructions=settings.system_prompt or None,
            temperature=settings.temperature,
            answer=answer,
            tools=tools,
            reasoning_effort=effort,
        )

    async def _finish(self, turn: TurnState, settings: Settings) -> None:
        thread, model = turn.thread, turn.model
        remember_model(thread, model)
        await self.save_usage(turn)
        if PENDING_KEY in thread.metadata:
            give_up_title(turn, settings)  # waiting for approval: name it now
            return
        if not "".join(turn.answered).strip() and not turn.tool_calls:
            give_up_title(turn, settings)
            log.warning("answer from %s (%s) was empty", model.provider_id, model.model)
            raise CustomStreamError(
                f"{model.provider_name} sent back an empty answer. Try again, or pick "
                "another model.",
                allow_retry=True,
            )
        log.info(
            "answer from %s (%s): %d chars, %d tool calls in %.2f s",
            model.provider_id,
            model.model,
            sum(map(len, turn.answered)),
            turn.tool_calls,
            time.perf_counter() - turn.started,
        )
        if turn.title_task is not None:
            thread.title = await turn.title_task

    async def _fail(
        self, turn: TurnState, settings: Settings, exc: BaseException
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Every failure: keep what arrived (marked), name the thread, say what went wrong."""
        give_up_title(turn, settings)
        if not isinstance(exc, Exception):
            raise exc  # a stop: the pipeline's cancel handler saves the partial answer
        remember_model(turn.thread, turn.model)
        await self.save_usage(turn)
        if isinstance(exc, CustomStreamError):
            raise exc
        model = turn.model
        log.warning(
            "answer from %s (%s) failed: %s%s",
            model.provider_id,
            model.model,
            type(exc).__name__,
            f" {exc.status_code}" if isinstance(exc, openai.APIStatusError) else "",
        )
        partial = False
        answer = turn.answer
        if answer is not None and answer.message is not None and "".join(answer.text).strip():
            partial = True
            text = "".join(answer.text) + cut_off_note(model, turn.context.language)
            done = answer.message.model_copy(
                update={"content": [AssistantMessageContent(text=text, annotations=[])]}
            )
            if turn.checkpoints is not None:
                await turn.checkpoints.release(done.id)
            yield ThreadItemDoneEvent(item=done)
        raise describe_upstream_error(exc, model, partial=partial) from None

    # ---- resuming after an approval ---------------------------------------------------

    async def resume(
        self,
        thread: ThreadMetadata,
        waiting: list[PendingCall],
        denied: bool,
        context: RequestContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Run (or refuse) the first waiting call, then go on with the turn."""
        folder = await self.store.folder_of_thread(thread.id)
        settings = settings_in_folder(self.settings(), thread, folder)
        model = self.resolve(thread, None, folder_model(folder))
        thread.metadata.pop(PENDING_KEY, None)
        history = await self.history_for(thread, None, context)
        turn = TurnState(thread, model, history, context, None)
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
        async for event in steps.execute(first, outcome, denied=denied):
            yield event
        for event in steps._close_activity():
            yield event
        turn.history.extend(outcome.items)
        turn.tool_calls += len(outcome.items)
        async for event in self.run(turn, settings, rest or None):
            yield event

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
        self, thread: ThreadMetadata, message: UserMessageItem | None, context: RequestContext
    ) -> list[ThreadItem]:
        """The thread's items, the new message last, even if its write is still under way."""
        try:
            history = await load_history(self.store, thread.id, context)
        except NotFoundError:  # a new thread whose write is still under way
            history = []
        if message is not None and all(item.id != message.id for item in history):
            history.append(message)
        return history

    # ---- titles, usage, checkpoints ------------------------------------------------------

    async def save_usage(self, turn: TurnState) -> None:
        usage = turn.usage
        if usage.input_tokens is None and usage.output_tokens is None:
            return
        item_id = turn.history[-1].id if turn.history else ""
        try:
            await self.store.save_usage(
                turn.thread.id,
                item_id,
                turn.model.provider_id,
                turn.model.model,
                usage.input_tokens or 0,
                usage.output_tokens or 0,
                usage.reasoning_tokens or 0,
            )
        except Exception:
            log.exception("could not save token usage")

    async def drop_checkpoints(self, thread_id: str) -> None:
        """Remove what is left of this answer's checkpoints (the real items are stored)."""
        checkpoints = self.checkpoints.pop(thread_id, None)
        if checkpoints is not None:
            await checkpoints.release_all()


def give_up_title(turn: TurnState, settings: Settings) -> None:
    """The first exchange failed, was stopped or waits: no model title, but still a name."""
    if turn.title_task is not None:
        turn.title_task.cancel()
        turn.title_task = None
        name_after_first_words(turn.thread, turn.message, settings)
