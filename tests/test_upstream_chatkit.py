"""Hosted ChatKit on the fake upstream, through the real ``openai`` client's ``beta.chatkit``."""

from __future__ import annotations

import time

import httpx
import openai
import pytest
from openai import AsyncOpenAI

from tests.upstream import Upstream


def client(upstream: Upstream) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=upstream.base_url, api_key="sk-test", max_retries=0, timeout=5)


async def test_session_create_returns_a_fresh_client_secret(upstream: Upstream) -> None:
    sessions = client(upstream).beta.chatkit.sessions
    first = await sessions.create(user="user-1", workflow={"id": "wf_abc", "version": "3"})
    second = await sessions.create(user="user-1", workflow={"id": "wf_abc"})
    assert first.client_secret.startswith("ek_test_")
    assert first.client_secret != second.client_secret
    assert first.expires_at > time.time() + 500
    assert (first.workflow.id, first.workflow.version, first.user) == ("wf_abc", "3", "user-1")
    assert first.status == "active"
    recorded = upstream.requests[0]
    assert recorded.path == "/v1/chatkit/sessions"
    assert recorded.json["workflow"] == {"id": "wf_abc", "version": "3"}
    assert recorded.json["user"] == "user-1"
    assert recorded.headers["openai-beta"] == "chatkit_beta=v1"
    assert recorded.headers["authorization"] == "Bearer sk-test"
    assert [s.client_secret for s in upstream.chatkit.sessions] == [
        first.client_secret,
        second.client_secret,
    ]


async def test_session_expiry_and_cancel(upstream: Upstream) -> None:
    sessions = client(upstream).beta.chatkit.sessions
    short = await sessions.create(
        user="u", workflow={"id": "wf_x"}, expires_after={"anchor": "created_at", "seconds": 5}
    )
    assert short.expires_at <= time.time() + 5
    cancelled = await sessions.cancel(short.id)
    assert cancelled.status == "cancelled"


async def test_session_errors(upstream: Upstream) -> None:
    sessions = client(upstream).beta.chatkit.sessions
    with pytest.raises(openai.BadRequestError, match="workflow"):
        await sessions.create(user="u", workflow={"id": "not-a-workflow"})
    upstream.chatkit.session_error = (404, "Workflow wf_gone not found.")
    with pytest.raises(openai.NotFoundError, match="wf_gone"):
        await sessions.create(user="u", workflow={"id": "wf_gone"})
    upstream.require_key = "other"
    with pytest.raises(openai.AuthenticationError):
        await sessions.create(user="u", workflow={"id": "wf_ok"})


def test_beta_header_is_required(upstream: Upstream) -> None:
    response = httpx.post(
        f"{upstream.base_url}/chatkit/sessions",
        json={"user": "u", "workflow": {"id": "wf_a"}},
        timeout=5,
    )
    assert response.status_code == 400
    assert "OpenAI-Beta" in response.json()["error"]["message"]


async def test_threads_list_filter_page_retrieve_items_delete(upstream: Upstream) -> None:
    now = int(time.time())
    old = upstream.chatkit.add_thread("ana", "Old", [("hi", "hello")], created_at=now - 100)
    new = upstream.chatkit.add_thread("ana", "New", [("a", "b"), ("c", "d")], created_at=now)
    upstream.chatkit.add_thread("ben", "Ben's")
    threads = client(upstream).beta.chatkit.threads

    page = await threads.list(user="ana", limit=1)
    assert [t.id for t in page.data] == [new.id] and page.has_more
    every = [t.id async for t in threads.list(user="ana", limit=1)]
    assert every == [new.id, old.id]
    assert upstream.requests[-1].query == {"user": "ana", "limit": "1", "after": new.id}

    fetched = await threads.retrieve(old.id)
    assert (fetched.title, fetched.user, fetched.status.type) == ("Old", "ana", "active")
    items = await threads.list_items(new.id, order="asc")
    assert [item.type for item in items.data] == [
        "chatkit.user_message",
        "chatkit.assistant_message",
    ] * 2
    deleted = await threads.delete(new.id)
    assert deleted.deleted and deleted.id == new.id
    with pytest.raises(openai.NotFoundError):
        await threads.retrieve(new.id)
