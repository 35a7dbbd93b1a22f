"""``GET /api/app`` (what the UI needs first) and ``GET /api/health``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kitdesk.app_info import Basics, describe_app
from kitdesk.keys import keyring_status
from kitdesk.web.services import ApiServices


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter()
    store = services.store

    basics = Basics(services.paths, services.settings_file, services.keys, services.version)

    @router.get("/app")
    def app_info() -> dict[str, Any]:
        return describe_app(basics)

    @router.get("/health")
    def health() -> dict[str, Any]:
        store_status = store.check()
        return {
            "status": "ok" if store_status == "ok" else "degraded",
            "version": services.version,
            "data_dir": str(services.paths.data_dir),
            "store": store_status,
            "keyring": keyring_status().backend,  # no keyring import before first use
            # Built by the first turn, or earlier once typing starts (POST /api/chat/warm).
            "engine": services.engine_state(),
        }

    return router
