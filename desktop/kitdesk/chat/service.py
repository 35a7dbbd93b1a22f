"""The chat service: the dispatcher, the turn engine and what they share, built once.

``app.py`` builds it after the app already answers the UI's first requests;
``POST /chatkit`` waits for it. Nothing here imports the Agents SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import openai

from kitdesk.chat.dispatcher import Dispatcher
from kitdesk.chat.responder import KitdeskResponder
from kitdesk.chat.turn import TurnEngine
from kitdesk.keys import KeyStore
from kitdesk.providers.clients import (
    CONNECT_TIMEOUT_SECONDS,
    MAX_RETRIES,
    READ_TIMEOUT_SECONDS,
    ClientCache,
)
from kitdesk.settings import Settings
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.tools.base import NoTools, ToolBox


@dataclass
class ChatService:
    dispatcher: Dispatcher
    engine: TurnEngine
    responder: KitdeskResponder
    clients: ClientCache
    toolbox: ToolBox

    @property
    def store(self) -> SQLiteStore:
        return self.engine.store

    async def aclose(self) -> None:
        """Stop tool servers and close the provider connection pools (at shutdown)."""
        await self.toolbox.aclose()
        await self.clients.aclose()


def build_chat_service(
    store: SQLiteStore,
    settings: Callable[[], Settings],
    keys: KeyStore,
    *,
    toolbox: ToolBox | None = None,
    read_timeout: float = READ_TIMEOUT_SECONDS,
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
    max_retries: int = MAX_RETRIES,
) -> ChatService:
    clients = ClientCache(openai.Timeout(read_timeout, connect=connect_timeout), max_retries)
    tools = toolbox or NoTools()
    engine = TurnEngine(store, settings, keys, tools, clients)
    responder = KitdeskResponder(engine)
    return ChatService(Dispatcher(store, responder), engine, responder, clients, tools)
