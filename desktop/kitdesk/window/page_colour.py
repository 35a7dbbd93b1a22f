"""The page a window shows before the app paints, in the app's colours.

The window shows it for the fraction of a second until the server answers (or
longer, on a slow start). A white page on a dark theme would flash, so it takes
the theme chosen in Settings, read straight from the file (the window opens
before the settings model, a large import, is needed); "system" follows the
desktop through ``prefers-color-scheme``.
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

_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="color-scheme" content="{scheme}">
<style>html,body{{margin:0;height:100%;background:{background}}}{dark_rule}</style>
</head><body></body></html>"""
_SYSTEM_DARK = f"@media (prefers-color-scheme: dark){{html,body{{background:{DARK}}}}}"


def chosen_theme(settings_path: Path) -> str:
    """The theme setting: "light", "dark" or "system" (also for a missing or odd file)."""
    try:
        raw = json.loads(settings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "system"
    theme = raw.get("theme") if isinstance(raw, dict) else None
    return theme if theme in ("light", "dark") else "system"


def window_background(theme: str) -> str:
    """The window's own colour, under the page (pywebview's ``background_color``)."""
    return DARK if theme == "dark" else LIGHT


def loading_page(theme: str) -> str:
    """The HTML of the page shown until the app's first paint."""
    if theme == "dark":
        return _PAGE.format(scheme="dark", background=DARK, dark_rule="")
    if theme == "light":
        return _PAGE.format(scheme="light", background=LIGHT, dark_rule="")
    return _PAGE.format(scheme="light dark", background=LIGHT, dark_rule=_SYSTEM_DARK)


def qt_desktop_is_dark() -> bool:
    """The desktop's colour scheme as Qt (6.5 or later) knows it; light if unknown."""
    try:
        from qtpy.QtCore import Qt
        from qtpy.QtGui import QGuiApplication

        hints: Any = QGuiApplication.styleHints()
        return bool(hints.colorScheme() == Qt.ColorScheme.Dark)
    except Exception:  # an older Qt, or no application yet
        return False


def start_qt_page_in(window: webview.Window, theme: str) -> None:
    """Qt: paint ``window``'s page in the theme's background from the start.

    The window asks for the app as soon as it is shown, which can cut the loading
    page short; Qt WebEngine would then paint white until the app's first frame."""

    def paint(window: webview.Window) -> None:
        from qtpy.QtGui import QColor

        dark = theme == "dark" or (theme == "system" and qt_desktop_is_dark())
        try:
            native: Any = window.native
            native.webview.page().setBackgroundColor(QColor(DARK if dark else LIGHT))
        except Exception:  # a cosmetic touch: never a reason not to open
            log.exception("could not set the page's starting colour")

    # Runs on the GUI thread, once the window's widgets exist and before it is shown.
    window.events.before_show += paint
