"""``/api/mcp``: MCP servers are added, edited, tested and removed; secrets never come out.

The API runs over the real settings file and keyring library (in-memory backend);
the connection tests start the real test MCP servers (tests/mcp_servers).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from kitdesk.keys import SERVICE
from kitdesk.paths import Paths

from tests.api_harness import ApiHarness, api_harness
from tests.conftest import MemoryKeyring
from tests.mcp_servers import TOOL_NAMES, http_mcp_server, stdio_launch

SECRET = "Bearer s3cret value"


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


def stdio_body(**changes: Any) -> dict[str, Any]:
    launch = stdio_launch(extra_args=changes.pop("extra_args", None))
    body: dict[str, Any] = {
        "name": "Test tools",
        "transport": "stdio",
        "command": launch.command,
        "args": launch.args,
        "env": launch.env,
    }
    body.update(changes)
    return body


async def test_add_list_edit_delete_with_secrets_kept_in_the_keyring(
    api: ApiHarness, kitdesk_home: Paths, memory_keyring: MemoryKeyring
) -> None:
    body = stdio_body(secret_env=["TOKEN"], secret_values={"env": {"TOKEN": SECRET}})
    added = await api.client.post("/api/mcp/servers", json=body)
    assert added.status_code == 201, added.text
    server = added.json()
    assert server["id"] == "test-tools"
    assert (server["approval"], server["enabled"]) == ("ask", True)
    assert server["secrets_set"] == {"env": ["TOKEN"], "header": []}
    assert memory_keyring.secrets[(SERVICE, "mcp:test-tools:env:TOKEN")] == SECRET

    listed = (await api.client.get("/api/mcp/servers")).json()
    assert [s["id"] for s in listed] == ["test-tools"]
    on_disk = kitdesk_home.settings_path.read_text()
    assert "s3cret" not in on_disk and "s3cret" not in json.dumps(listed)
    assert json.loads(on_disk)["mcp_servers"][0]["secret_env"] == ["TOKEN"]

    second = await api.client.post("/api/mcp/servers", json=stdio_body())
    assert second.json()["id"] == "test-tools-2"

    edited = await api.client.put(
        "/api/mcp/servers/test-tools",
        json=stdio_body(name="Renamed", approval="allow", enabled=False, secret_env=[]),
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["approval"]) == ("Renamed", "allow")
    assert edited.json()["enabled"] is False
    # The secret dropped from the list is gone from the keyring.
    assert (SERVICE, "mcp:test-tools:env:TOKEN") not in memory_keyring.secrets

    deleted = await api.client.delete("/api/mcp/servers/test-tools")
    assert deleted.json() == {"deleted": "test-tools"}
    listed = (await api.client.get("/api/mcp/servers")).json()
    assert [s["id"] for s in listed] == ["test-tools-2"]
    missing = await api.client.delete("/api/mcp/servers/test-tools")
    assert missing.status_code == 404
    assert api.error(missing)["code"] == "mcp_server_not_found"


async def test_a_secret_left_out_of_an_edit_keeps_its_value(
    api: ApiHarness, memory_keyring: MemoryKeyring
) -> None:
    body = stdio_body(secret_env=["TOKEN"], secret_values={"env": {"TOKEN": SECRET}})
    await api.client.post("/api/mcp/servers", json=body)
    edited = await api.client.put(
        "/api/mcp/servers/test-tools", json=stdio_body(name="Again", secret_env=["TOKEN"])
    )
    assert edited.json()["secrets_set"] == {"env": ["TOKEN"], "header": []}
    assert memory_keyring.secrets[(SERVICE, "mcp:test-tools:env:TOKEN")] == SECRET


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x", "transport": "stdio"}, "a stdio server needs a command"),
        (
            {"name": "x", "transport": "http", "url": "ftp://example.com"},
            "needs a URL starting with http:// or https://",
        ),
        ({"name": "x", "command": "npx", "env": {"BAD NAME": "1"}}, "“BAD NAME” is not a valid"),
        ({"name": "x", "command": "npx", "approval": "sometimes"}, "approval"),
        (
            {"name": "x", "command": "npx", "secret_values": {"env": {"TOKEN": "abc"}}},
            "“TOKEN” is not listed as secret",
        ),
        ({"name": "", "command": "npx"}, "name"),
    ],
)
async def test_bad_servers_are_refused_with_a_sentence(
    api: ApiHarness, body: dict[str, Any], message: str
) -> None:
    response = await api.client.post("/api/mcp/servers", json=body)
    assert response.status_code == 422
    error = api.error(response)
    assert error["code"] in ("invalid_mcp_server", "invalid_body", "invalid_request")
    assert message.lower() in error["message"].lower(), error["message"]
    assert (await api.client.get("/api/mcp/servers")).json() == []


async def test_testing_a_saved_stdio_server_lists_its_tools(api: ApiHarness) -> None:
    body = stdio_body(secret_env=["KITDESK_TEST_SECRET"])
    await api.client.post("/api/mcp/servers", json=body)
    tested = (await api.client.post("/api/mcp/servers/test-tools/test")).json()
    assert tested["ok"] is True
    assert tested["message"] == f"Connected to “Test tools”: {len(TOOL_NAMES)} tools."
    assert [t["name"] for t in tested["tools"]] == list(TOOL_NAMES)
    echo = next(t for t in tested["tools"] if t["name"] == "echo")
    assert echo["description"] == "Return the given text unchanged."


async def test_testing_an_unsaved_server_that_fails_answers_a_sentence(api: ApiHarness) -> None:
    tested = await api.client.post(
        "/api/mcp/test", json=stdio_body(name="Broken", extra_args=["--exit-at-start", "3"])
    )
    assert tested.status_code == 200
    answer = tested.json()
    assert answer["ok"] is False and answer["tools"] == []
    assert answer["message"].startswith("The MCP server “Broken” could not start")


async def test_testing_an_unsaved_http_server_with_a_secret_header(api: ApiHarness) -> None:
    with http_mcp_server(require_header=("X-Token", "tok 123")) as running:
        body: dict[str, Any] = {"name": "Web", "transport": "http", "url": running.url}
        refused = (await api.client.post("/api/mcp/test", json=body)).json()
        assert refused["ok"] is False and "“Web”" in refused["message"]
        body.update(secret_headers=["X-Token"], secret_values={"header": {"X-Token": "tok 123"}})
        tested = (await api.client.post("/api/mcp/test", json=body)).json()
        assert tested["ok"] is True, tested
        assert len(tested["tools"]) == len(TOOL_NAMES)
    assert (await api.client.get("/api/mcp/servers")).json() == []
