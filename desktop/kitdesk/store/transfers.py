"""The store's import, export, backup and restore: what Settings > Data and the CLI call.

The work itself lives in ``importing.py``, ``exporting.py`` and
``kitdesk.transfer.backup``; this mixin runs it on the right threads:
checking and reading an import and exporting on worker threads (the app's
reads and writes go on), each import batch as one write on the writer thread
(the app's writes interleave), and a restore with every connection of
this store closed and every queued read and write waiting until the restored
file is open again.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kitdesk.store.database import Database, StoreClosedError, T
from kitdesk.store.exporting import ExportFormat, ExportSummary, export_file
from kitdesk.store.importing import (
    CHECK_SHARE,
    CHECKPOINT_EVERY_BATCHES,
    FileTotals,
    ImportResult,
    commit_batch,
    read_batches,
    remove_threads,
)
from kitdesk.store.migrations import LATEST_VERSION
from kitdesk.transfer import check_file
from kitdesk.transfer.backup import create_backup
from kitdesk.transfer.reading import ProgressCallback
from kitdesk.transfer.restore import RestoreResult, restore_backup


class DataTransfers(Database):
    attachments_dir: Path

    async def import_file(
        self, path: Path, progress: ProgressCallback | None = None
    ) -> ImportResult:
        """Import a ChatGPT, Open WebUI or Kitdesk export; ImportFormatError when it is bad
        (then nothing is imported). ``progress`` gets 0..1: checking the file is the first
        ``CHECK_SHARE``, then each committed batch reports how far the file is read."""

        def checking(share: float) -> None:
            if progress is not None:
                progress(share * CHECK_SHARE)

        source = await asyncio.to_thread(check_file, path, None, checking)
        totals = FileTotals()
        batches = read_batches(path, source, totals)
        result = ImportResult()
        added_ids: list[str] = []
        committed = 0
        ahead = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
        try:
            while (batch := await ahead) is not None:
                # A worker thread makes the next batch while the writer commits this one.
                ahead = asyncio.ensure_future(asyncio.to_thread(next, batches, None))
                added, messages = await self._run_write(
                    lambda db, batch=batch: commit_batch(db, batch)
                )
                added_ids.extend(added)
                result.threads += len(added)
                result.messages += messages
                committed += 1
                if committed % CHECKPOINT_EVERY_BATCHES == 0:
                    # Copy the WAL into the database as the import goes (on the checkpoint
                    # thread), so it does not grow by the whole import.
                    await self._run_unlocked(lambda db: self._request_checkpoint())
                if progress is not None:
                    progress(CHECK_SHARE + (1 - CHECK_SHARE) * batch.read_share)
        except Exception:
            # The file changed since it was checked, or a write failed: take back what
            # this import added, so nothing is half-imported.
            if added_ids:
                await self._run_write(lambda db: remove_threads(db, added_ids))
            raise
        finally:
            # The reader must be idle before it is closed (its file handle with it).
            await asyncio.wait({ahead})
            if not ahead.cancelled():
                ahead.exception()  # retrieved: a failure after ours is not reported twice
            await asyncio.to_thread(batches.close)
        result.already_present = totals.conversations - result.threads
        result.skipped = totals.skipped
        if progress is not None:
            progress(1.0)
        return result

    async def export_file(
        self,
        target: Path,
        fmt: ExportFormat,
        *,
        thread_ids: list[str] | None = None,
        app_version: str,
    ) -> ExportSummary:
        """Write threads (every one when None) to ``target`` from a consistent snapshot."""
        return await asyncio.to_thread(
            export_file,
            self.db_path,
            target,
            fmt,
            thread_ids=thread_ids,
            app_version=app_version,
        )

    async def backup(self, target: Path, *, app_version: str, kind: str = "manual") -> Path:
        """One backup file (see kitdesk.transfer.backup); the app keeps working meanwhile."""
        return await asyncio.to_thread(
            create_backup,
            self.db_path,
            self.attachments_dir,
            target,
            app_version=app_version,
            kind="auto" if kind == "auto" else "manual",
            now=datetime.now(UTC),
        )

    async def restore(self, backup_path: Path, *, app_version: str) -> RestoreResult:
        """Replace the database with a verified backup; the store stays usable.

        A damaged backup raises BackupError and changes nothing.
        """
        if self._closed:
            raise StoreClosedError("the store is closed")

        def work() -> RestoreResult:
            release = threading.Event()
            held = [threading.Event(), threading.Event()]

            def hold(close: Callable[[], None], ready: threading.Event) -> None:
                close()
                ready.set()
                release.wait()

            self._reader.submit(hold, self._close_reader_connection, held[0])
            self._checkpointer.submit(hold, self._close_checkpoint_connection, held[1])
            try:
                for event in held:
                    event.wait()
                self._close_connection()
                try:
                    return restore_backup(
                        backup_path,
                        self.db_path,
                        self.attachments_dir,
                        self.backups_dir,
                        app_version=app_version,
                        max_schema_version=LATEST_VERSION,
                    )
                finally:
                    self._open()
            finally:
                release.set()

        self._last_write = None  # the file changes under every row (thread_rows.py)
        future = asyncio.get_running_loop().run_in_executor(self._executor, work)
        return await asyncio.shield(future)

    async def _run_unlocked(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the writer's connection outside a transaction (ATTACH, DETACH)."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        self._last_write = None  # rows may change (thread_rows.py)
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: work(self._conn())
        )
        return await asyncio.shield(future)
