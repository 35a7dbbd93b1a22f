"""Where Kitdesk keeps its files.

Platform defaults come from platformdirs. ``KITDESK_HOME`` (or ``--data-dir``)
moves every location under one folder, for tests and portable installs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Kitdesk"


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
    def settings_path(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "kitdesk.log"

    def create(self) -> Paths:
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


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
