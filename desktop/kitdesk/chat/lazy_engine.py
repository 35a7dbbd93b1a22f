"""The turn engine, built when the first turn (or dictation) needs it.

The engine's modules import the ``openai`` client: over 500 modules, about
12 MiB of an idle server's memory and a few hundred milliseconds. Everything
else the ChatKit endpoint does (listing and reading threads, feedback,
retitling) goes to the store and never needs them, so an idle server does not
load them. The first turn imports them in a worker thread, so the event loop
goes on answering meanwhile; after that the engine is used directly.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kitdesk.keys import KeyStore
from kitdesk.settings import Settings
from kitdesk.tools.base import ToolBox

if TYPE_CHECKING:
    from kitdesk.chat.turn import TurnEngine
    from kitdesk.store.sqlite import SQLiteStore


def _import_engine_modules() -> None:
    import kitdesk.chat.turn  # noqa: F401  (and with it openai, relay, titles, clients)


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
        max_retries: int,
    ) -> None:
        self._store = store
        self._settings = settings
        self._keys = keys
        self._toolbox = toolbox
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._max_retries = max_retries
        self._engine: TurnEngine | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> TurnEngine | None:
        """The engine if a turn has needed it already, else None (nothing is imported)."""
        return self._engine

    async def get(self) -> TurnEngine:
        """The engine; the first call imports its modules off the event loop."""
        if self._engine is None:
            await asyncio.to_thread(_import_engine_modules)
        return self.now()

    def now(self) -> TurnEngine:
        """The engine, built in the calling thread if need be (tests, shutdown)."""
        with self._lock:
            if self._engine is None:
                self._engine = self._build()
            return self._engine

    def _build(self) -> TurnEngine:
        from kitdesk.chat.turn import TurnEngine
        from kitdesk.providers.clients import ClientCache

        clients = ClientCache(
            read_timeout=self._read_timeout,
            connect_timeout=self._connect_timeout,
            max_retries=self._max_retries,
        )
        return TurnEngine(self._store, self._settings, self._keys, self._toolbox, clients)
