"""``/api/prompts``: the prompt library (saved prompts with ``{{variables}}``).

- ``GET /api/prompts``: ``{"prompts": [{id, name, text, variables, created_at, updated_at}]}``.
- ``POST /api/prompts`` ``{name, text}``: add one (201); a name already used answers 409.
- ``PUT /api/prompts/{id}`` ``{name, text}``: edit one.
- ``DELETE /api/prompts/{id}``: ``{"deleted": id}``.
- ``GET /api/prompts/export``: every prompt as a ``kitdesk-prompts`` JSON file (a download).
- ``POST /api/prompts/import``: the raw file as the body; ``{added, already_present, renamed}``.
  Importing the same file twice adds nothing; a bad file gets a sentence and changes nothing.

The library is a small file, so the routes are plain ``def`` (run in the thread
pool). Bodies are capped like every ``/api`` body (web/limits.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from kitdesk.prompts import Prompt, PromptDraft
from kitdesk.transfer.documents import content_disposition
from kitdesk.web.bodies import Body
from kitdesk.web.services import ApiServices

EXPORT_NAME = "Kitdesk prompts.json"


class PromptBody(Body):
    # Lengths are checked by PromptDraft.checked, with the same sentences as an import.
    name: str = Field(max_length=10_000)
    text: str = Field(max_length=100_000)


def prompt_json(prompt: Prompt) -> dict[str, Any]:
    return {
        "id": prompt.id,
        "name": prompt.name,
        "text": prompt.text,
        "variables": prompt.variables,
        "created_at": prompt.created_at,
        "updated_at": prompt.updated_at,
    }


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/prompts")
    library = services.prompts

    @router.get("")
    def list_prompts() -> dict[str, Any]:
        return {"prompts": [prompt_json(p) for p in library.list()]}

    @router.post("", status_code=201)
    def add_prompt(body: PromptBody) -> dict[str, Any]:
        return prompt_json(library.add(PromptDraft.checked(body.name, body.text)))

    @router.get("/export")
    def export_prompts() -> Response:
        return Response(
            library.export_bytes(),
            media_type="application/json",
            headers={
                "content-disposition": content_disposition(EXPORT_NAME),
                "cache-control": "no-store",
            },
        )

    @router.post("/import")
    async def import_prompts(request: Request) -> dict[str, Any]:
        raw = await request.body()  # at most the /api body limit
        summary = await asyncio.to_thread(library.import_file, raw)
        return {
            "added": summary.added,
            "already_present": summary.already_present,
            "renamed": summary.renamed,
        }

    @router.get("/{prompt_id}")
    def get_prompt(prompt_id: str) -> dict[str, Any]:
        return prompt_json(library.get(prompt_id))

    @router.put("/{prompt_id}")
    def update_prompt(prompt_id: str, body: PromptBody) -> dict[str, Any]:
        return prompt_json(library.update(prompt_id, PromptDraft.checked(body.name, body.text)))

    @router.delete("/{prompt_id}")
    def delete_prompt(prompt_id: str) -> dict[str, Any]:
        library.delete(prompt_id)
        return {"deleted": prompt_id}

    return router
