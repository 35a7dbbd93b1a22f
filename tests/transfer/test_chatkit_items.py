"""Neutral threads become ChatKit items the store keeps, and stored threads go back losslessly."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from pathlib import Path

from chatkit.types import AssistantMessageItem, UserMessageItem
from kitdesk.store.search import searchable_text
from kitdesk.transfer import ImportedThread, MessageNode, read_threads
from kitdesk.transfer.chatgpt import to_thread
from kitdesk.transfer.chatkit_items import (
    IMPORTED_KEY,
    imported_thread_id,
    message_item_json,
    to_neutral,
    to_storable,
)
from kitdesk.transfer.kitdesk_json import write

from tests.transfer.fixtures import chatgpt_branched

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_a_chatgpt_thread_becomes_items_with_its_tree() -> None:
    fixture = chatgpt_branched()
    imported = to_thread(fixture.data)
    assert imported is not None
    storable = to_storable(imported, NOW)
    assert storable.thread.id == imported_thread_id("chatgpt", "conv-branched")
    assert storable.thread.id == to_storable(imported, NOW).thread.id  # stable: idempotent
    assert storable.thread.title == "Café 日本"
    assert storable.thread.metadata[IMPORTED_KEY] == {"source": "chatgpt", "id": "conv-branched"}
    by_id = {item.id: (parent, item) for parent, item in storable.items}
    parent, regenerated = by_id[fixture.regenerated_answer]
    assert parent == fixture.edited_question
    assert isinstance(regenerated, AssistantMessageItem)
    assert regenerated.content[0].text == "The capital of Japan is Tokyo."
    assert regenerated.thread_id == storable.thread.id
    _, image = by_id[fixture.image_message]
    assert isinstance(image, UserMessageItem)
    assert image.content[0].text == (
        "What is in this picture?\n\n_(1 attachment from ChatGPT not included in the export)_"
    )
    assert storable.active_item_id == fixture.active_leaf
    assert storable.message_count == 7
    assert storable.skipped["image"] == 1


def test_store_to_kitdesk_json_and_back_is_identical(tmp_path: Path) -> None:
    imported = to_thread(chatgpt_branched().data)
    assert imported is not None
    storable = to_storable(imported, NOW)
    neutral = to_neutral(storable.thread, storable.items, storable.active_item_id)
    first = io.StringIO()
    write(first, [neutral], app_version="0.1.0", now=NOW)
    path = tmp_path / "export.json"
    path.write_text(first.getvalue(), encoding="utf-8")

    [read_back] = list(read_threads(path))
    again = to_storable(read_back, NOW)
    assert again.thread == storable.thread
    assert again.items == storable.items
    assert again.active_item_id == storable.active_item_id
    second = io.StringIO()
    write(
        second,
        [to_neutral(again.thread, again.items, again.active_item_id)],
        app_version="0.1.0",
        now=NOW,
    )
    assert second.getvalue() == first.getvalue()


def test_an_invalid_native_item_is_skipped_and_its_children_reattached(tmp_path: Path) -> None:
    imported = to_thread(chatgpt_branched().data)
    assert imported is not None
    storable = to_storable(imported, NOW)
    neutral = to_neutral(storable.thread, storable.items, storable.active_item_id)
    broken_id = neutral.nodes[0].id
    neutral.nodes[0] = neutral.nodes[0].__class__(
        id=broken_id,
        parent_id=None,
        role="user",
        text_parts=(),
        native={"id": broken_id, "type": "nonsense"},
    )
    again = to_storable(neutral, NOW)
    assert again.skipped["invalid"] == 1
    assert broken_id not in {item.id for _, item in again.items}
    assert all(parent != broken_id for parent, _ in again.items)


def _awkward_text(rng: random.Random) -> str:
    """Quotes, backslashes, every control character, line separators, accents, CJK, emoji."""
    alphabet = [chr(code) for code in range(0, 0x80)] + list("é日本\u2028\u2029\u00a0😀ß\ufeff")
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def test_message_json_is_what_the_pydantic_item_would_write() -> None:
    """The import's fast path writes the same bytes as the ChatKit item ``to_storable``
    builds, and the same searchable text, for every role, date and awkward string."""
    rng = random.Random(8)
    moments = [None, NOW, datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)]
    moments += [datetime.fromtimestamp(rng.uniform(0, 4e9), UTC) for _ in range(20)]
    for index in range(400):
        node = MessageNode(
            id=_awkward_text(rng) or f"n{index}",
            parent_id=None,
            role="user" if index % 2 else "assistant",
            text_parts=tuple(_awkward_text(rng) for _ in range(rng.randint(0, 3))),
            created_at=rng.choice(moments),
            model=rng.choice([None, "gpt-4o", _awkward_text(rng)]),
            skipped_attachments=rng.choice([0, 0, 1, 3]),
        )
        thread = ImportedThread(
            source=rng.choice(["chatgpt", "openwebui"]),
            source_id=_awkward_text(rng),
            title=None,
            created_at=rng.choice(moments),
            updated_at=None,
            nodes=[node],
            active_leaf_id=node.id,
        )
        storable = to_storable(thread, NOW)
        [(_, item)] = storable.items
        kind, data, text = message_item_json(
            node, storable.thread.id, storable.thread.created_at, thread.source
        )
        assert (kind, data, text) == (item.type, item.model_dump_json(), searchable_text(item))
