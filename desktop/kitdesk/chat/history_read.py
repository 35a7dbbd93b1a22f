"""Reading a thread's history for a turn: newest pages first, each converted as it is read.

A turn sends the model the thread's items in wire form (``history.py``), up to
the history budget. Reading stops once the items read are surely over the
budget: ``budget.fit_history`` would leave out every older item anyway (it
drops whole turns from the start until the rest fits, and the rest read here
does not). A turn then costs what the budget allows, not what the thread weighs.

Each page is converted for the model's wire API as soon as it is read and its
items dropped, so a long thread never exists as stored items and wire dicts at
once. That peak grew with the thread and stayed behind as allocator
fragmentation: over turns 100-1,000 of one thread the server's private heap
grew 7.8 MB when the whole history was read and then converted, 4.4 MB
converting page by page. Only the newest item stays an item: it is converted as
the last one (a quoted passage goes with it) and again as an earlier one once
the turn adds tool calls or answers after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chatkit.store import NotFoundError, Store
from chatkit.types import AssistantMessageItem, ThreadItem, UserMessageItem

from kitdesk.chat.budget import CHARS_PER_TOKEN
from kitdesk.chat.history import ConvertedPrefix, HistoryConverter, InputItem, WireApi

HISTORY_PAGE_SIZE = 200


@dataclass
class ReadHistory:
    """What a turn needs of its thread's history.

    ``older`` holds every item but the newest, converted; ``newest`` the newest
    item (none in an empty thread), the list the turn then adds its own items to.
    """

    older: ConvertedPrefix
    newest: list[ThreadItem] = field(default_factory=list)
    complete: bool = True  # False when the oldest items were left unread (the budget)
    user_messages: int = 0
    question: UserMessageItem | None = None  # one of them: the only one if there is one

    @property
    def first_question(self) -> UserMessageItem | None:
        """The thread's only user message, when the whole thread was read and has one:
        what a first exchange is named after."""
        return self.question if self.complete and self.user_messages == 1 else None

    def add_newest(self, message: UserMessageItem) -> None:
        """Hold the new message as the newest item (its write is still under way)."""
        self.newest.append(message)
        self.count(message)

    def count(self, item: ThreadItem) -> None:
        """Note an item it holds."""
        if isinstance(item, UserMessageItem):
            self.user_messages += 1
            self.question = item


def least_tokens(item: ThreadItem) -> int:
    """A floor under ``budget.estimate_tokens`` of the item's converted form: its own text.

    Whatever else conversion adds (attachments, wrappers, notes) only raises the
    estimate, so items that pass the budget on this floor surely pass it converted.
    """
    if isinstance(item, UserMessageItem | AssistantMessageItem):
        return sum(len(part.text) for part in item.content) // CHARS_PER_TOKEN
    return 0


async def read_history(
    store: Store[Any],
    thread_id: str,
    context: Any,
    converter: HistoryConverter,
    api: WireApi,
    budget_tokens: int | None,
    message: UserMessageItem | None = None,
) -> ReadHistory:
    """The thread's active path for ``api``, the new ``message`` last even if its write
    is still under way (or the thread's own is: a new thread reads as empty).

    With ``budget_tokens``, reading stops once the items read are surely over it.
    """
    read = ReadHistory(ConvertedPrefix(api))
    pages: list[list[InputItem]] = []  # newest page first, each oldest item first
    seen = message is None
    tokens = 0
    after: str | None = None
    more = True
    try:
        while more:
            page = await store.load_thread_items(
                thread_id, after, HISTORY_PAGE_SIZE, "desc", context
            )
            more, after = page.has_more and page.after is not None, page.after
            older: list[ThreadItem] = []
            for item in page.data:
                read.count(item)
                seen = seen or (message is not None and item.id == message.id)
                if read.newest:
                    older.append(item)
                else:
                    read.newest.append(item)  # the newest stays an item (see the module)
                if budget_tokens is not None:
                    tokens += least_tokens(item)
                    if tokens > budget_tokens:
                        read.complete = more = False
                        break
            del page  # its items are converted next; only the newest is kept
            converted: list[InputItem] = []
            for item in reversed(older):
                converted.extend(await converter.convert(item, api, is_last=False))
            pages.append(converted)
    except NotFoundError:  # a new thread whose write is still under way
        read, pages, seen = ReadHistory(ConvertedPrefix(api)), [], message is None
    if message is not None and not seen:  # its write is still under way: it is the newest
        if read.newest:
            before = await converter.convert(read.newest.pop(), api, is_last=False)
            pages[0].extend(before)
        read.add_newest(message)
    for converted in reversed(pages):
        read.older.inputs.extend(converted)
    return read
