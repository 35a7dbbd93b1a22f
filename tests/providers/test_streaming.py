"""The lean streamed request sends what the openai client sends and fails as it fails.

Differential: the same body goes once through the openai client's own
``with_streaming_response.create`` and once through ``post_streaming``, to the
real fake upstream; the recorded requests and the raised errors must match.
"""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from kitdesk.providers.clients import ClientCache
from kitdesk.providers.kinds import ModelWireApi
from kitdesk.providers.resolver import ResolvedModel
from kitdesk.providers.streaming import post_streaming

from tests.upstream import RecordedRequest, Turn, Upstream

KINDS: dict[str, tuple[ModelWireApi, str | None]] = {
    "openai": ("responses", None),
    "azure": ("chat_completions", "preview"),
    "openrouter": ("chat_completions", None),
}


def model_for(upstream: Upstream, kind: str) -> ResolvedModel:
    api, version = KINDS[kind]
    return ResolvedModel(
        provider_id=kind,
        provider_name=kind.title(),
        kind=kind,
        base_url=upstream.base_url,
        api_key="sk-test",
        model="gpt-test",
        api=api,
        api_version=version,
    )


def body_for(api: str) -> tuple[str, dict[str, Any]]:
    if api == "responses":
        return "/responses", {"input": [{"role": "user", "content": "héllo"}], "store": False}
    return "/chat/completions", {"messages": [{"role": "user", "content": "héllo"}]}


async def through_sdk(client: openai.AsyncOpenAI, api: str, extra: dict[str, Any]) -> bytes:
    if api == "responses":
        manager = client.responses.with_streaming_response.create(
            model="gpt-test", extra_body=extra, stream=True
        )
    else:
        manager = client.chat.completions.with_streaming_response.create(
            model="gpt-test", messages=[], extra_body=extra, stream=True
        )
    async with manager as response:
        return b"".join([chunk async for chunk in response.iter_bytes()])


async def through_lean(client: openai.AsyncOpenAI, path: str, extra: dict[str, Any]) -> bytes:
    body = {"model": "gpt-test", **extra, "stream": True}
    async with post_streaming(client, path, body) as response:
        return b"".join([chunk async for chunk in response.aiter_bytes()])


def comparable(
    request: RecordedRequest,
) -> tuple[str, dict[str, str], dict[str, Any], dict[str, str]]:
    return request.path, request.query, request.json, request.headers


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_request_and_body_as_the_openai_client(upstream: Upstream, kind: str) -> None:
    model = model_for(upstream, kind)
    path, extra = body_for(model.api)
    upstream.script(Turn(text="one two"), Turn(text="one two"))

    async def both() -> tuple[bytes, bytes]:
        cache = ClientCache()
        client = cache.get(model)
        try:
            return await through_sdk(client, model.api, extra), await through_lean(
                client, path, extra
            )
        finally:
            await cache.aclose()

    sdk_body, lean_body = asyncio.run(both())

    assert b"one " in sdk_body and b"one " in lean_body
    sdk, lean = upstream.chat_requests
    assert comparable(lean) == comparable(sdk)
    assert lean.headers["authorization"] == "Bearer sk-test"
    if kind != "openai":
        assert "openai-organization" not in lean.headers


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 503])
def test_status_errors_are_the_openai_clients_own(upstream: Upstream, status: int) -> None:
    model = model_for(upstream, "openrouter")
    path, extra = body_for(model.api)
    upstream.script(Turn(status=status, retry_after="7"), Turn(status=status, retry_after="7"))

    async def failure(lean: bool) -> openai.APIStatusError:
        cache = ClientCache()
        client = cache.get(model)
        try:
            if lean:
                await through_lean(client, path, extra)
            else:
                await through_sdk(client, model.api, extra)
        except openai.APIStatusError as error:
            return error
        finally:
            await cache.aclose()
        raise AssertionError("no error raised")

    sdk = asyncio.run(failure(lean=False))
    lean = asyncio.run(failure(lean=True))

    assert type(lean) is type(sdk)
    assert (lean.status_code, str(lean), lean.body, lean.code) == (
        sdk.status_code,
        str(sdk),
        sdk.body,
        sdk.code,
    )
    assert lean.status_code == status
    assert lean.response.headers.get("retry-after") == "7"


def test_refused_connection_is_a_connection_error() -> None:
    model = ResolvedModel(
        provider_id="local",
        provider_name="Local",
        kind="openai_compatible",
        base_url="http://127.0.0.1:9/v1",  # the discard port: nothing listens
        api_key=None,
        model="gpt-test",
        api="chat_completions",
    )

    async def attempt() -> BaseException:
        cache = ClientCache(connect_timeout=2)
        try:
            await through_lean(cache.get(model), "/chat/completions", {"messages": []})
        except Exception as error:
            return error
        finally:
            await cache.aclose()
        raise AssertionError("no error raised")

    error = asyncio.run(attempt())
    assert type(error) is openai.APIConnectionError


def test_cookies_the_client_holds_are_sent_as_the_openai_client_sends_them(
    upstream: Upstream,
) -> None:
    """The lean request skips the client's merge of its defaults, except what only the
    merge adds: a cookie a provider's load balancer set goes back on both paths."""
    model = model_for(upstream, "openrouter")
    path, extra = body_for(model.api)
    upstream.script(Turn(text="one"), Turn(text="two"))

    async def both() -> None:
        cache = ClientCache()
        client = cache.get(model)
        client._client.cookies.set("sticky", "node-2")  # pyright: ignore[reportPrivateUsage]
        try:
            await through_sdk(client, model.api, extra)
            await through_lean(client, path, extra)
        finally:
            await cache.aclose()

    asyncio.run(both())
    sdk, lean = upstream.chat_requests
    assert sdk.headers.get("cookie") == "sticky=node-2"
    assert comparable(lean) == comparable(sdk)
