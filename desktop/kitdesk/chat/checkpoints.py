"""Saving an answer while it streams, so a crash or a kill keeps what was shown.

ChatKit stores an assistant message only once it is done; until then it lives
in memory, and if the process dies mid-answer the text the person already
read is gone. So while an answer streams, its text so far is saved (an upsert)
at most once every ``CHECKPOINT_SECONDS``, marked as interrupted. When the
finished message arrives, the checkpoint is removed just before ChatKit adds
the real item (the store refuses duplicate ids by design), on the same write
thread, so the finished text replaces it in place at the end of the thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chatkit.types import AssistantMessageContent, AssistantMessageItem

from kitdesk.chat.context import RequestContext
from kitdesk.store.sqlite import SQLiteStore

CHECKPOINT_SECONDS = 1.0
INTERRUPTED_NOTE = "\n\n*[Kitdesk closed before this answer finished.]*"


class Checkpoints:
    """The checkpoints of one streaming answer."""

    def __init__(
        self,
        store: SQLiteStore,
        thread_id: str,
        context: RequestContext,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.thread_id = thread_id
        self.context = context
        self.saved: set[str] = set()
        self._clock = clock
        self._last = clock()

    async def maybe_save(
        self, open_items: dict[str, AssistantMessageItem], texts: dict[str, list[str]]
    ) -> None:
        """Save the unfinished messages' text if the last checkpoint is old enough."""
        now = self._clock()
        if now - self._last < CHECKPOINT_SECONDS:
            return
        self._last = now
        for item_id, item in open_items.items():
            text = "".join(texts.get(item_id, ()))
            if not text.strip():
                continue
            content = [AssistantMessageContent(text=text + INTERRUPTED_NOTE, annotations=[])]
            snapshot = item.model_copy(update={"content": content})
            await self.store.save_item(self.thread_id, snapshot, self.context)
            self.saved.add(item_id)

    async def release(self, item_id: str) -> None:
        """Remove the checkpoint of a message that is about to be stored for real."""
        if item_id in self.saved:
            self.saved.discard(item_id)
            await self.store.delete_thread_item(self.thread_id, item_id, self.context)

    async def release_all(self) -> None:
        for item_id in list(self.saved):
            await self.release(item_id)
