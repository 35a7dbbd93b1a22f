"""``/api/prompts``: add, edit, delete, export and import over the real library file;
every refusal is a JSON sentence, never a 500; the import body is capped like every /api body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from kitdesk.paths import Paths
from kitdesk.web.api import build_api_router, install_error_handlers
from kitdesk.web.limits import API_BODY_LIMIT, BodyLimits

from tests.api_harness import TEST_ORIGIN, ApiHarness, api_harness


@pytest.fixture
async def api(kitdesk_home: Paths) -> AsyncIterator[ApiHarness]:
    async with api_harness(kitdesk_home) as harness:
        yield harness


async def test_add_list_edit_delete(api: ApiHarness, kitdesk_home: Paths) -> None:
    added = await api.client.post(
        "/api/prompts", json={"name": "Review", "text": "Review {{ language }} code: {{code}}"}
    )
    assert added.status_code == 201
    review = added.json()
    assert (review["name"], review["variables"]) == ("Review", ["language", "code"])

    listed = (await api.client.get("/api/prompts")).json()["prompts"]
    assert [(p["id"], p["text"]) for p in listed] == [(review["id"], review["text"])]
    assert (await api.client.get(f"/api/prompts/{review['id']}")).json() == review

    edited = await api.client.put(
        f"/api/prompts/{review['id']}", json={"name": "Code review", "text": "Check {{code}}"}
    )
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["variables"]) == ("Code review", ["code"])
    on_disk = json.loads(kitdesk_home.prompts_path.read_text("utf-8"))
    assert [p["name"] for p in on_disk["prompts"]] == ["Code review"]

    deleted = await api.client.delete(f"/api/prompts/{review['id']}")
    assert deleted.json() == {"deleted": review["id"]}
    assert (await api.client.get("/api/prompts")).json() == {"prompts": []}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "sentence"),
    [
        ("POST", "/api/prompts", {"name": " ", "text": "x"}, 422, "invalid_prompt",
         "name: must not be empty."),
        ("POST", "/api/prompts", {"name": "A", "text": "x" * 20_001}, 422, "invalid_prompt",
         "text: must be at most 20,000 characters."),
        ("POST", "/api/prompts", {"name": "A"}, 422, "invalid_request", "text: is required."),
        ("POST", "/api/prompts", {"name": "A", "text": "x", "color": "red"}, 422,
         "invalid_request", "color: is not something Kitdesk knows; check the spelling."),
        ("POST", "/api/prompts", {"name": "taken", "text": "x"}, 409, "duplicate_prompt_name",
         "There is already a prompt named “taken”. Choose another name."),
        ("PUT", "/api/prompts/prompt_nope", {"name": "A", "text": "x"}, 404, "prompt_not_found",
         "That prompt does not exist. It may have been deleted."),
        ("DELETE", "/api/prompts/prompt_nope", None, 404, "prompt_not_found",
         "That prompt does not exist. It may have been deleted."),
    ],
)  # fmt: skip
async def test_refusals_are_sentences(
    api: ApiHarness,
    method: str,
    path: str,
    body: object,
    status: int,
    code: str,
    sentence: str,
) -> None:
    await api.client.post("/api/prompts", json={"name": "Taken", "text": "first"})
    response = await api.client.request(method, path, json=body)
    assert response.status_code == status
    assert api.error(response) == {"code": code, "message": sentence}


async def test_export_then_import_is_idempotent(api: ApiHarness) -> None:
    for name, text in [("Review", "Review {{code}}"), ("Café 日本", "Résumé of {{topic}}")]:
        await api.client.post("/api/prompts", json={"name": name, "text": text})
    exported = await api.client.get("/api/prompts/export")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    document = exported.json()
    assert (document["format"], document["version"]) == ("kitdesk-prompts", 1)
    assert [p["name"] for p in document["prompts"]] == ["Review", "Café 日本"]

    again = await api.client.post("/api/prompts/import", content=exported.content)
    assert again.json() == {"added": 0, "already_present": 2, "renamed": 0}
    document["prompts"].append({"name": "Review", "text": "Another review {{x}}"})
    document["prompts"].append({"name": "New", "text": "Fresh"})
    grown = await api.client.post("/api/prompts/import", content=json.dumps(document))
    assert grown.json() == {"added": 2, "already_present": 2, "renamed": 1}
    names = [p["name"] for p in (await api.client.get("/api/prompts")).json()["prompts"]]
    assert names == ["Review", "Café 日本", "Review (2)", "New"]


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"", "This file is not valid JSON"),
        (b"PK\x03\x04\x00\xff", "This file is not text"),
        (b'{"threads": []}', "This file is not a Kitdesk prompt library"),
        (
            b'{"format": "kitdesk-prompts", "version": 9, "prompts": []}',
            "This prompt library was written by a newer",
        ),
    ],
)
async def test_a_bad_import_gets_a_sentence(api: ApiHarness, content: bytes, sentence: str) -> None:
    response = await api.client.post("/api/prompts/import", content=content)
    assert response.status_code == 422
    error = api.error(response)
    assert error["code"] == "invalid_prompt_file"
    assert error["message"].startswith(sentence)
    assert (await api.client.get("/api/prompts")).json() == {"prompts": []}


async def test_a_damaged_file_on_disk_is_not_a_500(api: ApiHarness, kitdesk_home: Paths) -> None:
    kitdesk_home.data_dir.mkdir(parents=True, exist_ok=True)
    kitdesk_home.prompts_path.write_text("{not json", "utf-8")
    assert (await api.client.get("/api/prompts")).json() == {"prompts": []}
    added = await api.client.post("/api/prompts", json={"name": "After", "text": "ok"})
    assert added.status_code == 201
    assert len(list(kitdesk_home.data_dir.glob("prompts.json.corrupt-*"))) == 1


async def test_concurrent_requests_keep_every_prompt(api: ApiHarness) -> None:
    replies = await asyncio.gather(
        *(
            api.client.post("/api/prompts", json={"name": f"P{n}", "text": f"T{n}"})
            for n in range(25)
        )
    )
    assert {r.status_code for r in replies} == {201}
    listed = (await api.client.get("/api/prompts")).json()["prompts"]
    assert sorted(p["name"] for p in listed) == sorted(f"P{n}" for n in range(25))


async def test_an_import_over_the_body_limit_is_refused(api: ApiHarness) -> None:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(api.services))
    transport = httpx.ASGITransport(app=BodyLimits(app))
    entry = {"name": "Big", "text": "x" * 10_000}
    huge = json.dumps(
        {"format": "kitdesk-prompts", "version": 1, "prompts": [entry] * 120}
    ).encode()
    assert len(huge) > API_BODY_LIMIT
    async with httpx.AsyncClient(transport=transport, base_url=TEST_ORIGIN) as client:
        response = await client.post("/api/prompts/import", content=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert (await api.client.get("/api/prompts")).json() == {"prompts": []}
