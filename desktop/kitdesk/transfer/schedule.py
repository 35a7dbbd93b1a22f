"""Automatic backups while Kitdesk runs: daily, the last 7 kept, on by default.

A daemon thread waits a minute after start (the first answer of the day is
not slowed by a backup competing for the disk), then every few hours runs
``run_automatic_backup``, which backs up only when the newest automatic
backup is a day old and prunes every automatic kind to its last 7. A failure
(a full disk) is logged and retried at the next check; it never stops the app.
A backup cut short by quitting leaves only a ``.partial`` file, removed later.
"""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from kitdesk.transfer.backup import BackupError, create_backup
from kitdesk.transfer.retention import (
    automatic_backup_due,
    backup_name,
    backups_to_prune,
    list_backups,
    stale_leftovers,
)

log = logging.getLogger(__name__)

FIRST_DELAY_SECONDS = 60.0
CHECK_EVERY_SECONDS = 6 * 3600.0


def run_automatic_backup(
    db_path: Path,
    attachments_dir: Path,
    backups_dir: Path,
    *,
    app_version: str,
    now: datetime | None = None,
) -> Path | None:
    """Make the daily backup when one is due, then prune every automatic kind to its last 7.

    Returns the new backup, or None when none was due (or there is no database yet).
    """
    now = now or datetime.now(UTC)
    created = None
    if automatic_backup_due(list_backups(backups_dir), now) and db_path.exists():
        created = create_backup(
            db_path,
            attachments_dir,
            backups_dir / backup_name("auto", now),
            app_version=app_version,
            kind="auto",
            now=now,
        )
    for entry in backups_to_prune(list_backups(backups_dir)):
        entry.path.unlink(missing_ok=True)
    for folder in {backups_dir, db_path.parent}:
        for leftover in stale_leftovers(folder, now):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
    return created


class AutomaticBackups:
    def __init__(
        self,
        db_path: Path,
        attachments_dir: Path,
        backups_dir: Path,
        *,
        app_version: str,
        first_delay: float = FIRST_DELAY_SECONDS,
        check_every: float = CHECK_EVERY_SECONDS,
    ) -> None:
        self._args = (db_path, attachments_dir, backups_dir)
        self._app_version = app_version
        self._first_delay = first_delay
        self._check_every = check_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kitdesk-auto-backup", daemon=True)

    def start(self) -> AutomaticBackups:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = self._first_delay
        while not self._stop.wait(delay):
            try:
                made = run_automatic_backup(*self._args, app_version=self._app_version)
                if made is not None:
                    log.info("automatic backup written to %s", made)
            except (BackupError, OSError) as error:
                log.warning("automatic backup failed (will retry): %s", error)
            delay = self._check_every
