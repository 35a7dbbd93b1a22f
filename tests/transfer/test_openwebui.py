"""Open WebUI's chat export read into neutral threads."""

from __future__ import annotations

from pathlib import Path

import pytest
from kitdesk.transfer import ImportFormatError, detect_source, read_threads

from tests.transfer.fixtures import (
    openwebui_branched,
    openwebui_chat,
    owui_message,
    truncate,
    write_json,
)


def test_history_tree_becomes_branches_and_current_id_the_active_leaf(tmp_path: Path) -> None:
    path = write_json(tmp_path / "chat-export-1700000000000.json", [openwebui_branched()])
    assert detect_source(path) == "openwebui"
    [thread] = list(read_threads(path))
    assert thread.source == "openwebui"
    assert thread.source_id == "owui-1"
    assert thread.title == "مرحبا بالعالم"
    assert [n.id for n in thread.children("u1")] == ["a1", "a2"]
    assert [(n.role, n.text) for n in thread.active_path()] == [
        ("user", "Describe this image"),
        ("assistant", "A cat on a sofa."),
    ]
    assert thread.node("u1").parent_id is None  # its system parent was skipped
    assert thread.node("u1").skipped_attachments == 1
    assert dict(thread.skipped) == {"system": 1, "reasoning": 1, "image": 1}
    assert thread.created_at is not None and thread.created_at.year == 2023


def test_legacy_unwrapped_chat_objects_are_read(tmp_path: Path) -> None:
    chat = openwebui_chat(
        "legacy",
        "Party plans 🎉🥳",
        [owui_message("u", None, "user", "Hi", ["a"]), owui_message("a", "u", "assistant", "Hey")],
        "a",
        wrapped=False,
    )
    path = write_json(tmp_path / "export.json", [chat])
    [thread] = list(read_threads(path))
    assert thread.title == "Party plans 🎉🥳"
    assert [n.text for n in thread.active_path()] == ["Hi", "Hey"]


def test_a_flat_messages_list_is_one_branch(tmp_path: Path) -> None:
    chat = {
        "id": "flat",
        "title": "Flat",
        "messages": [
            {"id": "1", "role": "user", "content": "one"},
            {"id": "2", "role": "assistant", "content": "two"},
            {"id": "3", "role": "user", "content": "three"},
        ],
    }
    path = write_json(tmp_path / "export.json", [{"id": "flat", "title": "Flat", "chat": chat}])
    [thread] = list(read_threads(path))
    assert [n.text for n in thread.active_path()] == ["one", "two", "three"]


def test_truncated_open_webui_export_is_refused(tmp_path: Path) -> None:
    path = write_json(tmp_path / "export.json", [openwebui_branched(f"c{i}") for i in range(20)])
    truncate(path)
    with pytest.raises(ImportFormatError, match="cut short"):
        list(read_threads(path))
