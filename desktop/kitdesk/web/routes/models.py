"""``GET /api/models``: every model of every enabled provider, for the picker."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kitdesk.web.services import ApiServices


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    settings_file = services.settings_file
    models = services.models

    @router.get("/models")
    async def list_models(refresh: bool = False) -> dict[str, Any]:
        listing = await models.list_models(settings_file.settings, refresh=refresh)
        return {
            "models": [option.to_json() for option in listing.models],
            "errors": [
                {"provider_id": problem.provider_id, "message": problem.message}
                for problem in listing.errors
            ],
        }

    return router
