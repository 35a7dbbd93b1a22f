"""Local copies of the conversations held by remote ChatKit servers.

A remote server keeps its own threads and ids; Kitdesk mirrors each one into
the local SQLite store under the same id: after every turn it replays the
events that changed the thread (the stream already carried them, so the
server is not asked again), and when the thread is opened or listed it saves
what the server answered. So the history lists it, search and export find it, and it stays
readable while the server is unreachable. A mirrored thread carries the id of
its provider in its metadata (``REMOTE_KEY``); that is how a request for it
is recognised and relayed (``web/routes/chatkit_proxy.py``).

Image URLs are saved absolute, made so against the server's base URL
(``AbsoluteImageLinks``): a relative ``/static/x.png`` names the server's
picture, and an export or an offline reading must still say where it is.

Mirroring adds and updates; it removes a local item only when the server's
stream said so (``thread.item.removed``, as a retry does). A failure to mirror
is logged and never loses what is already stored.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from chatkit.store import NotFoundError
from chatkit.types import ThreadItem, ThreadMetadata
from pydantic import TypeAdapter, ValidationError

from kitdesk.chat.context import RequestContext
from kitdesk.chat.image_links import AbsoluteImageLinks
from kitdesk.store.sqlite import SQLiteStore

log = logging.getLogger(__name__)

REMOTE_KEY = "kitdesk_remote"  # thread metadata: the provider id of its ChatKit server
_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_CONTEXT = RequestContext(origin="")


def remote_provider_of(thread: ThreadMetadata) -> str | None:
    value = thread.metadata.get(REMOTE_KEY)
    return value if isinstance(value, str) else None


class Mirror:
    """Saves remote threads and items into the local store."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

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

    async def save_items(
        self,
        thread_id: str,
        raw_items: list[Any],
        base_url: str | None = None,
        *,
        owned: bool = False,
    ) -> list[str]:
        """Store items in the order given; returns the ids stored. With the server's
        ``base_url``, relative image URLs are stored absolute (``raw_items`` is not changed
        unless ``owned``: nothing else will read them, so they need no copy)."""
        saved: list[str] = []
        absolute = AbsoluteImageLinks(base_url) if base_url else None
        for raw in raw_items:
            if absolute is not None and isinstance(raw, dict):
                if not owned:
                    raw = copy.deepcopy(raw)
                absolute.rewrite(raw)
            try:
                item = _ITEM.validate_python(raw)
            except ValidationError:
                log.warning("skipping an item of thread %s that Kitdesk cannot read", thread_id)
                continue
            await self.store.save_item(thread_id, item, _CONTEXT)
            saved.append(item.id)
        return saved

    async def replay(
        self,
        provider_id: str,
        thread_id: str,
        changes: list[dict[str, Any]],
        base_url: str | None = None,
    ) -> None:
        """Apply what a relayed stream said (``RemoteStream.changes``) to the local copy:
        no second request to the server, so a turn is mirrored even if the server goes
        away right after it. ``base_url``: the server's, for its relative image URLs.
        The events are the mirror's own (``RemoteStream`` decoded them for it alone), so
        they are changed in place, not copied first."""
        for event in changes:
            kind = event["type"]
            if kind in ("thread.created", "thread.updated") and isinstance(
                event.get("thread"), dict
            ):
                await self.save_thread(provider_id, event["thread"])
            elif kind in ("thread.item.done", "thread.item.replaced"):
                await self.save_items(thread_id, [event.get("item")], base_url, owned=True)
            elif kind == "thread.item.removed" and isinstance(event.get("item_id"), str):
                await self.store.delete_thread_item(thread_id, event["item_id"], _CONTEXT)
