"""A provider endpoint sends what the openai client sent and fails as it failed.

Differential: the same request goes once through an ``openai`` client set up
as Kitdesk set it up before (``openai_as_before``) and once through
``ProviderEndpoint``, to the real fake upstream; the recorded requests must
carry the same path, query, body and the headers a provider acts on, and
status errors the same status, message, body, code and headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from kitdesk.providers.clients import ClientCache
from kitdesk.providers.endpoint import ProviderEndpoint, json_body
from kitdesk.providers.kinds import ModelWireApi
from kitdesk.providers.provider_errors import (
    ProviderConnectionError,
    ProviderMalformedReply,
    ProviderStatusError,
    ProviderTimeout,
)
from kitdesk.providers.resolver import ResolvedModel

from tests.upstream import RecordedRequest, Turn, Upstream

KINDS: dict[str, tuple[ModelWireApi, str | None]] = {
    "openai": ("responses", None),
    "azure": ("chat_completions", "preview"),
    "openrouter": ("chat_completions", None),
}
# The headers that change what a provider does with the request.
MEANINGFUL = (
    "authorization",
    "api-key",
    "openai-organization",
    "openai-project",
    "accept",
    "accept-encoding",
    "content-type",
)


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


def openai_as_before(model: ResolvedModel) -> openai.AsyncOpenAI:
    """The client Kitdesk's ClientCache built for ``model`` before it had endpoints."""
    key = model.api_key or "no-key"
    headers: dict[str, Any] = {"api-key": key} if model.kind == "azure" else {}
    if model.kind != "openai":
        headers |= {"OpenAI-Organization": openai.omit, "OpenAI-Project": openai.omit}
    return openai.AsyncOpenAI(
        base_url=model.base_url,
        api_key=key,
        max_retries=0,
        default_headers=headers or None,
        default_query={"api-version": model.api_version} if model.api_version else None,
        http_client=openai.DefaultAsyncHttpxClient(follow_redirects=False),
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


async def through_endpoint(endpoint: ProviderEndpoint, path: str, extra: dict[str, Any]) -> bytes:
    body = {"model": "gpt-test", **extra, "stream": True}
    async with endpoint.stream(endpoint.request(path, body)) as response:
        return b"".join([chunk async for chunk in response.aiter_bytes()])


def comparable(
    request: RecordedRequest,
) -> tuple[str, dict[str, str], dict[str, Any], dict[str, str]]:
    headers = {name: request.headers.get(name, "") for name in MEANINGFUL}
    return request.path, request.query, request.json, headers


@pytest.fixture
def org_and_project(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # OpenAI account ids: the openai client sends them to OpenAI only.
    monkeypatch.setenv("OPENAI_ORG_ID", "org-test")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-test")
    yield


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_streamed_request_as_the_openai_client(
    upstream: Upstream, kind: str, org_and_project: None
) -> None:
    model = model_for(upstream, kind)
    path, extra = body_for(model.api)
    upstream.script(Turn(text="one two"), Turn(text="one two"))

    async def both() -> tuple[bytes, bytes]:
        client, cache = openai_as_before(model), ClientCache()
        try:
            sdk = await through_sdk(client, model.api, extra)
            return sdk, await through_endpoint(cache.get(model), path, extra)
        finally:
            await client.close()
            await cache.aclose()

    sdk_body, our_body = asyncio.run(both())

    assert b"one " in sdk_body and b"one " in our_body
    sdk, ours = upstream.chat_requests
    assert comparable(ours) == comparable(sdk)
    assert ours.headers["authorization"] == "Bearer sk-test"
    assert ours.headers["user-agent"].startswith("Kitdesk/")
    assert ("openai-organization" in ours.headers) == (kind == "openai")
    assert ("api-key" in ours.headers) == (kind == "azure")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_title_request_as_the_openai_client(
    upstream: Upstream, kind: str, org_and_project: None
) -> None:
    model = model_for(upstream, kind)
    system = "Write a short title"
    path, body = (
        ("/responses", {"instructions": system, "input": "User: hi", "max_output_tokens": 32})
        if model.api == "responses"
        else ("/chat/completions", {"messages": [{"role": "system", "content": system}]})
    )
    body = {"model": "gpt-test", **body}

    async def both() -> tuple[str | None, dict[str, Any]]:
        client, cache = openai_as_before(model), ClientCache()
        try:
            if model.api == "responses":
                sdk_text = (await client.responses.create(**body)).output_text
            else:
                sdk_text = (await client.chat.completions.create(**body)).choices[0].message.content
            return sdk_text, await cache.get(model).post_json(path, body, phase_timeout=5)
        finally:
            await client.close()
            await cache.aclose()

    sdk_text, reply = asyncio.run(both())

    assert sdk_text
    assert sdk_text in str(reply)
    sdk, ours = upstream.title_requests
    assert comparable(ours) == comparable(sdk)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500, 502, 503])
def test_status_errors_carry_what_the_openai_clients_carried(
    upstream: Upstream, status: int
) -> None:
    model = model_for(upstream, "openrouter")
    path, extra = body_for(model.api)
    upstream.script(Turn(status=status, retry_after="7"), Turn(status=status, retry_after="7"))

    async def both() -> tuple[openai.APIStatusError, ProviderStatusError]:
        client, cache = openai_as_before(model), ClientCache()
        try:
            with pytest.raises(openai.APIStatusError) as sdk:
                await through_sdk(client, model.api, extra)
            with pytest.raises(ProviderStatusError) as ours:
                await through_endpoint(cache.get(model), path, extra)
            return sdk.value, ours.value
        finally:
            await client.close()
            await cache.aclose()

    sdk, ours = asyncio.run(both())

    assert (ours.status_code, str(ours), ours.message, ours.body, ours.code) == (
        sdk.status_code,
        str(sdk),
        sdk.message,
        sdk.body,
        sdk.code,
    )
    assert ours.status_code == status
    assert ours.headers.get("retry-after") == "7"


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

    async def attempt() -> None:
        cache = ClientCache(connect_timeout=2)
        try:
            await through_endpoint(cache.get(model), "/chat/completions", {"messages": []})
        finally:
            await cache.aclose()

    with pytest.raises(ProviderConnectionError) as caught:
        asyncio.run(attempt())
    assert type(caught.value) is ProviderConnectionError


def test_a_silent_server_is_a_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)  # accepts (in the kernel's backlog), never answers
        model = ResolvedModel(
            provider_id="local",
            provider_name="Local",
            kind="ollama",
            base_url=f"http://127.0.0.1:{listener.getsockname()[1]}/v1",
            api_key=None,
            model="gpt-test",
            api="chat_completions",
        )

        async def attempt() -> None:
            cache = ClientCache(read_timeout=0.3, connect_timeout=2)
            try:
                await through_endpoint(cache.get(model), "/chat/completions", {"messages": []})
            finally:
                await cache.aclose()

        with pytest.raises(ProviderTimeout):
            asyncio.run(attempt())


@pytest.mark.parametrize("content", [b"<html>Bad gateway</html>", b"[1, 2]", b""])
def test_a_reply_that_is_not_a_json_object_is_malformed(content: bytes) -> None:
    endpoint = ProviderEndpoint(
        base_url="http://provider.test/v1",
        key="sk-test",
        kind="custom",
        api_version=None,
        timeout=httpx2.Timeout(5),
    )
    # A proxy's page or a server that is not OpenAI-compatible, answering 200.
    endpoint.http = httpx2.AsyncClient(
        transport=httpx2.MockTransport(lambda request: httpx2.Response(200, content=content))
    )

    async def attempt() -> None:
        try:
            await endpoint.post_json("/chat/completions", {"model": "gpt-test"})
        finally:
            await endpoint.aclose()

    with pytest.raises(ProviderMalformedReply):
        asyncio.run(attempt())


def test_cookies_a_provider_set_go_back_as_the_openai_client_sent_them(
    upstream: Upstream,
) -> None:
    """Requests are built without the HTTP client's merge of its defaults, except what
    only the merge adds: a cookie a provider's load balancer set goes back."""
    model = model_for(upstream, "openrouter")
    path, extra = body_for(model.api)
    upstream.script(Turn(text="one"), Turn(text="two"))

    async def both() -> None:
        client, cache = openai_as_before(model), ClientCache()
        endpoint = cache.get(model)
        client._client.cookies.set("sticky", "node-2")  # pyright: ignore[reportPrivateUsage]
        endpoint.http.cookies.set("sticky", "node-2")
        try:
            await through_sdk(client, model.api, extra)
            await through_endpoint(endpoint, path, extra)
        finally:
            await client.close()
            await cache.aclose()

    asyncio.run(both())
    sdk, ours = upstream.chat_requests
    assert sdk.headers.get("cookie") == ours.headers.get("cookie") == "sticky=node-2"
    assert comparable(ours) == comparable(sdk)


def test_endpoints_are_pooled_per_kind_url_and_key(upstream: Upstream) -> None:
    """OpenAI's account headers and Azure's api-key depend on the kind: an OpenRouter
    provider sharing OpenAI's URL and key must not get OpenAI's endpoint."""
    cache = ClientCache()
    openai_model = model_for(upstream, "openai")
    other = model_for(upstream, "openrouter")
    assert cache.get(openai_model) is cache.get(openai_model)
    assert cache.get(openai_model) is not cache.get(other)
    asyncio.run(cache.aclose())


def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    """Endpoints share one TLS context (``providers/tls.py``): it still verifies."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)

        def handshake() -> None:
            connection, _ = listener.accept()
            with connection, contextlib.suppress(OSError):
                server_side.wrap_socket(connection, server_side=True).close()

        threading.Thread(target=handshake, daemon=True).start()
        model = ResolvedModel(
            provider_id="self-signed",
            provider_name="Self-signed",
            kind="openai_compatible",
            base_url=f"https://127.0.0.1:{listener.getsockname()[1]}/v1",
            api_key="sk-test",
            model="gpt-test",
            api="chat_completions",
        )

        async def attempt() -> None:
            cache = ClientCache(connect_timeout=5)
            try:
                await through_endpoint(cache.get(model), "/chat/completions", {"messages": []})
            finally:
                await cache.aclose()

        with pytest.raises(ProviderConnectionError) as caught:
            asyncio.run(attempt())
    causes: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None and len(causes) < 10:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes), causes


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "input": [], "stream": True},
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": 'naïve « quotes » \u2028 "escaped" \\ 日本語 😀'},
                {"role": "assistant", "content": [{"type": "output_text", "text": "x" * 5000}]},
                [1, 2.5, None, True, {"nested": ["list"]}],
            ],
            "temperature": 0.25,
            "tools": [{"type": "function", "name": "lookup", "parameters": {}}],
            "stream_options": {"include_usage": True},
        },
    ],
)
def test_a_body_is_sent_as_the_same_bytes_as_one_json_dumps(body: dict[str, Any]) -> None:
    # Encoded a list element at a time (less memory at once); the bytes must not change.
    whole = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert json_body(body) == whole.encode()


def test_a_body_that_json_cannot_carry_is_refused_as_json_dumps_refuses_it() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        json_body({"model": "m", "messages": [{"temperature": float("nan")}]})
