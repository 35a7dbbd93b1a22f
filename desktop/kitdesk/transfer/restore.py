"""Restoring a backup (made by ``backup.py``), without ever losing the current data.

Restore checks everything before touching anything: each file is extracted
next to the database while its checksum is verified, then the copy passes
``PRAGMA integrity_check``. Only then is the current database backed up
(``kitdesk-before-restore-*.zip``) and replaced with ``os.replace``, an atomic
rename: at every instant the data folder holds either the old database or the
new one. Attachment files are added before the swap (ids are unique, so they
never clash); files the restored database does not reference are removed by
the store's sweep at its next start. The prompt library is swapped in the
same way when the backup has one; a backup without one (made before any
prompt was saved) leaves the current library as it is. Restore needs the database closed: it
says so if another connection still has it open.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kitdesk.transfer.backup import (
    ATTACHMENTS,
    DATABASE,
    PROMPTS,
    BackupError,
    Manifest,
    check_schema,
    create_backup,
    extract_checked,
    fsync_dir,
    open_backup,
    read_manifest,
    refuse,
)
from kitdesk.transfer.retention import backup_name


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    previous: Path | None  # the backup of the database that was replaced


def restore_backup(
    path: Path,
    db_path: Path,
    attachments_dir: Path,
    backups_dir: Path,
    *,
    app_version: str,
    max_schema_version: int | None = None,
    now: datetime | None = None,
) -> RestoreResult:
    """Replace the database and add the attachments of a verified backup (see module doc)."""
    now = now or datetime.now(UTC)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kitdesk-restore-", dir=db_path.parent))
    try:
        with open_backup(path) as archive:
            manifest = read_manifest(archive, path)
            check_schema(manifest, path, max_schema_version)
            for entry in manifest.files:
                staged = staging / entry.path
                staged.parent.mkdir(parents=True, exist_ok=True)
                with staged.open("wb") as target:
                    extract_checked(archive, entry, path, target)
                    target.flush()
                    os.fsync(target.fileno())
        _check_database(staging / DATABASE, path)
        previous = _set_aside_current(db_path, attachments_dir, backups_dir, app_version, now)
        attachments_dir.mkdir(parents=True, exist_ok=True)
        staged_attachments = staging / ATTACHMENTS.rstrip("/")
        if staged_attachments.is_dir():
            for file in staged_attachments.iterdir():
                os.replace(file, attachments_dir / file.name)
            fsync_dir(attachments_dir)
        if (staging / PROMPTS).is_file():
            os.replace(staging / PROMPTS, db_path.parent / PROMPTS)
        os.replace(staging / DATABASE, db_path)  # the moment the restore takes effect
        fsync_dir(db_path.parent)
    except OSError as error:
        raise BackupError(
            f"The restore could not write to {db_path.parent}: {error.strerror or error}. "
            "The current data was left as it was."
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreResult(manifest, previous)


def _check_database(copy: Path, path: Path) -> None:
    try:
        db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        try:
            result = db.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise refuse(path, f"its database cannot be opened ({error})") from None
    if result != "ok":
        raise refuse(path, f"its database fails SQLite's integrity check ({result})")


def _set_aside_current(
    db_path: Path, attachments_dir: Path, backups_dir: Path, app_version: str, now: datetime
) -> Path | None:
    """Make sure nobody else has the current database open, then back it up."""
    if not db_path.exists():
        return None
    # Leaving WAL mode needs the only connection: this fails while Kitdesk has the
    # file open, and otherwise folds the -wal file in, so no stale WAL outlives the swap.
    try:
        db = sqlite3.connect(db_path, timeout=0.5, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = DELETE").fetchone()
        finally:
            db.close()
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise BackupError(
                "Kitdesk is using this database right now. Close the Kitdesk window (or stop "
                "`kitdesk serve`) and restore again, or restore from Settings > Data. "
                "Nothing was changed."
            ) from None
        raise
    return create_backup(
        db_path,
        attachments_dir,
        backups_dir / backup_name("before-restore", now),
        app_version=app_version,
        kind="before-restore",
        now=now,
    )
