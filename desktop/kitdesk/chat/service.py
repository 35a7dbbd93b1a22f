"""The chat service: the dispatcher, the turn engine and what they share, built once.

``app.py`` builds it after the app already answers the UI's first requests;
``POST /chatkit`` waits for it. Nothing here imports the Agents SDK, and the
turn engine (with the relay and the provider endpoints) is built by the first turn
(``lazy_engine.py``), not here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from kitdesk.chat.dispatcher import Dispatcher
from kitdesk.chat.lazy_engine import LazyEngine
from kitdesk.chat.responder import KitdeskResponder
from kitdesk.keys import KeyStore
from kitdesk.providers.timeouts import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS
from kitdesk.settings import Settings
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.tools.base import NoTools, ToolBox

if TYPE_CHECKING:
    from kitdesk.chat.turn import TurnEngine


class ChatService:
    def __init__(
        self,
        store: SQLiteStore,
        settings: Callable[[], Settings],
        engines: LazyEngine,
        toolbox: ToolBox,
    ) -> None:
        self.store = store
        self.settings = settings
        self.engines = engines
        self.toolbox = toolbox
        self.responder = KitdeskResponder(store, engines)
        self.dispatcher = Dispatcher(store, self.responder)

    @property
    def engine(self) -> TurnEngine:
        """The turn engine (built now if no turn has needed it yet)."""
        return self.engines.now()

    async def aclose(self) -> None:
        """Stop tool servers and close the provider connection pools (at shutdown)."""
        await self.toolbox.aclose()
        engine = self.engines.built
        if engine is not None:
            await engine.clients.aclose()


def build_chat_service(
    store: SQLiteStore,
    settings: Callable[[], Settings],
    keys: KeyStore,
    *,
    toolbox: ToolBox | None = None,
    read_timeout: float = READ_TIMEOUT_SECONDS,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    default_model_ready: Callable[[Settings], Awaitable[None]] | None = None,
) -> ChatService:
    tools = toolbox or NoTools()
    engines = LazyEngine(
        store,
        settings,
        keys,
        tools,
        read_timeout=read_timeout,
        connect_timeout=connect_timeout,
        default_model_ready=default_model_ready,
    )
    return ChatService(store, settings, engines, tools)
