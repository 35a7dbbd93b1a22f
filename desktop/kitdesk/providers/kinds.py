"""One table of provider kinds: what each kind of provider speaks and can do.

Every fact that depends only on a provider's *kind* lives here, as an attribute
of one frozen ``ProviderKindInfo`` per kind, in ``KINDS``: the wire API, whether
a key is required, speech-to-text, tool calling, reasoning, hosted web search,
the defaults a new provider of that kind starts from, and the words the UI
shows. Settings (``Provider.uses_responses_api``, ``needs_key``, ``PRESETS``),
the resolver, the models catalog and the routes read it; the web UI and the
tests read it from ``GET /api/provider-kinds`` (``web/routes/kinds.py``), so
no other copy exists. Adding a kind is one entry here plus its ``ProviderKind``
literal (checked at import).

Framework-free on purpose: pydantic's ``Literal`` for the settings file needs a
static type, so ``ProviderKind`` is spelled out once and compared with the table.
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass
from typing import Any, Literal

ProviderKind = Literal["openai", "azure", "openrouter", "ollama", "lmstudio", "custom", "chatkit"]
# "responses": OpenAI's Responses API; "chat_completions": every OpenAI-compatible
# server; "chatkit": a ChatKit server whose protocol Kitdesk relays (chat/remote.py).
WireApi = Literal["responses", "chat_completions", "chatkit"]
# The wire APIs Kitdesk's own turn engine speaks to a model.
ModelWireApi = Literal["responses", "chat_completions"]
# How a model's thinking reaches us: Responses reasoning summaries, the Chat
# Completions ``reasoning_content`` field (or ``<think>`` text), or not at all.
Reasoning = Literal["summaries", "reasoning_content", "none"]


@dataclass(frozen=True)
class ProviderKindInfo:
    kind: ProviderKind
    label: str  # the kind's name in the UI ("OpenAI-compatible server")
    preset_name: str  # the name a new provider of this kind starts with
    wire_api: WireApi
    needs_key: bool
    speech_to_text: bool  # has an ``/audio/transcriptions`` endpoint
    tools: bool  # function tools in its wire format
    reasoning: Reasoning
    web_search: bool  # a hosted web search tool
    reasoning_effort: bool  # accepts a reasoning-effort choice
    lists_models: bool  # answers ``GET {base_url}/models``
    runs_locally: bool  # usually a server on this machine (onboarding groups these)
    hosted_chatkit: bool  # its key can run Agent Builder workflows (hosted ChatKit sessions)
    default_base_url: str
    default_model: str | None = None
    default_api_version: str | None = None
    key_help_url: str | None = None  # where a person gets a key
    base_url_help: str = ""  # what the base URL looks like

    @property
    def uses_responses_api(self) -> bool:
        return self.wire_api == "responses"

    @property
    def is_chatkit(self) -> bool:
        return self.wire_api == "chatkit"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_OPENAI_COMPATIBLE_URL = "OpenAI-compatible servers usually end in /v1."

KINDS: dict[ProviderKind, ProviderKindInfo] = {
    info.kind: info
    for info in (
        ProviderKindInfo(
            kind="openai",
            label="OpenAI",
            preset_name="OpenAI",
            wire_api="responses",
            needs_key=True,
            speech_to_text=True,
            tools=True,
            reasoning="summaries",
            web_search=True,
            reasoning_effort=True,
            lists_models=True,
            runs_locally=False,
            hosted_chatkit=True,
            default_base_url="https://api.openai.com/v1",
            default_model="gpt-4.1-mini",
            key_help_url="https://platform.openai.com/api-keys",
            base_url_help=_OPENAI_COMPATIBLE_URL,
        ),
        ProviderKindInfo(
            kind="azure",
            label="Azure OpenAI",
            preset_name="Azure OpenAI",
            wire_api="chat_completions",
            needs_key=True,
            speech_to_text=True,
            tools=True,
            reasoning="none",
            web_search=False,
            reasoning_effort=True,
            lists_models=True,
            runs_locally=False,
            hosted_chatkit=False,
            default_base_url="https://YOUR-RESOURCE.openai.azure.com/openai/v1",
            default_api_version="preview",
            key_help_url="https://portal.azure.com/",
            base_url_help="Your resource's endpoint followed by /openai/v1.",
        ),
        ProviderKindInfo(
            kind="openrouter",
            label="OpenRouter",
            preset_name="OpenRouter",
            wire_api="chat_completions",
            needs_key=True,
            speech_to_text=False,
            tools=True,
            reasoning="reasoning_content",
            web_search=False,
            reasoning_effort=True,
            lists_models=True,
            runs_locally=False,
            hosted_chatkit=False,
            default_base_url="https://openrouter.ai/api/v1",
            default_model="openai/gpt-4.1-mini",
            key_help_url="https://openrouter.ai/keys",
            base_url_help=_OPENAI_COMPATIBLE_URL,
        ),
        ProviderKindInfo(
            kind="ollama",
            label="Ollama",
            preset_name="Ollama",
            wire_api="chat_completions",
            needs_key=False,
            speech_to_text=False,
            tools=True,
            reasoning="reasoning_content",
            web_search=False,
            reasoning_effort=False,
            lists_models=True,
            runs_locally=True,
            hosted_chatkit=False,
            default_base_url="http://127.0.0.1:11434/v1",
            base_url_help=_OPENAI_COMPATIBLE_URL,
        ),
        ProviderKindInfo(
            kind="lmstudio",
            label="LM Studio",
            preset_name="LM Studio",
            wire_api="chat_completions",
            needs_key=False,
            speech_to_text=False,
            tools=True,
            reasoning="reasoning_content",
            web_search=False,
            reasoning_effort=False,
            lists_models=True,
            runs_locally=True,
            hosted_chatkit=False,
            default_base_url="http://127.0.0.1:1234/v1",
            base_url_help=_OPENAI_COMPATIBLE_URL,
        ),
        ProviderKindInfo(
            kind="custom",
            label="OpenAI-compatible server",
            preset_name="Custom",
            wire_api="chat_completions",
            needs_key=False,
            speech_to_text=True,
            tools=True,
            reasoning="reasoning_content",
            web_search=False,
            reasoning_effort=False,
            lists_models=True,
            runs_locally=True,
            hosted_chatkit=False,
            default_base_url="http://127.0.0.1:8000/v1",
            base_url_help=_OPENAI_COMPATIBLE_URL,
        ),
        ProviderKindInfo(
            kind="chatkit",
            label="ChatKit server",
            preset_name="ChatKit server",
            wire_api="chatkit",
            needs_key=False,
            speech_to_text=False,
            tools=False,  # the server runs its own tools
            reasoning="none",
            web_search=False,
            reasoning_effort=False,
            lists_models=False,
            runs_locally=True,
            hosted_chatkit=False,
            default_base_url="http://127.0.0.1:8000/chatkit",
            default_model="default",
            base_url_help="The server's ChatKit endpoint, for example http://127.0.0.1:8000/chatkit.",
        ),
    )
}

if set(KINDS) != set(typing.get_args(ProviderKind)):  # pragma: no cover - a programming error
    raise RuntimeError("ProviderKind and KINDS name different kinds")


def kind_info(kind: str) -> ProviderKindInfo:
    """The table entry of a kind; an unknown kind is a programming error (settings validate)."""
    return KINDS[kind]  # type: ignore[index]
