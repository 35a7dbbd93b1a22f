"""Running the tool calls of one model step, and pausing for approval.

Every call becomes a completed ``ClientToolCallItem`` (the call and its
output, which is what the next request sends back to the model) and a task
in the turn's activity workflow. Malformed argument JSON and unknown tool
names are answered to the model as tool errors, not crashes. A call to a tool
whose server asks for approval stops the step: the calls after it wait with
it, as ``PendingCall``s kept in the thread's metadata, until the person
answers the card (``threads.custom_action``).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from chatkit.store import NotFoundError, Store
from chatkit.types import (
    ClientToolCallItem,
    ThreadMetadata,
    ThreadStreamEvent,
    WidgetItem,
    WorkflowTaskAdded,
)

from kitdesk.chat.answer import ToolCall
from kitdesk.chat.events import ItemAdded, ItemDone, ItemReplaced, ItemUpdated
from kitdesk.chat.tool_ui import ActivityLog, approval_card, decided_card
from kitdesk.tools.base import ToolBox, ToolResult, ToolSpec, cap_output

# Thread metadata (server side only): calls waiting for the person's decision,
# and the tools this chat may run without asking.
PENDING_KEY = "pending_tool_calls"
ALLOWED_KEY = "allowed_tools"


@dataclass
class PendingCall:
    call_id: str
    name: str
    arguments: str
    card_id: str = ""


def parse_arguments(raw: str) -> tuple[dict[str, Any], str | None]:
    """The model's argument text as an object, or the problem in words."""
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return {"raw_arguments": raw[:2000]}, f"The arguments are not valid JSON ({exc})."
    if not isinstance(value, dict):
        return {"raw_arguments": raw[:2000]}, "The arguments must be a JSON object."
    return value, None


@dataclass
class StepOutcome:
    """What running one step's calls produced."""

    items: list[ClientToolCallItem] = field(default_factory=list)
    waiting: list[PendingCall] = field(default_factory=list)
    # Set when the step hands over its last events (the engine starts the next model
    # request before passing them on; the earlier calls' events go out as they come).
    last: bool = False


class ToolSteps:
    """Runs tool calls for one thread during one turn."""

    def __init__(
        self,
        toolbox: ToolBox,
        thread_id: str,
        new_call_item_id: Callable[[], str],
        specs: list[ToolSpec],
        allowed: set[str],
        language: str,
    ) -> None:
        self.language = language
        self.toolbox = toolbox
        self.thread_id = thread_id
        self.new_call_item_id = new_call_item_id
        self.specs = {spec.name: spec for spec in specs}
        self.allowed = allowed
        self.activity = ActivityLog(thread_id, language)

    def needs_approval(self, name: str) -> bool:
        spec = self.specs.get(name)
        return spec is not None and spec.approval == "ask" and name not in self.allowed

    async def run(
        self, calls: list[PendingCall], outcome: StepOutcome
    ) -> AsyncIterator[list[ThreadStreamEvent]]:
        """Run calls in order until one needs approval; the rest wait with it.

        Each call's events are one list, sent before the next call starts; the
        activity's end goes with the last call's events."""
        batch: list[ThreadStreamEvent] = []
        for index, call in enumerate(calls):
            if self.needs_approval(call.name):
                spec = self.specs[call.name]
                arguments, _ = parse_arguments(call.arguments)
                card = approval_card(self.thread_id, call.call_id, spec, arguments, self.language)
                waiting = calls[index:]
                waiting[0].card_id = card.id
                outcome.waiting = waiting
                outcome.last = True
                yield [
                    *batch,
                    *self.close_activity(),
                    ItemAdded(item=card),
                    ItemDone(item=card),
                ]
                return
            if batch:
                yield batch
            batch = await self.execute(call, outcome)
        batch.extend(self.close_activity())
        if batch:
            outcome.last = True
            yield batch

    async def execute(
        self, call: PendingCall, outcome: StepOutcome, *, denied: bool = False
    ) -> list[ThreadStreamEvent]:
        """Run (or refuse) one call; its activity events and its finished item."""
        arguments, problem = parse_arguments(call.arguments)
        spec = self.specs.get(call.name)
        started = time.perf_counter()
        if denied:
            result = ToolResult("The person denied this tool call. It was not run.", is_error=True)
        elif spec is None:
            known = ", ".join(sorted(self.specs)) or "none"
            result = ToolResult(
                f"There is no tool named “{call.name}”. Available tools: {known}.", is_error=True
            )
        elif problem is not None:
            result = ToolResult(f"{problem} Call {call.name} again with valid JSON.", is_error=True)
        else:
            result = await self.toolbox.call(call.name, arguments)
        result.duration = result.duration or time.perf_counter() - started
        result.output = cap_output(result.output)
        item = ClientToolCallItem(
            id=self.new_call_item_id(),
            thread_id=self.thread_id,
            created_at=datetime.now(),
            status="completed",
            call_id=call.call_id,
            name=call.name,
            arguments=arguments,
            output=("Error: " + result.output) if result.is_error else result.output,
        )
        outcome.items.append(item)
        events = self._log(spec, call.name, arguments, result)
        events.append(ItemDone(item=item))
        return events

    def _log(
        self, spec: ToolSpec | None, name: str, arguments: dict[str, Any], result: ToolResult
    ) -> list[ThreadStreamEvent]:
        events: list[ThreadStreamEvent] = []
        workflow = self.activity.item
        if not self.activity.started:
            self.activity.started = True
            events.append(ItemAdded(item=workflow))
        task = self.activity.task(spec, name, arguments, result)
        workflow.workflow.tasks.append(task)
        events.append(
            ItemUpdated(
                item_id=workflow.id,
                update=WorkflowTaskAdded(task=task, task_index=len(workflow.workflow.tasks) - 1),
            )
        )
        return events

    def close_activity(self) -> list[ThreadStreamEvent]:
        if not self.activity.started:
            return []
        self.activity.summary()
        done = ItemDone(item=self.activity.item)
        self.activity = ActivityLog(self.thread_id, self.language)
        return [done]


def pending_from_calls(calls: list[ToolCall]) -> list[PendingCall]:
    return [PendingCall(call.call_id, call.name, call.arguments) for call in calls]


def dump_pending(calls: list[PendingCall]) -> list[dict[str, Any]]:
    return [asdict(call) for call in calls]


def load_pending(raw: object) -> list[PendingCall]:
    if not isinstance(raw, list):
        return []
    calls: list[PendingCall] = []
    for entry in raw:
        if isinstance(entry, dict):
            try:
                calls.append(PendingCall(**{k: str(v) for k, v in entry.items()}))
            except TypeError:
                continue
    return calls


async def retire_waiting(
    store: Store[Any], thread: ThreadMetadata, context: Any
) -> list[ThreadStreamEvent]:
    """A new message supersedes unanswered approvals: forget the waiting calls, and
    turn their card into a note, so it offers no buttons that could only fail."""
    waiting = load_pending(thread.metadata.pop(PENDING_KEY, None))
    if not waiting or not waiting[0].card_id:
        return []
    try:
        card = await store.load_item(thread.id, waiting[0].card_id, context)
    except NotFoundError:
        return []
    if not isinstance(card, WidgetItem):
        return []
    return [ItemReplaced(item=decided_card(card, "superseded", context.language))]
