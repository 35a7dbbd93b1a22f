"""The composition root: the one place that wires settings, keys, store,
ChatKit server, HTTP routes and security together into a FastAPI app."""

from __future__ import annotations

import concurrent.futures
import logging
import sqlite3
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from kitdesk import __version__
from kitdesk.app_info import Basics, open_basics
from kitdesk.errors import StartupProblem
from kitdesk.paths import Paths
from kitdesk.providers.catalog import ModelsCatalog
from kitdesk.store.problems import storage_problem
from kitdesk.store.sqlite import SchemaError, SQLiteStore, StoreClosedError
from kitdesk.web.api import ApiServices, build_api_router, install_error_handlers
from kitdesk.web.responses import error_response
from kitdesk.web.routes.chatkit import INTERNAL_MESSAGE, build_chatkit_router
from kitdesk.web.routes.export import build_export_router

if TYPE_CHECKING:
    from kitdesk.chat.responder import KitdeskChatServer

log = logging.getLogger(__name__)

FILE_ERROR_MESSAGE = (
    "Kitdesk could not read or write one of its files. The details are in its log file."
)


def create_app(paths: Paths, basics: Basics | None = None) -> FastAPI:
    """The application without its ChatKit server and without the security gate.

    ``start_chat_server(app)`` completes it: that step imports the Agents SDK
    (over a second of CPU), so ``server.py`` runs it after this app already
    answers the UI's settings, models and history requests; ``POST /chatkit``
    waits for it. ``app.state.close()`` finishes pending writes at shutdown.
    """
    basics = basics or open_basics(paths)
    settings_file = basics.settings_file
    keys = basics.keys
    try:
        store = SQLiteStore(paths.db_path, paths.attachments_dir, backups_dir=paths.backups_dir)
    except SchemaError as exc:  # newer, foreign, damaged or locked database: say which
        raise StartupProblem(str(exc)) from exc
    chat_server: concurrent.futures.Future[KitdeskChatServer] = concurrent.futures.Future()
    services = ApiServices(
        paths=paths,
        settings_file=settings_file,
        keys=keys,
        models=ModelsCatalog(paths.cache_dir, keys),
        store=store,
        version=basics.version,
    )

    app = FastAPI(
        title="Kitdesk",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = services
    app.state.chat_server_future = chat_server

    async def close() -> None:
        if chat_server.done() and chat_server.exception() is None:
            await chat_server.result().aclose()
        await services.models.aclose()
        await store.close()

    app.state.close = close
    install_error_handlers(app)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(_: Request, __: Exception) -> Response:
        # The client went away, or web/limits.py refused its body as too large
        # and has answered already: nothing to say, nothing to log.
        return Response(status_code=499)

    @app.exception_handler(StoreClosedError)
    @app.exception_handler(sqlite3.OperationalError)
    @app.exception_handler(OSError)
    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> Response:
        problem = storage_problem(exc)
        if problem is not None:  # a full disk, a lock: said in words, logged in one line
            log.warning("storage unavailable: %s", exc)
            return error_response(503, "storage_unavailable", problem)
        if isinstance(exc, OSError):
            log.warning("file operation failed: %s", exc)
            return error_response(503, "file_error", FILE_ERROR_MESSAGE)
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal_error", INTERNAL_MESSAGE)

    app.include_router(build_chatkit_router(chat_server))
    app.include_router(build_api_router(services))
    app.include_router(build_export_router(store))

    return app


def start_chat_server(app: FastAPI) -> KitdeskChatServer:
    """Build the ChatKit server (the Agents SDK import) and let /chatkit use it."""
    future: concurrent.futures.Future[KitdeskChatServer] = app.state.chat_server_future
    try:
        from kitdesk.chat.responder import KitdeskChatServer

        services: ApiServices = app.state.services
        settings_file = services.settings_file
        chat_server = KitdeskChatServer(
            services.store, lambda: settings_file.settings, services.keys
        )
    except BaseException as exc:
        log.exception("the ChatKit server could not be built")
        future.set_exception(exc)
        raise
    app.state.chat_server = chat_server
    future.set_result(chat_server)
    return chat_server
