"""Neutral threads <-> ChatKit threads and items, the shapes the store keeps.

Importing: a ChatGPT or Open WebUI message becomes a ``user_message`` or
``assistant_message`` item with the source's node id (unique within the
thread), so the tree's parent links carry over unchanged. The thread id is
derived from the source and its conversation id (``thr_imp_<hash>``): the same
conversation imported twice gets the same id, which is how an import skips
what it already has. Kitdesk's own export keeps its ids and items whole.

Media the source did not include (ChatGPT's export has no image bytes) is
mentioned in the message, so the conversation still reads right.

Exporting: a stored thread and its items become a neutral thread whose nodes
carry the exact item JSON (``native``), which Kitdesk's export writes as is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from pydantic import TypeAdapter, ValidationError

from kitdesk.transfer.model import ImportedThread, MessageNode, Organisation, Skipped

_item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
IMPORTED_KEY = "imported_from"
_SOURCE_NAMES = {"chatgpt": "ChatGPT", "openwebui": "Open WebUI", "kitdesk": "Kitdesk"}


@dataclass
class StorableThread:
    """A thread ready for the store: items parent-first, each with the id of the item it follows."""

    thread: ThreadMetadata
    items: list[tuple[str | None, ThreadItem]]
    active_item_id: str | None
    skipped: Skipped = field(default_factory=Skipped)
    organisation: Organisation | None = None

    @property
    def message_count(self) -> int:
        return sum(
            1 for _, item in self.items if isinstance(item, UserMessageItem | AssistantMessageItem)
        )


def imported_thread_id(source: str, source_id: str) -> str:
    digest = hashlib.sha256(f"{source}\x00{source_id}".encode()).hexdigest()
    return f"thr_imp_{digest[:24]}"


def _missing_media_note(count: int, source: str) -> str:
    noun = "attachment" if count == 1 else "attachments"
    return f"_({count} {noun} from {_SOURCE_NAMES.get(source, source)} not included in the export)_"


def to_storable(imported: ImportedThread, now: datetime | None = None) -> StorableThread:
    """The ChatKit thread and items for one imported thread."""
    now = now or datetime.now(UTC)
    if imported.source == "kitdesk" and imported.native is not None:
        return _from_native(imported)
    thread_id = imported_thread_id(imported.source, imported.source_id)
    created = imported.created_at or now
    thread = ThreadMetadata(
        id=thread_id,
        title=imported.title,
        created_at=created,
        metadata={IMPORTED_KEY: {"source": imported.source, "id": imported.source_id}},
    )
    items: list[tuple[str | None, ThreadItem]] = []
    for node in imported.nodes:
        items.append((node.parent_id, _message_item(node, thread_id, created, imported.source)))
    return StorableThread(thread, items, imported.active_leaf_id, Skipped(imported.skipped))


def _message_item(node: MessageNode, thread_id: str, fallback: datetime, source: str) -> ThreadItem:
    text = node.text
    if node.skipped_attachments:
        note = _missing_media_note(node.skipped_attachments, source)
        text = f"{text}\n\n{note}" if text else note
    created = node.created_at or fallback
    if node.role == "user":
        return UserMessageItem(
            id=node.id,
            thread_id=thread_id,
            created_at=created,
            content=[UserMessageTextContent(text=text)],
            attachments=[],
            inference_options=InferenceOptions(model=node.model),
        )
    return AssistantMessageItem(
        id=node.id,
        thread_id=thread_id,
        created_at=created,
        content=[AssistantMessageContent(text=text)],
    )


def _from_native(imported: ImportedThread) -> StorableThread:
    skipped = Skipped(imported.skipped)
    try:
        thread = ThreadMetadata.model_validate(imported.native)
    except ValidationError:
        skipped["thread"] += 1
        return StorableThread(
            ThreadMetadata(id=imported.source_id, created_at=datetime.now(UTC)), [], None, skipped
        )
    kept: dict[str, str | None] = {}  # item id -> the kept item it follows
    dropped: dict[str, str | None] = {}
    items: list[tuple[str | None, ThreadItem]] = []
    for node in imported.nodes:
        parent = node.parent_id
        while parent is not None and parent in dropped:
            parent = dropped[parent]
        try:
            item = _item_adapter.validate_python({**(node.native or {}), "thread_id": thread.id})
        except ValidationError:
            skipped["invalid"] += 1
            dropped[node.id] = parent
            continue
        kept[node.id] = parent
        items.append((parent if parent in kept else None, item))
    active = imported.active_leaf_id
    while active is not None and active in dropped:
        active = dropped[active]
    return StorableThread(thread, items, active, skipped, imported.organisation)


def to_neutral(
    thread: ThreadMetadata,
    items: Sequence[tuple[str | None, ThreadItem]],
    active_item_id: str | None,
    organisation: Organisation | None = None,
) -> ImportedThread:
    """A stored thread as a neutral thread whose thread and nodes keep their exact JSON."""
    nodes = []
    for parent, item in items:
        native: dict[str, Any] = item.model_dump(mode="json")
        texts = tuple(
            part["text"]
            for part in native.get("content") or []
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
        nodes.append(
            MessageNode(
                id=item.id,
                parent_id=parent,
                role="user" if isinstance(item, UserMessageItem) else "assistant",
                text_parts=texts,
                created_at=item.created_at,
                native=native,
            )
        )
    return ImportedThread(
        source="kitdesk",
        source_id=thread.id,
        title=thread.title,
        created_at=thread.created_at,
        updated_at=None,
        nodes=nodes,
        active_leaf_id=active_item_id,
        native=thread.model_dump(mode="json"),
        organisation=organisation,
    )
