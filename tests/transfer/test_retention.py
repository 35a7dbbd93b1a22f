"""Automatic backups: when one is due and which old ones go, by name and clock alone."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from kitdesk.store.migrations import backup_database
from kitdesk.transfer.backup import verify_backup
from kitdesk.transfer.retention import (
    KEEP,
    BackupEntry,
    automatic_backup_due,
    backup_name,
    backups_to_prune,
    list_backups,
    parse_backup_name,
)
from kitdesk.transfer.schedule import run_automatic_backup

DAY0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def entry(kind: str, moment: datetime) -> BackupEntry:
    if kind == "pre-migration":
        name = f"kitdesk-v1-{moment:%Y%m%dT%H%M%S%f}Z.db"
    else:
        name = backup_name(kind, moment)  # type: ignore[arg-type]
    parsed = parse_backup_name(Path(name))
    assert parsed is not None
    return parsed


def test_names_round_trip_and_other_files_are_ignored() -> None:
    made = entry("auto", DAY0)
    assert made.kind == "auto" and made.created_at == DAY0
    assert entry("pre-migration", DAY0).kind == "pre-migration"
    assert parse_backup_name(Path("kitdesk-v2-20261201T030000Z.db")) == BackupEntry(
        Path("kitdesk-v2-20261201T030000Z.db"), "pre-migration", DAY0
    )
    for other in ["notes.txt", "kitdesk-auto-yesterday.zip", "kitdesk-auto-20261301T000000Z.zip"]:
        assert parse_backup_name(Path(other)) is None


def test_a_backup_is_due_once_a_day() -> None:
    assert automatic_backup_due([], DAY0)
    last = [entry("auto", DAY0)]
    assert not automatic_backup_due(last, DAY0 + timedelta(hours=23))
    assert automatic_backup_due(last, DAY0 + timedelta(days=1))
    # Other kinds do not count, and a backup dated in the future does not stop backups.
    assert automatic_backup_due([entry("manual", DAY0)], DAY0 + timedelta(hours=1))
    assert automatic_backup_due([entry("auto", DAY0 + timedelta(days=30))], DAY0)


def test_each_automatic_kind_keeps_its_newest_seven_and_manual_ones_stay() -> None:
    autos = [entry("auto", DAY0 + timedelta(days=d)) for d in range(10)]
    migrations = [entry("pre-migration", DAY0 + timedelta(days=d)) for d in range(9)]
    manual = [entry("manual", DAY0 + timedelta(days=d)) for d in range(12)]
    doomed = backups_to_prune(autos + migrations + manual)
    assert sorted(doomed, key=lambda e: (e.kind, e.created_at)) == autos[:3] + migrations[:2]
    assert backups_to_prune(autos[:KEEP]) == []


async def test_daily_backups_over_ten_days_keep_the_last_seven(kitdesk_home: Paths) -> None:
    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        made = []
        for day in range(10):
            now = DAY0 + timedelta(days=day)
            made.append(
                run_automatic_backup(
                    kitdesk_home.db_path,
                    kitdesk_home.attachments_dir,
                    kitdesk_home.backups_dir,
                    app_version="0.1.0",
                    now=now,
                )
            )
            again = run_automatic_backup(
                kitdesk_home.db_path,
                kitdesk_home.attachments_dir,
                kitdesk_home.backups_dir,
                app_version="0.1.0",
                now=now + timedelta(hours=2),
            )
            assert again is None
    finally:
        await store.close()
    kept = list_backups(kitdesk_home.backups_dir)
    assert [e.path for e in kept] == list(reversed(made[3:]))
    verify_backup(kept[0].path)


def test_pre_migration_copies_are_pruned_with_the_same_retention(kitdesk_home: Paths) -> None:
    folder = kitdesk_home.backups_dir
    with sqlite3.connect(kitdesk_home.db_path) as db:
        db.execute("PRAGMA user_version = 1")
        copies = [backup_database(db, folder, 1) for _ in range(9)]
    assert all(parse_backup_name(p) is not None for p in copies)
    run_automatic_backup(
        kitdesk_home.db_path,
        kitdesk_home.attachments_dir,
        folder,
        app_version="0.1.0",
        now=datetime.now(UTC),
    )
    remaining = {e.path for e in list_backups(folder) if e.kind == "pre-migration"}
    assert remaining == set(copies[-KEEP:])


def test_leftovers_of_a_crashed_backup_are_removed_once_stale(kitdesk_home: Paths) -> None:
    folder = kitdesk_home.backups_dir
    folder.mkdir(parents=True, exist_ok=True)
    kitdesk_home.db_path.touch()
    partial = folder / "kitdesk-auto-20261201T030000Z.zip.partial"
    partial.write_bytes(b"half")
    staging = kitdesk_home.data_dir / ".kitdesk-backup-abc"
    staging.mkdir()
    (staging / "kitdesk.db").write_bytes(b"copy")
    fresh = folder / "other.zip.partial"
    fresh.write_bytes(b"in progress")
    old = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    for path in (partial, staging):
        os.utime(path, (old, old))
    run_automatic_backup(
        kitdesk_home.db_path,
        kitdesk_home.attachments_dir,
        folder,
        app_version="0.1.0",
        now=datetime.now(UTC),
    )
    assert not partial.exists() and not staging.exists()
    assert fresh.exists()


async def test_the_schedule_backs_up_soon_after_start_and_stops(kitdesk_home: Paths) -> None:
    import asyncio

    from kitdesk.transfer.schedule import AutomaticBackups

    store = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    try:
        schedule = AutomaticBackups(
            kitdesk_home.db_path,
            kitdesk_home.attachments_dir,
            kitdesk_home.backups_dir,
            app_version="0.1.0",
            first_delay=0.0,
            check_every=0.05,
        ).start()
        for _ in range(200):  # polled: the first check runs at once
            if list_backups(kitdesk_home.backups_dir):
                break
            await asyncio.sleep(0.05)
        schedule.stop()
        [entry] = list_backups(kitdesk_home.backups_dir)  # daily: one, however many checks
        assert entry.kind == "auto"
        verify_backup(entry.path)
    finally:
        await store.close()
