"""How much of a long thread is sent to the model: a budget, oldest turns dropped first.

Without one, every turn of a long thread sends the whole thread: the request
grows without bound, costs more each turn, and at some point the provider
refuses it for passing the model's context. Kitdesk keeps the system prompt
(sent apart from the history) and the latest turn whatever their size, and
drops whole turns from the start until the estimate fits.

A turn starts at a user-role message and runs to the next one, so a tool
call is never separated from its output and what is sent still starts with a
user message (some chat templates require that).

Tokens are estimated, not counted: about four characters a token for text,
a flat figure for an image or a file (their base64 size says nothing about
what the model counts). The budget is a setting; the model catalogs Kitdesk
reads do not say a model's context size.
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger(__name__)

InputItem = dict[str, Any]

CHARS_PER_TOKEN = 4
TOKENS_PER_MEDIA_PART = 1_000
MEDIA_PART_TYPES = frozenset({"input_image", "input_file"})


def estimate_tokens(value: Any) -> int:
    """A rough token count of an input item (or a system prompt)."""
    if isinstance(value, str):
        return len(value) // CHARS_PER_TOKEN + 1
    if isinstance(value, dict):
        if value.get("type") in MEDIA_PART_TYPES:
            return TOKENS_PER_MEDIA_PART
        return sum(estimate_tokens(v) for v in value.values())
    if isinstance(value, list):
        return sum(estimate_tokens(v) for v in value)
    return len(json.dumps(value)) // CHARS_PER_TOKEN + 1


def _starts_turn(item: InputItem) -> bool:
    return item.get("type") == "message" and item.get("role") == "user"


def split_turns(items: list[InputItem]) -> list[list[InputItem]]:
    """Items grouped into turns, each starting at a user-role message (the first may not)."""
    turns: list[list[InputItem]] = []
    for item in items:
        if not turns or _starts_turn(item):
            turns.append([])
        turns[-1].append(item)
    return turns


def fit_history(
    items: list[InputItem], budget_tokens: int, system_prompt: str | None
) -> list[InputItem]:
    """``items`` without their oldest turns, until the estimate fits ``budget_tokens``.

    The latest turn is always kept, even alone over the budget.
    """
    turns = split_turns(items)
    sizes = [estimate_tokens(turn) for turn in turns]
    total = sum(sizes) + (estimate_tokens(system_prompt) if system_prompt else 0)
    dropped = 0
    while total > budget_tokens and dropped < len(turns) - 1:
        total -= sizes[dropped]
        dropped += 1
    if not dropped:
        return items
    log.info("history over its budget: left out the %d oldest of %d turns", dropped, len(turns))
    return [item for turn in turns[dropped:] for item in turn]
