"""``kitdesk import|export|backup|restore``: the Data settings from the command line.

Each command works on the database of ``KITDESK_HOME`` (or ``--data-dir``)
directly, prints one line and exits 0, or prints one sentence to stderr and
exits 1. Import, export and backup work while the app is open (SQLite WAL:
the store's own write lock orders the writes; readers never wait); restore
needs the app closed and says so otherwise.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import kitdesk
from kitdesk.paths import Paths


def _fail(message: str) -> int:
    print(f"kitdesk: {message}", file=sys.stderr)
    return 1


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


def import_command(paths: Paths, source: Path) -> int:
    from kitdesk.store import SchemaError, SQLiteStore
    from kitdesk.transfer import ImportFormatError

    try:
        store = SQLiteStore(paths.db_path, paths.attachments_dir, backups_dir=paths.backups_dir)
    except SchemaError as error:
        return _fail(str(error))
    try:
        result = asyncio.run(store.import_file(source))
    except ImportFormatError as error:
        return _fail(str(error))
    finally:
        store.close_sync()
    print(result.summary())
    return 0


def export_command(paths: Paths, target: Path) -> int:
    from kitdesk.store import SchemaError, SQLiteStore

    if target.is_dir() or not target.suffix:
        target = target / f"kitdesk-export-{datetime.now(UTC):%Y-%m-%d}.json"
    try:
        store = SQLiteStore(paths.db_path, paths.attachments_dir, backups_dir=paths.backups_dir)
    except SchemaError as error:
        return _fail(str(error))
    try:
        summary = asyncio.run(store.export_file(target, "json", app_version=kitdesk.__version__))
    except OSError as error:
        return _fail(f"the export could not be written to {target}: {error.strerror or error}.")
    finally:
        store.close_sync()
    print(f"Exported {summary.threads} conversations ({summary.messages} messages) to {target}")
    return 0


def backup_command(paths: Paths, target: Path) -> int:
    from kitdesk.transfer.backup import BackupError, create_backup

    try:
        made = create_backup(
            paths.db_path, paths.attachments_dir, target, app_version=kitdesk.__version__
        )
    except BackupError as error:
        return _fail(str(error))
    print(f"Backed up to {made} ({_size(made)})")
    return 0


def restore_command(paths: Paths, source: Path) -> int:
    from kitdesk.store.migrations import LATEST_VERSION
    from kitdesk.transfer.backup import BackupError
    from kitdesk.transfer.restore import restore_backup

    try:
        result = restore_backup(
            source,
            paths.db_path,
            paths.attachments_dir,
            paths.backups_dir,
            app_version=kitdesk.__version__,
            max_schema_version=LATEST_VERSION,
        )
    except BackupError as error:
        return _fail(str(error))
    made = f"{result.manifest.created_at:%Y-%m-%d %H:%M} UTC"
    kept = f"; the data it replaced is in {result.previous}" if result.previous else ""
    print(f"Restored the backup made {made}{kept}")
    return 0
