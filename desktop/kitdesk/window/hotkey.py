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

The words are parsed here into a platform-neutral ``Hotkey``; each platform
module turns that into its own codes with pure functions (tested on any OS).
Errors carry a catalog key, so the reason reaches the person in their language
(``HotkeyError.sentence``); ``str(error)`` is the English sentence for logs.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kitdesk.i18n import DEFAULT_LANGUAGE, text

log = logging.getLogger(__name__)

# Neutral modifier names, in the order a hotkey keeps them.
MODIFIERS = ("ctrl", "alt", "shift", "super")
MODIFIER_ALIASES = {
    "ctrl": "ctrl",
    "control": "ctrl",
    "alt": "alt",
    "option": "alt",
    "opt": "alt",
    "shift": "shift",
    "super": "super",
    "meta": "super",
    "win": "super",
    "cmd": "super",
    "command": "super",
}
# Key names as X keysyms name them (the neutral names every platform module maps).
KEY_ALIASES = {
    "space": "space",
    "enter": "Return",
    "return": "Return",
    "tab": "Tab",
    "esc": "Escape",
    "escape": "Escape",
    "backspace": "BackSpace",
    "delete": "Delete",
    "del": "Delete",
    "insert": "Insert",
    "ins": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "Prior",
    "pgup": "Prior",
    "prior": "Prior",
    "pagedown": "Next",
    "pgdn": "Next",
    "next": "Next",
    "left": "Left",
    "right": "Right",
    "up": "Up",
    "down": "Down",
    ",": "comma",
    ".": "period",
    "-": "minus",
    "=": "equal",
    "/": "slash",
    ";": "semicolon",
    "'": "apostrophe",
    "[": "bracketleft",
    "]": "bracketright",
    "\\": "backslash",
    "`": "grave",
}


class HotkeyError(ValueError):
    """The hotkey cannot be used; ``sentence(language)`` says why, ``str()`` in English."""

    def __init__(self, catalog_key: str, /, **values: object) -> None:
        self.catalog_key = catalog_key
        self.values = values
        super().__init__(text(DEFAULT_LANGUAGE, catalog_key, **values))

    def sentence(self, language: str) -> str:
        return text(language, self.catalog_key, **self.values)


class HotkeyTaken(HotkeyError):
    """Another program already holds this key combination."""

    def __init__(self) -> None:
        super().__init__("hotkey.taken")


@dataclass(frozen=True)
class Hotkey:
    modifiers: tuple[str, ...]  # neutral names from MODIFIERS, in that order
    key: str  # an X keysym name: space, k, F5, Return, comma

    @classmethod
    def parse(cls, words: str) -> Hotkey:
        """'Ctrl+Alt+Space' -> Hotkey; HotkeyError with a sentence for anything else."""
        parts = [part.strip() for part in words.split("+") if part.strip()]
        if len(parts) < 2:
            raise HotkeyError("hotkey.not_combination", text=words)
        *mods, key = parts
        chosen: set[str] = set()
        for mod in mods:
            name = MODIFIER_ALIASES.get(mod.lower())
            if name is None:
                raise HotkeyError("hotkey.not_modifier", name=mod)
            chosen.add(name)
        return cls(tuple(m for m in MODIFIERS if m in chosen), key_name(key))


def key_name(key: str) -> str:
    """The neutral (X keysym) name of a key as a person writes it: 'Enter' -> 'Return'."""
    alias = KEY_ALIASES.get(key.lower())
    if alias is not None:
        return alias
    if len(key) == 1:
        return key.lower()
    if key[:1] in "fF" and key[1:].isdigit():
        return f"F{int(key[1:])}"
    return key  # any other X keysym name (XF86AudioPlay); the other platforms refuse it


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
