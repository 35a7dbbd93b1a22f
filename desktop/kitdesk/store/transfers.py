"""The store's import, export, backup and restore: what Settings > Data and the CLI call.

The work itself lives in ``importing.py``, ``exporting.py`` and
``kitdesk.transfer.backup``; this mixin runs it on the right threads:
staging and exporting on worker threads with their own connections (the
app's reads and writes go on), each import chunk as one write on the writer
thread (the app's writes interleave), and a restore with every connection of
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
    ImportResult,
    attach,
    commit_chunk,
    detach,
    stage,
    staged_totals,
)
from kitdesk.store.migrations import LATEST_VERSION
from kitdesk.transfer.backup import create_backup
from kitdesk.transfer.reading import ProgressCallback
from kitdesk.transfer.restore import RestoreResult, restore_backup


class DataTransfers(Database):
    attachments_dir: Path

    async def import_file(
        self, path: Path, progress: ProgressCallback | None = None
    ) -> ImportResult:
        """Import a ChatGPT, Open WebUI or Kitdesk export; ImportFormatError when it is bad
        (then nothing is imported). ``progress`` gets 0..1: reading is the first 80%."""

        def staging_progress(share: float) -> None:
            if progress is not None:
                progress(share * 0.8)

        folder = self.db_path.parent
        staging = await asyncio.to_thread(stage, path, folder, staging_progress)
        try:
            chunks = await self._run_unlocked(lambda db: attach(db, staging))
            result = ImportResult()
            try:
                for done, (first, last) in enumerate(chunks, start=1):
                    added, messages = await self._run_write(
                        lambda db, first=first, last=last: commit_chunk(db, first, last)
                    )
                    result.threads += added
                    result.messages += messages
                    if progress is not None:
                        progress(0.8 + 0.2 * done / len(chunks))
                total, result.skipped = await self._run_unlocked(staged_totals)
                result.already_present = total - result.threads
            finally:
                await self._run_unlocked(detach)
        finally:
            staging.unlink(missing_ok=True)
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

        future = asyncio.get_running_loop().run_in_executor(self._executor, work)
        return await asyncio.shield(future)

    async def _run_unlocked(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the writer's connection outside a transaction (ATTACH, DETACH)."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: work(self._conn())
        )
        return await asyncio.shield(future)
