"""The ``language`` setting: "system" or a language the web UI ships, kept in
settings.json, served by /api/settings and /api/app, refused in words when
unknown, and never a reason to set a settings file aside."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kitdesk.paths import Paths
from kitdesk.settings import LANGUAGES, Settings, SettingsFile

from tests.api_harness import ApiHarness, api_harness

WEBUI_LANGUAGES = Path(__file__).resolve().parents[2] / "webui" / "src" / "chatkit" / "i18n.ts"


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


def test_the_server_knows_exactly_the_languages_the_web_ui_ships() -> None:
    source = WEBUI_LANGUAGES.read_text(encoding="utf-8")
    block = source[source.index("export const LANGUAGES") : source.index("] as const")]
    shipped = re.findall(r'code: "([^"]+)"', block)
    assert shipped[0] == "en" and len(shipped) == 8
    assert list(LANGUAGES) == ["system", *shipped]


async def test_the_language_defaults_to_the_system_and_round_trips(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    assert (await api.client.get("/api/settings")).json()["language"] == "system"
    assert (await api.client.get("/api/app")).json()["language"] == "system"

    response = await api.client.put("/api/settings", json={"language": "pt-BR"})
    assert response.status_code == 200
    assert response.json()["language"] == "pt-BR"
    assert (await api.client.get("/api/app")).json()["language"] == "pt-BR"
    on_disk = Settings.model_validate_json(kitdesk_home.settings_path.read_bytes())
    assert on_disk.language == "pt-BR"

    # Other changes leave it alone; "system" goes back to following the system.
    await api.client.put("/api/settings", json={"theme": "dark"})
    assert (await api.client.get("/api/settings")).json()["language"] == "pt-BR"
    back = await api.client.put("/api/settings", json={"language": "system"})
    assert back.json()["language"] == "system"


@pytest.mark.parametrize("value", ["klingon", "pt", "zh", "", None, 7])
async def test_an_unknown_language_is_refused_in_words_and_nothing_changes(
    api: ApiHarness, kitdesk_home: Paths, value: object
) -> None:
    await api.client.put("/api/settings", json={"language": "de"})
    saved_before = kitdesk_home.settings_path.read_bytes()
    response = await api.client.put("/api/settings", json={"language": value})
    assert response.status_code == 422
    error = api.error(response)
    assert error["message"].startswith("language: must be one of 'system', 'en', 'de'")
    assert "'ar'" in error["message"]
    assert kitdesk_home.settings_path.read_bytes() == saved_before


def test_a_file_naming_a_language_this_build_lacks_still_loads(kitdesk_home: Paths) -> None:
    kitdesk_home.settings_path.parent.mkdir(parents=True, exist_ok=True)
    kitdesk_home.settings_path.write_text(
        json.dumps({"theme": "dark", "language": "tlh", "system_prompt": "Kept."})
    )
    settings_file = SettingsFile(kitdesk_home.settings_path)
    assert settings_file.recovered_from is None  # not set aside as corrupt
    assert settings_file.settings.language == "system"
    assert settings_file.settings.system_prompt == "Kept."
