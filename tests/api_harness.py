"""An in-process client for the ``/api`` router with real parts behind it.

The router is mounted on a bare FastAPI app (no security middleware: that is
tested in test_security.py) over the real settings file, keyring library,
models catalog and SQLite store of the test's KITDESK_HOME, and called
through httpx's ASGI transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from kitdesk.keys import KeyStore
from kitdesk.paths import Paths
from kitdesk.providers.catalog import ModelsCatalog
from kitdesk.settings import SettingsFile
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.web.api import ApiServices, build_api_router, install_error_handlers

TEST_ORIGIN = "http://127.0.0.1:8123"
TEST_VERSION = "9.9.9-test"


@dataclass
class ApiHarness:
    client: httpx.AsyncClient
    services: ApiServices

    def error(self, response: httpx.Response) -> dict[str, str]:
        """The decoded ``{"error": {...}}`` of a failed response."""
        body = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message"}, body
        return body["error"]


@asynccontextmanager
async def api_harness(paths: Paths, **catalog_options: Any) -> AsyncIterator[ApiHarness]:
    keys = KeyStore()
    store = SQLiteStore(paths.db_path, paths.attachments_dir)
    services = ApiServices(
        paths=paths,
        settings_file=SettingsFile(paths.settings_path),
        keys=keys,
        models=ModelsCatalog(paths.cache_dir, keys, **catalog_options),
        store=store,
        version=TEST_VERSION,
    )
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(build_api_router(services))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=TEST_ORIGIN) as client:
            yield ApiHarness(client=client, services=services)
    finally:
        await services.models.aclose()
        await store.close()
