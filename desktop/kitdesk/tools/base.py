"""The contract between the turn engine and whatever provides tools.

A tool is offered to the model as a JSON-schema function. The engine calls
``ToolBox.call`` with the model's raw argument text; every failure the person
should know about (bad JSON, unknown tool, a server that crashed or timed out)
comes back as a ``ToolResult`` with ``is_error=True`` and a sentence, which is
sent back to the model as the tool's output: a tool problem never ends a turn
by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Approval = Literal["ask", "allow"]

# Tool output is cut to this many characters before it reaches the model.
MAX_TOOL_OUTPUT_CHARS = 20_000


@dataclass(frozen=True)
class ToolSpec:
    """One function the model may call."""

    name: str  # unique within a turn; what the model calls (e.g. "files__read")
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object
    server_id: str = ""  # which server provides it ("" for built-ins)
    server_name: str = ""
    approval: Approval = "allow"
    title: str = ""  # a short human label for the activity list (defaults to name)


@dataclass
class ToolResult:
    """What a call produced: text for the model, and whether it failed."""

    output: str
    is_error: bool = False
    duration: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


def cap_output(text: str, limit: int = MAX_TOOL_OUTPUT_CHARS) -> str:
    """Cut a tool's output to ``limit`` characters, saying so (no flooding the context)."""
    if len(text) <= limit:
        return text
    return (
        text[:limit] + f"\n[Output cut: {len(text):,} characters, only the first {limit:,} kept.]"
    )


class ToolBox(Protocol):
    """Tools available to a turn."""

    async def specs(self, enabled_servers: list[str] | None) -> list[ToolSpec]:
        """The tools of the enabled servers (all enabled ones when ``None``), started on demand.

        A server that cannot start is left out and reported through ``problems()``.
        """
        ...

    def problems(self) -> list[str]:
        """Sentences about servers that failed since the last call (then forgotten)."""
        ...

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run one tool. Never raises for tool failures: they come back as is_error results.

        Cancelling the awaiting task cancels the call.
        """
        ...

    async def aclose(self) -> None:
        """Stop every server this tool box started."""
        ...


class NoTools:
    """The tool box when no tool is configured."""

    async def specs(self, enabled_servers: list[str] | None) -> list[ToolSpec]:
        return []

    def problems(self) -> list[str]:
        return []

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        return ToolResult(f"There is no tool named “{name}”.", is_error=True)

    async def aclose(self) -> None:
        return None
