"""The settings file: validation, atomic saves with a kept previous version,
and recovery from a corrupt file without losing the last good settings."""

from __future__ import annotations

import json
import threading

import pytest
from kitdesk.paths import Paths
from kitdesk.providers.kinds import KINDS
from kitdesk.settings import PRESETS, Provider, Settings, SettingsFile
from pydantic import ValidationError


def ollama(provider_id: str = "ollama") -> Provider:
    return PRESETS["ollama"].model_copy(update={"id": provider_id})


def test_a_missing_file_means_defaults(kitdesk_home: Paths) -> None:
    settings_file = SettingsFile(kitdesk_home.settings_path)
    assert settings_file.settings == Settings()
    assert settings_file.recovered_from is None
    assert not kitdesk_home.settings_path.exists()  # nothing written until a save


def test_save_round_trips_and_keeps_the_previous_version(kitdesk_home: Paths) -> None:
    path = kitdesk_home.settings_path
    settings_file = SettingsFile(path)
    settings_file.save(Settings(theme="dark", providers=[ollama()]))
    settings_file.update(theme="light", temperature=0.3)

    reloaded = SettingsFile(path).settings
    assert reloaded.theme == "light"
    assert reloaded.temperature == 0.3
    assert [p.id for p in reloaded.providers] == ["ollama"]
    previous = Settings.model_validate_json(path.with_name("settings.json.bak").read_bytes())
    assert previous.theme == "dark"
    assert previous.temperature is None
    # No temp files are left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json", "settings.json.bak"]


def test_a_refused_update_changes_nothing(kitdesk_home: Paths) -> None:
    settings_file = SettingsFile(kitdesk_home.settings_path)
    settings_file.update(theme="dark")
    before = kitdesk_home.settings_path.read_bytes()
    with pytest.raises(ValidationError):
        settings_file.update(temperature=5)
    assert settings_file.settings.temperature is None
    assert kitdesk_home.settings_path.read_bytes() == before


def test_a_corrupt_file_is_set_aside_and_the_last_good_copy_used(kitdesk_home: Paths) -> None:
    path = kitdesk_home.settings_path
    settings_file = SettingsFile(path)
    settings_file.save(Settings(theme="dark", providers=[ollama()]))
    settings_file.update(system_prompt="Answer in French.")
    path.write_text('{"theme": "dark", "providers": [')  # a torn or hand-broken file

    recovered = SettingsFile(path)
    assert recovered.recovered_from is not None
    assert recovered.recovered_from.name.startswith("settings.json.corrupt-")
    assert recovered.recovered_from.read_text() == '{"theme": "dark", "providers": ['
    # The previous save (.bak) is what we run on, and it is the live file again.
    assert recovered.settings.theme == "dark"
    assert [p.id for p in recovered.settings.providers] == ["ollama"]
    assert recovered.settings.system_prompt == Settings().system_prompt
    assert SettingsFile(path).recovered_from is None


def test_a_corrupt_file_with_no_backup_means_defaults(kitdesk_home: Paths) -> None:
    path = kitdesk_home.settings_path
    path.write_text(json.dumps({"temperature": 9, "theme": "dark"}))  # valid JSON, invalid values
    settings_file = SettingsFile(path)
    assert settings_file.settings == Settings()
    assert settings_file.recovered_from is not None
    assert json.loads(settings_file.recovered_from.read_text())["temperature"] == 9
    # The app keeps working: the next save writes a good file.
    settings_file.update(theme="light")
    assert SettingsFile(path).settings.theme == "light"


def test_unknown_fields_from_a_newer_version_do_not_break_loading(kitdesk_home: Paths) -> None:
    kitdesk_home.settings_path.write_text(json.dumps({"theme": "dark", "future_thing": [1, 2]}))
    settings_file = SettingsFile(kitdesk_home.settings_path)
    assert settings_file.settings.theme == "dark"
    assert settings_file.recovered_from is None


def test_concurrent_updates_lose_nothing(kitdesk_home: Paths) -> None:
    settings_file = SettingsFile(kitdesk_home.settings_path)

    def save_window(n: int) -> None:
        for i in range(20):
            settings_file.update(window={"width": 1000 + n * 100 + i})

    def save_prompt() -> None:
        for i in range(20):
            settings_file.update(system_prompt=f"prompt {i}")

    threads = [
        threading.Thread(target=save_window, args=(1,)),
        threading.Thread(target=save_prompt),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = SettingsFile(kitdesk_home.settings_path).settings
    assert final.system_prompt == "prompt 19"
    assert final.window == {"width": 1119}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"temperature": 2.5}, "must be between 0 and 2"),
        ({"temperature": -1}, "must be between 0 and 2"),
        ({"theme": "neon"}, "literal_error"),
        ({"providers": [ollama(), ollama()]}, "two providers share the id 'ollama'"),
    ],
)
def test_settings_validation(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate(fields)
    assert problem in str(caught.value) or problem in [e["type"] for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("base_url", "stored"),
    [
        ("http://127.0.0.1:11434/v1/", "http://127.0.0.1:11434/v1"),
        ("  https://api.example.com/v1  ", "https://api.example.com/v1"),
    ],
)
def test_base_urls_are_normalised(base_url: str, stored: str) -> None:
    provider = Provider(id="x", name="X", kind="custom", base_url=base_url)
    assert provider.base_url == stored


@pytest.mark.parametrize(
    "base_url", ["localhost:11434", "ftp://example.com", "https://", "http://a b.example/v1"]
)
def test_bad_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(ValidationError):
        Provider(id="x", name="X", kind="custom", base_url=base_url)


@pytest.mark.parametrize("provider_id", ["Upper", "-lead", "with space", "a" * 65, ""])
def test_provider_ids_are_slugs(provider_id: str) -> None:
    with pytest.raises(ValidationError):
        Provider(id=provider_id, name="X", kind="custom", base_url="http://x/v1")


def test_presets_are_built_from_the_kinds_table() -> None:
    assert list(PRESETS) == list(KINDS)
    for kind, preset in PRESETS.items():
        info = KINDS[kind]
        assert (preset.kind, preset.id) == (kind, kind)
        assert (preset.base_url, preset.default_model) == (
            info.default_base_url,
            info.default_model,
        )
        assert preset.uses_responses_api == (info.wire_api == "responses")
        assert preset.needs_key == info.needs_key
    assert PRESETS["azure"].api_version is not None


@pytest.mark.parametrize("names", [["X Api"], ["X-Key", "x-key"], [""], ["a:b"]])
def test_header_names_are_checked(names: list[str]) -> None:
    with pytest.raises(ValidationError):
        Provider(id="x", name="X", kind="chatkit", base_url="http://x/chatkit", headers=names)


def test_blank_optional_fields_become_none() -> None:
    provider = Provider(
        id="x",
        name=" X ",
        kind="custom",
        base_url="http://x/v1",
        default_model="  ",
        api_version="",
    )
    assert (provider.name, provider.default_model, provider.api_version) == ("X", None, None)
    assert Settings(default_model=" ", default_provider="").default_model is None
