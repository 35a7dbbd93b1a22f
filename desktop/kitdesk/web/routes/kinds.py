"""``GET /api/provider-kinds``: the table of provider kinds, as ``providers/kinds.py`` has it.

The web UI and the tests read what each kind speaks and can do (wire API, key,
speech-to-text, tools, reasoning, web search, defaults, labels) from here, so
the table has no copies to fall out of step.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from kitdesk.providers.kinds import KINDS
from kitdesk.web.services import ApiServices


def build_router(services: ApiServices) -> APIRouter:
    del services  # the table is static
    router = APIRouter()
    table = [info.to_json() for info in KINDS.values()]

    @router.get("/provider-kinds")
    def list_kinds() -> list[dict[str, Any]]:
        return table

    return router
