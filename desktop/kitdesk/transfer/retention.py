"""Which backups exist, when the next automatic one is due, which old ones to delete.

Backups in the data folder's ``backups/`` are recognised by name, so the
policy needs no index file that could disagree with the folder:

- ``kitdesk-auto-<stamp>.zip``: the daily automatic backup;
- ``kitdesk-before-restore-<stamp>.zip``: the database as it was before a restore;
- ``kitdesk-v<N>-<stamp>.db``: the copy made before migrating schema version N;
- ``kitdesk-backup-<stamp>.zip``: "Back up now" (usually in a folder the person
  picked; never deleted automatically).

``<stamp>`` is UTC, ``YYYYMMDDTHHMMSS`` with optional microseconds, then ``Z``.
Each automatic kind keeps its newest ``keep`` files (7: a week of daily
backups). The decisions are pure functions of names and a clock, so they are
tested without waiting for days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

BackupKind = Literal["auto", "before-restore", "pre-migration", "manual"]

KEEP = 7
AUTOMATIC_INTERVAL = timedelta(days=1)
PRUNED_KINDS: frozenset[BackupKind] = frozenset({"auto", "before-restore", "pre-migration"})
# A half-written backup left by a crash is removed once it is this old.
PARTIAL_MAX_AGE = timedelta(hours=1)
PARTIAL_SUFFIX = ".partial"
STAGING_PREFIXES = (
    ".kitdesk-backup-",
    ".kitdesk-restore-",
    ".kitdesk-import-",
    ".kitdesk-export-",
    ".kitdesk-upload-",
)

_STAMP = r"(?P<stamp>\d{8}T\d{6}(?:\d{1,6})?Z)"
_PATTERNS: list[tuple[BackupKind, re.Pattern[str]]] = [
    ("auto", re.compile(rf"^kitdesk-auto-{_STAMP}\.zip$")),
    ("before-restore", re.compile(rf"^kitdesk-before-restore-{_STAMP}\.zip$")),
    ("manual", re.compile(rf"^kitdesk-backup-{_STAMP}\.zip$")),
    ("pre-migration", re.compile(rf"^kitdesk-v(?P<version>\d+)-{_STAMP}\.db$")),
]
_PREFIX: dict[BackupKind, str] = {
    "auto": "kitdesk-auto-",
    "before-restore": "kitdesk-before-restore-",
    "manual": "kitdesk-backup-",
}


@dataclass(frozen=True)
class BackupEntry:
    path: Path
    kind: BackupKind
    created_at: datetime


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def backup_name(kind: BackupKind, moment: datetime) -> str:
    """The file name for a new backup of ``kind`` (not pre-migration: migrations name those)."""
    if kind == "pre-migration":
        raise ValueError("pre-migration backups are named by the migration step")
    return f"{_PREFIX[kind]}{stamp(moment)}.zip"


def _parse_stamp(text: str) -> datetime:
    base, micro = text[:15], text[15:-1]
    moment = datetime.strptime(base, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return moment.replace(microsecond=int(micro.ljust(6, "0"))) if micro else moment


def parse_backup_name(path: Path) -> BackupEntry | None:
    """The entry for a backup file name, or None for any other file."""
    for kind, pattern in _PATTERNS:
        match = pattern.match(path.name)
        if match:
            try:
                return BackupEntry(path, kind, _parse_stamp(match["stamp"]))
            except ValueError:
                return None
    return None


def list_backups(folder: Path) -> list[BackupEntry]:
    """The backups in ``folder``, newest first (none when it does not exist)."""
    try:
        paths = [path for path in folder.iterdir() if path.is_file()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    entries = [entry for entry in map(parse_backup_name, paths) if entry is not None]
    return sorted(entries, key=lambda entry: entry.created_at, reverse=True)


def automatic_backup_due(
    entries: Iterable[BackupEntry], now: datetime, interval: timedelta = AUTOMATIC_INTERVAL
) -> bool:
    """True when there is no automatic backup from the last ``interval``.

    A backup dated in the future (the clock moved back) does not count, so a
    wrong clock cannot stop backups for good.
    """
    autos = [e.created_at for e in entries if e.kind == "auto" and e.created_at <= now]
    return not autos or now - max(autos) >= interval


def backups_to_prune(entries: Iterable[BackupEntry], keep: int = KEEP) -> list[BackupEntry]:
    """The backups beyond the newest ``keep`` of each automatic kind; manual ones never."""
    by_kind: dict[BackupKind, list[BackupEntry]] = {}
    for entry in entries:
        if entry.kind in PRUNED_KINDS:
            by_kind.setdefault(entry.kind, []).append(entry)
    doomed: list[BackupEntry] = []
    for group in by_kind.values():
        group.sort(key=lambda entry: entry.created_at, reverse=True)
        doomed.extend(group[keep:])
    return doomed


def stale_leftovers(folder: Path, now: datetime) -> list[Path]:
    """What a crash mid-backup, mid-restore or mid-import left in ``folder``, once
    PARTIAL_MAX_AGE old: ``*.partial`` files and ``.kitdesk-*`` staging files and folders."""
    try:
        candidates = [
            p
            for p in folder.iterdir()
            if p.name.endswith(PARTIAL_SUFFIX) or p.name.startswith(STAGING_PREFIXES)
        ]
    except (FileNotFoundError, NotADirectoryError):
        return []
    stale = []
    for path in candidates:
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            continue
        if now - modified >= PARTIAL_MAX_AGE:
            stale.append(path)
    return stale
