"""The colour a window's page starts in, before the app paints its own.

The window loads the app as soon as it exists, and the app's first frame comes a
few hundred milliseconds later; until then Qt WebEngine paints the page white.
On a dark theme (chosen in Settings, or the desktop's when the setting follows
the system) that white would flash, so the page starts in the app's background.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

# The app's own first-paint backgrounds (webui/index.html).
LIGHT = "#ffffff"
DARK = "#17181b"


def chosen_theme(settings_path: Path) -> str:
    """The theme setting ("light", "dark" or "system"), read straight from the file:
    the window opens before the settings model (a large import) is needed."""
    try:
        raw = json.loads(settings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "system"
    theme = raw.get("theme") if isinstance(raw, dict) else None
    return theme if theme in ("light", "dark") else "system"


def page_background(theme: str, desktop_is_dark: bool) -> str:
    if theme == "system":
        return DARK if desktop_is_dark else LIGHT
    return DARK if theme == "dark" else LIGHT


def qt_desktop_is_dark() -> bool:
    """The desktop's colour scheme as Qt (6.5 or later) knows it; light if unknown."""
    try:
        from qtpy.QtCore import Qt
        from qtpy.QtGui import QGuiApplication

        hints: Any = QGuiApplication.styleHints()
        return bool(hints.colorScheme() == Qt.ColorScheme.Dark)
    except Exception:  # an older Qt, or no application yet
        return False


def start_in_app_colours(window: webview.Window, settings_path: Path) -> None:
    """Qt: paint ``window``'s page in the app's background until the app paints."""

    def paint(window: webview.Window) -> None:
        from qtpy.QtGui import QColor

        colour = page_background(chosen_theme(settings_path), qt_desktop_is_dark())
        try:
            native: Any = window.native
            native.webview.page().setBackgroundColor(QColor(colour))
        except Exception:  # a cosmetic touch: never a reason not to open
            log.exception("could not set the page's starting colour")

    # Runs on the GUI thread, once the window's widgets exist and before it is shown.
    window.events.before_show += paint
