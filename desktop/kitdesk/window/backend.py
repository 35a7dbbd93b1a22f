"""Which web view draws the window: pywebview's backend for this OS, or advice on what to install.

Kept apart from the window so the choice can be tested (and explained to the
user) without any GUI toolkit loaded.
"""

from __future__ import annotations

import importlib.util
import os
import sys

TITLE = "Kitdesk"
WEBVIEW2_URL = "https://developer.microsoft.com/microsoft-edge/webview2/"


class BackendUnavailable(Exception):
    """No usable web view on this system; the message says what to install."""


def choose_gui() -> str:
    """The pywebview backend for this OS, or BackendUnavailable with install advice."""
    forced = os.environ.get("KITDESK_GUI", "").strip().lower()
    if forced:
        return forced
    if sys.platform == "win32":
        return _windows_gui()
    if sys.platform == "darwin":
        return "cocoa"
    if importlib.util.find_spec("PyQt6") and importlib.util.find_spec("qtpy"):
        os.environ.setdefault("QT_API", "pyqt6")
        return "qt"
    if importlib.util.find_spec("gi"):
        return "gtk"
    raise BackendUnavailable(
        "Kitdesk needs a web view to draw its window. Install the Qt one with "
        "`pip install 'kitdesk[qt]'`, or WebKitGTK from your distribution "
        "(Debian/Ubuntu: apt install python3-gi gir1.2-webkit2-4.1). "
        "`kitdesk serve` runs the app in your browser instead."
    )


def _windows_gui() -> str:
    try:
        from webview.platforms import winforms  # decides its renderer on import
    except Exception as exc:
        raise BackendUnavailable(
            f"Kitdesk could not load the Windows web view ({type(exc).__name__})."
        ) from exc
    if getattr(winforms, "renderer", None) != "edgechromium":
        raise BackendUnavailable(
            "Kitdesk needs the Microsoft Edge WebView2 Runtime, which is not installed on this "
            f"computer. Install the Evergreen runtime from {WEBVIEW2_URL} and start Kitdesk again."
        )
    return "edgechromium"


def show_native_error(message: str) -> None:
    """Tell the user without a web view: a message box on Windows, stderr elsewhere."""
    print(f"Kitdesk: {message}", file=sys.stderr)
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, message, TITLE, 0x10)  # type: ignore[attr-defined]
