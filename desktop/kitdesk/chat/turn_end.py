"""How a turn ends: what it produced, and the one clean-up path for each way out.

A turn ends done (the answer is stored; the model is remembered, the usage
saved, the thread named), waiting (a tool call needs the person's approval),
failed (a provider error or a cut stream: what arrived is kept, marked, and a
sentence says what went wrong) or stopped (the pipeline's cancel handler keeps
the partial answer). ``TurnState`` is what the engine (``turn.py``) hands to
this path: everything the turn has produced so far.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from chatkit.errors import CustomStreamError
from chatkit.types import (
    AssistantMessageContent,
    ThreadItem,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)

from kitdesk.chat.answer import AnswerBuilder, Usage
from kitdesk.chat.checkpoints import Checkpoints
from kitdesk.chat.context import RequestContext
from kitdesk.chat.events import ItemDone
from kitdesk.chat.history import ConvertedPrefix
from kitdesk.chat.titles import name_after_first_words
from kitdesk.chat.tool_steps import PENDING_KEY
from kitdesk.chat.turn_choices import remember_model
from kitdesk.chat.upstream_errors import cut_off_note, describe_upstream_error
from kitdesk.providers.provider_errors import ProviderStatusError
from kitdesk.providers.resolver import ResolvedModel
from kitdesk.settings import Settings
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.store.usage import TokenCounts

log = logging.getLogger(__name__)


@dataclass
class TurnState:
    """What one turn has produced so far (for the clean-up path)."""

    thread: ThreadMetadata
    model: ResolvedModel
    history: list[ThreadItem]
    context: RequestContext
    message: UserMessageItem | None
    # The wire form of the items before ``history`` (read converted, ``history_read.py``);
    # each tool step adds what ``history`` gained.
    converted: ConvertedPrefix
    title_task: asyncio.Task[str] | None = None
    checkpoints: Checkpoints | None = None
    answer: AnswerBuilder | None = None
    answered: list[str] = field(default_factory=list)
    tool_calls: int = 0
    usage: Usage = field(default_factory=Usage)
    started: float = field(default_factory=time.perf_counter)


async def finish_turn(store: SQLiteStore, turn: TurnState, settings: Settings) -> None:
    """The steps ended without an error: remember the model, name the thread, and save
    it with the usage in one write (the pipeline's save of the changed thread then finds
    it written)."""
    thread, model = turn.thread, turn.model
    remember_model(thread, model)
    if PENDING_KEY in thread.metadata:
        give_up_title(turn, settings)  # waiting for approval: name it now
        await save_turn_end(store, turn)
        return
    if not "".join(turn.answered).strip() and not turn.tool_calls:
        await save_usage(store, turn)
        give_up_title(turn, settings)
        log.warning("answer from %s (%s) was empty", model.provider_id, model.model)
        raise CustomStreamError(
            f"{model.provider_name} sent back an empty answer. Try again, or pick another model.",
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
    await save_turn_end(store, turn)


async def fail_turn(
    store: SQLiteStore, turn: TurnState, settings: Settings, exc: BaseException
) -> AsyncIterator[list[ThreadStreamEvent]]:
    """Every failure: keep what arrived (marked), name the thread, say what went wrong."""
    give_up_title(turn, settings)
    if not isinstance(exc, Exception):
        raise exc  # a stop: the pipeline's cancel handler saves the partial answer
    remember_model(turn.thread, turn.model)
    await save_usage(store, turn)
    if isinstance(exc, CustomStreamError):
        raise exc
    model = turn.model
    log.warning(
        "answer from %s (%s) failed: %s%s",
        model.provider_id,
        model.model,
        type(exc).__name__,
        f" {exc.status_code}" if isinstance(exc, ProviderStatusError) else "",
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
        yield [ItemDone(item=done)]
    raise describe_upstream_error(exc, model, partial=partial) from None


async def save_usage(store: SQLiteStore, turn: TurnState) -> None:
    usage = turn.usage
    if usage.input_tokens is None and usage.output_tokens is None:
        return
    item_id = turn.history[-1].id if turn.history else ""
    try:
        await store.save_usage(
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


async def save_turn_end(store: SQLiteStore, turn: TurnState) -> None:
    usage = turn.usage
    counted = usage.input_tokens is not None or usage.output_tokens is not None
    counts = (
        TokenCounts(usage.input_tokens or 0, usage.output_tokens or 0, usage.reasoning_tokens or 0)
        if counted
        else None
    )
    item_id = turn.history[-1].id if turn.history else ""
    model = turn.model
    await store.save_turn_end(turn.thread, item_id, model.provider_id, model.model, counts)


def give_up_title(turn: TurnState, settings: Settings) -> None:
    """The first exchange failed, was stopped or waits: no model title, but still a name."""
    if turn.title_task is not None:
        turn.title_task.cancel()
        turn.title_task = None
        name_after_first_words(turn.thread, turn.message, settings)
