"""Schema migrations on real files: a database in the version-1 shape (built
here by hand, as an older Kitdesk wrote it) is backed up and upgraded with its
data intact; files the app cannot use are refused with a readable message."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ImageAttachment,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import migrations
from kitdesk.store.migrations import LATEST_VERSION, SchemaError
from kitdesk.store.sqlite import SQLiteStore
from pydantic import AnyUrl

from tests.store.test_search import assert_index_matches_content

CTX = RequestContext(origin="http://127.0.0.1:8123")

# The version-1 schema exactly as released. Frozen here on purpose: if someone
# edits the v1 step instead of appending a v2+, this test still checks the
# upgrade of files that really exist on people's disks.
V1_SCHEMA = """
CREATE TABLE threads (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT,
    created_at TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX threads_by_activity ON threads (updated_at, id);
CREATE TABLE items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (thread_id, id)
);
CREATE INDEX items_by_thread ON items (thread_id, seq);
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    thread_id TEXT REFERENCES threads (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX attachments_by_thread ON attachments (thread_id);
PRAGMA user_version = 1;
"""

WHEN = datetime(2025, 12, 1, 9, 30)


def build_v1_database(path: Path) -> None:
    """A version-1 file with two threads and a few messages, written like v1 did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    for seq, (thread_id, title) in enumerate(
        [("thr_old", "Vintage conversation"), ("thr_other", None)], start=1
    ):
        thread = ThreadMetadata(id=thread_id, title=title, created_at=WHEN)
        db.execute(
            "INSERT INTO threads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                thread_id,
                title,
                WHEN.isoformat(),
                1_700_000_000_000_000 + seq,
                thread.status.model_dump_json(),
                "{}",
                thread.model_dump_json(),
            ),
        )
    items = [
        UserMessageItem(
            id="u1",
            thread_id="thr_old",
            created_at=WHEN,
            content=[UserMessageTextContent(text="What is a phonograph?")],
            inference_options=InferenceOptions(),
        ),
        AssistantMessageItem(
            id="a1",
            thread_id="thr_old",
            created_at=WHEN,
            content=[AssistantMessageContent(text="A gramophone-like record player.")],
        ),
        UserMessageItem(
            id="u1",
            thread_id="thr_other",
            created_at=WHEN,
            content=[UserMessageTextContent(text="unrelated question")],
            inference_options=InferenceOptions(),
        ),
    ]
    db.executemany(
        "INSERT INTO items (thread_id, id, type, data) VALUES (?, ?, ?, ?)",
        [(item.thread_id, item.id, item.type, item.model_dump_json()) for item in items],
    )
    db.execute("INSERT INTO items (thread_id, id, type, data) VALUES ('thr_other', 'x', 'x', '{')")
    db.commit()
    db.close()


async def test_fresh_database_gets_latest_schema_and_no_backup(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert store.last_backup is None
        assert store.check() == "ok"
    finally:
        await store.close()
    with sqlite3.connect(kitdesk_home.db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,)
    assert not kitdesk_home.backups_dir.exists() or not any(kitdesk_home.backups_dir.iterdir())


async def test_reopening_current_database_makes_no_backup(kitdesk_home: Paths) -> None:
    for _ in range(2):
        store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
        assert store.last_backup is None
        await store.close()


async def test_upgrade_from_v1_backs_up_then_migrates_with_data(kitdesk_home: Paths) -> None:
    build_v1_database(kitdesk_home.db_path)

    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        backup = store.last_backup
        assert backup is not None
        assert backup.parent == kitdesk_home.backups_dir
        assert backup.name.startswith("kitdesk-v1-") and backup.suffix == ".db"

        # Old data reads back through the store, in order.
        assert (await store.load_thread("thr_old", CTX)).title == "Vintage conversation"
        page = await store.load_thread_items("thr_old", None, 20, "asc", CTX)
        assert [item.id for item in page.data] == ["u1", "a1"]
        threads = await store.load_threads(10, None, "desc", CTX)
        assert [thread.id for thread in threads.data] == ["thr_other", "thr_old"]

        # What v2 added works on the old rows: search (backfilled) and feedback.
        hits = await store.search("phonograph")
        assert [hit.thread_id for hit in hits] == ["thr_old"]
        assert hits[0].snippet == "What is a <mark>phonograph</mark>?"
        assert [hit.thread_id for hit in await store.search("gramophone")] == ["thr_old"]
        assert [hit.thread_id for hit in await store.search("vintage")] == ["thr_old"]
        await store.save_feedback("thr_old", ["a1"], "positive")
        assert await store.load_feedback("thr_old") == {"a1": "positive"}
    finally:
        await store.close()

    with sqlite3.connect(kitdesk_home.db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert_index_matches_content(kitdesk_home.db_path)

    # The backup is a complete, openable version-1 database.
    with sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA user_version").fetchone() == (1,)
        assert copy.execute("SELECT count(*) FROM items").fetchone() == (4,)
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_schema")}
        assert "items_fts" not in tables and "feedback" not in tables

    # Opening again: already current, so no second backup.
    again = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    assert again.last_backup is None
    await again.close()
    assert len(list(kitdesk_home.backups_dir.iterdir())) == 1


async def test_failed_migration_rolls_back_and_keeps_the_file_usable(
    kitdesk_home: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_v1_database(kitdesk_home.db_path)

    def broken_step(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("simulated failure in a migration")

    steps = [*migrations.MIGRATIONS, broken_step]
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations, "LATEST_VERSION", len(steps))
    with pytest.raises(RuntimeError, match="simulated failure"):
        SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)

    with sqlite3.connect(kitdesk_home.db_path) as db:
        # Each real step committed on its own; the broken last one left nothing behind.
        assert db.execute("PRAGMA user_version").fetchone() == (len(steps) - 1,)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_schema")}
        assert "half_done" not in tables and "items_fts" in tables
    assert any(p.name.startswith("kitdesk-v1-") for p in kitdesk_home.backups_dir.iterdir())

    monkeypatch.undo()
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert [hit.thread_id for hit in await store.search("phonograph")] == ["thr_old"]
    finally:
        await store.close()


async def test_newer_database_is_refused_untouched(kitdesk_home: Paths) -> None:
    kitdesk_home.db_path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(kitdesk_home.db_path) as db:
        db.execute("CREATE TABLE future (x)")
        db.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    with pytest.raises(SchemaError, match="newer Kitdesk"):
        SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    with sqlite3.connect(kitdesk_home.db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION + 5,)


async def test_foreign_database_is_refused(kitdesk_home: Paths) -> None:
    kitdesk_home.db_path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(kitdesk_home.db_path) as db:
        db.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(SchemaError, match="not a Kitdesk database"):
        SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)


async def test_garbage_file_is_refused_with_a_readable_message(kitdesk_home: Paths) -> None:
    kitdesk_home.db_path.parent.mkdir(parents=True, exist_ok=True)
    kitdesk_home.db_path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(SchemaError, match="cannot open its database") as raised:
        SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    assert str(kitdesk_home.backups_dir) in str(raised.value)


async def test_upgrade_refused_when_the_backup_cannot_be_written(kitdesk_home: Paths) -> None:
    build_v1_database(kitdesk_home.db_path)
    kitdesk_home.backups_dir.write_text("a file where the backups folder should be")
    with pytest.raises(SchemaError, match="could not write the copy") as raised:
        SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    assert "Nothing was changed" in str(raised.value)
    with sqlite3.connect(kitdesk_home.db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_schema")}
        assert "items_fts" not in tables


async def test_database_locked_by_another_program_is_explained(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await store.close()
    holder = sqlite3.connect(kitdesk_home.db_path, isolation_level=None, timeout=0)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(SchemaError, match="busy in another program"):
            SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir, busy_timeout_ms=50)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


class _WatchedConnection(sqlite3.Connection):
    """A connection that notes, when its backup starts and ends, which files in the
    backups folder already carry a backup's name."""

    folder: Path
    seen: list[set[str]]

    def backup(self, target: sqlite3.Connection, **kwargs: object) -> None:  # type: ignore[override]
        self.seen.append({p.name for p in self.folder.glob("kitdesk-v*-*.db")})
        super().backup(target, **kwargs)  # type: ignore[arg-type]
        self.seen.append({p.name for p in self.folder.glob("kitdesk-v*-*.db")})


def test_a_pre_migration_copy_has_a_backups_name_only_once_whole(tmp_path: Path) -> None:
    """A process killed while copying (SIGKILL runs no clean-up) must not leave a
    half copy that looks like a backup: the copy is written under a ``.partial``
    name and renamed once complete."""
    source = tmp_path / "kitdesk.db"
    folder = tmp_path / "backups"
    db = sqlite3.connect(source, factory=_WatchedConnection)
    db.folder, db.seen = folder, []
    try:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
        db.execute("PRAGMA user_version = 3")
        copy = migrations.backup_database(db, folder, 3)
    finally:
        db.close()
    assert db.seen == [set(), set()]  # neither before nor during the copy
    assert [p.name for p in folder.iterdir()] == [copy.name]
    with sqlite3.connect(copy) as restored:
        assert restored.execute("SELECT x FROM t").fetchall() == [(1,)]
        assert restored.execute("PRAGMA user_version").fetchone()[0] == 3


async def test_attachments_sent_by_the_first_store_survive_the_unsent_clean_up(
    kitdesk_home: Paths,
) -> None:
    """The first store saved sent attachments without their thread, the mark of an
    upload never sent, which a start forgets after a day: a file from then, opened
    today, must keep the image its message shows (it did not before version 6)."""
    build_v1_database(kitdesk_home.db_path)
    two_days_ago = int((datetime.now().timestamp() - 2 * 86400) * 1_000_000)
    sent = ImageAttachment(
        id="atc_sent", name="a.png", mime_type="image/png", preview_url=AnyUrl("http://x/p")
    )
    unsent = sent.model_copy(update={"id": "atc_unsent", "name": "never sent.png"})
    message = UserMessageItem(
        id="u2",
        thread_id="thr_old",
        created_at=WHEN,
        content=[UserMessageTextContent(text="What is in this picture?")],
        attachments=[sent],
        inference_options=InferenceOptions(),
    )
    kitdesk_home.attachments_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(kitdesk_home.db_path) as db:
        db.execute(
            "INSERT INTO items (thread_id, id, type, data) VALUES (?, ?, ?, ?)",
            ("thr_old", message.id, message.type, message.model_dump_json()),
        )
        for attachment in (sent, unsent):
            db.execute(
                "INSERT INTO attachments (id, thread_id, created_at, data) VALUES (?, NULL, ?, ?)",
                (attachment.id, two_days_ago, attachment.model_dump_json()),
            )
            (kitdesk_home.attachments_dir / attachment.id).write_bytes(b"\x89PNG" + b"0" * 16)
    db.close()

    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        assert await store.read_attachment_bytes("atc_sent") == b"\x89PNG" + b"0" * 16
        with pytest.raises(NotFoundError):
            await store.read_attachment_bytes("atc_unsent")
    finally:
        await store.close()
    assert sorted(p.name for p in kitdesk_home.attachments_dir.iterdir()) == ["atc_sent"]
    with sqlite3.connect(kitdesk_home.db_path) as db:
        rows = db.execute("SELECT id, thread_id FROM attachments").fetchall()
    db.close()
    assert rows == [("atc_sent", "thr_old")]
