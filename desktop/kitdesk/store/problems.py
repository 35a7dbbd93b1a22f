"""Storage failures a person can do something about, in words.

A full disk, a read-only file system, or another program holding the database
are not bugs: they get a sentence saying what happened and what to do, and
the log gets one line without a traceback. Anything else is left to the
callers' "unexpected problem" path.
"""

from __future__ import annotations

import errno
import sqlite3

from kitdesk.store.database import StoreClosedError

DISK_FULL = (
    "Kitdesk could not save: the disk is full. Free some space; what was already saved is safe."
)
READ_ONLY = (
    "Kitdesk could not save: its data folder is read-only. Check the disk or the "
    "folder's permissions; what was already saved is safe."
)
BUSY = (
    "Kitdesk's database is busy: another program is using it. "
    "Close that program or try again in a moment."
)
CLOSING = "Kitdesk's database is closing. Try again in a moment."
DISK_ERROR = (
    "Kitdesk could not read or write its database (a disk error). "
    "Check the disk; what was already saved is safe."
)


def storage_problem(exc: BaseException) -> str | None:
    """The sentence for ``exc`` if it is a storage condition, else None."""
    if isinstance(exc, StoreClosedError):
        return CLOSING
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DISK_FULL
        if exc.errno == errno.EROFS:
            return READ_ONLY
        return None
    if not isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return None
    text = str(exc).lower()
    if "full" in text:
        return DISK_FULL
    if "readonly" in text or "read-only" in text:
        return READ_ONLY
    if "locked" in text or "busy" in text:
        return BUSY
    if "disk i/o" in text:
        return DISK_ERROR
    return None
