"""Which provider and model answer a request, and with which key.

A model choice travels as a *model ref*: ``"<provider_id>::<model>"`` (the id
of a ChatKit ``ModelOption``). A bare model name means "this model on the
default provider". ``::`` is used because model names themselves contain ``/``
(OpenRouter) and ``:`` (Ollama tags).

The "environment" provider exists when ``OPENAI_API_KEY`` is set; it uses
``OPENAI_BASE_URL`` when given (then it speaks Chat Completions, since an
arbitrary base URL is rarely OpenAI itself) and is read-only. Its model is
``OPENAI_DEFAULT_MODEL`` (the Agents SDK's own variable) or an OpenAI default,
so a key in the environment is enough to chat; OpenAI-compatible gateways
mostly accept OpenAI's model names, and the composer offers the real list.
When ``OPENAI_BASE_URL`` points at a server whose list lacks that OpenAI name
(Ollama, LM Studio), its first listed model is the default instead: in the
picker and for a message sent with no model alike (``environment_model``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from kitdesk.keys import ENV_PROVIDER_ID, KeyStore
from kitdesk.providers.kinds import KINDS, ModelWireApi
from kitdesk.settings import Provider, Settings

REF_SEPARATOR = "::"
OPENAI_BASE_URL = KINDS["openai"].default_base_url
FALLBACK_OPENAI_MODEL = KINDS["openai"].default_model or ""

__all__ = ["ModelWireApi", "ProviderNotReady", "ProviderResolver", "ResolvedModel"]


class ProviderNotReady(Exception):
    """No provider can answer; the message tells the person what to do."""


@dataclass(frozen=True)
class ResolvedModel:
    provider_id: str
    provider_name: str
    kind: str
    base_url: str
    api_key: str | None
    model: str
    api: ModelWireApi
    api_version: str | None = None

    def __repr__(self) -> str:  # never print the key
        return (
            f"ResolvedModel(provider_id={self.provider_id!r}, model={self.model!r}, "
            f"base_url={self.base_url!r}, api={self.api!r}, has_key={self.api_key is not None})"
        )


def make_ref(provider_id: str, model: str) -> str:
    return f"{provider_id}{REF_SEPARATOR}{model}"


def split_ref(ref: str) -> tuple[str | None, str]:
    if REF_SEPARATOR in ref:
        provider_id, model = ref.split(REF_SEPARATOR, 1)
        return provider_id, model
    return None, ref


# The model names each base URL listed last, as the models catalog fetched or
# cached them (providers/catalog.py notes them); only ``environment_model`` reads them.
_listed_models: dict[str, frozenset[str]] = {}
_listed_lock = threading.Lock()


def note_listed_models(base_url: str, names: Iterable[str]) -> None:
    """Remember what the server at ``base_url`` lists (the catalog calls this)."""
    with _listed_lock:
        _listed_models[base_url.rstrip("/")] = frozenset(names)


def forget_listed_models() -> None:
    """Forget every noted list (a test's fresh start)."""
    with _listed_lock:
        _listed_models.clear()


def listed_models_known(base_url: str) -> bool:
    """Whether the server at ``base_url`` has had its list noted in this run."""
    with _listed_lock:
        return base_url.rstrip("/") in _listed_models


def environment_model(base_url: str, listed: Iterable[str] | None = None) -> str:
    """The environment provider's model: ``OPENAI_DEFAULT_MODEL``, else OpenAI's
    fallback name, unless the server at ``base_url`` lists models and not that one
    (OPENAI_BASE_URL at Ollama, say, where the name means nothing): then its first
    model by name. ``listed`` is that server's list; by default the one noted last."""
    chosen = os.environ.get("OPENAI_DEFAULT_MODEL", "").strip()
    if chosen:
        return chosen
    if listed is None:
        with _listed_lock:
            listed = _listed_models.get(base_url.rstrip("/"), frozenset())
    names = set(listed)
    if names and FALLBACK_OPENAI_MODEL not in names:
        return min(names, key=lambda name: (name.casefold(), name))
    return FALLBACK_OPENAI_MODEL


def environment_provider() -> Provider | None:
    if not os.environ.get("OPENAI_API_KEY"):
        return None
    base_url = os.environ.get("OPENAI_BASE_URL") or OPENAI_BASE_URL
    is_openai = base_url.rstrip("/") == OPENAI_BASE_URL
    return Provider(
        id=ENV_PROVIDER_ID,
        name="OpenAI (environment)" if is_openai else "Environment (OPENAI_BASE_URL)",
        kind="openai" if is_openai else "custom",
        base_url=base_url,
        default_model=environment_model(base_url),
    )


def all_providers(settings: Settings) -> list[Provider]:
    """Configured providers, plus the read-only environment provider when it exists."""
    providers = list(settings.providers)
    env = environment_provider()
    if env is not None and settings.provider(ENV_PROVIDER_ID) is None:
        providers.append(env)
    return providers


def default_provider(settings: Settings) -> Provider | None:
    enabled = [p for p in all_providers(settings) if p.enabled]
    if settings.default_provider:
        chosen = next((p for p in enabled if p.id == settings.default_provider), None)
        if chosen is not None:
            return chosen
    return enabled[0] if enabled else None


class ProviderResolver:
    """Turns a model ref (or nothing) into a concrete provider, model and key."""

    def __init__(self, settings: Settings, keys: KeyStore) -> None:
        self.settings = settings
        self.keys = keys

    def model_for(self, provider: Provider) -> str | None:
        """The model a provider answers with when none is named."""
        if provider.id == self.settings.default_provider and self.settings.default_model:
            return self.settings.default_model
        return provider.default_model

    def is_ready(self, provider: Provider) -> bool:
        """Enabled, with a model to use, and with a key when the provider needs one."""
        if not provider.enabled or not self.model_for(provider):
            return False
        return not provider.needs_key or self.keys.get(provider.id) is not None

    def ready_providers(self) -> list[Provider]:
        return [p for p in all_providers(self.settings) if self.is_ready(p)]

    def is_ready_any(self) -> bool:
        return any(self.is_ready(p) for p in all_providers(self.settings))

    def default_provider(self) -> Provider | None:
        """The chosen default when enabled; else the first provider that can answer;
        else the first enabled one (so the error names something to fix)."""
        chosen = default_provider(self.settings)
        if chosen is not None and chosen.id == self.settings.default_provider:
            return chosen
        ready = self.ready_providers()
        return ready[0] if ready else chosen

    def default_ref(self) -> str | None:
        provider = self.default_provider()
        if provider is None:
            return None
        model = self.model_for(provider)
        return make_ref(provider.id, model) if model else None

    def resolve_for_transcription(self) -> ResolvedModel:
        """Where dictation goes: the default provider when it can turn speech into
        text, else the first ready provider that can (an OpenAI key kept next to
        a local model server, say), else the default (whose refusal is explained)."""
        chosen = self.default_provider()
        if chosen is not None and chosen.kind_info.speech_to_text:
            return self.resolve(None)
        for provider in self.ready_providers():
            if provider.kind_info.speech_to_text:
                return self.resolve(make_ref(provider.id, self.model_for(provider) or ""))
        return self.resolve(None)  # raises, or answers with a provider that explains its refusal

    def resolve(self, ref: str | None) -> ResolvedModel:
        provider_id, model = split_ref(ref) if ref else (None, "")
        providers = {p.id: p for p in all_providers(self.settings)}
        if provider_id is not None:
            provider = providers.get(provider_id)
            if provider is None:
                raise ProviderNotReady(
                    f"The provider “{provider_id}” is no longer configured. "
                    "Pick another model or add the provider in Settings."
                )
            if not provider.enabled:
                raise ProviderNotReady(
                    f"The provider “{provider.name}” is turned off. Turn it on in Settings "
                    "or pick another model."
                )
        else:
            provider = self.default_provider()
            if provider is None:
                raise ProviderNotReady(
                    "No model provider is set up yet. Open Settings to add an API key "
                    "or a local server such as Ollama or LM Studio."
                )
        api = provider.kind_info.wire_api
        if api == "chatkit":  # relayed by web/routes/chatkit_proxy.py, never answered here
            raise ProviderNotReady(
                f"“{provider.name}” is a ChatKit server: it answers only in conversations "
                "started on it. Start a new chat with it, or pick another model here."
            )
        model = model or self.model_for(provider) or ""
        if not model:
            raise ProviderNotReady(
                f"No model is chosen for “{provider.name}”. Pick one in the composer "
                "or set a default model in Settings."
            )
        key = self.keys.get(provider.id)
        if key is None and provider.needs_key:
            raise ProviderNotReady(
                f"There is no API key for “{provider.name}”. Add one in Settings."
            )
        return ResolvedModel(
            provider_id=provider.id,
            provider_name=provider.name,
            kind=provider.kind,
            base_url=provider.base_url,
            api_key=key,
            model=model,
            api=api,
            api_version=provider.api_version,
        )
