"""Kitdesk's own export: written and read back identically, foreign and newer files refused."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kitdesk.transfer import ImportFormatError, detect_source, read_threads
from kitdesk.transfer.kitdesk_json import FORMAT, VERSION, write

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def _item(item_id: str, kind: str, text: str) -> dict[str, object]:
    part = "input_text" if kind == "user_message" else "output_text"
    item: dict[str, object] = {
        "id": item_id,
        "thread_id": "thr_1",
        "created_at": "2026-12-01T10:00:00Z",
        "type": kind,
        "content": [{"type": part, "text": text}],
    }
    if kind == "user_message":
        item.update({"attachments": [], "quoted_text": None, "inference_options": {}})
    else:
        item["content"] = [{"type": part, "text": text, "annotations": []}]
    return item


def _export(threads: list[dict[str, object]], version: int = VERSION) -> dict[str, object]:
    return {"format": FORMAT, "version": version, "exported_at": "x", "threads": threads}


def _branched_record(thread_id: str = "thr_1", title: str = "Café 日本") -> dict[str, object]:
    return {
        "thread": {
            "id": thread_id,
            "title": title,
            "created_at": "2026-12-01T10:00:00Z",
            "status": {"type": "active"},
            "metadata": {"model": "gpt-4o"},
        },
        "active_item_id": "a2",
        "items": [
            {"parent_id": None, "item": _item("u1", "user_message", "Hi")},
            {"parent_id": "u1", "item": _item("a1", "assistant_message", "Hello")},
            {"parent_id": "u1", "item": _item("a2", "assistant_message", "Hello again")},
        ],
    }


def test_export_import_export_is_identical(tmp_path: Path) -> None:
    path = tmp_path / "kitdesk-export.json"
    path.write_text(json.dumps(_export([_branched_record(), _branched_record("thr_2", "🎉")])))
    threads = list(read_threads(path))
    assert detect_source(path) == "kitdesk"
    first = io.StringIO()
    assert write(first, threads, app_version="0.1.0", now=NOW) == 2
    again = tmp_path / "again.json"
    again.write_text(first.getvalue(), encoding="utf-8")
    second = io.StringIO()
    write(second, list(read_threads(again)), app_version="0.1.0", now=NOW)
    assert first.getvalue() == second.getvalue()
    decoded = json.loads(first.getvalue())
    assert decoded["format"] == FORMAT and decoded["version"] == VERSION
    assert decoded["threads"][0] == _branched_record()


def test_branches_and_active_leaf_are_read(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text(json.dumps(_export([_branched_record()])), encoding="utf-8")
    [thread] = list(read_threads(path))
    assert thread.title == "Café 日本"
    assert [n.id for n in thread.children("u1")] == ["a1", "a2"]
    assert [n.text for n in thread.active_path()] == ["Hi", "Hello again"]
    assert thread.node("a1").native == _item("a1", "assistant_message", "Hello")


def test_an_empty_export_is_valid(tmp_path: Path) -> None:
    out = io.StringIO()
    assert write(out, [], app_version="0.1.0", now=NOW) == 0
    assert json.loads(out.getvalue())["threads"] == []


def test_the_0_1_single_conversation_export_is_read_as_one_branch(tmp_path: Path) -> None:
    record = _branched_record()
    legacy = {
        "kitdesk_export": 1,
        "thread": record["thread"],
        "items": [_item("u1", "user_message", "Hi"), _item("a1", "assistant_message", "Yo")],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(legacy), encoding="utf-8")
    [thread] = list(read_threads(path))
    assert [n.text for n in thread.active_path()] == ["Hi", "Yo"]


def test_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text(json.dumps(_export([_branched_record()], version=VERSION + 1)))
    with pytest.raises(ImportFormatError, match="newer Kitdesk"):
        list(read_threads(path))


def test_a_thread_without_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text(json.dumps(_export([{"thread": {}, "items": []}])))
    with pytest.raises(ImportFormatError, match="without a thread id"):
        list(read_threads(path))
