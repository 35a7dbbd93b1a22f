"""Where Kitdesk keeps its files.

Platform defaults come from platformdirs. ``KITDESK_HOME`` (or ``--data-dir``)
moves every location under one folder, for tests and portable installs.
Every location is private to the user (see ``private_umask`` and ``tighten``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Kitdesk"
PROMPTS_FILE = "prompts.json"  # the prompt library, beside the database


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path
    cache_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kitdesk.db"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def prompts_path(self) -> Path:
        return self.data_dir / PROMPTS_FILE

    @property
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "kitdesk.log"

    def create(self) -> Paths:
        """Make the folders, owner-only, and tighten what an older version left open."""
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            tighten(folder)
        return self


def private_umask() -> None:
    """Everything this process creates from now on is owner-only (0600 files,
    0700 folders): the database with its WAL and SHM, attachments, logs, backups,
    settings and caches hold conversations and must not be readable by other
    accounts. Called first thing by the command line; a no-op off POSIX."""
    if os.name == "posix":
        os.umask(0o077)


def tighten(folder: Path) -> None:
    """Remove group and other access from ``folder`` and everything under it."""
    if os.name != "posix":
        return
    for root, dirs, files in os.walk(folder):
        for path in [root, *(os.path.join(root, name) for name in dirs + files)]:
            try:
                mode = os.lstat(path).st_mode
                if mode & 0o077 and not stat.S_ISLNK(mode):
                    os.chmod(path, stat.S_IMODE(mode) & 0o700)
            except OSError:
                continue  # gone meanwhile, or not ours: leave it


def resolve_paths(home: Path | str | None = None) -> Paths:
    """Return the locations to use; an explicit home beats KITDESK_HOME beats the platform."""
    root = home or os.environ.get("KITDESK_HOME")
    if root:
        base = Path(root).expanduser().resolve()
        return Paths(
            data_dir=base / "data",
            config_dir=base / "config",
            log_dir=base / "logs",
            cache_dir=base / "cache",
        )
    return Paths(
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )
