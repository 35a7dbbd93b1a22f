"""Agent Builder workflows (hosted ChatKit): /api/workflows against the fake upstream's
``/v1/chatkit/sessions`` and threads routes, through the real ``openai`` client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from kitdesk.paths import Paths

from tests.api_harness import ApiHarness, api_harness
from tests.upstream import Upstream

KEY = "sk-test-workflows-0001"
WORKFLOW = "wf_68d5bd1c0b1881908a3b5b44f1e2d2f4"


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


async def add_openai(api: ApiHarness, upstream: Upstream, *, with_key: bool = True) -> str:
    created = await api.client.post(
        "/api/providers", json={"kind": "openai", "base_url": upstream.base_url}
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    if with_key:
        stored = await api.client.put(f"/api/providers/{provider_id}/key", json={"key": KEY})
        assert stored.status_code == 200
    return provider_id


async def test_a_workflow_gets_a_fresh_client_secret_each_time(
    api: ApiHarness, upstream: Upstream
) -> None:
    upstream.require_key = KEY
    provider_id = await add_openai(api, upstream)
    added = await api.client.post(
        "/api/workflows", json={"id": WORKFLOW, "name": "Support", "provider_id": provider_id}
    )
    assert added.status_code == 201, added.text
    assert (await api.client.get("/api/workflows")).json() == [
        {"id": WORKFLOW, "name": "Support", "provider_id": provider_id}
    ]
    first = (await api.client.post(f"/api/workflows/{WORKFLOW}/session")).json()
    second = (await api.client.post(f"/api/workflows/{WORKFLOW}/session")).json()
    assert set(first) == {"client_secret", "expires_at"}
    assert first["client_secret"] != second["client_secret"]
    sessions = upstream.chatkit.sessions
    assert [s.client_secret for s in sessions] == [first["client_secret"], second["client_secret"]]
    assert [s.workflow.id for s in sessions] == [WORKFLOW, WORKFLOW]
    # One made-up user per install, kept in the settings, scopes the workflow's threads.
    user = api.services.settings_file.settings.hosted_user
    assert user is not None and {s.user for s in sessions} == {user}


async def test_the_workflows_threads_are_listed(api: ApiHarness, upstream: Upstream) -> None:
    provider_id = await add_openai(api, upstream)
    await api.client.post(
        "/api/workflows", json={"id": WORKFLOW, "name": "Support", "provider_id": provider_id}
    )
    # Before any session there is no install user, so no threads; the GET makes none.
    before = await api.client.get(f"/api/workflows/{WORKFLOW}/threads")
    assert before.json() == {"data": []}
    assert api.services.settings_file.settings.hosted_user is None
    await api.client.post(f"/api/workflows/{WORKFLOW}/session")  # makes the install's user
    user = api.services.settings_file.settings.hosted_user
    assert user is not None
    mine = upstream.chatkit.add_thread(user, title="Refund question", exchanges=[("hi", "hello")])
    upstream.chatkit.add_thread("someone-else", title="Not mine")
    listed = (await api.client.get(f"/api/workflows/{WORKFLOW}/threads")).json()["data"]
    assert [(t["id"], t["title"]) for t in listed] == [(mine.id, "Refund question")]


@pytest.mark.parametrize(
    "body,code",
    [
        ({"id": "not-a-workflow", "name": "X"}, "invalid_workflow"),
        ({"id": WORKFLOW, "name": ""}, "invalid_workflow"),
    ],
)
async def test_bad_workflows_are_refused_with_a_sentence(
    api: ApiHarness, upstream: Upstream, body: dict[str, str], code: str
) -> None:
    provider_id = await add_openai(api, upstream)
    refused = await api.client.post("/api/workflows", json={**body, "provider_id": provider_id})
    assert refused.status_code == 422
    assert api.error(refused)["code"] == code


async def test_only_a_provider_that_can_host_chatkit_runs_a_workflow(
    api: ApiHarness, upstream: Upstream
) -> None:
    local = await api.client.post("/api/providers", json={"kind": "ollama"})
    refused = await api.client.post(
        "/api/workflows",
        json={"id": WORKFLOW, "name": "Support", "provider_id": local.json()["id"]},
    )
    assert refused.status_code == 422
    assert api.error(refused) == {
        "code": "invalid_workflow",
        "message": "“Ollama” cannot run Agent Builder workflows: pick an OpenAI provider.",
    }


async def test_session_failures_are_sentences(api: ApiHarness, upstream: Upstream) -> None:
    provider_id = await add_openai(api, upstream, with_key=False)
    await api.client.post(
        "/api/workflows", json={"id": WORKFLOW, "name": "Support", "provider_id": provider_id}
    )
    no_key = await api.client.post(f"/api/workflows/{WORKFLOW}/session")
    assert no_key.status_code == 502
    assert api.error(no_key)["message"] == (
        "“OpenAI” has no API key, which the workflow “Support” needs. Add one in Settings."
    )
    await api.client.put(f"/api/providers/{provider_id}/key", json={"key": KEY})
    upstream.chatkit.session_error = (404, "No such workflow")
    missing = await api.client.post(f"/api/workflows/{WORKFLOW}/session")
    assert api.error(missing)["message"] == (
        f"OpenAI could not start the workflow {WORKFLOW} (HTTP 404). "
        "Check its id in Agent Builder and that it is published."
    )
    unknown = await api.client.post("/api/workflows/wf_nope/session")
    assert unknown.status_code == 404
    assert api.error(unknown)["code"] == "workflow_not_found"
