"""ChatGPT's data export (Settings > Data controls > Export) as neutral threads.

The export is a zip holding ``conversations.json``: an array of conversations,
each a tree in ``mapping`` (node id -> ``{id, message, parent, children}``)
with ``current_node`` the leaf the person last saw. An edited question or a
regenerated answer is a sibling node, so the tree maps onto Kitdesk's branches
one to one and ``current_node``'s path becomes the active branch.

A message is ``{author: {role}, create_time, content: {content_type, parts |
text}, metadata: {model_slug, is_visually_hidden_from_conversation}}``. Kept:
user and assistant ``text`` and the text parts of ``multimodal_text`` (image
and audio parts have no bytes in the JSON: counted, not imported). Skipped
with a count: the empty root, system messages, hidden context (custom
instructions, ``is_visually_hidden_from_conversation``), tool outputs (role
``tool``: browsing, code results, image generation), the assistant's calls to
tools (``code`` content, or any message addressed to a tool instead of
``all``), reasoning (``thoughts``, ``reasoning_recap``) and content types this
importer does not know.
"""

from __future__ import annotations

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

_REASONING = frozenset({"thoughts", "reasoning_recap"})
_HIDDEN = frozenset({"user_editable_context", "model_editable_context"})
_MEDIA_PARTS = {
    "image_asset_pointer": "image",
    "audio_asset_pointer": "file",
    "real_time_user_audio_video_asset_pointer": "file",
    "audio_transcription": None,  # carries text: kept below
}


def read(path: Path, progress: ProgressCallback | None = None) -> Iterator[ImportedThread]:
    """Every conversation in a ChatGPT export (.zip or conversations.json), streamed."""
    with open_stream(path) as opened:
        for index, conversation in enumerate(iter_json_items(opened.stream, "item", path)):
            thread = to_thread(conversation, index)
            if thread is not None:
                yield thread
            if progress is not None:
                progress(opened.fraction())


def to_thread(conversation: Any, index: int = 0) -> ImportedThread | None:
    """One conversation object as a neutral thread; None when it has no usable shape."""
    if not isinstance(conversation, dict) or not isinstance(conversation.get("mapping"), dict):
        return None
    skipped = Skipped()
    raw: dict[str, RawNode] = {}
    for key, entry in conversation["mapping"].items():
        if not isinstance(entry, dict):
            skipped["invalid"] += 1
            continue
        node_id = str(entry.get("id") or key)
        parent = entry.get("parent")
        children = entry.get("children")
        kept, reason = _message(node_id, entry.get("message"), parent, skipped)
        raw[node_id] = RawNode(
            id=node_id,
            parent_id=str(parent) if parent else None,
            children_ids=tuple(str(c) for c in children) if isinstance(children, list) else (),
            node=kept,
            reason=reason,
        )
    current = conversation.get("current_node")
    nodes, leaf = build_tree(raw, str(current) if current else None, skipped)
    thread_id = conversation.get("conversation_id") or conversation.get("id")
    title = conversation.get("title")
    return ImportedThread(
        source="chatgpt",
        source_id=str(thread_id) if thread_id else f"chatgpt-{index}",
        title=title.strip() or None if isinstance(title, str) else None,
        created_at=from_timestamp(conversation.get("create_time")),
        updated_at=from_timestamp(conversation.get("update_time")),
        nodes=nodes,
        active_leaf_id=leaf,
        skipped=skipped,
    )


def _message(
    node_id: str, message: Any, parent: Any, skipped: Skipped
) -> tuple[MessageNode | None, str | None]:
    """The kept node (its media parts counted in ``skipped``), or None and why it is skipped."""
    if message is None:
        return None, "empty" if parent else None  # the root every conversation has
    if not isinstance(message, dict):
        return None, "invalid"
    author = message.get("author") or {}
    role = author.get("role") if isinstance(author, dict) else None
    content = message.get("content") or {}
    content_type = content.get("content_type") if isinstance(content, dict) else None
    metadata = message.get("metadata") or {}
    if not isinstance(metadata, dict):
        metadata = {}

    if role == "system":
        return None, "hidden" if content_type in _HIDDEN else "system"
    if metadata.get("is_visually_hidden_from_conversation") or content_type in _HIDDEN:
        return None, "hidden"
    if role == "tool":
        return None, "tool"
    if role not in ("user", "assistant"):
        return None, "unsupported"
    if content_type in _REASONING:
        return None, "reasoning"
    recipient = message.get("recipient")
    if content_type == "code" or (recipient not in (None, "all") and role == "assistant"):
        return None, "code"
    if content_type not in ("text", "multimodal_text"):
        return None, "unsupported"

    texts, media = _parts(content.get("parts"))
    if not any(text.strip() for text in texts) and not media:
        return None, "empty"
    if media:
        skipped.update(media)
    model = metadata.get("model_slug")
    return (
        MessageNode(
            id=node_id,
            parent_id=str(parent) if parent else None,
            role="user" if role == "user" else "assistant",
            text_parts=tuple(texts),
            created_at=from_timestamp(message.get("create_time")),
            model=model if isinstance(model, str) else None,
            skipped_attachments=sum(media.values()),
        ),
        None,
    )


_NO_MEDIA = Skipped()  # shared, never written to: most messages are only text


def _parts(parts: Any) -> tuple[list[str], Skipped]:
    """Text parts kept in order, and the media parts (images, audio) with no bytes to import."""
    texts: list[str] = []
    media = _NO_MEDIA
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict):
            if media is _NO_MEDIA:
                media = Skipped()
            kind = part.get("content_type")
            if kind == "audio_transcription" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif kind in _MEDIA_PARTS or "asset_pointer" in part:
                media[_MEDIA_PARTS.get(str(kind)) or "file"] += 1
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
    return texts, media
