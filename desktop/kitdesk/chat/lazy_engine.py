"""The turn engine, built when the first turn (or dictation) needs it.

The engine's modules (relay, tool loop, titles, history conversion, provider
endpoints) are about 50 modules, 3 MiB and 0.1 s here; they were 590 modules,
16 MiB and 0.7 s while they imported the ``openai`` client
(``providers/endpoint.py`` says why they no longer do). Everything else the
ChatKit endpoint does (listing and reading threads, feedback, retitling) goes
to the store and never needs them, so an idle server does not load them. The
first turn imports them in a worker thread, so the event loop goes on
answering meanwhile; after that the engine is used directly.

``warm()`` starts that same build early, when the UI sees the person start
typing (``POST /api/chat/warm``): the import then runs while they write, and
the first answer does not wait for it. Nothing warms at start-up, so an idle
server still holds none of it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from kitdesk.idle_memory import freeze_loaded_modules
from kitdesk.keys import KeyStore
from kitdesk.settings import Settings
from kitdesk.tools.base import ToolBox

if TYPE_CHECKING:
    from kitdesk.chat.turn import TurnEngine
    from kitdesk.store.sqlite import SQLiteStore

log = logging.getLogger(__name__)

EngineState = Literal["idle", "loading", "ready"]


def _import_engine_modules() -> None:
    import kitdesk.chat.turn  # noqa: F401  (and with it relay, titles, endpoints, httpx2)


class LazyEngine:
    """Hands out the one ``TurnEngine``, building it on first use."""

    def __init__(
        self,
        store: SQLiteStore,
        settings: Callable[[], Settings],
        keys: KeyStore,
        toolbox: ToolBox,
        *,
        read_timeout: float,
        connect_timeout: float,
        default_model_ready: Callable[[Settings], Awaitable[None]] | None = None,
    ) -> None:
        self._default_model_ready = default_model_ready
        self._store = store
        self._settings = settings
        self._keys = keys
        self._toolbox = toolbox
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._engine: TurnEngine | None = None
        # The one build (warm(), the first turn or now()), in its own thread; None before
        # it starts or after it failed. The lock guards only starting it: the build runs
        # outside it, so the event loop never waits behind an import.
        self._building: concurrent.futures.Future[TurnEngine] | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> TurnEngine | None:
        """The engine if a turn has needed it already, else None (nothing is imported)."""
        return self._engine

    @property
    def state(self) -> EngineState:
        """``idle`` (nothing imported), ``loading`` (a build is under way) or ``ready``."""
        if self._engine is not None:
            return "ready"
        building = self._building
        return "loading" if building is not None and not building.done() else "idle"

    def warm(self) -> EngineState:
        """Start building the engine in a background thread unless it is built or being
        built; the state before this call. Safe to call any number of times."""
        before = self.state
        self._start()
        return before

    async def get(self) -> TurnEngine:
        """The engine; the first call waits for the build off the event loop."""
        if self._engine is not None:
            return self._engine
        return await asyncio.wrap_future(self._start())

    def _start(self) -> concurrent.futures.Future[TurnEngine]:
        with self._lock:
            building = self._building
            if building is None:
                building = concurrent.futures.Future()
                self._building = building
                threading.Thread(
                    target=self._build_into, args=(building,), name="kitdesk-engine", daemon=True
                ).start()
            return building

    def _build_into(self, building: concurrent.futures.Future[TurnEngine]) -> None:
        try:
            _import_engine_modules()
            engine = self._build()
        except BaseException as exc:
            log.warning("the turn engine could not be built: %s", exc)
            with self._lock:
                self._building = None  # the next turn tries again
            building.set_exception(exc)
            return
        self._engine = engine
        freeze_loaded_modules()  # the engine's modules live as long as the process
        building.set_result(engine)

    def now(self) -> TurnEngine:
        """The engine, waiting for its build (started now if need be; tests, shutdown)."""
        if self._engine is not None:
            return self._engine
        return self._start().result()

    def _build(self) -> TurnEngine:
        from kitdesk.chat.turn import TurnEngine
        from kitdesk.providers.clients import ClientCache

        clients = ClientCache(
            read_timeout=self._read_timeout,
            connect_timeout=self._connect_timeout,
        )
        return TurnEngine(
            self._store,
            self._settings,
            self._keys,
            self._toolbox,
            clients,
            default_model_ready=self._default_model_ready,
        )
