"""How tool use looks in the thread: approval cards and the activity list.

Both are ordinary ChatKit items, so any ChatKit client shows them: an
approval card is a widget whose buttons send ``threads.custom_action``
(``kitdesk.tool_approval`` with the call id and the decision); the activity
is a workflow of custom tasks (tool, arguments, result, duration), collapsed
by default. Their words come in the request's language (``kitdesk.i18n``); a
stored card keeps its words, a decision adds its own. The activity workflow's
id starts with ``TOOL_ACTIVITY_PREFIX`` so the history sent to models leaves it
out (the calls themselves are there).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any, Literal

from chatkit.actions import ActionConfig
from chatkit.types import (
    CustomSummary,
    CustomTask,
    WidgetItem,
    Workflow,
    WorkflowItem,
)
from chatkit.widgets import Button, Caption, Card, Markdown, Row, Text, Title

from kitdesk.chat.history import TOOL_ACTIVITY_PREFIX
from kitdesk.i18n import plural, text
from kitdesk.tools.base import ToolResult, ToolSpec

APPROVAL_ACTION = "kitdesk.tool_approval"
Decision = Literal["once", "always", "deny"]
DECISIONS: tuple[Decision, ...] = ("once", "always", "deny")
# How a card can end: one of the decisions, or unanswered when a newer message came first.
CardOutcome = Decision | Literal["superseded"]
ARGUMENTS_PREVIEW_CHARS = 1_500
RESULT_PREVIEW_CHARS = 4_000


def _fenced(text: str, limit: int, language: str = "") -> str:
    """A markdown code block; ``language`` labels (and highlights) it, e.g. "json"."""
    if len(text) > limit:
        text = text[:limit] + "\n…"
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text}\n{fence}"


def pretty_arguments(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, ensure_ascii=False, indent=2)


def tool_label(spec: ToolSpec | None, name: str) -> str:
    if spec is None:
        return name
    tool = spec.title or spec.name.split("__", 1)[-1]
    return f"{tool} ({spec.server_name})" if spec.server_name else tool


def approval_card(
    thread_id: str, call_id: str, spec: ToolSpec, arguments: dict[str, Any], language: str
) -> WidgetItem:
    """A card asking whether a tool may run, with Allow once / Always allow / Deny."""

    def button(label: str, decision: Decision, style: Literal["primary", "secondary"]) -> Button:
        return Button(
            label=label,
            style=style,
            color="danger" if decision == "deny" else None,
            onClickAction=ActionConfig(
                type=APPROVAL_ACTION,
                payload={"call_id": call_id, "decision": decision},
                loadingBehavior="self",
            ),
        )

    card = Card(
        key=f"approval-{call_id}",
        children=[
            Title(
                value=text(language, "approval.title", tool=tool_label(spec, spec.name)), size="sm"
            ),
            Caption(
                value=text(language, "approval.asks_server", server=spec.server_name)
                if spec.server_name
                else text(language, "approval.asks")
            ),
            Markdown(value=_fenced(pretty_arguments(arguments), ARGUMENTS_PREVIEW_CHARS, "json")),
            Row(
                gap=2,
                children=[
                    button(text(language, "approval.once"), "once", "primary"),
                    button(text(language, "approval.always"), "always", "secondary"),
                    button(text(language, "approval.deny"), "deny", "secondary"),
                ],
            ),
        ],
    )
    return WidgetItem(
        id=f"wdg_{secrets.token_hex(8)}",
        thread_id=thread_id,
        created_at=datetime.now(),
        widget=card,
        copy_text=text(language, "approval.copy", tool=spec.name),
    )


def decided_card(card: WidgetItem, decision: CardOutcome, language: str) -> WidgetItem:
    """The same card once answered: what was asked (tool, server, arguments) and the
    decision in words (in ``language``, the deciding request's), without the buttons."""
    words = text(language, f"decided.{decision}")
    asked = card.widget.children if isinstance(card.widget, Card) else []
    widget = Card(
        key=card.widget.key,
        children=[
            *(child for child in asked if not isinstance(child, Row)),
            Text(value=words, color="secondary"),
        ],
    )
    return card.model_copy(update={"widget": widget})


class ActivityLog:
    """The tool activity of one turn, as one collapsed workflow item."""

    def __init__(self, thread_id: str, language: str) -> None:
        self.language = language
        self.item = WorkflowItem(
            id=f"{TOOL_ACTIVITY_PREFIX}{secrets.token_hex(8)}",
            thread_id=thread_id,
            created_at=datetime.now(),
            workflow=Workflow(type="custom", tasks=[], expanded=False),
        )
        self.started = False

    def task(
        self,
        spec: ToolSpec | None,
        name: str,
        arguments: dict[str, Any] | str,
        result: ToolResult,
    ) -> CustomTask:
        # Arguments the model sent as broken JSON are shown as the raw text they were.
        args, language = (
            (arguments, "") if isinstance(arguments, str) else (pretty_arguments(arguments), "json")
        )
        words = self.language
        seconds = f"{result.duration:.1f}".replace(".", text(words, "number.decimal"))
        outcome = text(
            words, "activity.failed" if result.is_error else "activity.done", seconds=seconds
        )
        content = (
            f"**{text(words, 'activity.arguments')}**\n"
            f"{_fenced(args, ARGUMENTS_PREVIEW_CHARS, language)}\n\n"
            f"{outcome}\n"
            f"{_fenced(result.output, RESULT_PREVIEW_CHARS)}"
        )
        return CustomTask(
            title=tool_label(spec, name),
            icon="bolt" if not result.is_error else "circle-question",
            content=content,
            status_indicator="complete",
        )

    def summary(self) -> None:
        count = len(self.item.workflow.tasks)
        self.item.workflow.summary = CustomSummary(
            title=plural(self.language, "activity.used", count), icon="bolt"
        )
