"""Which language the desktop window's own words (tray menu) are in.

The person's language setting wins; "system" means the system's languages,
asked of Qt (``QLocale.uiLanguages``: the same list Qt WebEngine hands the web
UI as ``navigator.languages``, so the tray and the page agree), or of the POSIX
locale variables where Qt is absent. Read fresh each time, like every setting
the window obeys, so a change in Settings shows the next time the menu opens.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kitdesk.i18n import language_for
from kitdesk.window.desktop_settings import current_settings


def posix_languages(env: Mapping[str, str]) -> list[str]:
    """The languages the POSIX locale variables name, best first (glibc's order)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            if value.split(".")[0] in ("C", "POSIX"):
                return []  # LANGUAGE is ignored under the C locale
            break
    chosen = [tag for tag in env.get("LANGUAGE", "").split(":") if tag]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            chosen.append(env[name])
            break
    return chosen


def system_languages() -> list[str]:
    try:
        from qtpy.QtCore import QLocale

        return [str(tag) for tag in QLocale.system().uiLanguages()]
    except Exception:  # no Qt (the tray is Qt's, so only tests and tools get here)
        return posix_languages(os.environ)


def window_language(settings_path: Path) -> str:
    """The shipped language the window writes its own words in now."""
    return language_for(current_settings(settings_path).language, system_languages())
