"""Title clean-up: what a model sends back becomes one plain line (or the first words)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from kitdesk.chat.titles import fallback_title, make_title, sanitize_title
from kitdesk.providers.endpoint import ProviderEndpoint
from kitdesk.providers.kinds import ModelWireApi
from kitdesk.providers.resolver import ResolvedModel


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("What Is **Kitdesk**? Give", "What Is Kitdesk? Give"),
        ("`pip` install __help__", "pip install help"),
        ("Title: Trip to ~~Rome~~ Paris.", "Trip to Rome Paris"),
        ('"Quoted title"\nsecond line', "Quoted title"),
        ("# Heading title", "Heading title"),
        ("snake_case names", "snake_case names"),
        ("   ", None),
        ("****", None),
    ],
)
def test_sanitize_title(raw: str, expected: str | None) -> None:
    assert sanitize_title(raw) == expected


def test_fallback_title_uses_the_first_words() -> None:
    assert fallback_title("please summarise the quarterly sales figures for me") == (
        "please summarise the quarterly sales figures…"
    )
    assert fallback_title("   ") == "New chat"
    assert fallback_title("**Fix** my `code`") == "Fix my code"


FIRST_WORDS = "Tell me about tide pools"


def _model(api: ModelWireApi) -> ResolvedModel:
    return ResolvedModel(
        provider_id="p",
        provider_name="P",
        kind="openai" if api == "responses" else "custom",
        base_url="http://provider.test/v1",
        api_key="sk-test",
        model="gpt-test",
        api=api,
    )


@pytest.mark.parametrize(
    "api,reply,expected",
    [
        (
            "responses",
            {
                "output": [
                    {"type": "reasoning", "summary": []},
                    {"type": "message", "content": [{"type": "output_text", "text": "Tide"}]},
                    {"type": "message", "content": [{"type": "output_text", "text": " Pools"}]},
                ]
            },
            "Tide Pools",
        ),
        ("chat_completions", {"choices": [{"message": {"content": "Tide Pools"}}]}, "Tide Pools"),
        # Odd but 2xx replies: the first words of the message instead.
        ("responses", {"output": "Tide Pools"}, FIRST_WORDS),
        (
            "responses",
            {"output": [{"type": "message", "content": None}]},
            "Tell me about tide pools",
        ),
        ("chat_completions", {"choices": []}, FIRST_WORDS),
        ("chat_completions", {"choices": [{"message": None}]}, FIRST_WORDS),
        (
            "chat_completions",
            {"choices": [{"message": {"content": 7}}]},
            "Tell me about tide pools",
        ),
    ],
)
def test_the_title_is_read_from_the_reply_or_falls_back(
    api: ModelWireApi, reply: dict[str, Any], expected: str
) -> None:
    endpoint = ProviderEndpoint(
        base_url="http://provider.test/v1",
        key="sk-test",
        kind="custom",
        api_version=None,
        timeout=httpx2.Timeout(5),
    )
    endpoint.http = httpx2.AsyncClient(
        transport=httpx2.MockTransport(lambda request: httpx2.Response(200, json=reply))
    )

    async def title() -> str:
        try:
            return await make_title(endpoint, _model(api), FIRST_WORDS, "")
        finally:
            await endpoint.aclose()

    assert asyncio.run(title()) == expected
