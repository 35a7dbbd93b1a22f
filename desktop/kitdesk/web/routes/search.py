"""``GET /api/search``: full-text search over every conversation (SQLite FTS5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from kitdesk.web.services import ApiServices

MAX_SEARCH_QUERY = 500
MAX_SEARCH_LIMIT = 100


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    store = services.store

    @router.get("/search")
    async def search(
        q: str = Query("", max_length=MAX_SEARCH_QUERY),
        limit: int = Query(20, ge=1, le=MAX_SEARCH_LIMIT),
    ) -> dict[str, Any]:
        if not q.strip():
            return {"results": []}
        hits = await store.search(q, limit)
        return {"results": [hit.model_dump(mode="json") for hit in hits]}

    return router
