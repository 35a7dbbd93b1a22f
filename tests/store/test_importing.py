"""Importing into a real store: branches arrive, twice adds nothing, bad files add nothing,
and a kill -9 at any point leaves a consistent database that a second import completes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths, resolve_paths
from kitdesk.store import SQLiteStore
from kitdesk.store.exporting import ExportFormat, export_file
from kitdesk.store.importing import CHECK_SHARE
from kitdesk.transfer import ImportFormatError
from kitdesk.transfer.chatkit_items import imported_thread_id
from kitdesk.transfer.documents import content_disposition, download_filename

from tests.transfer.fixtures import (
    chatgpt_branched,
    chatgpt_linear,
    openwebui_branched,
    truncate,
    write_chatgpt_zip,
    write_json,
)

CTX = RequestContext(origin="http://127.0.0.1:8123")
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


def counts(db_path: Path) -> tuple[int, int]:
    with sqlite3.connect(db_path) as db:
        threads = db.execute("SELECT count(*) FROM threads").fetchone()[0]
        items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    return threads, items


async def test_a_chatgpt_export_arrives_with_its_branches(
    store: SQLiteStore, tmp_path: Path
) -> None:
    fixture = chatgpt_branched()
    path = write_chatgpt_zip(tmp_path / "export.zip", [fixture.data, chatgpt_linear("c2", 4)])
    seen: list[float] = []
    result = await store.import_file(path, progress=seen.append)
    assert (result.threads, result.messages, result.already_present) == (2, 11, 0)
    assert dict(result.skipped) == {
        "system": 1,
        "hidden": 1,
        "code": 1,
        "tool": 1,
        "reasoning": 1,
        "image": 1,
    }
    assert seen == sorted(seen) and seen[-1] == 1.0
    thread_id = imported_thread_id("chatgpt", "conv-branched")
    assert (await store.load_thread(thread_id, CTX)).title == "Café 日本"
    page = await store.load_thread_items(thread_id, None, 50, "asc", CTX)
    assert [item.id for item in page.data] == [
        fixture.edited_question,
        fixture.regenerated_answer,
        fixture.image_message,
        fixture.active_leaf,
    ]
    forks = await store.forks(thread_id)
    assert [(f.item_id, f.index, f.count) for f in forks] == [
        (fixture.edited_question, 2, 2),
        (fixture.regenerated_answer, 2, 2),
    ]
    assert await store.switch_branch(thread_id, fixture.question) == [
        fixture.question,
        fixture.first_answer,
    ]
    [hit] = await store.search("Tokyo")
    assert hit.thread_id == thread_id and hit.on_active_branch is False


async def test_importing_the_same_file_twice_adds_nothing(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "c.json", [chatgpt_linear(f"c{i}", 6) for i in range(5)])
    first = await store.import_file(path)
    before = counts(kitdesk_home.db_path)
    again = await store.import_file(path)
    assert (first.threads, again.threads, again.already_present, again.messages) == (5, 0, 5, 0)
    assert counts(kitdesk_home.db_path) == before
    assert again.summary().startswith("Imported 0 conversations (0 messages); 5 already in")


async def test_a_truncated_file_imports_nothing(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "c.json", [chatgpt_linear(f"c{i}", 50) for i in range(20)])
    truncate(path)
    with pytest.raises(ImportFormatError, match="cut short"):
        await store.import_file(path)
    assert counts(kitdesk_home.db_path) == (0, 0)
    assert [p.name for p in kitdesk_home.data_dir.iterdir() if p.name.startswith(".")] == []


async def test_a_file_cut_short_after_its_check_takes_back_what_it_added(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    """The file is whole when checked and cut short before it is read again (a sync client
    still writing it): the batches committed before the cut are taken back out, and the
    conversations that were there before the import stay."""
    conversations = [chatgpt_linear(f"c{i}", 40, text_size=200) for i in range(300)]
    await store.import_file(write_json(tmp_path / "first.json", conversations[:10]))
    before = counts(kitdesk_home.db_path)
    path = write_json(tmp_path / "conversations.json", conversations)
    cut: list[float] = []

    def cut_after_the_check(share: float) -> None:
        if not cut and share >= CHECK_SHARE:
            truncate(path, 0.9)
            cut.append(share)

    with pytest.raises(ImportFormatError, match="cut short"):
        await store.import_file(path, progress=cut_after_the_check)
    assert cut == [CHECK_SHARE]
    assert before == (10, 400)
    assert counts(kitdesk_home.db_path) == before
    with sqlite3.connect(kitdesk_home.db_path) as db:
        ids = {row[0] for row in db.execute("SELECT id FROM threads")}
        db.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    assert ids == {imported_thread_id("chatgpt", f"c{i}") for i in range(10)}
    assert {hit.thread_id for hit in await store.search("message")} == ids


async def test_open_webui_export_arrives(store: SQLiteStore, tmp_path: Path) -> None:
    path = write_json(tmp_path / "chat-export.json", [openwebui_branched()])
    result = await store.import_file(path)
    assert result.threads == 1
    thread_id = imported_thread_id("openwebui", "owui-1")
    items = await store.load_active_path(thread_id)
    assert [item.id for item in items] == ["u1", "a2"]
    assert (await store.branch_siblings(thread_id, "a2")).sibling_ids == ("a1", "a2")


def organisation(db_path: Path) -> dict[str, tuple[int, int, str | None, str | None, str | None]]:
    """Each thread's pinned, archived, and folder name, system prompt and default model."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT t.id, t.pinned, t.archived, f.name, f.system_prompt, f.default_model "
            "FROM threads t LEFT JOIN folders f ON f.id = t.folder_id"
        ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def folder_names(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as db:
        return [row[0] for row in db.execute("SELECT name FROM folders ORDER BY name")]


async def test_kitdesk_export_import_export_is_identical(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    """Branches, the active branch, pinned, archived and the folder (by name, with its
    system prompt and default model) survive export -> import -> export byte for byte."""
    fixture = chatgpt_branched()
    await store.import_file(
        write_chatgpt_zip(tmp_path / "e.zip", [fixture.data, chatgpt_linear("c2", 4)])
    )
    thread_id = imported_thread_id("chatgpt", "conv-branched")
    linear_id = imported_thread_id("chatgpt", "c2")
    await store.switch_branch(thread_id, fixture.first_answer)
    folder = await store.create_folder("Café 研究", "Answer in French.", "gpt-test")
    await store.move_to_folder([thread_id], folder.id)
    await store.set_pinned([thread_id], True)
    await store.set_archived([linear_id], True)
    first = export_file(
        kitdesk_home.db_path, tmp_path / "one.json", "json", app_version="x", now=NOW
    )
    assert (first.threads, first.messages) == (2, 11)
    exported = {t["thread"]["id"]: t for t in json.loads(first.path.read_text())["threads"]}
    assert exported[thread_id]["pinned"] is True and "archived" not in exported[thread_id]
    assert exported[thread_id]["folder"] == {
        "name": "Café 研究",
        "system_prompt": "Answer in French.",
        "default_model": "gpt-test",
    }
    assert exported[linear_id]["archived"] is True
    assert "pinned" not in exported[linear_id] and "folder" not in exported[linear_id]

    other = resolve_paths(tmp_path / "other").create()
    fresh = SQLiteStore(other.db_path, other.attachments_dir)
    try:
        result = await fresh.import_file(first.path)
        assert result.threads == 2 and not result.skipped
        assert [i.id for i in await fresh.load_active_path(thread_id)] == [
            fixture.question,
            fixture.first_answer,
        ]
        again = await fresh.import_file(first.path)  # idempotent: no thread, no folder twice
        assert (again.threads, again.already_present) == (0, 2)
    finally:
        await fresh.close()
    assert organisation(other.db_path) == {
        thread_id: (1, 0, "Café 研究", "Answer in French.", "gpt-test"),
        linear_id: (0, 1, None, None, None),
    }
    assert folder_names(other.db_path) == ["Café 研究"]
    second = export_file(other.db_path, tmp_path / "two.json", "json", app_version="x", now=NOW)
    assert second.path.read_bytes() == first.path.read_bytes()
    assert exported[thread_id]["active_item_id"] == fixture.first_answer


async def test_an_import_joins_a_folder_of_the_same_name_and_keeps_its_settings(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    fixture = chatgpt_branched()
    await store.import_file(write_chatgpt_zip(tmp_path / "e.zip", [fixture.data]))
    thread_id = imported_thread_id("chatgpt", "conv-branched")
    work = await store.create_folder("Work", "Exported prompt.", None)
    await store.move_to_folder([thread_id], work.id)
    exported = export_file(
        kitdesk_home.db_path, tmp_path / "one.json", "json", app_version="x", now=NOW
    )

    other = resolve_paths(tmp_path / "other").create()
    fresh = SQLiteStore(other.db_path, other.attachments_dir)
    try:
        mine = await fresh.create_folder("Work", "My own prompt.", "my-model")
        await fresh.import_file(exported.path)
        assert [(f.id, f.system_prompt, f.threads) for f in await fresh.list_folders()] == [
            (mine.id, "My own prompt.", 1)
        ]
    finally:
        await fresh.close()


async def test_a_version_1_file_without_organisation_still_imports(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    """Files written before pinned/archived/folder existed read as before: unorganised,
    and a folder without a usable name is left out while its conversation arrives."""
    fixture = chatgpt_branched()
    await store.import_file(write_chatgpt_zip(tmp_path / "e.zip", [fixture.data]))
    thread_id = imported_thread_id("chatgpt", "conv-branched")
    exported = export_file(
        kitdesk_home.db_path, tmp_path / "one.json", "json", app_version="x", now=NOW
    )
    document = json.loads(exported.path.read_text())
    assert document["version"] == 1 and "folder" not in document["threads"][0]
    document["threads"][0].update({"pinned": "yes", "folder": {"name": "  "}})
    other = resolve_paths(tmp_path / "other").create()
    fresh = SQLiteStore(other.db_path, other.attachments_dir)
    try:
        result = await fresh.import_file(write_json(tmp_path / "edited.json", document))
        assert result.threads == 1 and not result.skipped
    finally:
        await fresh.close()
    assert organisation(other.db_path) == {thread_id: (0, 0, None, None, None)}
    assert folder_names(other.db_path) == []


RTL_TITLE = "שלום עולם · مرحبا بالعالم"


async def test_a_large_right_to_left_thread_exports_whole_in_every_format(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    """Any title, any script, any size: 2,000 messages of 2 KB under a Hebrew and Arabic
    title, exported as JSON, Markdown and HTML, with a download name for that title."""
    conversation = chatgpt_linear("big-rtl", 2000, title=RTL_TITLE, text_size=2000)
    await store.import_file(write_json(tmp_path / "conversations.json", [conversation]))
    thread_id = imported_thread_id("chatgpt", "big-rtl")
    formats: list[tuple[ExportFormat, str]] = [
        ("json", "json"),
        ("markdown", "md"),
        ("html", "html"),
    ]
    for fmt, extension in formats:
        name = download_filename(RTL_TITLE, extension)
        assert name == f"{RTL_TITLE}.{extension}"
        assert unquote(content_disposition(name).split("UTF-8''", 1)[1]) == name
        summary = export_file(
            kitdesk_home.db_path,
            tmp_path / name,
            fmt,
            thread_ids=[thread_id],
            app_version="x",
            now=NOW,
        )
        assert (summary.threads, summary.messages) == (1, 2000)
        text = summary.path.read_text(encoding="utf-8")
        assert RTL_TITLE in text and "message 0 " in text and "message 1999 " in text
        assert summary.path.stat().st_size > 4_000_000
        if fmt == "json":
            [thread] = json.loads(text)["threads"]
            assert thread["thread"]["title"] == RTL_TITLE
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


_IMPORTER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from kitdesk.store import SQLiteStore

    async def main():
        store = SQLiteStore(Path(sys.argv[1]), Path(sys.argv[2]))
        result = await store.import_file(
            Path(sys.argv[3]), progress=lambda share: print(share, flush=True)
        )
        print("done", result.threads, flush=True)
        await store.close()

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("kill_at", [0.3, 0.85])
def test_kill_during_import_leaves_a_consistent_database_and_the_import_restarts(
    kitdesk_home: Paths, tmp_path: Path, kill_at: float
) -> None:
    conversations = [chatgpt_linear(f"c{i}", 40, text_size=200) for i in range(300)]
    path = write_json(tmp_path / "conversations.json", conversations)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _IMPORTER,
            str(kitdesk_home.db_path),
            str(kitdesk_home.attachments_dir),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.stdout is not None
    killed = False
    for line in child.stdout:
        if line.startswith("done"):
            break
        if float(line) >= kill_at:
            child.send_signal(signal.SIGKILL)
            killed = True
            break
    child.wait()
    assert killed, "the import finished before it could be interrupted"
    with sqlite3.connect(kitdesk_home.db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Every thread that is there is whole: 40 messages each.
        per_thread = {n for (n,) in db.execute("SELECT count(*) FROM items GROUP BY thread_id")}
        assert per_thread <= {40}
        present = db.execute("SELECT count(*) FROM threads").fetchone()[0]
    assert present < 300

    import asyncio

    async def finish() -> tuple[int, int]:
        store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
        try:
            result = await store.import_file(path)
            return result.threads, result.already_present
        finally:
            await store.close()

    added, already = asyncio.run(finish())
    assert (added + already, already) == (300, present)
    assert counts(kitdesk_home.db_path) == (300, 300 * 40)
