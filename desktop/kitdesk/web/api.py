"""The ``/api`` routes, gathered: one router per resource under ``web/routes/``.

Everything here answers JSON, and every failure is a 4xx/5xx
``{"error": {"code", "message"}}`` whose message a person can act on
(``web/errors.py``). Authentication, Host and Origin checks happen in the
security middleware before a request gets here.
"""

from __future__ import annotations

from fastapi import APIRouter

from kitdesk.web.errors import install_error_handlers, readable_errors
from kitdesk.web.routes import (
    attachments,
    branches,
    data,
    keys,
    kinds,
    mcp,
    models,
    organise,
    prompts,
    providers,
    search,
    settings,
    status,
    updates,
    usage,
    workflows,
)
from kitdesk.web.services import ApiServices

ROUTERS = (
    status,
    settings,
    providers,
    keys,
    models,
    search,
    attachments,
    data,
    usage,
    prompts,
    branches,
    organise,
    mcp,
    updates,
    workflows,
    kinds,
)


def build_api_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/api")
    for module in ROUTERS:
        router.include_router(module.build_router(services))
    return router


__all__ = ["ApiServices", "build_api_router", "install_error_handlers", "readable_errors"]
