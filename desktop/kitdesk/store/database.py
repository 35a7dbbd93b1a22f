"""The database file and the threads that own its connections.

SQLite never runs on the event loop: writes go to one dedicated thread with
one connection (WAL, synchronous=NORMAL, foreign keys on), so they are
serialized without lock contention; reads go to a second thread with its own
connection and see a consistent snapshot without waiting for writes; WAL
checkpoints (the only step that fsyncs) run on a third, so a commit never
waits for the disk. A write that has been submitted completes even if the
awaiting task is cancelled (a client disconnecting must not lose the partial
answer). Opening migrates the schema (``migrations.py``), with a backup first.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from chatkit.store import NotFoundError

from kitdesk.store.migrations import LATEST_VERSION, SchemaError, migrate, schema_version

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Write transactions between background WAL checkpoints (a few MB of WAL at most).
_CHECKPOINT_EVERY_WRITES = 200

T = TypeVar("T")


class StoreClosedError(RuntimeError):
    """The store was used after close()."""


def now_us() -> int:
    return time.time_ns() // 1000


def from_us(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1_000_000, UTC)


def _shrink(db: sqlite3.Connection | None) -> None:
    if db is not None:
        db.execute("PRAGMA shrink_memory")


def require_thread(db: sqlite3.Connection, thread_id: str) -> None:
    if db.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)).fetchone() is None:
        raise NotFoundError(f"Thread {thread_id} was not found")


class Database:
    """One SQLite file: a writer thread, a reader thread and a checkpoint thread."""

    def __init__(
        self,
        db_path: Path,
        *,
        backups_dir: Path | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.db_path = Path(db_path)
        # How long to wait for a lock another process holds before failing.
        self._busy_timeout_ms = int(busy_timeout_ms)
        self.backups_dir = backups_dir or self.db_path.parent / "backups"
        # Set when opening migrated an existing file: where the copy went.
        self.last_backup: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._closed = False
        self._last_write: object = None  # what the last write submitted wrote, if it said
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kitdesk-store")
        # Commits only append to the WAL (synchronous=NORMAL: no fsync). Copying
        # the WAL back into the database (a checkpoint) fsyncs and can take tens
        # of milliseconds, so it runs on its own thread and connection and no
        # write ever waits for it.
        self._checkpointer = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="kitdesk-checkpoint"
        )
        self._checkpoint_db: sqlite3.Connection | None = None
        # Reads run on their own thread and connection: WAL lets them proceed
        # while a long write (deleting a big thread) holds the writer.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kitdesk-read")
        self._reader_db: sqlite3.Connection | None = None
        self._writes_since_checkpoint = 0
        self._checkpoint_pending = False
        try:
            self._executor.submit(self._open).result()
            # Open the reader now (after migrations) so the first read is not slower.
            self._reader.submit(self._read, lambda db: None).result()
        except BaseException:
            self._shutdown()
            raise

    def _open(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        self._db = db
        try:
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode (got %s) for %s", mode, self.db_path)
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA temp_store = MEMORY")
            # Deleted means deleted: freed pages are zeroed, not left for a disk
            # reader to find.
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA wal_autocheckpoint = 0")  # see _checkpoint
            self.last_backup = migrate(db, self.backups_dir)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise SchemaError(
                    f"Kitdesk cannot open its database {self.db_path}: {error}."
                ) from error
            raise SchemaError(
                f"Kitdesk's database {self.db_path} is busy in another program "
                "(is Kitdesk already running?). Close it and try again."
            ) from error
        except sqlite3.DatabaseError as error:
            raise SchemaError(
                f"Kitdesk cannot open its database {self.db_path}: {error}. "
                "If the file is damaged, move it aside and start again; "
                f"earlier copies may be in {self.backups_dir}."
            ) from error
        self._on_open()

    def _on_open(self) -> None:
        """Tidy-up to run on the writer thread once the schema is current."""

    def _close_connection(self) -> None:
        if self._db is not None:
            try:
                # Lets SQLite refresh planner statistics it found missing while running.
                self._db.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreClosedError("the store is closed")
        return self._db

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one write transaction on the worker thread."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint >= _CHECKPOINT_EVERY_WRITES and not self._closed:
            self._request_checkpoint()
        return result

    def _request_checkpoint(self) -> None:
        if self._checkpoint_pending:
            return
        self._checkpoint_pending = True
        self._writes_since_checkpoint = 0
        try:
            self._checkpointer.submit(self._checkpoint)
        except RuntimeError:  # shutting down: closing the last connection checkpoints
            self._checkpoint_pending = False

    def _checkpoint(self) -> None:
        """Copy committed WAL pages into the database file (on the checkpoint thread)."""
        try:
            if self._checkpoint_db is None:
                self._checkpoint_db = sqlite3.connect(
                    self.db_path, isolation_level=None, check_same_thread=False
                )
                self._checkpoint_db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            # PASSIVE never blocks the writer or readers; what it cannot copy
            # now (pages a reader still sees) is copied next time.
            self._checkpoint_db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:
            log.warning("WAL checkpoint failed (will retry later): %s", error)
        finally:
            self._checkpoint_pending = False

    def _close_checkpoint_connection(self) -> None:
        if self._checkpoint_db is not None:
            self._checkpoint_db.close()
            self._checkpoint_db = None

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one read transaction (a consistent snapshot) on the reader thread."""
        if self._reader_db is None:
            db = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            db.execute("PRAGMA query_only = ON")
            self._reader_db = db
        db = self._reader_db
        db.execute("BEGIN")
        try:
            return work(db)
        finally:
            db.execute("COMMIT")

    async def release_memory(self) -> None:
        """Empty each connection's page cache on the connection's own thread (``PRAGMA
        shrink_memory``; pages are read again when needed, from the OS's file cache)."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            loop.run_in_executor(self._executor, lambda: _shrink(self._db)),
            loop.run_in_executor(self._reader, lambda: _shrink(self._reader_db)),
            loop.run_in_executor(self._checkpointer, lambda: _shrink(self._checkpoint_db)),
        )

    def _close_reader_connection(self) -> None:
        if self._reader_db is not None:
            self._reader_db.close()
            self._reader_db = None

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """A read on the reader thread; cancelling the caller drops it."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, work)

    async def _run_write(self, work: Callable[[sqlite3.Connection], T], *, writes: Any = None) -> T:
        """A write on the worker thread; once submitted it completes even if the caller is
        cancelled. ``writes`` names what it writes (``is_last_write``)."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._write, work)
        future.add_done_callback(_note_failed_write)
        self._last_write = writes
        if writes is not None:
            future.add_done_callback(lambda done: self._forget_failed(done, writes))
        return await asyncio.shield(future)

    def _forget_failed(self, done: asyncio.Future[Any], writes: object) -> None:
        if (done.cancelled() or done.exception() is not None) and self._last_write is writes:
            self._last_write = None  # nothing was written

    def is_last_write(self, writes: object) -> bool:
        """Whether the last write submitted wrote ``writes`` (and nothing was submitted since)."""
        return self._last_write is not None and self._last_write == writes

    # ---- lifecycle -----------------------------------------------------------

    def check(self) -> str:
        """Return "ok" when the database answers, else a short description of the problem."""
        if self._closed:
            return "closed"
        try:
            # A separate read-only connection: never waits behind queued writes
            # and never touches the worker's connection from this thread.
            probe = sqlite3.connect(f"{self.db_path.as_uri()}?mode=ro", uri=True, timeout=1.0)
            try:
                version = schema_version(probe)
                probe.execute("SELECT 1 FROM threads LIMIT 1").fetchall()
            finally:
                probe.close()
        except sqlite3.Error as error:
            return f"error: {error}"
        if version != LATEST_VERSION:
            return f"error: schema version {version}, expected {LATEST_VERSION}"
        return "ok"

    async def close(self) -> None:
        """Finish queued writes and close the database; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._shutdown)

    def close_sync(self) -> None:
        """close() for code without an event loop (signal handlers, atexit)."""
        if self._closed:
            return
        self._closed = True
        self._shutdown()

    def _shutdown(self) -> None:
        # Jobs run in order: these wait for every queued read and write.
        self._reader.submit(self._close_reader_connection).result()
        self._reader.shutdown(wait=True)
        self._executor.submit(lambda: None).result()
        self._checkpointer.submit(self._close_checkpoint_connection).result()
        self._checkpointer.shutdown(wait=True)
        # Closed last, the writer's connection checkpoints and removes the WAL.
        self._executor.submit(self._close_connection).result()
        self._executor.shutdown(wait=True)


def _note_failed_write(future: asyncio.Future[Any]) -> None:
    # Retrieve the outcome so a write whose caller was cancelled (and so never
    # awaits it) is logged rather than reported as "exception never retrieved".
    if not future.cancelled() and (error := future.exception()) is not None:
        log.debug("store write failed: %r", error)
