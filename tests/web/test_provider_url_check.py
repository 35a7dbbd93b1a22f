"""``GET /api/providers/check-url``: the provider form's warnings about an address,
by the server's own rules (``providers/origins.py``), over HTTP with the real settings
file and keyring library (in-memory backend) behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from kitdesk.paths import Paths
from kitdesk.web.routes.providers import MAX_CHECKED_URL

from tests.api_harness import ApiHarness, api_harness

SECRET = "sk-test-Zq8vW2kLmN4pR6tY0uI3oP5aS7dF9gH1"


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


async def warnings(api: ApiHarness, url: str, provider_id: str | None = None) -> list[str]:
    params: dict[str, Any] = {"url": url}
    if provider_id is not None:
        params["provider_id"] = provider_id
    reply = await api.client.get("/api/providers/check-url", params=params)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["url"] == url
    return body["warnings"]


async def test_cleartext_is_flagged_off_this_machine_and_private_networks(
    api: ApiHarness,
) -> None:
    for url in (
        "http://api.example.com/v1",
        "http://8.8.8.8:8080/v1",
        "HTTP://Example.COM",
        "http://203.0.113.7/v1",  # a documentation address is nobody's local network
        "http://172.32.0.1/v1",  # just past 172.16.0.0/12
        "http://[2001:db8::1]/v1",
    ):
        assert await warnings(api, url) == ["cleartext"], url
    for url in (
        "https://api.example.com/v1",
        "http://localhost:11434/v1",
        "http://llm.localhost/v1",
        "http://127.0.0.1:1234/v1",
        "http://192.168.1.20:8000/v1",
        "http://10.0.0.5/v1",
        "http://172.20.0.2/v1",
        "http://[::1]:8080/v1",
        "http://[fe80::1]/v1",
        "http://[fd12::5]/v1",
        "http://[::ffff:192.168.0.9]/v1",
        "not a url",
        "",
    ):
        assert await warnings(api, url) == [], url


async def test_another_origin_for_a_provider_with_a_stored_key_says_it_is_cleared(
    api: ApiHarness,
) -> None:
    created = await api.client.post(
        "/api/providers",
        json={"kind": "custom", "name": "Mine", "base_url": "https://llm.example.com/v1"},
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    # No stored key: nothing to clear.
    assert await warnings(api, "https://other.example.com/v1", provider_id) == []
    stored = await api.client.put(f"/api/providers/{provider_id}/key", json={"key": SECRET})
    assert stored.status_code == 200, stored.text
    assert await warnings(api, "https://other.example.com/v1", provider_id) == ["key_cleared"]
    assert await warnings(api, "http://other.example.com/v1", provider_id) == [
        "cleartext",
        "key_cleared",
    ]
    # Same origin (a new path, the default port spelt out, other case): the key stays.
    for same in ("https://LLM.example.com:443/v2", "https://llm.example.com/"):
        assert await warnings(api, same, provider_id) == [], same
    # Half typed: no origin yet, nothing said.
    for partial in ("https://", "llm.example", "https://llm.example.com:99999/"):
        assert await warnings(api, partial, provider_id) == [], partial


async def test_an_unknown_provider_and_an_overlong_address_get_a_sentence(
    api: ApiHarness,
) -> None:
    reply = await api.client.get(
        "/api/providers/check-url", params={"url": "https://x.example", "provider_id": "nope"}
    )
    assert reply.status_code == 404
    assert api.error(reply)["code"] == "provider_not_found"
    reply = await api.client.get(
        "/api/providers/check-url", params={"url": "https://x.example/" + "a" * MAX_CHECKED_URL}
    )
    assert reply.status_code == 422
    assert api.error(reply) == {
        "code": "invalid_url",
        "message": f"That address is longer than {MAX_CHECKED_URL} characters.",
    }
