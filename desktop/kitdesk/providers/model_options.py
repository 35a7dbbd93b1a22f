"""What the models catalog answers (``catalog.py``): the options the composer's model
picker offers, the providers whose lists could not be fetched, a connection test's result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kitdesk.providers.kinds import WireApi


@dataclass(frozen=True)
class ModelOption:
    """ChatKit's ``ModelOption``: the id is a model ref, ``<provider_id>::<model>``."""

    id: str
    label: str
    description: str
    default: bool = False
    # What the model's provider speaks and offers, so the composer and Settings
    # show only the choices that apply (the web search tool, reasoning effort).
    api: WireApi = "chat_completions"
    web_search: bool = False
    reasoning_effort: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "default": self.default,
            "api": self.api,
            "web_search": self.web_search,
            "reasoning_effort": self.reasoning_effort,
        }


@dataclass(frozen=True)
class ProviderProblem:
    provider_id: str
    message: str


@dataclass(frozen=True)
class ModelList:
    models: list[ModelOption]
    errors: list[ProviderProblem]


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    model_count: int | None = None
