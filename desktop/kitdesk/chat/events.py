"""ChatKit's stream events and thread response, without a copy of every schema.

pydantic builds each model's validator and serializer with the schemas of all
that its fields can hold copied in. A ChatKit event that carries an item, an
update or a thread holds the whole ``ThreadItem`` union, every widget
component included: about 0.8 MB of validator and serializer per event class,
built the first time one is made and kept for the life of the process. A first
answer sends six such classes: 5 MB, each time Kitdesk starts, the largest part
of what the server grows by in its first turn (measured by building them one
by one after the modules an idle server has loaded).

These subclasses type that one field as "an instance of a model, serialised as
what it is". They are the same events: ``isinstance`` holds for the SDK's
class, the JSON is byte for byte what the SDK's class writes
(tests/chat/test_events.py), and an item's own schema, a few KB, is what its
serialisation uses. Each costs about 20 KB. Nothing is validated that was not
already: every value put in one is a model built (and validated) before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatkit.types import (
    Page,
    Thread,
    ThreadCreatedEvent,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadStatus,  # noqa: F401  (names a field ThreadView inherits: pydantic looks it up here)
    ThreadUpdatedEvent,
)
from pydantic import BaseModel, InstanceOf, SerializeAsAny

if TYPE_CHECKING:
    # For type checkers the fields keep the SDK's types.
    from chatkit.types import ThreadItem, ThreadItemUpdate

    AnyItem = ThreadItem
    AnyUpdate = ThreadItemUpdate
    AnyPage = Page[ThreadItem]
    AnyThread = Thread
else:
    AnyItem = AnyUpdate = SerializeAsAny[InstanceOf[BaseModel]]
    AnyPage = SerializeAsAny[InstanceOf[Page]]
    AnyThread = SerializeAsAny[InstanceOf[Thread]]


class ThreadView(Thread):
    """A thread with a page of its items, as responses and events show it."""

    items: AnyPage


class ItemAdded(ThreadItemAddedEvent):
    item: AnyItem


class ItemUpdated(ThreadItemUpdatedEvent):
    update: AnyUpdate


class ItemDone(ThreadItemDoneEvent):
    item: AnyItem


class ItemReplaced(ThreadItemReplacedEvent):
    item: AnyItem


class ThreadCreated(ThreadCreatedEvent):
    thread: AnyThread


class ThreadUpdated(ThreadUpdatedEvent):
    thread: AnyThread
