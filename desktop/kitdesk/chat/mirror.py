"""Local copies of the conversations held by remote ChatKit servers.

A remote server keeps its own threads and ids; Kitdesk mirrors each one into
the local SQLite store under the same id after every turn (and when it is
opened), so the history lists it, search and export find it, and it stays
readable while the server is unreachable. A mirrored thread carries the id of
its provider in its metadata (``REMOTE_KEY``); that is how a request for it
is recognised and relayed (``web/routes/chatkit_proxy.py``).

Mirroring adds and updates; it removes a local item only when the server
listed the whole thread successfully without it (a retry replaced it there).
A failure to mirror is logged and never loses what is already stored.
"""

from __future__ import annotations

import logging
from typing import Any

from chatkit.store import NotFoundError
from chatkit.types import ThreadItem, ThreadMetadata
from pydantic import TypeAdapter, ValidationError

from kitdesk.chat.context import RequestContext
from kitdesk.chat.remote import RemoteChatKit, RemoteEndpoint, RemoteFailure
from kitdesk.store.sqlite import SQLiteStore

log = logging.getLogger(__name__)

REMOTE_KEY = "kitdesk_remote"  # thread metadata: the provider id of its ChatKit server
PAGE_SIZE = 100
MAX_PAGES = 100  # 10,000 items: more is not mirrored in one go
_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_CONTEXT = RequestContext(origin="")


def remote_provider_of(thread: ThreadMetadata) -> str | None:
    value = thread.metadata.get(REMOTE_KEY)
    return value if isinstance(value, str) else None


class Mirror:
    """Saves remote threads and items into the local store."""

    def __init__(self, store: SQLiteStore, remote: RemoteChatKit) -> None:
        self.store = store
        self.remote = remote

    async def remote_provider(self, thread_id: str) -> str | None:
        """The provider id when ``thread_id`` is a mirrored remote thread, else None."""
        try:
            thread = await self.store.load_thread(thread_id, _CONTEXT)
        except NotFoundError:
            return None
        return remote_provider_of(thread)

    async def save_thread(self, provider_id: str, data: dict[str, Any]) -> ThreadMetadata | None:
        """Store a thread's metadata as the server sent it, marked as that server's."""
        fields = {k: v for k, v in data.items() if k in ThreadMetadata.model_fields}
        try:
            thread = ThreadMetadata.model_validate(fields)
        except ValidationError:
            log.warning("a ChatKit server sent a thread Kitdesk cannot read; not mirrored")
            return None
        thread.metadata[REMOTE_KEY] = provider_id
        await self.store.save_thread(thread, _CONTEXT)
        return thread

    async def save_items(self, thread_id: str, raw_items: list[Any]) -> list[str]:
        """Store items in the order given; returns the ids stored."""
        saved: list[str] = []
        for raw in raw_items:
            try:
                item = _ITEM.validate_python(raw)
            except ValidationError:
                log.warning("skipping an item of thread %s that Kitdesk cannot read", thread_id)
                continue
            await self.store.save_item(thread_id, item, _CONTEXT)
            saved.append(item.id)
        return saved

    async def mirror_thread(self, endpoint: RemoteEndpoint, thread_id: str) -> bool:
        """Fetch the thread and all its items from the server and store them; True on success."""
        try:
            thread = await self.remote.call(
                endpoint, {"type": "threads.get_by_id", "params": {"thread_id": thread_id}}
            )
            if await self.save_thread(endpoint.provider_id, thread) is None:
                return False
            remote_ids = await self._mirror_items(endpoint, thread_id)
        except RemoteFailure as exc:
            log.info("could not mirror thread %s: %s", thread_id, exc.code)
            return False
        await self._drop_items_not_in(thread_id, remote_ids)
        return True

    async def _mirror_items(self, endpoint: RemoteEndpoint, thread_id: str) -> set[str]:
        remote_ids: set[str] = set()
        after: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"thread_id": thread_id, "limit": PAGE_SIZE, "order": "asc"}
            if after is not None:
                params["after"] = after
            page = await self.remote.call(endpoint, {"type": "items.list", "params": params})
            data = page.get("data")
            if not isinstance(data, list):
                raise RemoteFailure("not a page", status=502, code="remote_malformed")
            remote_ids.update(await self.save_items(thread_id, data))
            after = page.get("after") if isinstance(page.get("after"), str) else None
            if not page.get("has_more") or after is None:
                return remote_ids
        raise RemoteFailure("too many items", status=502, code="remote_too_long")

    async def _drop_items_not_in(self, thread_id: str, keep: set[str]) -> None:
        stale: list[str] = []
        after: str | None = None
        while True:
            page = await self.store.load_thread_items(thread_id, after, 500, "asc", _CONTEXT)
            stale.extend(item.id for item in page.data if item.id not in keep)
            if not page.has_more or page.after is None:
                break
            after = page.after
        for item_id in stale:
            await self.store.delete_thread_item(thread_id, item_id, _CONTEXT)
