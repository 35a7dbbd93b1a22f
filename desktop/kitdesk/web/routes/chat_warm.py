"""``POST /api/chat/warm``: the person is about to send, so build the turn engine now.

The turn engine (with the relay, the tool loop and the provider endpoints) is
built by the first turn, not at start, so an idle server stays small
(``chat/lazy_engine.py``).
The UI calls this once when the person starts typing in a composer or opens the
quick-ask window, and the import runs while they write instead of delaying the
first answer. It never runs at start-up or on a listing. It is idempotent:
after the first call it only reports the engine's state.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.responses import Response

from kitdesk.errors import BUILD_FAILED_MESSAGE
from kitdesk.web.responses import error_response

if TYPE_CHECKING:  # the chat service is built after the app answers
    from kitdesk.chat.service import ChatService


def build_chat_warm_router(chat_server: concurrent.futures.Future[ChatService]) -> APIRouter:
    router = APIRouter()

    @router.post("/api/chat/warm", response_model=None)
    async def warm() -> dict[str, Any] | Response:
        try:
            server = await asyncio.wrap_future(chat_server)
        except Exception:
            return error_response(503, "not_started", BUILD_FAILED_MESSAGE)
        before = server.engines.warm()
        # started: this call began the build (only the first call of a launch does).
        return {"engine": server.engines.state, "started": before == "idle"}

    return router
