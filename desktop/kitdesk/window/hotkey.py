"""The global quick-ask hotkey: a key combination that works while another program has focus.

One interface over three platform APIs, each in its own module:
X11 grabs the key on the root window (hotkey_x11.py), Windows registers it with
``RegisterHotKey`` on a message-loop thread (hotkey_windows.py), macOS with
Carbon's ``RegisterEventHotKey`` (hotkey_macos.py). Each refuses a combination
another program holds with ``HotkeyTaken``. Wayland lets no application grab
keys (under XWayland an X grab only sees keys typed into other X windows, so a
Wayland session is refused even with a DISPLAY): there the person binds
``kitdesk --quick-ask`` in the desktop's own keyboard-shortcut settings, and the
single-instance channel forwards it to the running app.

The words are parsed into a platform-neutral ``Hotkey`` (hotkey_words.py); each
platform module turns that into its own codes with pure functions (tested on
any OS).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from kitdesk.i18n import DEFAULT_LANGUAGE
from kitdesk.window.hotkey_words import Hotkey, HotkeyError, HotkeyTaken

# The hotkey's words and errors are part of this module's interface.
__all__ = [
    "GrabbedHotkey",
    "Hotkey",
    "HotkeyError",
    "HotkeyTaken",
    "QuickAskHotkey",
    "global_hotkeys_supported",
    "grab_hotkey",
]

log = logging.getLogger(__name__)


class GrabbedHotkey(Protocol):
    """A hotkey a platform module holds until ``stop``; ``text`` is the words it came from."""

    text: str

    def stop(self) -> None: ...


def global_hotkeys_supported(platform: str = sys.platform) -> str | None:
    """None when this session can grab keys; otherwise the catalog key of the reason."""
    if platform in ("win32", "darwin"):
        return None
    if os.environ.get("WAYLAND_DISPLAY"):
        # Also with XWayland's DISPLAY: an X grab there only sees keys typed into X windows.
        return "hotkey.wayland"
    if not os.environ.get("DISPLAY"):
        return "hotkey.no_display"
    return None


def grab_hotkey(words: str, on_press: Callable[[], None]) -> GrabbedHotkey:
    """Start listening for ``words`` ('Ctrl+Alt+Space'); HotkeyError says why it cannot."""
    hotkey = Hotkey.parse(words)  # words that are no shortcut are wrong everywhere
    reason = global_hotkeys_supported()
    if reason is not None:
        raise HotkeyError(reason)
    if sys.platform == "win32":
        from kitdesk.window.hotkey_windows import WindowsHotkey

        return WindowsHotkey(hotkey, on_press, words)
    if sys.platform == "darwin":
        from kitdesk.window.hotkey_macos import MacHotkey

        return MacHotkey(hotkey, on_press, words)
    from kitdesk.window.hotkey_x11 import X11Hotkey

    return X11Hotkey(hotkey, on_press, words)


class QuickAskHotkey:
    """The one quick-ask hotkey of the running app: set from the settings and from Settings."""

    def __init__(self, on_press: Callable[[], None]) -> None:
        self._on_press = on_press
        self._lock = threading.Lock()
        self._grab: GrabbedHotkey | None = None

    def set(self, words: str, language: str = DEFAULT_LANGUAGE) -> str:
        """Listen for ``words`` instead of the current hotkey ('' turns it off).

        Returns '' when it works, else the reason in ``language``; on failure the
        previous hotkey stays in place.
        """
        words = words.strip()
        with self._lock:
            if not words:
                self._release()
                return ""
            previous = self._grab
            self._release()
            try:
                self._grab = grab_hotkey(words, self._on_press)
            except HotkeyError as exc:
                self._grab = previous and _regrab(previous, self._on_press)
                return exc.sentence(language)
            return ""

    def _release(self) -> None:
        if self._grab is not None:
            self._grab.stop()
            self._grab = None

    def stop(self) -> None:
        with self._lock:
            self._release()


def _regrab(previous: GrabbedHotkey, on_press: Callable[[], None]) -> GrabbedHotkey | None:
    try:
        return grab_hotkey(previous.text, on_press)
    except HotkeyError:
        return None
