"""Open WebUI's chat export (Settings > Chats > Export) as neutral threads.

The file is a JSON array of chat records, ``{id, title, chat, created_at,
updated_at, pinned, archived, folder_id, meta}`` (times in seconds). ``chat``
holds the conversation as a tree: ``history.messages`` maps message id ->
``{id, parentId, childrenIds, role, content, timestamp, model, files}`` and
``history.currentId`` is the message shown last, the active branch's leaf.
Older exports are the ``chat`` object itself (no wrapper) and some carry only
the flat ``messages`` list, read as one branch.

``content`` is markdown text. Reasoning models' answers wrap their thinking
in ``<details type="reasoning">``: dropped (counted), the answer kept.
``files`` (images, documents) are references to the Open WebUI server: counted,
not imported. System messages are counted and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kitdesk.transfer.model import (
    ImportedThread,
    MessageNode,
    RawNode,
    Skipped,
    build_tree,
    from_timestamp,
)
from kitdesk.transfer.reading import ProgressCallback, iter_json_items, open_stream

_REASONING = re.compile(r"<details\s+type=\"reasoning\"[^>]*>.*?</details>\s*", re.S | re.I)


def read(path: Path, progress: ProgressCallback | None = None) -> Iterator[ImportedThread]:
    """Every chat in an Open WebUI export, streamed."""
    with open_stream(path) as opened:
        for index, record in enumerate(iter_json_items(opened.stream, "item", path)):
            thread = to_thread(record, index)
            if thread is not None:
                yield thread
            if progress is not None:
                progress(opened.fraction())


def to_thread(record: Any, index: int = 0) -> ImportedThread | None:
    """One exported chat record as a neutral thread; None when it has no usable shape."""
    if not isinstance(record, dict):
        return None
    wrapped = record.get("chat")
    chat: dict[str, Any] = wrapped if isinstance(wrapped, dict) else record
    skipped = Skipped()
    history = chat.get("history")
    if isinstance(history, dict) and isinstance(history.get("messages"), dict):
        entries = [(str(key), value) for key, value in history["messages"].items()]
        current = history.get("currentId")
    elif isinstance(chat.get("messages"), list):
        entries, previous = [], None
        for position, value in enumerate(chat["messages"]):
            if not isinstance(value, dict):
                skipped["invalid"] += 1
                continue
            node_id = str(value.get("id") or f"m{position}")
            entries.append((node_id, {**value, "parentId": value.get("parentId", previous)}))
            previous = node_id
        current = None
    else:
        return None

    raw: dict[str, RawNode] = {}
    for key, message in entries:
        if not isinstance(message, dict):
            skipped["invalid"] += 1
            continue
        node_id = str(message.get("id") or key)
        parent = message.get("parentId")
        children = message.get("childrenIds")
        kept, reason = _message(node_id, message, skipped)
        raw[node_id] = RawNode(
            id=node_id,
            parent_id=str(parent) if parent else None,
            children_ids=tuple(str(c) for c in children) if isinstance(children, list) else (),
            node=kept,
            reason=reason,
        )
    nodes, leaf = build_tree(raw, str(current) if current else None, skipped)
    title = record.get("title") or chat.get("title")
    thread_id = record.get("id") or chat.get("id")
    return ImportedThread(
        source="openwebui",
        source_id=str(thread_id) if thread_id else f"openwebui-{index}",
        title=title.strip() or None if isinstance(title, str) else None,
        created_at=from_timestamp(record.get("created_at") or chat.get("timestamp")),
        updated_at=from_timestamp(record.get("updated_at")),
        nodes=nodes,
        active_leaf_id=leaf,
        skipped=skipped,
    )


def _message(
    node_id: str, message: dict[str, Any], skipped: Skipped
) -> tuple[MessageNode | None, str | None]:
    role = message.get("role")
    if role == "system":
        return None, "system"
    if role not in ("user", "assistant"):
        return None, "unsupported"
    content = message.get("content")
    if isinstance(content, list):  # OpenAI-style parts in some versions
        content = "\n\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    text = content if isinstance(content, str) else ""
    if role == "assistant" and _REASONING.search(text):
        skipped["reasoning"] += 1
        text = _REASONING.sub("", text)
    files = message.get("files")
    media = Skipped()
    for entry in files if isinstance(files, list) else []:
        kind = entry.get("type") if isinstance(entry, dict) else None
        media["image" if kind == "image" else "file"] += 1
    if not text.strip() and not media:
        return None, "empty"
    skipped.update(media)
    parent = message.get("parentId")
    model = message.get("model")
    return (
        MessageNode(
            id=node_id,
            parent_id=str(parent) if parent else None,
            role=role,
            text_parts=(text,),
            created_at=from_timestamp(message.get("timestamp")),
            model=model if isinstance(model, str) else None,
            skipped_attachments=sum(media.values()),
        ),
        None,
    )
