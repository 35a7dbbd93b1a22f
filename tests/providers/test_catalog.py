"""Model lists fetched from the fake upstream (over httpx2, the request the
``openai`` client sends: test_model_request.py): the ChatKit ModelOption shape,
ordering, caching (memory, disk, TTL, refresh), and the messages a person sees
when a provider cannot be reached."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths
from kitdesk.providers.catalog import CACHE_FILE_NAME, ModelsCatalog
from kitdesk.providers.resolver import ProviderResolver, forget_listed_models
from kitdesk.settings import Provider, Settings

from tests.api_harness import ApiHarness, api_harness
from tests.upstream import Upstream

RIGHT_KEY = "sk-right-Aa11Bb22Cc33Dd44"
WRONG_KEY = "sk-wrong-Zz99Yy88Xx77Ww66"
REJECTED = "Key rejected by the provider. Check that the key is complete and still active."


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home, timeout=2.0) as harness:
        yield harness


def model_requests(upstream: Upstream) -> list[dict[str, str]]:
    """Headers of every GET /v1/models the upstream received."""
    return [r.headers for r in upstream.requests if r.path == "/v1/models"]


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) but never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


async def add_provider(api: ApiHarness, **fields: object) -> dict[str, object]:
    response = await api.client.post("/api/providers", json=fields)
    assert response.status_code == 201, response.text
    return response.json()


async def get_models(api: ApiHarness, refresh: bool = False) -> dict[str, list[dict[str, object]]]:
    response = await api.client.get("/api/models", params={"refresh": "1"} if refresh else {})
    assert response.status_code == 200
    return response.json()


async def test_models_come_back_as_chatkit_model_options(
    api: ApiHarness, upstream: Upstream
) -> None:
    await add_provider(
        api,
        kind="custom",
        name="Lab box",
        base_url=upstream.base_url,
        default_model="gpt-test-mini",
    )
    listing = await get_models(api)
    assert listing == {
        "models": [
            {
                "id": "custom::gpt-test-mini",
                "label": "gpt-test-mini",
                "description": "Lab box",
                "default": True,
                "api": "chat_completions",
                "web_search": False,
                "reasoning_effort": False,
            },
            {
                "id": "custom::gpt-test",
                "label": "gpt-test",
                "description": "Lab box",
                "default": False,
                "api": "chat_completions",
                "web_search": False,
                "reasoning_effort": False,
            },
        ],
        "errors": [],
    }


async def test_models_of_a_responses_provider_offer_web_search_and_reasoning_effort(
    api: ApiHarness, upstream: Upstream
) -> None:
    await add_provider(api, kind="openai", base_url=upstream.base_url, default_model="gpt-test")
    await api.client.put("/api/providers/openai/key", json={"key": RIGHT_KEY})
    await add_provider(api, kind="custom", base_url=upstream.base_url, default_model="gpt-test")
    listing = await get_models(api)
    by_ref = {m["id"]: m for m in listing["models"]}
    openai_model, custom_model = by_ref["openai::gpt-test"], by_ref["custom::gpt-test"]
    assert (openai_model["api"], openai_model["web_search"], openai_model["reasoning_effort"]) == (
        "responses",
        True,
        True,
    )
    assert (custom_model["api"], custom_model["web_search"], custom_model["reasoning_effort"]) == (
        "chat_completions",
        False,
        False,
    )


async def test_lists_are_cached_and_refreshed_on_demand(
    api: ApiHarness, upstream: Upstream, kitdesk_home: Paths
) -> None:
    await add_provider(api, kind="custom", base_url=upstream.base_url)
    first = await get_models(api)
    assert [m["label"] for m in first["models"]] == ["gpt-test", "gpt-test-mini"]
    assert len(model_requests(upstream)) == 1

    upstream.models = ["gpt-test", "gpt-test-mini", "brand-new"]
    assert await get_models(api) == first  # from the cache
    assert len(model_requests(upstream)) == 1

    refreshed = await get_models(api, refresh=True)
    assert [m["label"] for m in refreshed["models"]] == ["brand-new", "gpt-test", "gpt-test-mini"]
    assert len(model_requests(upstream)) == 2

    cached = json.loads((kitdesk_home.cache_dir / CACHE_FILE_NAME).read_text())
    assert cached["providers"]["custom"]["models"] == ["gpt-test", "gpt-test-mini", "brand-new"]
    assert cached["providers"]["custom"]["base_url"] == upstream.base_url


async def test_the_disk_cache_fills_the_picker_after_a_restart(
    kitdesk_home: Paths, upstream: Upstream
) -> None:
    async with api_harness(kitdesk_home) as api:
        await add_provider(api, kind="custom", base_url=upstream.base_url)
        before = await get_models(api)
    upstream.models = ["changed-meanwhile"]
    async with api_harness(kitdesk_home) as api:
        after = await get_models(api)
    assert after == before
    assert len(model_requests(upstream)) == 1


async def test_a_changed_base_url_or_key_invalidates_the_cache(
    api: ApiHarness, upstream: Upstream
) -> None:
    await add_provider(api, kind="custom", base_url=closed_port_url())
    broken = await get_models(api)
    assert broken["models"] == []
    assert len(broken["errors"]) == 1

    await api.client.put("/api/providers/custom", json={"base_url": upstream.base_url})
    fixed = await get_models(api)
    assert fixed["errors"] == []
    assert [m["label"] for m in fixed["models"]] == ["gpt-test", "gpt-test-mini"]

    upstream.models = ["after-key-change"]
    await api.client.put("/api/providers/custom/key", json={"key": RIGHT_KEY})
    assert [m["label"] for m in (await get_models(api))["models"]] == ["after-key-change"]


def closed_port_url() -> str:
    return f"http://127.0.0.1:{closed_port()}/v1"


async def test_ttl_expiry_refetches(kitdesk_home: Paths, upstream: Upstream) -> None:
    now = [1_000_000.0]
    catalog = ModelsCatalog(kitdesk_home.cache_dir, KeyStore(), ttl=600, clock=lambda: now[0])
    settings = Settings(
        providers=[Provider(id="lab", name="Lab", kind="custom", base_url=upstream.base_url)]
    )
    await catalog.list_models(settings)
    now[0] += 599
    await catalog.list_models(settings)
    assert len(model_requests(upstream)) == 1
    now[0] += 2
    await catalog.list_models(settings)
    assert len(model_requests(upstream)) == 2
    await catalog.aclose()


async def test_concurrent_requests_share_one_fetch(kitdesk_home: Paths, upstream: Upstream) -> None:
    catalog = ModelsCatalog(kitdesk_home.cache_dir, KeyStore())
    settings = Settings(
        providers=[Provider(id="lab", name="Lab", kind="custom", base_url=upstream.base_url)]
    )
    results = await asyncio.gather(*(catalog.list_models(settings) for _ in range(5)))
    assert all(r.models == results[0].models for r in results)
    assert len(model_requests(upstream)) == 1
    await catalog.aclose()


async def test_a_rejected_key_is_reported_without_leaking_it(
    api: ApiHarness, upstream: Upstream
) -> None:
    upstream.require_key = RIGHT_KEY
    await add_provider(api, kind="openrouter", base_url=upstream.base_url)

    # No key yet: a provider that needs one is not asked at all.
    assert await get_models(api) == {"models": [], "errors": []}
    assert model_requests(upstream) == []

    await api.client.put("/api/providers/openrouter/key", json={"key": WRONG_KEY})
    response = await api.client.get("/api/models")
    listing = response.json()
    assert listing["errors"] == [
        {
            "provider_id": "openrouter",
            "message": REJECTED,
        }
    ]
    # Its default model is still offered.
    assert [m["id"] for m in listing["models"]] == ["openrouter::openai/gpt-4.1-mini"]
    assert WRONG_KEY not in response.text
    assert "wxyz" not in response.text  # the upstream's own message echoes part of the key
    assert model_requests(upstream)[-1]["authorization"] == f"Bearer {WRONG_KEY}"

    await api.client.put("/api/providers/openrouter/key", json={"key": RIGHT_KEY})
    listing = await get_models(api)
    assert listing["errors"] == []
    assert [m["label"] for m in listing["models"]] == [
        "openai/gpt-4.1-mini",
        "gpt-test",
        "gpt-test-mini",
    ]


async def test_a_local_server_asking_for_a_key_says_so(api: ApiHarness, upstream: Upstream) -> None:
    upstream.require_key = RIGHT_KEY
    await add_provider(api, kind="lmstudio", base_url=upstream.base_url)
    listing = await get_models(api)
    assert listing["errors"] == [
        {
            "provider_id": "lmstudio",
            "message": "The server asks for an API key. Add one in Settings.",
        }
    ]


async def test_an_unreachable_provider_does_not_break_the_others(
    api: ApiHarness, upstream: Upstream
) -> None:
    dead = closed_port_url()
    await add_provider(api, kind="ollama", base_url=dead, default_model="llama3.2")
    await add_provider(api, kind="custom", base_url=upstream.base_url)
    listing = await get_models(api)
    assert listing["errors"] == [
        {
            "provider_id": "ollama",
            "message": f"Could not connect to {dead} — is the server running?",
        }
    ]
    assert [m["id"] for m in listing["models"]] == [
        "ollama::llama3.2",  # the default provider's configured model, offered regardless
        "custom::gpt-test",
        "custom::gpt-test-mini",
    ]
    assert listing["models"][0]["default"] is True


async def test_a_server_that_never_answers_times_out(
    kitdesk_home: Paths, upstream: Upstream, silent_server: int
) -> None:
    silent = f"http://127.0.0.1:{silent_server}/v1"
    async with api_harness(kitdesk_home, timeout=0.5) as api:
        await add_provider(api, kind="custom", base_url=upstream.base_url)
        await add_provider(api, kind="lmstudio", base_url=silent)
        listing = await get_models(api)
    assert listing["errors"] == [
        {
            "provider_id": "lmstudio",
            "message": f"No answer from {silent} within 0.5 seconds — "
            "is the server running and reachable?",
        }
    ]
    assert [m["label"] for m in listing["models"]] == ["gpt-test", "gpt-test-mini"]


async def test_a_wrong_base_url_path_is_explained(api: ApiHarness, upstream: Upstream) -> None:
    without_v1 = f"http://127.0.0.1:{upstream.port}"
    await add_provider(api, kind="custom", base_url=without_v1)
    listing = await get_models(api)
    assert listing["errors"] == [
        {
            "provider_id": "custom",
            "message": f"{without_v1}/models was not found (HTTP 404). Check the base URL: "
            "OpenAI-compatible servers usually end in /v1.",
        }
    ]


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain static web server (not an API): what a mistyped base URL often reaches."""
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "body",
    ["<!doctype html><title>LM Studio</title>", '{"data": [{"name": "x"}]}', "[1, 2, 3]", ""],
    ids=["html", "no-ids", "array", "empty"],
)
async def test_a_server_that_is_not_an_openai_api_is_named(
    api: ApiHarness, file_server: tuple[str, Path], body: str
) -> None:
    address, root = file_server
    (root / "v1").mkdir()
    (root / "v1" / "models").write_text(body)
    base_url = f"{address}/v1"
    response = await api.client.post(
        "/api/providers/test", json={"kind": "custom", "base_url": base_url}
    )
    assert response.json() == {
        "ok": False,
        "message": f"The server at {base_url} did not answer like an OpenAI-compatible API.",
        "model_count": None,
    }


async def test_openai_lists_only_chat_models(api: ApiHarness, upstream: Upstream) -> None:
    upstream.models = [
        "gpt-4.1",
        "text-embedding-3-small",
        "whisper-1",
        "tts-1-hd",
        "dall-e-3",
        "omni-moderation-latest",
        "gpt-4o-realtime-preview",
        "o4-mini",
    ]
    await add_provider(api, kind="openai", base_url=upstream.base_url)
    await api.client.put("/api/providers/openai/key", json={"key": RIGHT_KEY})
    labels = [m["label"] for m in (await get_models(api))["models"]]
    assert labels == ["gpt-4.1-mini", "gpt-4.1", "o4-mini"]


async def test_disabled_providers_are_not_listed(api: ApiHarness, upstream: Upstream) -> None:
    await add_provider(api, kind="custom", base_url=upstream.base_url, enabled=False)
    assert await get_models(api) == {"models": [], "errors": []}
    assert model_requests(upstream) == []


async def test_the_default_provider_comes_first(api: ApiHarness, upstream: Upstream) -> None:
    await add_provider(api, kind="custom", name="First", base_url=upstream.base_url)
    await add_provider(api, kind="lmstudio", name="Chosen", base_url=upstream.base_url)
    saved = await api.client.put("/api/settings", json={"default_model": "lmstudio::gpt-test-mini"})
    assert saved.status_code == 200
    options = (await get_models(api))["models"]
    assert [(m["id"], m["default"]) for m in options] == [
        ("lmstudio::gpt-test-mini", True),
        ("lmstudio::gpt-test", False),
        ("custom::gpt-test", False),
        ("custom::gpt-test-mini", False),
    ]
    assert [m["description"] for m in options] == ["Chosen", "Chosen", "First", "First"]


async def test_keyless_providers_never_receive_the_environment_key(
    api: ApiHarness, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", RIGHT_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url)
    monkeypatch.setenv("OPENAI_DEFAULT_MODEL", "gpt-test")
    await add_provider(api, kind="ollama", base_url=upstream.base_url)
    listing = await get_models(api)
    assert {m["id"] for m in listing["models"]} == {
        "ollama::gpt-test",
        "ollama::gpt-test-mini",
        "environment::gpt-test",
        "environment::gpt-test-mini",
    }
    sent = sorted(headers["authorization"] for headers in model_requests(upstream))
    assert sent == sorted([f"Bearer {RIGHT_KEY}", "Bearer no-key"])


async def test_environment_server_offers_its_own_models_not_the_openai_fallback(
    api: ApiHarness, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", RIGHT_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url)  # e.g. Ollama's /v1
    listing = await get_models(api)
    assert [(m["id"], m["default"]) for m in listing["models"]] == [
        ("environment::gpt-test", True),
        ("environment::gpt-test-mini", False),
    ]


async def test_a_message_sent_with_no_model_goes_where_the_picker_points(
    kitdesk_home: Paths, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPENAI_BASE_URL at a server without OpenAI's fallback name: the turn's default
    (the resolver) is the picker's default, once the list is known and after a restart."""
    monkeypatch.setenv("OPENAI_API_KEY", RIGHT_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", upstream.base_url)
    upstream.models = ["qwen3:8b", "llama3.2:3b"]
    assert ProviderResolver(Settings(), KeyStore()).resolve(None).model == "gpt-4.1-mini"
    async with api_harness(kitdesk_home) as api:
        shown = [m["id"] for m in (await get_models(api))["models"] if m["default"]]
    assert shown == ["environment::llama3.2:3b"]
    assert ProviderResolver(Settings(), KeyStore()).resolve(None).model == "llama3.2:3b"

    forget_listed_models()  # a new process: the list comes from the cache file
    upstream.requests.clear()
    async with api_harness(kitdesk_home):
        assert ProviderResolver(Settings(), KeyStore()).resolve(None).model == "llama3.2:3b"
    assert model_requests(upstream) == []

    # The person's own choice still wins.
    monkeypatch.setenv("OPENAI_DEFAULT_MODEL", "qwen3:8b")
    assert ProviderResolver(Settings(), KeyStore()).resolve(None).model == "qwen3:8b"


async def test_an_unreadable_cache_file_is_ignored(kitdesk_home: Paths, upstream: Upstream) -> None:
    (kitdesk_home.cache_dir / CACHE_FILE_NAME).write_text('{"format": 1, "providers": [')
    async with api_harness(kitdesk_home) as api:
        await add_provider(api, kind="custom", base_url=upstream.base_url)
        listing = await get_models(api)
    assert [m["label"] for m in listing["models"]] == ["gpt-test", "gpt-test-mini"]
    cached = json.loads((kitdesk_home.cache_dir / CACHE_FILE_NAME).read_text())
    assert cached["providers"]["custom"]["models"] == ["gpt-test", "gpt-test-mini"]


# -- connection tests ------------------------------------------------------------------


async def test_testing_a_saved_provider(api: ApiHarness, upstream: Upstream) -> None:
    await add_provider(api, kind="custom", base_url=upstream.base_url)
    response = await api.client.post("/api/providers/custom/test")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": "Connected: 2 models", "model_count": 2}
    # The successful test also filled the cache.
    await get_models(api)
    assert len(model_requests(upstream)) == 1

    upstream.models = ["only-one"]
    response = await api.client.post("/api/providers/custom/test")
    assert response.json()["message"] == "Connected: 1 model"


async def test_testing_an_unsaved_configuration(api: ApiHarness, upstream: Upstream) -> None:
    upstream.require_key = RIGHT_KEY
    good = await api.client.post(
        "/api/providers/test",
        json={"kind": "openai", "base_url": upstream.base_url, "key": RIGHT_KEY},
    )
    assert good.json() == {"ok": True, "message": "Connected: 2 models", "model_count": 2}
    bad = await api.client.post(
        "/api/providers/test",
        json={"kind": "openai", "base_url": upstream.base_url, "key": WRONG_KEY},
    )
    assert bad.json() == {
        "ok": False,
        "message": REJECTED,
        "model_count": None,
    }
    assert WRONG_KEY not in bad.text
    missing = await api.client.post(
        "/api/providers/test", json={"kind": "openai", "base_url": upstream.base_url}
    )
    assert missing.json() == {
        "ok": False,
        "message": "OpenAI needs an API key. Add one, then test again.",
        "model_count": None,
    }
    # Nothing was saved by testing.
    assert (await api.client.get("/api/providers")).json() == []


async def test_testing_new_settings_with_a_saved_key(api: ApiHarness, upstream: Upstream) -> None:
    """A saved key tests a changed path on its own origin, never another origin."""
    upstream.require_key = RIGHT_KEY
    await add_provider(api, kind="openrouter", base_url=upstream.base_url + "/old")
    await api.client.put("/api/providers/openrouter/key", json={"key": RIGHT_KEY})
    response = await api.client.post(
        "/api/providers/test",
        json={"kind": "openrouter", "base_url": upstream.base_url, "provider_id": "openrouter"},
    )
    assert response.json()["ok"] is True
    elsewhere = await api.client.post(
        "/api/providers/test",
        json={"kind": "openrouter", "base_url": closed_port_url(), "provider_id": "openrouter"},
    )
    assert elsewhere.status_code == 409
    assert api.error(elsewhere)["code"] == "key_bound_to_origin"


async def test_connection_test_errors(api: ApiHarness) -> None:
    dead = closed_port_url()
    refused = await api.client.post(
        "/api/providers/test", json={"kind": "ollama", "base_url": dead}
    )
    assert refused.json() == {
        "ok": False,
        "message": f"Could not connect to {dead} — is the server running?",
        "model_count": None,
    }
    bad_url = await api.client.post(
        "/api/providers/test", json={"kind": "custom", "base_url": "localhost:1234"}
    )
    assert bad_url.status_code == 422
    assert api.error(bad_url)["message"] == (
        "base_url: the base URL must start with http:// or https://."
    )
    unknown = await api.client.post("/api/providers/nope/test")
    assert unknown.status_code == 404
    bad_key = await api.client.post(
        "/api/providers/test", json={"kind": "openai", "base_url": dead, "key": "two\nlines"}
    )
    assert bad_key.status_code == 422
    assert api.error(bad_key)["code"] == "invalid_key"


async def test_keys_never_reach_the_logs_even_at_debug_level(
    api: ApiHarness, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, including openai, httpx2 and httpcore2
    # Set to WARNING by tests that configure logging.
    for name in ("openai", "httpx", "httpcore", "httpx2", "httpcore2"):
        caplog.set_level(logging.DEBUG, logger=name)
    upstream.require_key = RIGHT_KEY
    await add_provider(api, kind="openrouter", base_url=upstream.base_url)
    await api.client.put("/api/providers/openrouter/key", json={"key": WRONG_KEY})
    assert (await get_models(api))["errors"][0]["message"] == REJECTED
    await api.client.put("/api/providers/openrouter/key", json={"key": RIGHT_KEY})
    assert (await get_models(api, refresh=True))["errors"] == []
    await api.client.post(
        "/api/providers/test",
        json={"kind": "openai", "base_url": upstream.base_url, "key": WRONG_KEY},
    )
    await api.client.put("/api/providers/openrouter/key", json={"key": "bad\nkey"})
    # The HTTP client logged its requests and their headers' progress: the check below
    # is not vacuous.
    assert any(r.name.startswith("httpcore2") for r in caplog.records)
    assert RIGHT_KEY not in caplog.text
    assert WRONG_KEY not in caplog.text
