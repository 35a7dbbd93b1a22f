"""The ``reasoning_effort`` setting through ``PUT /api/settings``: set per model
ref of a provider that takes it, merged into what is stored, ``null`` back to the
model's default, refused in words (bad ref, unknown provider, a provider
without the choice, an unknown effort) with nothing changed on disk."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from kitdesk.paths import Paths
from kitdesk.settings import Settings

from tests.api_harness import ApiHarness, api_harness


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        for kind in ("openai", "ollama"):
            response = await harness.client.post("/api/providers", json={"kind": kind})
            assert response.status_code == 201, response.text
        yield harness


def stored(kitdesk_home: Paths) -> dict[str, str]:
    return dict(
        Settings.model_validate_json(kitdesk_home.settings_path.read_bytes()).reasoning_effort
    )


async def test_efforts_are_set_per_model_merged_and_cleared_with_null(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    assert (await api.client.get("/api/settings")).json()["reasoning_effort"] == {}

    first = await api.client.put(
        "/api/settings", json={"reasoning_effort": {"openai::o4-mini": "high"}}
    )
    assert first.status_code == 200, first.text
    assert first.json()["reasoning_effort"] == {"openai::o4-mini": "high"}

    # Another model's choice joins the first; other settings leave both alone.
    await api.client.put("/api/settings", json={"reasoning_effort": {"openai::gpt-5": "minimal"}})
    await api.client.put("/api/settings", json={"theme": "dark"})
    assert stored(kitdesk_home) == {"openai::o4-mini": "high", "openai::gpt-5": "minimal"}

    # null is "Model default": the entry goes; clearing an absent or gone ref is harmless.
    cleared = await api.client.put(
        "/api/settings",
        json={"reasoning_effort": {"openai::o4-mini": None, "removed::model": None}},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["reasoning_effort"] == {"openai::gpt-5": "minimal"}
    assert stored(kitdesk_home) == {"openai::gpt-5": "minimal"}


@pytest.mark.parametrize(
    ("efforts", "message"),
    [
        (
            {"o4-mini": "high"},
            "reasoning_effort: “o4-mini” is not a model ref; use “provider::model”.",
        ),
        (
            {"openai::": "high"},
            "reasoning_effort: “openai::” is not a model ref; use “provider::model”.",
        ),
        ({"nowhere::o4-mini": "low"}, "reasoning_effort: there is no provider “nowhere”."),
        (
            {"ollama::qwen3": "high"},
            "reasoning_effort: Ollama does not take a reasoning effort; OpenAI models do.",
        ),
        (
            {"openai::o4-mini": "extreme"},
            "reasoning_effort.openai::o4-mini: "
            "must be one of 'minimal', 'low', 'medium' or 'high'.",
        ),
        ({"openai::o4-mini": 3}, None),
        (["openai::o4-mini"], "reasoning_effort: must be a JSON object."),
    ],
)
async def test_bad_efforts_are_refused_in_words_and_nothing_changes(
    api: ApiHarness, kitdesk_home: Paths, efforts: object, message: str | None
) -> None:
    await api.client.put("/api/settings", json={"reasoning_effort": {"openai::gpt-5": "low"}})
    before = kitdesk_home.settings_path.read_bytes()
    response = await api.client.put(
        "/api/settings", json={"reasoning_effort": efforts, "theme": "dark"}
    )
    assert response.status_code == 422
    error = api.error(response)
    assert error["code"] in ("invalid_request", "invalid_settings")
    if message is not None:
        assert error["message"] == message
    assert error["message"].startswith("reasoning_effort")
    assert kitdesk_home.settings_path.read_bytes() == before
