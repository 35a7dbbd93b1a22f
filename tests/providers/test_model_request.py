"""The model-list request is the one the openai client sends, without importing openai.

Differential: ``fetch_model_ids`` and ``openai_client(...).models.list()`` each
ask the fake upstream for its models; the recorded requests must carry the same
path, query and the headers a provider acts on. The web UI asks for models as
the window opens, so listing them must not import the ``openai`` package (about
15 MB and several hundred ms of CPU, model_listing.py).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from kitdesk.providers.model_listing import fetch_model_ids, new_http_client, openai_client

from tests.upstream import RecordedRequest, Upstream

# The headers that change what a provider does with the request.
MEANINGFUL = ("authorization", "openai-organization", "openai-project", "accept")
CASES = {
    "openai": ("sk-test", None),
    "azure": ("sk-test", "2024-10-21"),
    "ollama": (None, None),
}


def _models_requests(upstream: Upstream) -> list[RecordedRequest]:
    return [r for r in upstream.requests if r.path == "/v1/models"]


def _comparable(request: RecordedRequest) -> tuple[str, dict[str, str], dict[str, str]]:
    headers = {name: request.headers.get(name, "") for name in MEANINGFUL}
    return request.path, request.query, headers


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_same_request_as_the_openai_client(
    upstream: Upstream, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The openai client sends these for OpenAI only (they are OpenAI account ids).
    monkeypatch.setenv("OPENAI_ORG_ID", "org-test")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-test")
    key, version = CASES[kind]

    async def both() -> tuple[list[str], list[str]]:
        http = new_http_client()
        try:
            client = openai_client(
                base_url=upstream.base_url, key=key, kind=kind, api_version=version
            )
            page = await client.models.list()
            ours = await fetch_model_ids(
                http, base_url=upstream.base_url, key=key, kind=kind, api_version=version
            )
            return [model.id for model in page.data], ours
        finally:
            await http.aclose()

    theirs, ours = asyncio.run(both())

    assert ours == theirs and ours
    sdk, lean = _models_requests(upstream)
    assert _comparable(lean) == _comparable(sdk)
    assert lean.headers["authorization"] == f"Bearer {key or 'no-key'}"
    assert ("openai-organization" in lean.headers) == (kind == "openai")


def test_listing_models_does_not_import_openai(upstream: Upstream) -> None:
    probe = f"""
import asyncio, sys
from kitdesk.providers.model_listing import fetch_model_ids, new_http_client

async def main():
    http = new_http_client()
    try:
        return await fetch_model_ids(http, base_url={upstream.base_url!r}, key="sk-test")
    finally:
        await http.aclose()

ids = asyncio.run(main())
print(len(ids), "openai" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    count, imported = result.stdout.split()
    assert int(count) > 0
    assert imported == "False"
