"""Neutral threads <-> ChatKit threads and items, the shapes the store keeps.

Importing: a ChatGPT or Open WebUI message becomes a ``user_message`` or
``assistant_message`` item with the source's node id (unique within the
thread), so the tree's parent links carry over unchanged. The thread id is
derived from the source and its conversation id (``thr_imp_<hash>``): the same
conversation imported twice gets the same id, which is how an import skips
what it already has. Kitdesk's own export keeps its ids and items whole.

Media the source did not include (ChatGPT's export has no image bytes) is
mentioned in the message, so the conversation still reads right.

An import writes a hundred thousand items, so ``message_item_json`` writes an
imported message's JSON directly, the same bytes ``model_dump_json`` writes for
the item ``to_storable`` builds (tested on both), at a fraction of the cost of
validating and serialising a pydantic model per message.

Exporting: a stored thread and its items become a neutral thread whose nodes
carry the exact item JSON (``native``), which Kitdesk's export writes as is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
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
    if imported.source == "kitdesk" and imported.native is not None:
        return _from_native(imported)
    thread = imported_thread_metadata(imported, now)
    items: list[tuple[str | None, ThreadItem]] = []
    for node in imported.nodes:
        item = _message_item(node, thread.id, thread.created_at, imported.source)
        items.append((node.parent_id, item))
    return StorableThread(thread, items, imported.active_leaf_id, Skipped(imported.skipped))


def imported_thread_metadata(
    imported: ImportedThread, now: datetime | None = None
) -> ThreadMetadata:
    """The ChatKit thread for a conversation from another app (not Kitdesk's own export)."""
    return ThreadMetadata(
        id=imported_thread_id(imported.source, imported.source_id),
        title=imported.title,
        created_at=imported.created_at or now or datetime.now(UTC),
        metadata={IMPORTED_KEY: {"source": imported.source, "id": imported.source_id}},
    )


def _message_text(node: MessageNode, source: str) -> str:
    text = node.text
    if node.skipped_attachments:
        note = _missing_media_note(node.skipped_attachments, source)
        text = f"{text}\n\n{note}" if text else note
    return text


def message_item_json(
    node: MessageNode, thread_id: str, fallback: datetime, source: str
) -> tuple[str, str, str | None]:
    """The item ``to_storable`` makes of ``node`` as (type, JSON, searchable text), written
    without a pydantic model: ``model_dump_json``'s bytes, key order and all."""
    text = _message_text(node, source)
    head = (
        f'{{"id":{_string(node.id)},"thread_id":{_string(thread_id)},'
        f'"created_at":"{_json_datetime(node.created_at or fallback)}",'
    )
    if node.role == "user":
        model = "null" if node.model is None else _string(node.model)
        data = (
            f'{head}"type":"user_message","content":[{{"type":"input_text","text":'
            f'{_string(text)}}}],"attachments":[],"quoted_text":null,'
            f'"inference_options":{{"tool_choice":null,"model":{model}}}}}'
        )
        return "user_message", data, text or None
    data = (
        f'{head}"type":"assistant_message","content":[{{"annotations":[],"text":'
        f'{_string(text)},"type":"output_text"}}]}}'
    )
    return "assistant_message", data, text or None


# A JSON string literal, non-ASCII kept as is (the C encoder behind json.dumps).
_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _json_datetime(moment: datetime) -> str:
    """A datetime as pydantic writes it in JSON (ISO 8601, UTC as ``Z``)."""
    text = moment.isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def _message_item(node: MessageNode, thread_id: str, fallback: datetime, source: str) -> ThreadItem:
    text = _message_text(node, source)
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
