"""The composition root: the one place that wires settings, keys, store,
ChatKit server, HTTP routes and security together into a FastAPI app."""

from __future__ import annotations

import concurrent.futures
import inspect
import logging
import os
import sqlite3
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from kitdesk import __version__
from kitdesk.app_info import Basics, open_basics
from kitdesk.errors import StartupProblem
from kitdesk.idle_memory import IdleMemory
from kitdesk.paths import Paths
from kitdesk.providers.catalog import ModelsCatalog
from kitdesk.store.problems import storage_problem
from kitdesk.store.sqlite import SchemaError, SQLiteStore, StoreClosedError
from kitdesk.tools.mcp_toolbox import McpToolBox
from kitdesk.transfer.schedule import AutomaticBackups
from kitdesk.updates.checker import UpdateChecker, UpdateConfig
from kitdesk.updates.installation import detect_installation
from kitdesk.updates.relaunch import restart_after_update
from kitdesk.web.api import ApiServices, build_api_router, install_error_handlers
from kitdesk.web.chatkit_entry import ChatKitEntry
from kitdesk.web.responses import error_response
from kitdesk.web.routes.chat_warm import build_chat_warm_router
from kitdesk.web.routes.chatkit import INTERNAL_MESSAGE, build_chatkit_router
from kitdesk.web.routes.chatkit_images import build_chatkit_images_router
from kitdesk.web.routes.chatkit_proxy import ChatKitProxy
from kitdesk.web.routes.export import build_export_router
from kitdesk.web.routes.hosted import build_hosted_router
from kitdesk.web.security import route_path

if TYPE_CHECKING:
    from kitdesk.chat.service import ChatService

log = logging.getLogger(__name__)

FILE_ERROR_MESSAGE = (
    "Kitdesk could not read or write one of its files. The details are in its log file."
)


class KitdeskApp(FastAPI):
    """FastAPI, with ``POST /chatkit`` offered to ``chatkit_entry`` first: a turn relayed to
    a ChatKit server then skips FastAPI's stack (``web/chatkit_entry.py`` says why)."""

    chatkit_entry: ChatKitEntry | None = None
    idle_memory: IdleMemory | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        idle = self.idle_memory
        if idle is None or scope["type"] != "http":
            await self._dispatch(scope, receive, send)
            return
        idle.enter()
        try:
            await self._dispatch(scope, receive, send)
        finally:
            idle.leave()

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self.chatkit_entry
        if (
            entry is not None
            and scope["type"] == "http"
            and scope["method"] == "POST"
            and route_path(scope) == "/chatkit"
        ):
            await entry(scope, receive, send, super().__call__)
            return
        await super().__call__(scope, receive, send)

    async def answer_error(self, scope: Scope, receive: Receive, exc: Exception) -> Response | None:
        """What this app's exception handlers answer to ``exc`` (None: no handler)."""
        for kind in type(exc).__mro__:
            handler = self.exception_handlers.get(kind)
            if handler is not None:
                answer = handler(Request(scope, receive), exc)
                return await answer if inspect.isawaitable(answer) else answer
        return None


def create_app(paths: Paths, basics: Basics | None = None) -> FastAPI:
    """The application without its ChatKit server and without the security gate.

    ``start_chat_server(app)`` completes it: that step imports the chat
    service and its dispatcher, so ``server.py`` runs it after this app already
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
    # Daily backups, the last 7 kept (transfer/schedule.py); KITDESK_AUTO_BACKUP=0 stops them.
    backups = AutomaticBackups(
        paths.db_path, paths.attachments_dir, paths.backups_dir, app_version=basics.version
    )
    if os.environ.get("KITDESK_AUTO_BACKUP", "1") != "0":
        backups.start()
    chat_server: concurrent.futures.Future[ChatService] = concurrent.futures.Future()
    services = ApiServices(
        paths=paths,
        settings_file=settings_file,
        keys=keys,
        models=ModelsCatalog(paths.cache_dir, keys),
        store=store,
        version=basics.version,
        updates=UpdateChecker(
            current_version=basics.version,
            data_dir=paths.data_dir,
            config=lambda: UpdateConfig(
                choice=settings_file.settings.updates,
                feed_url=settings_file.settings.update_feed_url,
            ),
            installation=detect_installation(),
        ),
        restart=restart_after_update,
        engine_state=lambda: _engine_state(chat_server),
    )

    app = KitdeskApp(
        title="Kitdesk",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = services
    app.state.chat_server_future = chat_server
    # The tools of the MCP servers in the settings; servers start on a turn's first use.
    tools = McpToolBox(
        lambda: settings_file.settings.mcp_servers,
        keys,
        start_timeout=lambda: settings_file.settings.mcp_start_timeout,
        call_timeout=lambda: settings_file.settings.mcp_call_timeout,
    )
    app.state.tools = tools
    proxy = ChatKitProxy(settings_file, keys, store)

    # Once no request has run for a moment: garbage collected, caches emptied.
    app.idle_memory = idle_memory = IdleMemory(store.release_memory)

    async def close() -> None:
        await idle_memory.aclose()
        backups.stop()
        if chat_server.done() and chat_server.exception() is None:
            await chat_server.result().aclose()
        await tools.aclose()  # also closed by the chat service; closing twice is harmless
        await proxy.aclose()
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

    app.include_router(build_chatkit_router(chat_server, proxy))
    app.chatkit_entry = ChatKitEntry(proxy, app.answer_error)
    app.include_router(build_chatkit_images_router(proxy))
    app.include_router(build_chat_warm_router(chat_server))
    app.include_router(build_api_router(services))
    app.include_router(build_export_router(store))
    app.include_router(build_hosted_router(settings_file))

    return app


def _engine_state(chat_server: concurrent.futures.Future[ChatService]) -> str:
    if not chat_server.done() or chat_server.exception() is not None:
        return "idle"
    return chat_server.result().engines.state


def start_chat_server(app: FastAPI) -> ChatService:
    """Build the chat service (dispatcher, turn engine, tools) and let /chatkit use it."""
    future: concurrent.futures.Future[ChatService] = app.state.chat_server_future
    try:
        from kitdesk.chat.service import build_chat_service

        services: ApiServices = app.state.services
        settings_file = services.settings_file
        chat_server = build_chat_service(
            services.store,
            lambda: settings_file.settings,
            services.keys,
            toolbox=app.state.tools,
            default_model_ready=services.models.learn_environment_list,
        )
    except BaseException as exc:
        log.exception("the chat service could not be built")
        future.set_exception(exc)
        raise
    app.state.chat_server = chat_server
    future.set_result(chat_server)
    return chat_server
