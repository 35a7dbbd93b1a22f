"""The hosted-ChatKit routes of the fake upstream (Agent Builder workflows, issue 10).

What ``client.beta.chatkit`` of the ``openai`` package calls:

- ``POST /v1/chatkit/sessions``               create a session: a fresh client secret
- ``POST /v1/chatkit/sessions/{id}/cancel``   cancel it
- ``GET  /v1/chatkit/threads``                list threads (cursor pagination, ``user`` filter)
- ``GET  /v1/chatkit/threads/{id}``           one thread
- ``GET  /v1/chatkit/threads/{id}/items``     its items
- ``DELETE /v1/chatkit/threads/{id}``         delete it

Answers are built from the ``openai`` package's own types. Tests seed threads
with ``add_thread()``, read created sessions from ``sessions`` and can script
a failure of the next session creation with ``session_error``. Requests are
recorded by the ``Upstream`` that mounts these routes.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from openai.types.beta.chatkit import ChatKitThread, ChatSession
from openai.types.beta.chatkit.chatkit_thread_assistant_message_item import (
    ChatKitThreadAssistantMessageItem,
)
from openai.types.beta.chatkit.chatkit_thread_user_message_item import (
    ChatKitThreadUserMessageItem,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.upstream_errors import openai_error

DEFAULT_SESSION_SECONDS = 600
BETA_HEADER = "chatkit_beta=v1"

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class HostedThread:
    thread: ChatKitThread
    items: list[dict[str, Any]] = field(default_factory=list)


def message_items(thread_id: str, exchanges: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """(user text, assistant text) pairs as ChatKit thread items, in the API's item shape."""
    items: list[dict[str, Any]] = []
    created = int(time.time())
    for user, assistant in exchanges:
        items.append(
            ChatKitThreadUserMessageItem(
                id=f"cthi_{uuid.uuid4().hex[:12]}",
                attachments=[],
                content=[{"type": "input_text", "text": user}],  # type: ignore[list-item]
                created_at=created,
                object="chatkit.thread_item",
                thread_id=thread_id,
                type="chatkit.user_message",
            ).model_dump(mode="json")
        )
        items.append(
            ChatKitThreadAssistantMessageItem(
                id=f"cthi_{uuid.uuid4().hex[:12]}",
                content=[{"type": "output_text", "text": assistant, "annotations": []}],  # type: ignore[list-item]
                created_at=created,
                object="chatkit.thread_item",
                thread_id=thread_id,
                type="chatkit.assistant_message",
            ).model_dump(mode="json")
        )
    return items


def cursor_page(records: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    """The API's list shape: ``order`` by creation, ``after``/``before`` ids, ``limit``."""
    ordered = sorted(records, key=lambda record: record["created_at"])
    if query.get("order", "desc") == "desc":
        ordered.reverse()
    ids = [record["id"] for record in ordered]
    if query.get("after") in ids:
        ordered = ordered[ids.index(query["after"]) + 1 :]
    elif query.get("before") in ids:
        ordered = ordered[: ids.index(query["before"])]
    limit = int(query.get("limit", 20))
    page = ordered[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(ordered) > limit,
    }


class HostedChatKit:
    """State behind the routes: sessions created, threads seeded by tests."""

    def __init__(self) -> None:
        self.sessions: list[ChatSession] = []
        self.threads: dict[str, HostedThread] = {}
        # (status, message) for the next session creation, e.g. (404, "Workflow not found").
        self.session_error: tuple[int, str] | None = None
        self.session_seconds = DEFAULT_SESSION_SECONDS

    def reset(self) -> None:
        self.__init__()

    def add_thread(
        self,
        user: str,
        title: str | None = None,
        exchanges: list[tuple[str, str]] | None = None,
        created_at: int | None = None,
    ) -> ChatKitThread:
        thread_id = f"cthr_{uuid.uuid4().hex[:12]}"
        thread = ChatKitThread.model_validate(
            {
                "id": thread_id,
                "created_at": created_at if created_at is not None else int(time.time()),
                "object": "chatkit.thread",
                "status": {"type": "active"},
                "title": title,
                "user": user,
            }
        )
        self.threads[thread_id] = HostedThread(thread, message_items(thread_id, exchanges or []))
        return thread

    def routes(
        self, admit: Callable[[Request], Awaitable[dict[str, Any] | Response]]
    ) -> list[Route]:
        """The routes. ``admit`` is the upstream's: it records the request and checks the key,
        returning the JSON body or the error response to send."""

        def recorded(handler: Callable[[Request, dict[str, Any]], Response]) -> Handler:
            async def endpoint(request: Request) -> Response:
                body = await admit(request)
                if isinstance(body, Response):
                    return body
                if request.headers.get("openai-beta") != BETA_HEADER:
                    return openai_error(400, f"The OpenAI-Beta header must be {BETA_HEADER}.")
                return handler(request, body)

            return endpoint

        return [
            Route("/v1/chatkit/sessions", recorded(self._create_session), methods=["POST"]),
            Route(
                "/v1/chatkit/sessions/{session_id}/cancel",
                recorded(self._cancel_session),
                methods=["POST"],
            ),
            Route("/v1/chatkit/threads", recorded(self._list_threads), methods=["GET"]),
            Route("/v1/chatkit/threads/{thread_id}", recorded(self._thread), methods=["GET"]),
            Route(
                "/v1/chatkit/threads/{thread_id}", recorded(self._delete_thread), methods=["DELETE"]
            ),
            Route("/v1/chatkit/threads/{thread_id}/items", recorded(self._items), methods=["GET"]),
        ]

    def _create_session(self, _: Request, body: dict[str, Any]) -> Response:
        if self.session_error is not None:
            status, message = self.session_error
            self.session_error = None
            return openai_error(status, message)
        workflow = body.get("workflow")
        if not isinstance(body.get("user"), str) or not body["user"]:
            return openai_error(400, "Missing required parameter: 'user'.", param="user")
        if not isinstance(workflow, dict) or not str(workflow.get("id", "")).startswith("wf_"):
            return openai_error(400, "Invalid 'workflow.id': expected a wf_ id.", param="workflow")
        seconds = int((body.get("expires_after") or {}).get("seconds", self.session_seconds))
        limit = int((body.get("rate_limits") or {}).get("max_requests_per_1_minute", 10))
        session = ChatSession.model_validate(
            {
                "id": f"cksess_{uuid.uuid4().hex}",
                "object": "chatkit.session",
                "client_secret": f"ek_test_{secrets.token_urlsafe(24)}",
                "expires_at": int(time.time()) + seconds,
                "max_requests_per_1_minute": limit,
                "rate_limits": {"max_requests_per_1_minute": limit},
                "status": "active",
                "user": body["user"],
                "workflow": {
                    "id": workflow["id"],
                    "state_variables": workflow.get("state_variables"),
                    "tracing": {"enabled": (workflow.get("tracing") or {}).get("enabled", True)},
                    "version": workflow.get("version"),
                },
                "chatkit_configuration": {
                    "automatic_thread_titling": {"enabled": True},
                    "file_upload": {"enabled": False, "max_files": 10, "max_file_size": 512},
                    "history": {"enabled": True, "recent_threads": None},
                },
            }
        )
        self.sessions.append(session)
        return JSONResponse(session.model_dump(mode="json"))

    def _cancel_session(self, request: Request, _: dict[str, Any]) -> Response:
        session_id = request.path_params["session_id"]
        for index, session in enumerate(self.sessions):
            if session.id == session_id:
                self.sessions[index] = session.model_copy(update={"status": "cancelled"})
                return JSONResponse(self.sessions[index].model_dump(mode="json"))
        return openai_error(404, f"No session found with id '{session_id}'.")

    def _list_threads(self, request: Request, _: dict[str, Any]) -> Response:
        query = dict(request.query_params)
        threads = [
            hosted.thread.model_dump(mode="json")
            for hosted in self.threads.values()
            if "user" not in query or hosted.thread.user == query["user"]
        ]
        return JSONResponse(cursor_page(threads, query))

    def _found(self, request: Request) -> HostedThread | Response:
        thread_id = request.path_params["thread_id"]
        hosted = self.threads.get(thread_id)
        if hosted is None:
            return openai_error(404, f"No thread found with id '{thread_id}'.")
        return hosted

    def _thread(self, request: Request, _: dict[str, Any]) -> Response:
        hosted = self._found(request)
        if isinstance(hosted, Response):
            return hosted
        return JSONResponse(hosted.thread.model_dump(mode="json"))

    def _delete_thread(self, request: Request, _: dict[str, Any]) -> Response:
        hosted = self._found(request)
        if isinstance(hosted, Response):
            return hosted
        del self.threads[hosted.thread.id]
        deleted = {"id": hosted.thread.id, "deleted": True, "object": "chatkit.thread.deleted"}
        return JSONResponse(deleted)

    def _items(self, request: Request, _: dict[str, Any]) -> Response:
        hosted = self._found(request)
        if isinstance(hosted, Response):
            return hosted
        return JSONResponse(cursor_page(hosted.items, dict(request.query_params)))
