"""Conversations on disk: SQLite (WAL) threads, items, attachments, search and migrations.

``SQLiteStore`` implements chatkit's ``Store`` and ``AttachmentStore`` interfaces.
"""

from kitdesk.store.migrations import SchemaError
from kitdesk.store.sqlite import (
    ACTIVITY_KEY,
    ALLOWED_MIME_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_PAGE_SIZE,
    SQLiteStore,
    StoreClosedError,
)

__all__ = [
    "ACTIVITY_KEY",
    "ALLOWED_MIME_TYPES",
    "MAX_ATTACHMENTS_PER_MESSAGE",
    "MAX_ATTACHMENT_BYTES",
    "MAX_PAGE_SIZE",
    "SQLiteStore",
    "SchemaError",
    "StoreClosedError",
]
