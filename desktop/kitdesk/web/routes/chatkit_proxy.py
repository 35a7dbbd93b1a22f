"""Which ``/chatkit`` requests go to a remote ChatKit server, and relaying them.

``ChatKitProxy.maybe_proxy`` runs first in ``POST /chatkit`` (after the request
is validated, behind the same security gate as everything else) and answers
when the request belongs to a ChatKit server configured as a provider:

- ``threads.create`` whose model ref names a ``chatkit`` provider (or, with no
  model, when that provider is the default) starts the thread on the server;
- any request on a thread mirrored from a server (``chat/mirror.py``, in the
  background after each turn; requests on that thread wait for it) goes to
  that server; reads (``threads.get_by_id``, ``items.list``) fall back to the
  local mirror when the server fails, so its conversations stay readable;
- ``threads.list`` first mirrors the servers' recent threads (at most every
  ``LIST_SYNC_SECONDS``, with a short time limit), then lets the local history
  answer, which now holds them.

Everything else returns None: Kitdesk's own server answers. After each relayed
turn the thread is mirrored again. The server never sees the window's token and
needs no CORS: only Kitdesk talks to it. The images its answers name on its own
origin are pointed at ``IMAGE_ROUTE`` (``chat/image_links.py``), which
``image()`` serves (``chat/remote_images.py``); the mirror keeps the originals
(made absolute).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlsplit

from chatkit.types import ChatKitReq, StreamingReq, ThreadsCreateReq, ThreadsListReq
from fastapi.responses import Response

from kitdesk.chat.context import RequestContext
from kitdesk.chat.image_links import ImageLinks
from kitdesk.chat.mirror import Mirror
from kitdesk.chat.remote import (
    RemoteChatKit,
    RemoteEndpoint,
    endpoint_for,
    remembered_endpoint,
)
from kitdesk.chat.remote_failures import RemoteFailure, error_frame
from kitdesk.chat.remote_images import ImageRefused, RemoteImage, RemoteImages
from kitdesk.keys import KeyStore
from kitdesk.providers.resolver import (
    ProviderResolver,
    all_providers,
    default_provider,
    split_ref,
)
from kitdesk.settings import Provider, SettingsFile
from kitdesk.store.sqlite import SQLiteStore
from kitdesk.web.responses import RelayResponse, error_response

log = logging.getLogger(__name__)

LIST_SYNC_SECONDS = 30.0
LIST_SYNC_TIMEOUT = 2.0
LIST_SYNC_LIMIT = 50
READ_OPS = frozenset({"threads.get_by_id", "items.list"})
IMAGE_ROUTE = "/chatkit/images/"  # + the provider id; ?url= the image's URL
STREAM_HEADERS = {"cache-control": "no-store", "x-accel-buffering": "no"}
_STREAMING_TYPES = frozenset(
    model.model_fields["type"].default
    for model in StreamingReq.__args__  # type: ignore[attr-defined]
)


def _sse(frames: AsyncIterator[bytes]) -> RelayResponse:
    return RelayResponse(frames, media_type="text/event-stream", headers=STREAM_HEADERS)


async def _one_frame(frame: bytes) -> AsyncIterator[bytes]:
    yield frame


def without_model_ref(body: bytes, raw: dict[str, Any]) -> bytes:
    """A ``threads.create`` body for the server: the model ref is Kitdesk's (the server
    chooses its own model). Copies only the dicts on the way to it; a body without a
    model ref goes on as it came."""
    params = raw["params"]
    message = params["input"]
    options = message.get("inference_options")
    if not isinstance(options, dict) or "model" not in options:
        return body
    options = {k: v for k, v in options.items() if k != "model"}
    changed = {**raw, "params": {**params, "input": {**message, "inference_options": options}}}
    return json.dumps(changed).encode()


class ChatKitProxy:
    def __init__(
        self,
        settings_file: SettingsFile,
        keys: KeyStore,
        store: SQLiteStore,
        remote: RemoteChatKit | None = None,
    ) -> None:
        self.settings_file = settings_file
        self.keys = keys
        self.remote = remote or RemoteChatKit()
        self.images = RemoteImages()
        self.mirror = Mirror(store)
        self._listed_at: dict[str, float] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}  # thread id -> its mirroring

    async def aclose(self) -> None:
        if self._pending:
            await asyncio.wait(list(self._pending.values()), timeout=5)
        await self.remote.aclose()
        await self.images.aclose()

    # -- routing ----------------------------------------------------------------

    def _chatkit_provider(self, provider_id: str | None) -> Provider | None:
        if provider_id is None:
            return None
        provider = next(
            (p for p in all_providers(self.settings_file.settings) if p.id == provider_id), None
        )
        return provider if provider is not None and provider.kind_info.is_chatkit else None

    async def _provider_for_new_thread(self, parsed: ThreadsCreateReq) -> Provider | None:
        options = parsed.params.input.inference_options
        ref = options.model if options is not None else None
        if not ref:
            settings = self.settings_file.settings
            if not any(p.kind_info.is_chatkit for p in all_providers(settings)):
                # No ChatKit server to go to, whichever is the default: no need to
                # find out which (that reads keys, a thread hop before every new chat).
                return None
            resolver = ProviderResolver(settings, self.keys)
            chosen = default_provider(settings)
            if chosen is not None and chosen.id == settings.default_provider:
                ref = resolver.default_ref()  # the chosen default: no key to read
            else:  # the first ready provider: readiness reads keys (D-Bus)
                ref = await asyncio.to_thread(resolver.default_ref)
        provider_id = split_ref(ref)[0] if ref else None
        return self._chatkit_provider(provider_id)

    async def maybe_proxy(
        self, body: bytes, raw: dict[str, Any], parsed: ChatKitReq, context: RequestContext
    ) -> Response | None:
        """The answer when this request belongs to a remote ChatKit server, else None.

        ``body`` is the request as it arrived, ``raw`` its decoded JSON and ``parsed``
        the validated request: a relayed stream sends ``body`` on unchanged unless
        Kitdesk must change something in it."""
        if isinstance(parsed, ThreadsListReq):
            if self._pending:  # turns that just ended are listed with their last words
                await asyncio.wait(list(self._pending.values()), timeout=10)
            await self._sync_lists()
            return None
        if isinstance(parsed, ThreadsCreateReq):
            provider = await self._provider_for_new_thread(parsed)
            if provider is None:
                return None
            return await self._relay_stream(
                provider, without_model_ref(body, raw), context, thread_id=None
            )
        thread_id = getattr(parsed.params, "thread_id", None)
        if not isinstance(thread_id, str):
            return None
        await self._mirrored(thread_id)
        provider_id = await self.mirror.remote_provider(thread_id)
        if provider_id is None:
            return None
        provider = self._chatkit_provider(provider_id)
        streaming = parsed.type in _STREAMING_TYPES
        if provider is None or not provider.enabled:
            if not streaming:
                return None  # the local mirror answers reads, renames and deletes
            return _sse(
                _one_frame(
                    error_frame(
                        "The ChatKit server this conversation belongs to is no longer set up "
                        "or is turned off, so it is read-only. Its messages are kept here.",
                        allow_retry=False,
                    )
                )
            )
        if streaming:
            return await self._relay_stream(provider, body, context, thread_id=thread_id)
        return await self._relay_call(provider, raw, parsed.type, thread_id, context)

    # -- images -------------------------------------------------------------------

    @staticmethod
    def _links(provider: Provider, context: RequestContext) -> ImageLinks:
        # A path (no scheme, no host), under whatever prefix the page reached Kitdesk at.
        prefix = urlsplit(context.origin).path.rstrip("/")
        return ImageLinks(provider.base_url, f"{prefix}{IMAGE_ROUTE}{quote(provider.id, safe='')}")

    async def image(self, provider_id: str, url: str) -> RemoteImage:
        """An image of a ChatKit server's answers, fetched for the page; or ImageRefused."""
        provider = self._chatkit_provider(provider_id)
        if provider is None or not provider.enabled:
            raise ImageRefused(
                "The ChatKit server this image belongs to is no longer set up or is turned off, "
                "so its image is not loaded.",
                status=404,
                code="image_provider_gone",
            )
        return await self.images.fetch(await self._endpoint(provider), url)

    # -- mirroring ----------------------------------------------------------------

    def _mirror_later(
        self, provider: Provider, thread_id: str, changes: list[dict[str, Any]]
    ) -> None:
        previous = self._pending.get(thread_id)

        async def apply() -> None:
            if previous is not None:  # turns of one thread are mirrored in order
                await asyncio.wait([previous])
            try:
                await self.mirror.replay(provider.id, thread_id, changes, provider.base_url)
            except Exception:
                log.exception("could not mirror a turn of thread %s", thread_id)

        task = asyncio.ensure_future(apply())
        self._pending[thread_id] = task
        task.add_done_callback(lambda done: self._forget(thread_id, done))

    def _forget(self, thread_id: str, task: asyncio.Task[None]) -> None:
        if self._pending.get(thread_id) is task:
            del self._pending[thread_id]

    async def _mirrored(self, thread_id: str) -> None:
        """Wait for the mirror of a turn that just ended, before the local copy is read."""
        task = self._pending.get(thread_id)
        if task is not None:
            await asyncio.wait([task], timeout=10)

    # -- relaying ---------------------------------------------------------------

    async def _endpoint(self, provider: Provider) -> RemoteEndpoint:
        # Header values the key store remembers (or no headers at all) need no thread
        # hop; only a value it must ask the keyring for is read off the event loop.
        endpoint = remembered_endpoint(provider, self.keys)
        if endpoint is not None:
            return endpoint
        return await asyncio.to_thread(endpoint_for, provider, self.keys)

    async def _relay_stream(
        self,
        provider: Provider,
        content: bytes,
        context: RequestContext,
        *,
        thread_id: str | None,
    ) -> Response:
        endpoint = await self._endpoint(provider)
        try:
            stream = await self.remote.open_stream(endpoint, content)
            stream.links = self._links(provider, context)
        except RemoteFailure as exc:
            message = str(exc)
            if exc.unreachable and thread_id is not None:
                message += (
                    " Until it answers, this conversation is read-only; its messages are kept here."
                )
            return _sse(_one_frame(error_frame(message, allow_retry=True)))

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for frame in stream.frames():
                    yield frame
            finally:
                # In the background, so the answer ends without waiting for SQLite.
                mirrored = stream.thread_id or thread_id
                if mirrored is not None and stream.changes:
                    self._mirror_later(provider, mirrored, stream.changes)

        return _sse(relay())

    async def _relay_call(
        self,
        provider: Provider,
        raw: dict[str, Any],
        op: str,
        thread_id: str,
        context: RequestContext,
    ) -> Response | None:
        endpoint = await self._endpoint(provider)
        try:
            answer = await self.remote.call(endpoint, raw)
        except RemoteFailure as exc:
            if op in READ_OPS:
                return None  # the local mirror answers: readable offline
            if exc.unreachable:
                return error_response(
                    503,
                    exc.code,
                    f"{exc} Until it answers, this conversation is read-only.",
                )
            return error_response(exc.status, exc.code, str(exc))
        await self._mirror_answer(endpoint, op, thread_id, answer)
        self._links(provider, context).rewrite(answer)  # after the mirror kept the originals
        return Response(content=json.dumps(answer), media_type="application/json")

    async def _mirror_answer(
        self, endpoint: RemoteEndpoint, op: str, thread_id: str, answer: dict[str, Any]
    ) -> None:
        """Keep the mirror in step with what the server just said."""
        try:
            if op in ("threads.get_by_id", "threads.update"):
                await self.mirror.save_thread(endpoint.provider_id, answer)
                items = answer.get("items")
                if isinstance(items, dict) and isinstance(items.get("data"), list):
                    await self.mirror.save_items(thread_id, items["data"], endpoint.url)
            elif op == "items.list" and isinstance(answer.get("data"), list):
                await self.mirror.save_items(thread_id, answer["data"], endpoint.url)
            elif op == "threads.delete":
                await self.mirror.store.delete_thread(thread_id, RequestContext(origin=""))
        except Exception:
            log.exception("could not update the mirror of thread %s", thread_id)

    # -- the history ---------------------------------------------------------------

    async def _sync_lists(self) -> None:
        now = time.monotonic()
        due = [
            p
            for p in all_providers(self.settings_file.settings)
            if p.kind_info.is_chatkit
            and p.enabled
            and now - self._listed_at.get(p.id, -LIST_SYNC_SECONDS) >= LIST_SYNC_SECONDS
        ]
        if not due:
            return
        for provider in due:
            self._listed_at[provider.id] = now
        try:
            await asyncio.wait_for(
                asyncio.gather(*(self._sync_list(p) for p in due)), LIST_SYNC_TIMEOUT
            )
        except TimeoutError:
            log.info("a ChatKit server's thread list took too long; the history shows the mirror")

    async def _sync_list(self, provider: Provider) -> None:
        endpoint = await self._endpoint(provider)
        try:
            page = await self.remote.call(
                endpoint,
                {"type": "threads.list", "params": {"limit": LIST_SYNC_LIMIT, "order": "desc"}},
            )
        except RemoteFailure as exc:
            log.info("could not list the threads of %s: %s", provider.id, exc.code)
            return
        data = page.get("data")
        for thread in data if isinstance(data, list) else []:
            if isinstance(thread, dict):
                await self.mirror.save_thread(provider.id, thread)
