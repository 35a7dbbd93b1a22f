"""Which provider, model and key answer a request: model refs, defaults,
the environment provider, and the sentences a person sees when nothing can."""

from __future__ import annotations

import pytest
from kitdesk.keys import KeyStore
from kitdesk.providers.resolver import (
    ProviderNotReady,
    ProviderResolver,
    all_providers,
    environment_provider,
    make_ref,
    split_ref,
)
from kitdesk.settings import PRESETS, Provider, Settings

from tests.conftest import MemoryKeyring

KEY = "sk-test-providers-0123456789"


def preset(kind: str, **changes: object) -> Provider:
    return PRESETS[kind].model_copy(update=changes)  # type: ignore[index]


@pytest.mark.parametrize(
    ("ref", "parts"),
    [
        ("openai::gpt-4.1", ("openai", "gpt-4.1")),
        (
            "openrouter::meta-llama/llama-3.1-8b:free",
            ("openrouter", "meta-llama/llama-3.1-8b:free"),
        ),
        ("ollama::qwen2.5:7b", ("ollama", "qwen2.5:7b")),
        ("gpt-4.1", (None, "gpt-4.1")),
        ("weird::model::name", ("weird", "model::name")),
    ],
)
def test_model_refs(ref: str, parts: tuple[str | None, str]) -> None:
    assert split_ref(ref) == parts
    if parts[0] is not None:
        assert make_ref(parts[0], parts[1]) == ref


def test_explicit_ref_resolves_with_key_and_wire_api(memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore()
    keys.set("openai", KEY)
    settings = Settings(providers=[preset("openai"), preset("ollama")])
    resolver = ProviderResolver(settings, keys)

    openai = resolver.resolve("openai::gpt-4.1")
    assert (openai.provider_id, openai.model, openai.api, openai.api_key) == (
        "openai",
        "gpt-4.1",
        "responses",
        KEY,
    )
    assert KEY not in repr(openai)
    local = resolver.resolve("ollama::llama3.2")
    assert (local.api, local.api_key, local.base_url) == (
        "chat_completions",
        None,
        "http://127.0.0.1:11434/v1",
    )


def test_defaults_prefer_the_chosen_provider_and_model(memory_keyring: MemoryKeyring) -> None:
    settings = Settings(
        providers=[preset("ollama", default_model="llama3.2"), preset("lmstudio")],
        default_provider="lmstudio",
        default_model="qwen2.5-7b",
    )
    resolver = ProviderResolver(settings, KeyStore())
    assert resolver.default_ref() == "lmstudio::qwen2.5-7b"
    chosen = resolver.resolve(None)
    assert (chosen.provider_id, chosen.model) == ("lmstudio", "qwen2.5-7b")
    bare = resolver.resolve("other-model")  # a bare name means: on the default provider
    assert (bare.provider_id, bare.model) == ("lmstudio", "other-model")
    # Another provider named without a model uses its own default model.
    assert resolver.resolve("ollama::").model == "llama3.2"


def test_without_a_chosen_default_the_first_ready_provider_answers(
    memory_keyring: MemoryKeyring,
) -> None:
    # OpenAI comes first but has no key; Ollama has a model and needs no key.
    settings = Settings(providers=[preset("openai"), preset("ollama", default_model="llama3.2")])
    resolver = ProviderResolver(settings, KeyStore())
    assert [p.id for p in resolver.ready_providers()] == ["ollama"]
    assert resolver.default_ref() == "ollama::llama3.2"


@pytest.mark.parametrize(
    ("settings", "ref", "message"),
    [
        (
            Settings(),
            None,
            "No model provider is set up yet. Open Settings to add an API key or a local "
            "server such as Ollama or LM Studio.",
        ),
        (
            Settings(providers=[preset("ollama")]),
            "gone::model",
            "The provider “gone” is no longer configured. Pick another model or add the "
            "provider in Settings.",
        ),
        (
            Settings(providers=[preset("ollama", enabled=False)]),
            "ollama::llama3.2",
            "The provider “Ollama” is turned off. Turn it on in Settings or pick another model.",
        ),
        (
            Settings(providers=[preset("ollama")]),
            None,
            "No model is chosen for “Ollama”. Pick one in the composer or set a default model "
            "in Settings.",
        ),
        (
            Settings(providers=[preset("openai")]),
            None,
            "There is no API key for “OpenAI”. Add one in Settings.",
        ),
    ],
)
def test_not_ready_messages(
    memory_keyring: MemoryKeyring, settings: Settings, ref: str | None, message: str
) -> None:
    resolver = ProviderResolver(settings, KeyStore())
    with pytest.raises(ProviderNotReady) as caught:
        resolver.resolve(ref)
    assert str(caught.value) == message
    assert resolver.ready_providers() == []


def test_environment_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_DEFAULT_MODEL", raising=False)
    assert environment_provider() is None
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    env = environment_provider()
    assert env is not None
    assert (env.id, env.kind, env.base_url, env.default_model) == (
        "environment",
        "openai",
        "https://api.openai.com/v1",
        "gpt-4.1-mini",
    )
    resolved = ProviderResolver(Settings(), KeyStore()).resolve(None)
    assert (resolved.provider_id, resolved.api, resolved.api_key) == (
        "environment",
        "responses",
        KEY,
    )

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1/")
    custom = environment_provider()
    assert custom is not None
    assert (custom.kind, custom.base_url, custom.default_model) == (
        "custom",
        "http://127.0.0.1:8080/v1",
        "gpt-4.1-mini",
    )
    monkeypatch.setenv("OPENAI_DEFAULT_MODEL", "llama3.2:3b")
    resolved = ProviderResolver(Settings(), KeyStore()).resolve(None)
    assert (resolved.provider_id, resolved.model, resolved.api) == (
        "environment",
        "llama3.2:3b",
        "chat_completions",
    )
    # Listed after the configured providers.
    settings = Settings(providers=[preset("ollama")])
    assert [p.id for p in all_providers(settings)] == ["ollama", "environment"]
