"""``POST /chatkit`` taken below FastAPI, so a turn relayed to a ChatKit server skips its stack.

Profiled relaying short answers, FastAPI's layers (error, telemetry, body-limit,
exception and exit-stack middleware, the router, the endpoint machinery, each
wrapping every chunk sent back too) cost about as much CPU as the relay's own
request parsing. ``KitdeskApp`` (``app.py``) hands ``POST /chatkit`` here first,
still behind the security gate and the body limits (``server.py`` puts them in
front of the whole app). This reads the body, checks it exactly as the route
does (``parse_chatkit_body``) and offers it to the proxy:

- a request the proxy answers is answered from here (its ``RelayResponse`` still
  cancels the relay when the window goes away);
- any other request goes on to FastAPI's route with the parsed request in its
  scope (``OFFERED_KEY``), so nothing is read or parsed twice;
- a failure before an answer gets the app's own exception handlers' answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from kitdesk.web.routes.chatkit import OFFERED_KEY, OfferedRequest, parse_chatkit_body
from kitdesk.web.routes.chatkit_proxy import ChatKitProxy
from kitdesk.web.services import request_context

OnError = Callable[[Scope, Receive, Exception], Awaitable[Response | None]]


class ChatKitEntry:
    def __init__(self, proxy: ChatKitProxy, on_error: OnError) -> None:
        self.proxy = proxy
        self.on_error = on_error  # the app's exception handlers; None: none applies

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        body = await _read_body(receive)
        if body is None:  # the client went away (or web/limits.py refused the body)
            await Response(status_code=499)(scope, receive, send)
            return
        checked = parse_chatkit_body(body)
        if isinstance(checked, Response):
            await checked(scope, receive, send)
            return
        body, raw, parsed = checked
        context = request_context(HTTPConnection(scope))
        try:
            relayed = await self.proxy.maybe_proxy(body, raw, parsed, context)
        except Exception as exc:
            answer = await self.on_error(scope, receive, exc)
            if answer is None:
                raise
            await answer(scope, receive, send)
            return
        if relayed is not None:
            await relayed(scope, receive, send)
            return
        await app({**scope, OFFERED_KEY: OfferedRequest(context, parsed)}, receive, send)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when the client disconnected first (Starlette's
    ``Request.body()`` raises ClientDisconnect there)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
