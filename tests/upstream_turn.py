"""A scripted answer of the fake upstream (``Turn``) and what its streams share.

``tests.upstream`` queues Turns; ``upstream_responses`` and ``upstream_chat``
turn one into the Responses or Chat Completions wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from tests.upstream_tools import ToolCall

# Without delays, deltas go out in writes of up to this many SSE events, as a
# fast provider's do through TCP; each event is still its own SSE frame.
BURST_FRAMES = 32
DEFAULT_TEXT = "..."  # a plain answer's text when a Turn sets none
# Placeholders in a pre-serialised delta event (see ResponsesStream.events).
DELTA_MARK = "@@kitdesk-delta@@"
SEQUENCE_MARK = "@@kitdesk-sequence@@"


@dataclass
class Turn:
    """One scripted answer. Every field has a default, so ``Turn()`` is a valid answer."""

    # The answer's text; unset: "..." for a plain answer, no text for one with tool calls.
    text: str | None = None
    # The deltas to send; default: ``text`` split after each space.
    chunks: list[str] | None = None
    delay_before: float = 0.0  # seconds before the response starts (headers included)
    delay_between: float = 0.0  # seconds between deltas
    reasoning_summary: str | None = None
    # Chat Completions only: the delta field carrying reasoning
    # ("reasoning_content" for vLLM/DeepSeek, "reasoning" for Ollama/OpenRouter).
    reasoning_field: str = "reasoning_content"
    status: int | None = None  # answer with this HTTP error instead
    retry_after: str | None = None
    error_message: str = "Scripted upstream error"
    disconnect_after: int | None = None  # drop the connection after N text deltas
    malformed: bool = False  # send an SSE event whose data is not JSON
    refusal: bool = False  # the text is a refusal (refusal deltas / content part)
    # Function calls made after the text (several: parallel calls); see upstream_tools.
    tool_calls: list[ToolCall] = field(default_factory=list)
    # After N text deltas, report an error inside the stream (Responses
    # "response.failed"; Chat Completions an {"error": ...} chunk, as OpenRouter
    # sends) and end the body.
    fail_after: int | None = None
    # Responses only: url_citation annotations (url, title) on the text, as hosted
    # web search adds them.
    citations: list[tuple[str, str]] = field(default_factory=list)
    # Chat Completions only, for the caps on what a provider may send:
    # ``endless`` repeats the deltas without end; ``endless_line`` sends the
    # deltas, then one ``data:`` line that never ends. Both stop only when the
    # client goes away.
    endless: bool = False
    endless_line: bool = False

    def deltas(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        return split_words(self.text if self.text is not None else DEFAULT_TEXT)

    @property
    def text_joined(self) -> str:
        return "".join(self.deltas())

    @property
    def has_message(self) -> bool:
        """Whether the answer has a text message (a tool-call answer may have none)."""
        return not self.tool_calls or self.text is not None or self.chunks is not None


def split_words(text: str) -> list[str]:
    """Split keeping the spaces, so the deltas join back to ``text``."""
    parts = text.split(" ")
    chunks = [part + " " for part in parts[:-1]] + [parts[-1]]
    return [chunk for chunk in chunks if chunk] or [""]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


class UpstreamDisconnect(Exception):
    """Raised inside a stream body to drop the connection mid-body."""
