"""The settings the window itself obeys (close to tray, notifications), read fresh when needed.

The server owns ``settings.json`` and changes it while the window runs; the
window only reads it, at the moment a decision is made (a close, a finished
answer), so a change in Settings applies at once with no message between the two.
An unreadable file means the defaults, never a crash of the window.

The settings model (and pydantic under it) is imported at the first read, not
with the window: the server thread imports it anyway, and the window's start-up
path stays free of it, so the server's imports overlap with Qt starting.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kitdesk.settings import Settings

log = logging.getLogger(__name__)


def current_settings(settings_path: Path) -> Settings:
    """The settings as saved now, or the defaults if the file is missing or unreadable."""
    from pydantic import ValidationError

    from kitdesk.settings import Settings

    try:
        return Settings.model_validate_json(settings_path.read_bytes())
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, ValidationError):
        log.warning("settings.json is unreadable; the window uses the default settings")
        return Settings()
