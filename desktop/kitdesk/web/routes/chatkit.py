"""``POST /chatkit``: the ChatKit protocol over HTTP, with readable errors.

The SDK's ``process()`` validates and routes, but a bad request would surface
as a pydantic traceback and a 500, and an error thrown inside a stream would
cut it short. This endpoint validates first, so a person reads what was wrong,
and guards streams so they always end with an ``error`` event instead.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import typing
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chatkit.store import NotFoundError
from chatkit.types import (
    AttachmentsCreateReq,
    ChatKitReq,
    ErrorEvent,
    NonStreamingReq,
    StreamingReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsSyncCustomActionReq,
    ThreadsUpdateReq,
    UserMessageInput,
    is_streaming_req,
)
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import TypeAdapter, ValidationError

from kitdesk.chat.context import RequestContext
from kitdesk.errors import BUILD_FAILED_MESSAGE, UserFacingError
from kitdesk.i18n import pick_language
from kitdesk.providers.resolver import ProviderNotReady
from kitdesk.store.problems import storage_problem
from kitdesk.store.sqlite import (
    ALLOWED_MIME_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_PAGE_SIZE,
)
from kitdesk.web.ready import ready
from kitdesk.web.responses import describe_validation_error, error_response
from kitdesk.web.routes.chatkit_proxy import ChatKitProxy
from kitdesk.web.services import request_context
from kitdesk.web.uploads import claims_text

if TYPE_CHECKING:  # the chat service is built after start-up (app.py)
    from kitdesk.chat.service import ChatService

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024  # room for base64 audio in input.transcribe
# About 250k tokens: more than any model's context is pointless and only bloats the store.
MAX_MESSAGE_CHARS = 1_000_000
MAX_TITLE_CHARS = 200

_REQUEST_ADAPTER: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)


def _request_types() -> list[str]:
    names = []
    for union in (StreamingReq, NonStreamingReq):
        for model in typing.get_args(union):
            names.append(model.model_fields["type"].default)
    return sorted(names)


REQUEST_TYPES = _request_types()

NOT_FOUND_MESSAGE = "That conversation or item no longer exists. It may have been deleted."
INTERNAL_MESSAGE = "Kitdesk hit an unexpected problem. The details are in its log file."


def _error_frame(message: str, *, allow_retry: bool) -> bytes:
    event = ErrorEvent(code="custom", message=message, allow_retry=allow_retry)
    return b"data: " + event.model_dump_json().encode() + b"\n\n"


async def _guarded(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Relay the SDK's stream; any failure becomes a final, readable error event."""
    try:
        async for chunk in stream:
            yield chunk
    except NotFoundError:
        yield _error_frame(NOT_FOUND_MESSAGE, allow_retry=False)
    except (UserFacingError, ProviderNotReady) as exc:
        yield _error_frame(str(exc), allow_retry=False)
    except ValueError as exc:
        # The SDK raises ValueError for requests that don't fit the thread's state.
        log.info("refused streaming request: %s", exc)
        yield _error_frame(
            "Kitdesk could not do that with this conversation as it is now.", allow_retry=False
        )
    except Exception as exc:
        problem = storage_problem(exc)
        if problem is None:
            log.exception("streaming request failed")
        else:
            log.warning("streaming request could not save: %s", exc)
        yield _error_frame(problem or INTERNAL_MESSAGE, allow_retry=True)


def _check_attachment(params: AttachmentsCreateReq) -> Response | None:
    mime = params.params.mime_type.split(";", 1)[0].strip().lower()
    if claims_text(mime):
        # Code and config files: attached as text if their bytes are UTF-8 (checked on upload).
        params.params.mime_type = "text/plain"
        mime = "text/plain"
    if mime not in ALLOWED_MIME_TYPES:
        return error_response(
            415,
            "attachment_type_not_allowed",
            f"Files of type “{mime or 'unknown'}” can't be attached. "
            "Attach images (PNG, JPEG, GIF, WebP), text, Markdown, CSV, JSON or PDF files.",
        )
    if params.params.size > MAX_ATTACHMENT_BYTES:
        limit_mb = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        return error_response(
            413,
            "attachment_too_large",
            f"“{params.params.name}” is larger than the {limit_mb} MB limit for attachments.",
        )
    if params.params.size < 0:
        return error_response(400, "invalid_request", "params.size: must not be negative")
    return None


def _check_limits(request: ChatKitReq) -> Response | None:
    if isinstance(request, ThreadsUpdateReq) and len(request.params.title) > MAX_TITLE_CHARS:
        return error_response(
            400, "invalid_request", f"params.title: must be at most {MAX_TITLE_CHARS} characters"
        )
    limit = getattr(request.params, "limit", None)
    if limit is not None and not 1 <= limit <= MAX_PAGE_SIZE:
        return error_response(
            400, "invalid_request", f"params.limit: must be between 1 and {MAX_PAGE_SIZE}"
        )
    return None


async def _check_message(
    message: UserMessageInput, server: ChatService, thread_id: str | None
) -> Response | None:
    """Refuse an empty or oversized message, or one naming unknown attachments, before a
    thread is created or anything is stored."""
    text = "".join(getattr(part, "text", "") for part in message.content)
    if not text.strip() and not message.attachments:
        return error_response(400, "empty_message", "The message is empty. Type something first.")
    if len(text) + len(message.quoted_text or "") > MAX_MESSAGE_CHARS:
        return error_response(
            413,
            "message_too_long",
            f"The message is longer than {MAX_MESSAGE_CHARS:,} characters. "
            "Attach long text as a file instead.",
        )
    if len(message.attachments) > MAX_ATTACHMENTS_PER_MESSAGE:
        return error_response(
            400,
            "too_many_attachments",
            f"A message can carry at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments.",
        )
    context = RequestContext(origin="")
    for attachment_id in message.attachments:
        try:
            attachment = await server.store.load_attachment(attachment_id, context)
        except NotFoundError:
            return error_response(
                400,
                "unknown_attachment",
                "One of the attachments is no longer available. "
                "Remove it and attach the file again.",
            )
        if attachment.thread_id is not None and attachment.thread_id != thread_id:
            # An attachment stays in the conversation it was sent in (deleting that
            # conversation deletes its file).
            return error_response(
                400,
                "attachment_in_another_conversation",
                f"“{attachment.name}” was sent in another conversation. Attach the file again.",
            )
    return None


@dataclass(frozen=True)
class OfferedRequest:
    """A ``POST /chatkit`` that ``web/chatkit_entry.py`` read, checked and offered to the
    proxy, which declined it: the route goes on from there (in the ASGI scope under
    ``OFFERED_KEY``, so the body is not read or parsed twice)."""

    context: RequestContext
    parsed: ChatKitReq


OFFERED_KEY = "kitdesk.chatkit_offered"


def parse_chatkit_body(body: bytes) -> tuple[bytes, dict[str, Any], ChatKitReq] | Response:
    """The request as it came, its JSON and the validated request; or the refusal that
    says what is wrong with it."""
    if len(body) > MAX_BODY_BYTES:
        return error_response(413, "request_too_large", "The request is too large.")
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: RecursionError
        return error_response(400, "invalid_json", "The request body is not valid JSON.")
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        return error_response(
            400,
            "missing_type",
            'The request needs a "type" naming the operation, such as "threads.list".',
        )
    if raw["type"] not in REQUEST_TYPES:
        return error_response(
            400,
            "unknown_request_type",
            f"Kitdesk does not know the request type “{raw['type'][:80]}”. "
            f"Known types: {', '.join(REQUEST_TYPES)}.",
        )
    try:
        parsed = _REQUEST_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        return error_response(400, "invalid_request", describe_validation_error(exc))
    return body, raw, parsed


def build_chatkit_router(
    chat_server: concurrent.futures.Future[ChatService],
    proxy: ChatKitProxy | None = None,
) -> APIRouter:
    """The route is there from the start; the chat service behind it may still be
    being built: requests wait for it. Requests that belong to a remote ChatKit
    server go to ``proxy`` first."""
    router = APIRouter()

    @router.post("/chatkit")
    async def chatkit(request: Request) -> Response:
        handed: OfferedRequest | None = request.scope.get(OFFERED_KEY)
        if handed is not None:  # read, checked and declined by the proxy already
            context, parsed = handed.context, handed.parsed
        else:
            checked = parse_chatkit_body(await request.body())
            if isinstance(checked, Response):
                return checked
            body, raw, parsed = checked
            context = request_context(request)
            if proxy is not None:
                relayed = await proxy.maybe_proxy(body, raw, parsed, context)
                if relayed is not None:
                    return relayed
        if isinstance(parsed, AttachmentsCreateReq) and (refusal := _check_attachment(parsed)):
            return refusal
        try:
            server = await ready(chat_server)
        except Exception:
            return error_response(503, "not_started", BUILD_FAILED_MESSAGE)
        # Server-built thread text follows the UI's language (the app sends it on every request).
        context = replace(
            context,
            language=pick_language(
                request.headers.get("accept-language"), server.settings().language
            ),
        )
        if refusal := _check_limits(parsed):
            return refusal
        if isinstance(parsed, ThreadsCreateReq | ThreadsAddUserMessageReq) and (
            refusal := await _check_message(
                parsed.params.input,
                server,
                parsed.params.thread_id if isinstance(parsed, ThreadsAddUserMessageReq) else None,
            )
        ):
            return refusal

        if is_streaming_req(parsed):
            return StreamingResponse(
                _guarded(server.dispatcher.stream(parsed, context)),
                media_type="text/event-stream",
                headers={"cache-control": "no-store", "x-accel-buffering": "no"},
            )
        try:
            body = await server.dispatcher.json(parsed, context)
        except NotFoundError:
            return error_response(404, "not_found", NOT_FOUND_MESSAGE)
        except (UserFacingError, ProviderNotReady) as exc:
            status = exc.status if isinstance(exc, UserFacingError) else 409
            code = exc.code if isinstance(exc, UserFacingError) else "provider_not_ready"
            return error_response(status, code, str(exc))
        except NotImplementedError:
            what = (
                "Custom actions are"
                if isinstance(parsed, ThreadsSyncCustomActionReq)
                else "This operation is"
            )
            return error_response(501, "not_supported", f"{what} not supported by Kitdesk yet.")
        except ValueError as exc:
            log.info("refused request %s: %s", parsed.type, exc)
            return error_response(
                400,
                "invalid_request",
                "Kitdesk could not do that with this conversation as it is now.",
            )
        return Response(content=body, media_type="application/json")

    return router
