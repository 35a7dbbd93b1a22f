"""Attachments: their rows in SQLite and their bytes in files named by id.

Rows cascade with their thread; the store removes the files after the delete
commits, and sweeps files without a row at start (left behind if the process
died between the two). Uploads never sent in a message are forgotten at the
first start a day later.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
from pathlib import Path

from chatkit.store import NotFoundError
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
)
from pydantic import TypeAdapter

from kitdesk.chat.context import RequestContext
from kitdesk.store.attachment_urls import for_reader, reference, stored_form
from kitdesk.store.database import BUSY_TIMEOUT_MS, Database, now_us, require_thread

# Limits the HTTP layer enforces on uploads (the store itself accepts any bytes).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ALLOWED_MIME_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/markdown",
        "text/csv",
        "application/json",
        "application/pdf",
    }
)
MAX_ATTACHMENTS_PER_MESSAGE = 10

# How many just-deleted attachment ids delete_attachment remembers.
_JUST_DELETED_MEMORY = 256
# Uploads not sent in a message within this time are deleted at the next start.
_UNSENT_ATTACHMENT_MAX_AGE_US = 24 * 3600 * 1_000_000
# Attachment ids become file names: only these characters, ever.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")

_attachment_adapter: TypeAdapter[Attachment] = TypeAdapter(Attachment)


class AttachmentRecords(Database):
    """The AttachmentStore half of the store: rows plus files under ``attachments_dir``."""

    def __init__(
        self,
        db_path: Path,
        attachments_dir: Path,
        *,
        backups_dir: Path | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.attachments_dir = Path(attachments_dir)
        # Attachment ids deleted moments ago (see delete_attachment), oldest first.
        self._just_deleted_attachments: dict[str, bool] = {}
        super().__init__(db_path, backups_dir=backups_dir, busy_timeout_ms=busy_timeout_ms)

    def _on_open(self) -> None:
        self.attachments_dir.mkdir(parents=True, exist_ok=True)
        self._prune_unsent_attachments()
        self._sweep_orphan_files()

    def generate_attachment_id(self, mime_type: str, context: RequestContext) -> str:
        return f"atc_{secrets.token_hex(8)}"

    async def create_attachment(
        self, input: AttachmentCreateParams, context: RequestContext
    ) -> Attachment:
        """Register an upload: the client then POSTs the bytes to ``upload_descriptor.url``."""
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        descriptor = AttachmentUploadDescriptor(
            url=reference(attachment_id, "upload"), method="POST"
        )
        attachment: Attachment
        if input.mime_type.startswith("image/"):
            attachment = ImageAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=descriptor,
                preview_url=reference(attachment_id, "content"),
            )
        else:
            attachment = FileAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=descriptor,
            )
        await self.save_attachment(attachment, context)
        return for_reader(attachment, context.origin, _always)

    async def save_attachment(self, attachment: Attachment, context: RequestContext) -> None:
        """Insert or update attachment metadata (its own URLs kept location-free)."""
        _check_attachment_id(attachment.id)
        data = stored_form(attachment, _always).model_dump_json()
        row = (attachment.id, attachment.thread_id, now_us(), data)

        def work(db: sqlite3.Connection) -> None:
            if attachment.thread_id is not None:
                require_thread(db, attachment.thread_id)
            db.execute(
                """
                INSERT INTO attachments (id, thread_id, created_at, data) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, data = excluded.data
                """,
                row,
            )

        await self._run_write(work)

    async def load_attachment(self, attachment_id: str, context: RequestContext) -> Attachment:
        """Load attachment metadata by id, its URLs built on the reader's address."""

        def work(db: sqlite3.Connection) -> Attachment:
            found = db.execute(
                "SELECT data FROM attachments WHERE id = ?", (attachment_id,)
            ).fetchone()
            if found is None:
                raise NotFoundError(f"Attachment {attachment_id} was not found")
            return _attachment_adapter.validate_json(found[0])

        return for_reader(await self._run(work), context.origin, _always)

    async def delete_attachment(self, attachment_id: str, context: RequestContext) -> None:
        """Delete an attachment's row and file; NotFoundError when there is no such attachment.

        ChatKitServer handles ``attachments.delete`` by calling this twice, once
        as the AttachmentStore and once as the Store, and here both are this one
        method: so the repeat call for an id deleted a moment ago succeeds quietly.
        """
        if self._just_deleted_attachments.pop(attachment_id, False):
            return

        def work(db: sqlite3.Connection) -> int:
            return db.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,)).rowcount

        deleted = await self._run_write(work)
        await asyncio.to_thread(self._remove_files, [attachment_id])
        if deleted == 0:
            raise NotFoundError(f"Attachment {attachment_id[:100]} was not found")
        self._just_deleted_attachments[attachment_id] = True
        while len(self._just_deleted_attachments) > _JUST_DELETED_MEMORY:
            self._just_deleted_attachments.pop(next(iter(self._just_deleted_attachments)))

    async def write_attachment_file(
        self, attachment_id: str, data: bytes, context: RequestContext | None = None
    ) -> Attachment:
        """Store an attachment's bytes and mark its upload complete; returns the new
        metadata, its URLs built on ``context``'s address."""
        attachment = await self.load_attachment(attachment_id, RequestContext(origin=""))
        path = self._file_path(attachment_id)
        await asyncio.to_thread(_write_file_atomically, path, data)
        done = attachment.model_copy(update={"upload_descriptor": None})
        await self.save_attachment(done, RequestContext(origin=""))
        return for_reader(done, context.origin if context else "", _always)

    def attachment_file_path(self, attachment_id: str) -> Path | None:
        """The file holding an attachment's bytes, or None when nothing was uploaded."""
        if not _SAFE_ID.match(attachment_id):
            return None
        path = self._file_path(attachment_id)
        return path if path.is_file() else None

    def attachment_fingerprint(self, attachment_id: str) -> tuple[int, int, int] | None:
        """What identifies the file's current content without reading it: a new
        upload replaces the file (a new inode), so this changes with the bytes."""
        path = self.attachment_file_path(attachment_id)
        if path is None:
            return None
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    async def read_attachment_bytes(self, attachment_id: str) -> bytes:
        """An attachment's bytes; NotFoundError when there is no such upload."""
        path = self.attachment_file_path(attachment_id)
        if path is None:
            raise NotFoundError(f"Attachment {attachment_id} has no uploaded file")
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as error:
            raise NotFoundError(f"Attachment {attachment_id} has no uploaded file") from error

    def _file_path(self, attachment_id: str) -> Path:
        _check_attachment_id(attachment_id)
        return self.attachments_dir / attachment_id

    def _remove_files(self, attachment_ids: list[str]) -> None:
        for attachment_id in attachment_ids:
            if _SAFE_ID.match(attachment_id):
                (self.attachments_dir / attachment_id).unlink(missing_ok=True)

    def _prune_unsent_attachments(self) -> None:
        """Forget uploads never sent in a message (the composer that held them is long gone)."""
        cutoff = now_us() - _UNSENT_ATTACHMENT_MAX_AGE_US
        self._write(
            lambda db: db.execute(
                "DELETE FROM attachments WHERE thread_id IS NULL AND created_at < ?", (cutoff,)
            )
        )

    def _sweep_orphan_files(self) -> None:
        """Remove files with no attachment row (a crash between a delete's commit and unlink)."""
        known = {row[0] for row in self._conn().execute("SELECT id FROM attachments")}
        for entry in self.attachments_dir.iterdir():
            if entry.is_file() and entry.name not in known:
                entry.unlink(missing_ok=True)


def _always(_: str) -> bool:
    """An attachment row's own id is, by definition, an attachment this store holds."""
    return True


def _check_attachment_id(attachment_id: str) -> None:
    if not _SAFE_ID.match(attachment_id):
        raise NotFoundError(f"Attachment {attachment_id[:100]!r} was not found")


def _write_file_atomically(path: Path, data: bytes) -> None:
    # Write beside the target, flush to disk, then rename: readers see the old
    # file or the whole new one, never half an upload.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
