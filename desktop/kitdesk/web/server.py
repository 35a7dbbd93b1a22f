"""Runs Kitdesk's server under uvicorn on a loopback port, in a background thread.

Start-up is split so the window never waits on imports it does not need: the
socket, the security gate and the static web UI (uvicorn + Starlette only)
come up at once, while the full application (FastAPI, the ChatKit and Agents
SDKs, the store) is built in a second thread. Requests other than the UI's
files wait for that build; none fails because of it.

The listening socket (``address.py``) exists before the server: the window
may point at it while uvicorn still imports, and the Host check knows the port.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.types import Receive, Scope, Send

from kitdesk.errors import BUILD_FAILED_MESSAGE, StartupProblem
from kitdesk.paths import Paths
from kitdesk.web.address import LOOPBACK, LaunchAddress, ServerStartError
from kitdesk.web.connections import ConnectionLimits, guarded_protocol
from kitdesk.web.limits import BodyLimits
from kitdesk.web.ready import ready
from kitdesk.web.security import SecurityMiddleware, route_path
from kitdesk.web.static import build_ui_app, is_ui_request, page_files

if TYPE_CHECKING:
    from fastapi import FastAPI

    from kitdesk.app_info import Basics

log = logging.getLogger(__name__)


async def _send_json(send: Send, status: int, body: object) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


class DeferredApp:
    """Serves the UI's files at once and hands every other request to the full
    app as soon as ``build`` (run in its own thread) has produced it.

    Building runs in three steps: ``prepare`` (settings and keys, quick), then
    ``build`` (the full app), then ``finish`` (the ChatKit server). Between the
    first two, ``GET /api/app`` is answered from the prepared basics, so the UI
    can show the chat while FastAPI and the SDKs are still importing.

    The imports hold the GIL almost all the time, and every step of answering a
    request needs it too, so ``build`` waits (at most ``first_answer_grace``
    seconds) until that first answer has gone out and, when a page is loading,
    index.html's own scripts and styles have been sent too (the page asks for
    ``api/app`` while they download), or until a request needs the full app:
    the page's first paint is not queued behind a second of imports.
    """

    def __init__(
        self,
        prepare: Callable[[], Basics],
        build: Callable[[Basics], FastAPI],
        finish: Callable[[FastAPI], object] | None = None,
        *,
        first_answer_grace: float = 1.0,
    ) -> None:
        self._ui = build_ui_app()
        self._first_answer_grace = first_answer_grace
        self._full_app_wanted = threading.Event()
        # What the page's first paint needs from us (see the class docstring);
        # touched only in the event loop.
        self._app_info_sent = False
        self._page_files_left: set[str] | None = None  # None: no page is loading
        # ``basics``: GET /api/app can be answered. ``built``: the app answers
        # requests. ``complete``: ``finish`` (the ChatKit server and its Agents
        # SDK import) is done too.
        self.basics: concurrent.futures.Future[Basics] = concurrent.futures.Future()
        self.built: concurrent.futures.Future[FastAPI] = concurrent.futures.Future()
        self.complete: concurrent.futures.Future[FastAPI] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._build, args=(prepare, build, finish), name="kitdesk-build", daemon=True
        )

    def start_building(self) -> None:
        """Begin the build; called once the socket is served, because the build's
        imports hold the GIL and would otherwise slow uvicorn's start-up by half."""
        self._thread.start()

    def _build(
        self,
        prepare: Callable[[], Basics],
        build: Callable[[Basics], FastAPI],
        finish: Callable[[FastAPI], object] | None,
    ) -> None:
        try:
            basics = prepare()
            self.basics.set_result(basics)
            self._full_app_wanted.wait(self._first_answer_grace)
            app = build(basics)
        except BaseException as exc:
            if isinstance(exc, StartupProblem):  # explained to the person: one line
                log.warning("the application cannot start: %s", exc)
            else:
                log.exception("building the application failed")
            if not self.basics.done():
                self.basics.set_exception(exc)
            self.built.set_exception(exc)
            self.complete.set_exception(exc)
            return
        self.built.set_result(app)
        try:
            if finish is not None:
                finish(app)
        except BaseException as exc:
            self.complete.set_exception(exc)
            return
        self.complete.set_result(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path = route_path(scope) if scope["type"] == "http" else ""
        if scope["type"] == "http" and is_ui_request(scope["method"], path):
            await self._ui(scope, receive, send)
            self._note_page_file(path)
            return
        answered_early = (
            scope["type"] == "http"
            and (scope["method"], path) == ("GET", "/api/app")
            and not self.built.done()
            and await self._answer_app_info_early(send)
        )
        if answered_early:
            self._app_info_sent = True
            self._release_build_when_page_ready()
            return
        self._full_app_wanted.set()
        try:
            app = await ready(self.built)
        except Exception as exc:
            message = str(exc) if isinstance(exc, StartupProblem) else BUILD_FAILED_MESSAGE
            await _send_json(send, 503, {"error": {"code": "not_started", "message": message}})
            return
        await app(scope, receive, send)

    def _note_page_file(self, path: str) -> None:
        if self.built.done():
            return
        if path in ("/", "/index.html"):
            self._page_files_left = set(page_files())
        elif self._page_files_left is not None:
            self._page_files_left.discard(path)
        self._release_build_when_page_ready()

    def _release_build_when_page_ready(self) -> None:
        if self._app_info_sent and not self._page_files_left:
            self._full_app_wanted.set()

    async def _answer_app_info_early(self, send: Send) -> bool:
        """Answer GET /api/app from the basics; False leaves it to the full app
        (which then answers it, or says why it could not start)."""
        from kitdesk.app_info import describe_app  # imported by ``prepare`` already

        try:
            basics = await asyncio.wrap_future(self.basics)
            info = await asyncio.to_thread(describe_app, basics)  # the keyring is a D-Bus call
        except Exception:
            return False
        await _send_json(send, 200, info)
        return True

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _close(self) -> None:
        """Finish pending writes (waits for a build still under way)."""
        if self._thread.ident is None:  # never started: nothing was opened
            return
        try:
            app = await asyncio.wait_for(asyncio.wrap_future(self.built), timeout=30)
        except Exception:
            return
        close: Callable[[], Awaitable[Any]] = app.state.close
        await close()


class RunningServer:
    def __init__(
        self,
        *,
        address: LaunchAddress,
        deferred: DeferredApp,
        server: uvicorn.Server,
        thread: threading.Thread,
    ) -> None:
        self.address = address
        self.port = address.port
        self.token = address.token
        self.prefix = address.prefix
        self._deferred = deferred
        self._server = server
        self._thread = thread

    @property
    def origin(self) -> str:
        return self.address.origin

    @property
    def base_url(self) -> str:
        """Where the UI, ``/api`` and ``/chatkit`` live: the origin and this launch's prefix."""
        return self.address.base_url

    @property
    def url(self) -> str:
        """The launch link: the first load trades the token for a cookie."""
        return self.address.url

    @property
    def app(self) -> FastAPI:
        """The full application (waits for it to be complete)."""
        return self._deferred.complete.result()

    def wait_until_built(self, timeout: float | None = None) -> None:
        """Raise ServerStartError if the full application could not be built."""
        try:
            self._deferred.complete.result(timeout)
        except concurrent.futures.TimeoutError:
            raise ServerStartError("Kitdesk's chat service did not start in time.") from None
        except StartupProblem as exc:
            raise ServerStartError(str(exc)) from None
        except Exception as exc:
            raise ServerStartError(f"{BUILD_FAILED_MESSAGE} ({type(exc).__name__})") from None

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def __repr__(self) -> str:  # keep the token and prefix out of reprs and logs
        return f"RunningServer(origin={self.origin!r})"

    def wait(self) -> None:
        self._thread.join()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask uvicorn to finish: open streams get a short grace period, then the
        shutdown finishes pending writes. True when it stopped in time."""
        self._server.should_exit = True
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        if not stopped:
            self._server.force_exit = True
            self._thread.join(1.0)
        self.address.sock.close()
        return stopped


def start_server(
    paths: Paths,
    port: int = 0,
    *,
    token: str | None = None,
    address: LaunchAddress | None = None,
    ready_timeout: float = 30.0,
    limits: ConnectionLimits | None = None,
) -> RunningServer:
    """Start Kitdesk's server in a daemon thread; return once it accepts connections.

    It listens on ``address`` when given (bound earlier, see ``address.py``),
    else on a new one at ``port``. The UI is served from then on;
    ``RunningServer.app`` / ``wait_until_built`` wait for the full application.
    """
    address = address or LaunchAddress.bind(port, token)
    sock = address.sock

    def prepare() -> Basics:
        from kitdesk.app_info import open_basics

        return open_basics(paths)

    def build(basics: Basics) -> FastAPI:
        from kitdesk.app import create_app  # the heavy imports happen here, off the critical path

        return create_app(paths, basics)

    def finish(app: FastAPI) -> None:
        from kitdesk.app import start_chat_server
        from kitdesk.idle_memory import freeze_loaded_modules

        start_chat_server(app)
        # Every module the server needs is loaded: out of the collector's way for good.
        freeze_loaded_modules()

    deferred = DeferredApp(prepare, build, finish)
    limits = limits or ConnectionLimits()
    config = uvicorn.Config(
        SecurityMiddleware(
            BodyLimits(deferred), token=address.token, port=address.port, prefix=address.prefix
        ),
        log_config=None,  # windowed builds have no stdout; logging goes to our file
        access_log=False,
        # Connections are capped, and a request's head must arrive in time and
        # within a size, so half-open connections cannot pile up (connections.py).
        http=guarded_protocol(limits),
        limit_concurrency=limits.max_connections + 1,  # uvicorn's own check counts tasks too
        timeout_keep_alive=limits.keep_alive,
        lifespan="on",
        timeout_graceful_shutdown=1,
        ws="none",
    )
    server = uvicorn.Server(config)
    # In a worker thread uvicorn leaves signals alone: the window or
    # `kitdesk serve` decides when to stop.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="kitdesk-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise ServerStartError("Kitdesk's server stopped while starting; see the log file.")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise ServerStartError("Kitdesk's server did not become ready in time.")
        time.sleep(0.002)
    deferred.start_building()
    log.info("server listening on %s:%s", LOOPBACK, address.port)
    return RunningServer(address=address, deferred=deferred, server=server, thread=thread)
