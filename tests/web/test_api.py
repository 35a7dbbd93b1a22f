"""The ``/api`` routes over HTTP (ASGI) with the real settings file, keyring
library (in-memory backend), models catalog and SQLite store behind them.

Model listing and connection tests against the fake upstream live in
test_models_catalog.py; the real Secret Service in test_keyring_secret_service.py.
"""

from __future__ import annotations

import json
import socket
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from chatkit.types import (
    AttachmentCreateParams,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.keys import NO_KEYRING_HELP, SERVICE
from kitdesk.paths import Paths
from kitdesk.settings import Provider, Settings
from kitdesk.store.sqlite import MAX_ATTACHMENT_BYTES

from tests.api_harness import TEST_ORIGIN, TEST_VERSION, ApiHarness, api_harness
from tests.conftest import MemoryKeyring
from tests.live_server import LiveServer
from tests.upstream import Upstream

SECRET = "sk-test-Zq8vW2kLmN4pR6tY0uI3oP5aS7dF9gH1"
CTX = RequestContext(origin=TEST_ORIGIN)


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


@pytest.fixture
def fail_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def tiny_png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


TINY_JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def all_bytes_under(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


# -- status ----------------------------------------------------------------------


async def test_app_info_on_a_fresh_install_asks_for_onboarding(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    response = await api.client.get("/api/app")
    assert response.status_code == 200
    info = response.json()
    assert info["version"] == TEST_VERSION
    assert info["data_dir"] == str(kitdesk_home.data_dir)
    assert info["log_dir"] == str(kitdesk_home.log_dir)
    assert info["config_dir"] == str(kitdesk_home.config_dir)
    assert info["needs_onboarding"] is True
    assert info["default_model"] is None
    assert info["theme"] == "system"
    assert info["keyring"] == {
        "backend": "tests.conftest.MemoryKeyring",
        "usable": True,
        "message": None,
    }
    assert info["settings_recovered_from"] is None


async def test_app_info_reports_a_recovered_settings_file(kitdesk_home: Paths) -> None:
    kitdesk_home.settings_path.write_text("{ not json")
    async with api_harness(kitdesk_home) as api:
        info = (await api.client.get("/api/app")).json()
    recovered = Path(info["settings_recovered_from"])
    assert recovered.parent == kitdesk_home.config_dir
    assert recovered.name.startswith("settings.json.corrupt-")
    assert recovered.read_text() == "{ not json"


async def test_onboarding_is_done_once_a_provider_can_answer(api: ApiHarness) -> None:
    created = await api.client.post("/api/providers", json={"kind": "openai"})
    assert created.status_code == 201
    # OpenAI needs a key: not ready yet.
    assert (await api.client.get("/api/app")).json()["needs_onboarding"] is True
    await api.client.put("/api/providers/openai/key", json={"key": SECRET})
    info = (await api.client.get("/api/app")).json()
    assert info["needs_onboarding"] is False
    assert info["default_model"] == "openai::gpt-4.1-mini"


async def test_a_local_provider_needs_a_model_before_it_can_answer(api: ApiHarness) -> None:
    await api.client.post("/api/providers", json={"kind": "ollama"})
    assert (await api.client.get("/api/app")).json()["needs_onboarding"] is True
    saved = await api.client.put("/api/settings", json={"default_model": "ollama::llama3.2:3b"})
    assert saved.status_code == 200
    assert saved.json()["default_provider"] == "ollama"
    assert saved.json()["default_model"] == "llama3.2:3b"
    info = (await api.client.get("/api/app")).json()
    assert info["needs_onboarding"] is False
    assert info["default_model"] == "ollama::llama3.2:3b"


async def test_health_reports_store_and_keyring_backend(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    response = await api.client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": TEST_VERSION,
        "data_dir": str(kitdesk_home.data_dir),
        "store": "ok",
        "keyring": "tests.conftest.MemoryKeyring",
        "engine": "idle",  # no turn yet, and nobody started typing
    }
    await api.services.store.close()
    closed = (await api.client.get("/api/health")).json()
    assert (closed["status"], closed["store"]) == ("degraded", "closed")


# -- settings -------------------------------------------------------------------------


async def test_settings_round_trip_and_hide_window_geometry(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    api.services.settings_file.update(window={"width": 1200, "height": 800})
    before = (await api.client.get("/api/settings")).json()
    assert "window" not in before
    assert before["theme"] == "system"

    response = await api.client.put(
        "/api/settings",
        json={
            "temperature": 0.7,
            "theme": "dark",
            "system_prompt": "Be brief.",
            "auto_title": False,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["temperature"], body["theme"], body["system_prompt"], body["auto_title"]) == (
        0.7,
        "dark",
        "Be brief.",
        False,
    )
    on_disk = Settings.model_validate_json(kitdesk_home.settings_path.read_bytes())
    assert on_disk.temperature == 0.7
    assert on_disk.theme == "dark"
    # Untouched fields survive a partial update.
    assert on_disk.window == {"width": 1200, "height": 800}
    previous = Settings.model_validate_json(
        kitdesk_home.settings_path.with_name("settings.json.bak").read_bytes()
    )
    assert previous.theme == "system"


async def test_temperature_can_be_cleared_back_to_the_provider_default(api: ApiHarness) -> None:
    await api.client.put("/api/settings", json={"temperature": 1.2})
    cleared = await api.client.put("/api/settings", json={"temperature": None})
    assert cleared.json()["temperature"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"temperature": 3}, "temperature: must be between 0 and 2."),
        ({"temperature": -0.1}, "temperature: must be between 0 and 2."),
        ({"temperature": "warm"}, "temperature: must be a number."),
        ({"theme": "purple"}, "theme: must be one of 'system', 'light' or 'dark'."),
        ({"auto_title": "sometimes"}, "auto_title: must be true or false."),
        ({"system_prompt": None}, "system_prompt: must be text."),
        ({"system_prompt": "x" * 20_001}, "system_prompt: must be at most 20,000 characters."),
        ({"colour": "red"}, "colour: is not something Kitdesk knows; check the spelling."),
        ({"default_provider": "nope"}, "default_provider: there is no provider “nope”."),
        ([1, 2], "The request body must be a JSON object."),
    ],
)
async def test_bad_settings_are_refused_with_a_readable_message_and_nothing_changes(
    api: ApiHarness, kitdesk_home: Paths, body: object, message: str
) -> None:
    await api.client.put("/api/settings", json={"theme": "light"})
    saved_before = kitdesk_home.settings_path.read_bytes()
    response = await api.client.put("/api/settings", json=body)
    assert response.status_code == 422
    error = api.error(response)
    assert error["message"] == message
    assert error["code"] in ("invalid_request", "invalid_settings")
    assert kitdesk_home.settings_path.read_bytes() == saved_before


async def test_invalid_json_is_a_readable_400_class_error(api: ApiHarness) -> None:
    response = await api.client.put(
        "/api/settings", content=b"{theme: dark", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert api.error(response)["message"] == "The request body is not valid JSON."


async def test_unknown_api_route_is_a_json_404(api: ApiHarness) -> None:
    response = await api.client.get("/api/nothing-here")
    assert response.status_code == 404
    assert api.error(response)["code"] == "not_found"


# -- providers -------------------------------------------------------------------------


async def test_presets_cover_every_kind_of_the_kinds_table(api: ApiHarness) -> None:
    kinds = {k["kind"]: k for k in (await api.client.get("/api/provider-kinds")).json()}
    presets = (await api.client.get("/api/providers/presets")).json()
    by_kind = {preset["kind"]: preset for preset in presets}
    assert all(preset["id"] == preset["kind"] for preset in presets)
    assert set(by_kind) == set(kinds)
    for kind, preset in by_kind.items():
        assert preset["needs_key"] == kinds[kind]["needs_key"]
        assert preset["api"] == kinds[kind]["wire_api"]
        assert preset["base_url"] == kinds[kind]["default_base_url"]
    # A few facts the rest of the app relies on.
    assert kinds["openai"]["wire_api"] == "responses" and kinds["openai"]["needs_key"]
    assert kinds["ollama"]["wire_api"] == "chat_completions" and not kinds["ollama"]["needs_key"]
    assert kinds["chatkit"]["wire_api"] == "chatkit" and not kinds["chatkit"]["lists_models"]
    assert [k for k, info in kinds.items() if info["web_search"]] == ["openai"]


async def test_adding_the_same_preset_twice_gets_unique_ids_and_names(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    first = await api.client.post("/api/providers", json={"kind": "ollama"})
    second = await api.client.post(
        "/api/providers", json={"kind": "ollama", "base_url": "http://10.0.0.5:11434/v1/"}
    )
    assert first.status_code == second.status_code == 201
    assert (first.json()["id"], first.json()["name"]) == ("ollama", "Ollama")
    assert (second.json()["id"], second.json()["name"]) == ("ollama-2", "Ollama 2")
    assert second.json()["base_url"] == "http://10.0.0.5:11434/v1"
    assert second.json()["key"] == {"has_key": False, "source": "none"}
    assert first.json()["is_default"] is True  # the first provider becomes the default
    on_disk = Settings.model_validate_json(kitdesk_home.settings_path.read_bytes())
    assert [p.id for p in on_disk.providers] == ["ollama", "ollama-2"]
    assert on_disk.default_provider == "ollama"

    listed = (await api.client.get("/api/providers")).json()
    assert [p["id"] for p in listed] == ["ollama", "ollama-2"]
    assert all(p["read_only"] is False for p in listed)


async def test_a_provider_with_a_bad_base_url_is_refused(api: ApiHarness) -> None:
    response = await api.client.post(
        "/api/providers", json={"kind": "custom", "base_url": "ftp://example.com"}
    )
    assert response.status_code == 422
    assert api.error(response) == {
        "code": "invalid_provider",
        "message": "base_url: the base URL must start with http:// or https://.",
    }
    assert (await api.client.get("/api/providers")).json() == []


async def test_unknown_provider_kind_is_refused(api: ApiHarness) -> None:
    response = await api.client.post("/api/providers", json={"kind": "skynet"})
    assert response.status_code == 422
    kinds = [k["kind"] for k in (await api.client.get("/api/provider-kinds")).json()]
    listed = ", ".join(f"'{k}'" for k in kinds[:-1]) + f" or '{kinds[-1]}'"
    assert api.error(response)["message"] == f"kind: must be one of {listed}."


async def test_editing_a_provider(api: ApiHarness) -> None:
    await api.client.post("/api/providers", json={"kind": "lmstudio"})
    response = await api.client.put(
        "/api/providers/lmstudio",
        json={"name": "  Desk GPU  ", "enabled": False, "default_model": "qwen2.5-7b"},
    )
    assert response.status_code == 200
    edited = response.json()
    assert (edited["name"], edited["enabled"], edited["default_model"]) == (
        "Desk GPU",
        False,
        "qwen2.5-7b",
    )
    assert edited["base_url"] == "http://127.0.0.1:1234/v1"  # untouched
    bad = await api.client.put("/api/providers/lmstudio", json={"name": "   "})
    assert bad.status_code == 422
    assert api.error(bad)["message"] == "name: must not be empty."
    missing = await api.client.put("/api/providers/nope", json={"name": "x"})
    assert missing.status_code == 404
    assert api.error(missing)["code"] == "provider_not_found"


async def test_deleting_a_provider_deletes_its_key_and_default(
    api: ApiHarness, memory_keyring: MemoryKeyring
) -> None:
    await api.client.post("/api/providers", json={"kind": "openrouter"})
    await api.client.put("/api/providers/openrouter/key", json={"key": SECRET})
    assert (SERVICE, "openrouter") in memory_keyring.secrets

    response = await api.client.delete("/api/providers/openrouter")
    assert response.status_code == 200
    assert response.json() == {"deleted": "openrouter", "key_deleted": True}
    assert (SERVICE, "openrouter") not in memory_keyring.secrets
    settings = (await api.client.get("/api/settings")).json()
    assert settings["providers"] == []
    assert settings["default_provider"] is None
    again = await api.client.delete("/api/providers/openrouter")
    assert again.status_code == 404


async def test_a_new_provider_never_inherits_a_stale_key(
    api: ApiHarness, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.secrets[(SERVICE, "openai")] = "sk-left-over-from-long-ago"
    created = await api.client.post("/api/providers", json={"kind": "openai"})
    assert created.json()["key"] == {"has_key": False, "source": "none"}
    assert (SERVICE, "openai") not in memory_keyring.secrets


async def test_environment_provider_is_listed_read_only(
    api: ApiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    listed = (await api.client.get("/api/providers")).json()
    assert len(listed) == 1
    env = listed[0]
    assert env["id"] == "environment"
    assert env["read_only"] is True
    assert env["key"] == {"has_key": True, "source": "environment"}
    assert env["base_url"] == "https://api.openai.com/v1"
    assert SECRET not in json.dumps(listed)

    for response in (
        await api.client.put("/api/providers/environment", json={"name": "Mine"}),
        await api.client.delete("/api/providers/environment"),
    ):
        assert response.status_code == 409
        assert api.error(response)["code"] == "read_only_provider"
        assert "OPENAI_API_KEY" in api.error(response)["message"]
    key_change = await api.client.put("/api/providers/environment/key", json={"key": "sk-other"})
    assert key_change.status_code == 409
    assert api.error(key_change)["code"] == "read_only_key"
    assert (await api.client.delete("/api/providers/environment/key")).status_code == 409


async def test_adding_a_provider_keeps_a_working_environment_default(
    api: ApiHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    created = await api.client.post(
        "/api/providers", json={"kind": "custom", "base_url": "http://127.0.0.1:9/v1"}
    )
    assert created.status_code == 201
    listed = {p["id"]: p for p in (await api.client.get("/api/providers")).json()}
    assert listed["environment"]["is_default"] is True
    assert listed[created.json()["id"]]["is_default"] is False
    assert api.services.settings_file.settings.default_provider is None


async def test_first_provider_becomes_the_default(api: ApiHarness) -> None:
    created = await api.client.post("/api/providers", json={"kind": "ollama"})
    assert api.services.settings_file.settings.default_provider == created.json()["id"]


# -- keys ---------------------------------------------------------------------------------


async def test_keys_are_write_only_and_live_only_in_the_keyring(
    api: ApiHarness, memory_keyring: MemoryKeyring, kitdesk_home: Paths
) -> None:
    # A dead local address: /api/models below must not reach out to the internet.
    await api.client.post(
        "/api/providers",
        json={"kind": "openai", "base_url": f"http://127.0.0.1:{closed_port()}/v1"},
    )
    responses = []
    put = await api.client.put("/api/providers/openai/key", json={"key": f"  {SECRET}\n"})
    responses.append(put)
    assert put.status_code == 200
    assert put.json() == {"provider_id": "openai", "key": {"has_key": True, "source": "keyring"}}
    assert memory_keyring.secrets[(SERVICE, "openai")] == SECRET  # trimmed

    for path in ("/api/providers", "/api/settings", "/api/app", "/api/health", "/api/models"):
        responses.append(await api.client.get(path))
    listed = responses[1].json()
    assert listed[0]["key"] == {"has_key": True, "source": "keyring"}

    replaced = await api.client.put("/api/providers/openai/key", json={"key": SECRET[::-1]})
    assert replaced.status_code == 200
    assert memory_keyring.secrets[(SERVICE, "openai")] == SECRET[::-1]
    responses.append(replaced)

    for response in responses:
        assert SECRET not in response.text
        assert SECRET[::-1] not in response.text
    await api.services.store.close()
    for path, data in all_bytes_under(kitdesk_home.data_dir.parent).items():
        assert SECRET.encode() not in data, path
        assert SECRET[::-1].encode() not in data, path

    deleted = await api.client.delete("/api/providers/openai/key")
    assert deleted.json()["key"] == {"has_key": False, "source": "none"}
    assert (SERVICE, "openai") not in memory_keyring.secrets


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "The API key is empty. Paste the key from your provider's dashboard."),
        ("   \n\t ", "The API key is empty. Paste the key from your provider's dashboard."),
        ("sk-one\nsk-two", "The API key must be on one line. Paste only the key."),
        (
            "sk-one sk-two",
            "The API key contains spaces or invisible characters. Paste only the key.",
        ),
        (
            "sk-\u200bhidden",
            "The API key contains spaces or invisible characters. Paste only the key.",
        ),
        (
            "sk-" + "a" * 5000,
            "That is too long to be an API key (more than 4,096 characters). Paste only the key.",
        ),
    ],
)
async def test_bad_keys_are_refused_without_echoing_them(
    api: ApiHarness, memory_keyring: MemoryKeyring, key: str, message: str
) -> None:
    await api.client.post("/api/providers", json={"kind": "openai"})
    response = await api.client.put("/api/providers/openai/key", json={"key": key})
    assert response.status_code == 422
    assert api.error(response) == {"code": "invalid_key", "message": message}
    assert memory_keyring.secrets == {}


async def test_a_key_that_is_not_text_is_refused(api: ApiHarness) -> None:
    await api.client.post("/api/providers", json={"kind": "openai"})
    response = await api.client.put("/api/providers/openai/key", json={"key": 12345})
    assert response.status_code == 422
    assert api.error(response)["message"] == "key: must be text."
    assert "12345" not in response.text


async def test_key_for_unknown_provider_is_404(api: ApiHarness) -> None:
    response = await api.client.put("/api/providers/ghost/key", json={"key": SECRET})
    assert response.status_code == 404
    assert api.error(response)["code"] == "provider_not_found"


@pytest.mark.usefixtures("fail_keyring")
async def test_without_a_keyring_keys_are_refused_with_fix_it_help(
    api: ApiHarness, kitdesk_home: Paths
) -> None:
    await api.client.post("/api/providers", json={"kind": "openai"})
    response = await api.client.put("/api/providers/openai/key", json={"key": SECRET})
    assert response.status_code == 503
    assert api.error(response) == {"code": "keyring_unavailable", "message": NO_KEYRING_HELP}
    info = (await api.client.get("/api/app")).json()
    assert info["keyring"] == {
        "backend": "keyring.backends.fail.Keyring",
        "usable": False,
        "message": NO_KEYRING_HELP,
    }
    listed = (await api.client.get("/api/providers")).json()
    assert listed[0]["key"] == {"has_key": False, "source": "none"}
    # Never a plaintext fallback.
    await api.services.store.close()
    for path, data in all_bytes_under(kitdesk_home.data_dir.parent).items():
        assert SECRET.encode() not in data, path


# -- search -----------------------------------------------------------------------------


async def test_search_finds_threads_with_snippets(api: ApiHarness) -> None:
    store = api.services.store
    when = datetime(2026, 3, 4, 5, 6, 7)
    for thread_id, title, text in (
        ("thr_a", "Garden", "How deep should tomato seedlings be planted?"),
        ("thr_b", "Taxes", "Which forms do I need this year?"),
    ):
        await store.save_thread(ThreadMetadata(id=thread_id, title=title, created_at=when), CTX)
        await store.add_thread_item(
            thread_id,
            UserMessageItem(
                id=f"msg_{thread_id}",
                thread_id=thread_id,
                created_at=when,
                content=[UserMessageTextContent(text=text)],
                inference_options=InferenceOptions(),
            ),
            CTX,
        )
    response = await api.client.get("/api/search", params={"q": "tomato"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["thread_id"] for r in results] == ["thr_a"]
    assert results[0]["title"] == "Garden"
    assert "<mark>tomato</mark>" in results[0]["snippet"]
    assert datetime.fromisoformat(results[0]["updated_at"]).year >= 2026

    assert (await api.client.get("/api/search", params={"q": "   "})).json() == {"results": []}
    assert (await api.client.get("/api/search", params={"q": '"NEAR(*'})).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x", "limit": 0}, "limit: must be at least 1."),
        ({"q": "x", "limit": 1000}, "limit: must be at most 100."),
        ({"q": "x", "limit": "many"}, "limit: must be a whole number."),
        ({"q": "x" * 501}, "q: must be at most 500 characters."),
    ],
)
async def test_bad_search_parameters(
    api: ApiHarness, params: dict[str, object], message: str
) -> None:
    response = await api.client.get("/api/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert api.error(response)["message"] == message


# -- attachments ---------------------------------------------------------------------------


async def new_attachment(api: ApiHarness, name: str, mime_type: str, size: int = 10) -> str:
    attachment = await api.services.store.create_attachment(
        AttachmentCreateParams(name=name, size=size, mime_type=mime_type), CTX
    )
    return attachment.id


async def test_image_upload_and_content(api: ApiHarness) -> None:
    png = tiny_png()
    attachment_id = await new_attachment(api, "cat.png", "image/png", len(png))
    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": ("cat.png", png, "image/png")}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == attachment_id
    assert body["type"] == "image"
    assert body["upload_descriptor"] is None
    assert body["preview_url"] == f"{TEST_ORIGIN}/api/attachments/{attachment_id}/content"

    content = await api.client.get(f"/api/attachments/{attachment_id}/content")
    assert content.status_code == 200
    assert content.content == png
    assert content.headers["content-type"] == "image/png"
    assert content.headers["content-disposition"].startswith("inline")
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-security-policy"].startswith("default-src 'none'")

    again = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": ("cat.png", png, "image/png")}
    )
    assert again.status_code == 409
    assert api.error(again)["code"] == "already_uploaded"


async def test_text_files_download_as_attachments(api: ApiHarness) -> None:
    text = "name,score\nÅsa,3\n".encode()
    attachment_id = await new_attachment(api, "scores.csv", "text/csv")
    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": ("scores.csv", text, "text/csv")}
    )
    assert response.status_code == 200
    assert response.json()["type"] == "file"
    content = await api.client.get(f"/api/attachments/{attachment_id}/content")
    assert content.content == text
    assert content.headers["content-type"] == "text/csv; charset=utf-8"
    assert content.headers["content-disposition"].startswith("attachment")
    assert "scores.csv" in content.headers["content-disposition"]
    assert content.headers["x-content-type-options"] == "nosniff"


async def test_a_jpeg_named_png_is_stored_as_what_it_is(api: ApiHarness) -> None:
    data = TINY_JPEG_START + b"\x00" * 32
    attachment_id = await new_attachment(api, "photo.png", "image/png")
    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": ("photo.png", data, "image/png")}
    )
    assert response.status_code == 200
    assert response.json()["mime_type"] == "image/jpeg"
    content = await api.client.get(f"/api/attachments/{attachment_id}/content")
    assert content.headers["content-type"] == "image/jpeg"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "recorded", "declared", "data", "message"),
    [
        (
            "evil.svg",
            "image/svg+xml",
            "image/svg+xml",
            SVG,
            "Kitdesk can attach images (PNG, JPEG, GIF, WebP), PDF documents and text files; "
            "“evil.svg” is image/svg+xml.",
        ),
        (
            "evil.png",
            "image/png",
            "image/png",
            SVG,
            "“evil.png” is not a PNG, JPEG, GIF or WebP image, or its content does not match "
            "its type.",
        ),
        (
            "notes.txt",
            "text/plain",
            "image/svg+xml",
            SVG,
            "Kitdesk can attach images (PNG, JPEG, GIF, WebP), PDF documents and text files; "
            "“notes.txt” is image/svg+xml.",
        ),
        (
            "notes.txt",
            "text/plain",
            "text/plain",
            b"\x00\x01\x02binary",
            "“notes.txt” is not a UTF-8 text file.",
        ),
        (
            "notes.txt",
            "text/plain",
            "text/plain",
            tiny_png(),
            "“notes.txt” is not a UTF-8 text file.",
        ),
        (
            "report.pdf",
            "application/pdf",
            "application/pdf",
            b"hello",
            "“report.pdf” is not a PDF document.",
        ),
        ("empty.txt", "text/plain", "text/plain", b"", "“empty.txt” is empty."),
    ],
    ids=[
        "svg",
        "svg-named-png",
        "svg-declared-on-text",
        "binary-text",
        "png-as-text",
        "fake-pdf",
        "empty",
    ],
)
async def test_uploads_that_are_not_what_we_accept_are_415(
    api: ApiHarness, name: str, recorded: str, declared: str, data: bytes, message: str
) -> None:
    attachment_id = await new_attachment(api, name, recorded)
    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": (name, data, declared)}
    )
    assert response.status_code == 415
    assert api.error(response) == {"code": "unsupported_file_type", "message": message}
    # Nothing was stored, so nothing can be served.
    assert api.services.store.attachment_file_path(attachment_id) is None
    assert (await api.client.get(f"/api/attachments/{attachment_id}/content")).status_code == 404


async def test_too_large_upload_is_413_and_stops_reading_early(api: ApiHarness) -> None:
    attachment_id = await new_attachment(api, "big.txt", "text/plain")
    sent = 0
    chunk = b"a" * 65536

    async def body() -> AsyncIterator[bytes]:
        # Chunked, no Content-Length: the server has to count as it reads.
        nonlocal sent
        head = (
            b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n"
        )
        yield head
        while sent < 4 * MAX_ATTACHMENT_BYTES:
            sent += len(chunk)
            yield chunk
        yield b"\r\n--XyZ--\r\n"

    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=XyZ"},
    )
    assert response.status_code == 413
    assert api.error(response) == {
        "code": "file_too_large",
        "message": "The file is larger than Kitdesk's limit of 20 MB.",
    }
    assert sent <= MAX_ATTACHMENT_BYTES + 2 * len(chunk)
    assert api.services.store.attachment_file_path(attachment_id) is None
    # The spooled part is gone too.
    assert list((api.services.paths.cache_dir / "uploads").iterdir()) == []


async def test_declared_oversize_upload_is_refused_before_reading(api: ApiHarness) -> None:
    attachment_id = await new_attachment(api, "big.txt", "text/plain")
    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload",
        content=b"--XyZ--\r\n",
        headers={
            "content-type": "multipart/form-data; boundary=XyZ",
            "content-length": str(MAX_ATTACHMENT_BYTES * 2),
        },
    )
    assert response.status_code == 413


async def test_an_upload_exactly_at_the_limit_is_accepted(api: ApiHarness) -> None:
    data = b"a" * MAX_ATTACHMENT_BYTES
    attachment_id = await new_attachment(api, "max.txt", "text/plain")
    response = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": ("max.txt", data, "text/plain")}
    )
    assert response.status_code == 200
    path = api.services.store.attachment_file_path(attachment_id)
    assert path is not None and path.stat().st_size == MAX_ATTACHMENT_BYTES
    assert list((api.services.paths.cache_dir / "uploads").iterdir()) == []


async def test_upload_errors(api: ApiHarness) -> None:
    png = tiny_png()
    unknown = await api.client.post(
        "/api/attachments/atc_missing/upload", files={"file": ("a.png", png, "image/png")}
    )
    assert unknown.status_code == 404
    assert api.error(unknown)["code"] == "attachment_not_found"
    hostile_id = await api.client.post(
        "/api/attachments/..%2F..%2Fsettings/upload", files={"file": ("a.png", png, "image/png")}
    )
    assert hostile_id.status_code == 404

    attachment_id = await new_attachment(api, "a.png", "image/png")
    not_multipart = await api.client.post(
        f"/api/attachments/{attachment_id}/upload",
        content=png,
        headers={"content-type": "image/png"},
    )
    assert not_multipart.status_code == 400
    assert api.error(not_multipart)["message"] == (
        "Send the file as multipart/form-data in a form field named “file”."
    )
    wrong_field = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"image": ("a.png", png, "image/png")}
    )
    assert wrong_field.status_code == 400
    assert api.error(wrong_field)["message"] == "The upload has no file in the form field “file”."
    garbage = await api.client.post(
        f"/api/attachments/{attachment_id}/upload",
        content=b"this is not multipart at all",
        headers={"content-type": "multipart/form-data; boundary=XyZ"},
    )
    assert garbage.status_code == 400
    # The attachment is still waiting for its file after all of that.
    ok = await api.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": ("a.png", png, "image/png")}
    )
    assert ok.status_code == 200


async def test_content_of_unknown_or_unuploaded_attachment_is_404(api: ApiHarness) -> None:
    assert (await api.client.get("/api/attachments/atc_nope/content")).status_code == 404
    attachment_id = await new_attachment(api, "a.png", "image/png")
    response = await api.client.get(f"/api/attachments/{attachment_id}/content")
    assert response.status_code == 404
    assert api.error(response)["code"] == "attachment_not_found"


async def test_provider_model_in_settings_is_not_a_secret(api: ApiHarness) -> None:
    # Providers are plain data: the settings response carries them, never keys.
    await api.client.post("/api/providers", json={"kind": "custom", "default_model": "m1"})
    settings = (await api.client.get("/api/settings")).json()
    provider = Provider.model_validate(settings["providers"][0])
    assert provider.default_model == "m1"
    assert "key" not in settings["providers"][0]


# -- through the whole app ---------------------------------------------------------------


def test_onboarding_to_first_answer_through_the_real_server(
    live_server: LiveServer, upstream: Upstream, memory_keyring: MemoryKeyring
) -> None:
    """Add a provider, store its key, pick a model from its list and chat: the key
    travels keyring -> responder -> provider and never back out."""
    client = live_server.client
    upstream.require_key = SECRET
    seen = []

    test = client.post(
        "/api/providers/test",
        json={"kind": "openrouter", "base_url": upstream.base_url, "key": SECRET},
    )
    assert test.json()["ok"] is True
    created = client.post(
        "/api/providers", json={"kind": "openrouter", "base_url": upstream.base_url}
    )
    assert created.status_code == 201
    assert client.get("/api/app").json()["needs_onboarding"] is True
    seen.append(client.put("/api/providers/openrouter/key", json={"key": SECRET}))
    assert memory_keyring.secrets[(SERVICE, "openrouter")] == SECRET

    models = client.get("/api/models").json()
    assert models["errors"] == []
    assert "openrouter::gpt-test" in [m["id"] for m in models["models"]]
    seen.append(client.put("/api/settings", json={"default_model": "openrouter::gpt-test"}))
    info = client.get("/api/app").json()
    assert (info["needs_onboarding"], info["default_model"]) == (False, "openrouter::gpt-test")

    with client.stream(
        "POST",
        "/chatkit",
        json={
            "type": "threads.create",
            "params": {
                "input": {
                    "content": [{"type": "input_text", "text": "Hello"}],
                    "attachments": [],
                    "inference_options": {},
                }
            },
        },
    ) as reply:
        body = b"".join(reply.iter_bytes())
    assert b"Echo: Hello" in body
    chat = upstream.chat_requests[-1]
    assert chat.model == "gpt-test"
    assert chat.headers["authorization"] == f"Bearer {SECRET}"

    for path in ("/api/providers", "/api/settings", "/api/app", "/api/health", "/api/models"):
        seen.append(client.get(path))
    assert SECRET.encode() not in body
    for response in seen:
        assert response.status_code == 200
        assert SECRET not in response.text


def test_errors_keep_their_shape_through_the_real_server(live_server: LiveServer) -> None:
    client = live_server.client
    bad = client.put("/api/settings", json={"temperature": 7})
    assert bad.status_code == 422
    assert bad.json() == {
        "error": {"code": "invalid_settings", "message": "temperature: must be between 0 and 2."}
    }
    missing = client.get("/api/providers/nope/test")
    assert missing.status_code == 405
    assert missing.json()["error"]["code"] == "method_not_allowed"
    gone = client.delete("/api/providers/nope")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "provider_not_found"


async def test_the_azure_template_url_must_be_filled_in(api: ApiHarness) -> None:
    template = await api.client.post("/api/providers", json={"kind": "azure"})
    assert template.status_code == 422
    assert api.error(template) == {
        "code": "invalid_provider",
        "message": "base_url: replace YOUR-RESOURCE with the name of your Azure OpenAI resource.",
    }
    filled = await api.client.post(
        "/api/providers",
        json={"kind": "azure", "base_url": "https://contoso.openai.azure.com/openai/v1"},
    )
    assert filled.status_code == 201
    assert (filled.json()["id"], filled.json()["api_version"], filled.json()["needs_key"]) == (
        "azure",
        "preview",
        True,
    )
    unsaved = await api.client.post("/api/providers/test", json={"kind": "azure", "key": SECRET})
    assert unsaved.status_code == 422
    assert "YOUR-RESOURCE" in api.error(unsaved)["message"]
