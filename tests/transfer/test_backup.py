"""Backups of real SQLite files made by the real store: create, verify, restore, refuse."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from chatkit.types import (
    AttachmentCreateParams,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths, resolve_paths
from kitdesk.prompts.exchange import PromptDraft
from kitdesk.prompts.library import PromptLibrary
from kitdesk.store import SQLiteStore
from kitdesk.store.migrations import LATEST_VERSION
from kitdesk.transfer.backup import (
    DATABASE,
    MANIFEST,
    PROMPTS,
    BackupError,
    create_backup,
    verify_backup,
)
from kitdesk.transfer.restore import restore_backup
from kitdesk.transfer.retention import list_backups

CTX = RequestContext(origin="http://127.0.0.1:8123")
NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PICTURE = bytes(range(256)) * 40


def message(thread_id: str, item_id: str, text: str) -> UserMessageItem:
    return UserMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime(2026, 1, 2, 3, 4, 5),
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )


async def fill(store: SQLiteStore, thread_id: str, title: str, texts: list[str]) -> str:
    """A thread with messages and one uploaded picture; returns the attachment id."""
    await store.save_thread(
        ThreadMetadata(id=thread_id, title=title, created_at=datetime(2026, 1, 2)), CTX
    )
    # Submitted together: the store's one writer runs them in order, many per commit.
    await asyncio.gather(
        *(
            store.add_thread_item(thread_id, message(thread_id, f"m{index}", text), CTX)
            for index, text in enumerate(texts)
        )
    )
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="p.png", size=len(PICTURE), mime_type="image/png"), CTX
    )
    await store.write_attachment_file(attachment.id, PICTURE)
    await store.save_attachment(attachment.model_copy(update={"thread_id": thread_id}), CTX)
    return attachment.id


async def texts_of(store: SQLiteStore, thread_id: str) -> list[str]:
    page = await store.load_thread_items(thread_id, None, 100, "asc", CTX)
    return [item.content[0].text for item in page.data if isinstance(item, UserMessageItem)]


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


async def test_backup_while_open_then_restore_into_a_new_data_folder(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    attachment_id = await fill(store, "thr_1", "Café 日本", ["one", "two"])
    backup = create_backup(
        kitdesk_home.db_path,
        kitdesk_home.attachments_dir,
        tmp_path / "picked",
        app_version="0.1.0",
        now=NOW,
    )
    assert backup.name == "kitdesk-backup-20261202T010000000000Z.zip"
    manifest = verify_backup(backup, max_schema_version=LATEST_VERSION)
    assert manifest.schema_version == LATEST_VERSION
    assert [f.path for f in manifest.files] == [DATABASE, f"attachments/{attachment_id}"]
    assert manifest.attachment_count == 1

    other = resolve_paths(tmp_path / "elsewhere").create()
    result = restore_backup(
        backup, other.db_path, other.attachments_dir, other.backups_dir, app_version="0.1.0"
    )
    assert result.previous is None  # there was nothing to keep
    restored = SQLiteStore(other.db_path, other.attachments_dir)
    try:
        assert (await restored.load_thread("thr_1", CTX)).title == "Café 日本"
        assert await texts_of(restored, "thr_1") == ["one", "two"]
        assert await restored.read_attachment_bytes(attachment_id) == PICTURE
    finally:
        await restored.close()


async def test_restore_keeps_the_current_database_as_a_backup_first(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    first = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await fill(first, "thr_old", "Old", ["before"])
    backup = create_backup(
        kitdesk_home.db_path, kitdesk_home.attachments_dir, tmp_path, app_version="0.1.0"
    )
    await first.save_thread(ThreadMetadata(id="thr_new", created_at=datetime(2026, 2, 1)), CTX)
    await first.close()

    result = restore_backup(
        backup,
        kitdesk_home.db_path,
        kitdesk_home.attachments_dir,
        kitdesk_home.backups_dir,
        app_version="0.1.0",
        now=NOW,
    )
    assert result.previous is not None
    assert [e.kind for e in list_backups(kitdesk_home.backups_dir)] == ["before-restore"]
    assert not Path(f"{kitdesk_home.db_path}-wal").exists()

    reopened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        threads = await reopened.load_threads(10, None, "desc", CTX)
        assert [t.id for t in threads.data] == ["thr_old"]
    finally:
        await reopened.close()
    # The copy taken before the restore has the thread the restore removed.
    kept = resolve_paths(tmp_path / "kept").create()
    restore_backup(
        result.previous, kept.db_path, kept.attachments_dir, kept.backups_dir, app_version="x"
    )
    with sqlite3.connect(kept.db_path) as db:
        ids = sorted(row[0] for row in db.execute("SELECT id FROM threads"))
    assert ids == ["thr_new", "thr_old"]


async def test_restore_is_refused_while_the_database_is_open(
    store: SQLiteStore, kitdesk_home: Paths, tmp_path: Path
) -> None:
    await fill(store, "thr_1", "Open", ["still here"])
    backup = create_backup(
        kitdesk_home.db_path, kitdesk_home.attachments_dir, tmp_path, app_version="0.1.0"
    )
    with pytest.raises(BackupError, match="using this database right now"):
        restore_backup(
            backup,
            kitdesk_home.db_path,
            kitdesk_home.attachments_dir,
            kitdesk_home.backups_dir,
            app_version="0.1.0",
        )
    assert await texts_of(store, "thr_1") == ["still here"]
    assert list_backups(kitdesk_home.backups_dir) == []


def _rewrite(
    backup: Path, target: Path, change: dict[str, bytes | None], manifest_fix: bool
) -> Path:
    """Copy a backup with some members replaced (None removes), optionally re-signing them."""
    with zipfile.ZipFile(backup) as source:
        members = {name: source.read(name) for name in source.namelist()}
    for name, data in change.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    if manifest_fix and MANIFEST in members:
        import hashlib

        manifest = json.loads(members[MANIFEST])
        for entry in manifest["files"]:
            data = members[entry["path"]]
            entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
        members[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return target


def _damaged_variants(backup: Path, folder: Path) -> list[tuple[Path, str]]:
    with zipfile.ZipFile(backup) as source:
        database = source.read(DATABASE)
        manifest = json.loads(source.read(MANIFEST))
    flipped = bytearray(database)
    flipped[len(flipped) // 2] ^= 0xFF
    newer = {**manifest, "schema_version": LATEST_VERSION + 1}
    truncated = folder / "truncated.zip"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    garbage = b"SQLite format 3\x00" + b"\x00" * 4000
    return [
        (_rewrite(backup, folder / "flipped.zip", {DATABASE: bytes(flipped)}, False), "checksum"),
        (_rewrite(backup, folder / "nomanifest.zip", {MANIFEST: None}, False), "no manifest"),
        (
            _rewrite(backup, folder / "newer.zip", {MANIFEST: json.dumps(newer).encode()}, False),
            "update Kitdesk",
        ),
        (_rewrite(backup, folder / "nodb.zip", {DATABASE: None}, False), "missing"),
        (_rewrite(backup, folder / "bad-db.zip", {DATABASE: garbage}, True), "its database"),
        (truncated, "not a readable zip file"),
    ]


async def test_a_damaged_backup_is_refused_with_a_reason_and_nothing_changes(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    live = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await fill(live, "thr_1", "Keep me", ["precious"])
    backup = create_backup(
        kitdesk_home.db_path, kitdesk_home.attachments_dir, tmp_path, app_version="0.1.0"
    )
    await live.close()
    before = kitdesk_home.db_path.read_bytes()
    for damaged, reason in _damaged_variants(backup, tmp_path):
        with pytest.raises(BackupError, match=reason) as caught:
            restore_backup(
                damaged,
                kitdesk_home.db_path,
                kitdesk_home.attachments_dir,
                kitdesk_home.backups_dir,
                app_version="0.1.0",
                max_schema_version=LATEST_VERSION,
            )
        assert str(caught.value).endswith("Nothing was changed.")
        assert kitdesk_home.db_path.read_bytes() == before
    assert list_backups(kitdesk_home.backups_dir) == []
    assert [p.name for p in kitdesk_home.data_dir.iterdir() if p.name.startswith(".")] == []


async def test_verify_reports_the_damaged_file(kitdesk_home: Paths, tmp_path: Path) -> None:
    live = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    attachment_id = await fill(live, "thr_1", "x", ["y"])
    await live.close()
    backup = create_backup(
        kitdesk_home.db_path, kitdesk_home.attachments_dir, tmp_path, app_version="0.1.0"
    )
    name = f"attachments/{attachment_id}"
    damaged = _rewrite(backup, tmp_path / "d.zip", {name: b"not the picture"}, False)
    with pytest.raises(BackupError, match=f"{name} does not match its checksum"):
        verify_backup(damaged)


async def test_the_prompt_library_is_backed_up_checked_and_restored(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    live = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await fill(live, "thr_1", "x", ["y"])
    await live.close()
    library = PromptLibrary(kitdesk_home.prompts_path)
    kept = library.add(PromptDraft(name="Résumé 日本", text="Summarise {{text}}"))
    backup = create_backup(
        kitdesk_home.db_path, kitdesk_home.attachments_dir, tmp_path, app_version="0.1.0"
    )
    listed = {f.path: f for f in verify_backup(backup).files}
    assert listed[PROMPTS].size == kitdesk_home.prompts_path.stat().st_size

    # Later changes to the library are undone by the restore.
    library.delete(kept.id)
    library.add(PromptDraft(name="Made later", text="later"))
    restore_backup(
        backup,
        kitdesk_home.db_path,
        kitdesk_home.attachments_dir,
        kitdesk_home.backups_dir,
        app_version="0.1.0",
    )
    assert [(p.id, p.name, p.text) for p in library.list()] == [(kept.id, kept.name, kept.text)]

    # The library's bytes are under the manifest's checksum like every other file.
    damaged = _rewrite(backup, tmp_path / "d.zip", {PROMPTS: b'{"format": "x"}'}, False)
    with pytest.raises(BackupError, match=f"{PROMPTS} does not match its checksum"):
        verify_backup(damaged)


def test_a_missing_database_cannot_be_backed_up(kitdesk_home: Paths, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no Kitdesk database"):
        create_backup(
            kitdesk_home.db_path, kitdesk_home.attachments_dir, tmp_path, app_version="0.1.0"
        )
    assert list(tmp_path.glob("*.zip*")) == []


_BACKUP_LOOP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from kitdesk.transfer.backup import create_backup
    db, attachments, folder = map(Path, sys.argv[1:4])
    while True:
        create_backup(db, attachments, folder / "loop.zip", app_version="0.1.0")
    """
)


async def test_kill_during_backup_leaves_the_database_intact_and_no_backup(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    live = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await fill(live, "thr_1", "Big", [f"message {i} " + "x" * 2000 for i in range(3000)])
    await live.close()
    folder = tmp_path / "out"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _BACKUP_LOOP,
            str(kitdesk_home.db_path),
            str(kitdesk_home.attachments_dir),
            str(folder),
        ],
        env=env,
    )
    partial = folder / "loop.zip.partial"
    try:
        deadline = time.monotonic() + 60
        while not partial.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert partial.exists(), "the backup never started writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    if (folder / "loop.zip").exists():  # a complete one from an earlier round: still valid
        verify_backup(folder / "loop.zip")
    with sqlite3.connect(kitdesk_home.db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 3000
    again = create_backup(
        kitdesk_home.db_path, kitdesk_home.attachments_dir, folder / "after.zip", app_version="x"
    )
    assert verify_backup(again).schema_version == LATEST_VERSION
