"""The global quick-ask hotkey: a key combination that works while another program has focus.

X11: XGrabKey on the root window through python-xlib, in a thread with its own
display connection. X refuses a grab another client already holds (BadAccess);
that becomes ``HotkeyTaken``, a sentence for the person. Windows would use
RegisterHotKey and macOS a Carbon/AppKit event tap (neither is built or tested
here yet). Wayland lets no application grab keys: there the person binds
``kitdesk --quick-ask`` in the desktop's own keyboard-shortcut settings, and the
single-instance channel forwards it to the running app.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MODIFIER_NAMES = {
    "ctrl": "Control",
    "control": "Control",
    "alt": "Mod1",
    "shift": "Shift",
    "super": "Mod4",
    "meta": "Mod4",
}
KEY_ALIASES = {"space": "space", "enter": "Return", "return": "Return", "tab": "Tab"}


class HotkeyError(ValueError):
    """The hotkey cannot be used; the message says why in a sentence."""


class HotkeyTaken(HotkeyError):
    """Another program already holds this key combination."""


@dataclass(frozen=True)
class Hotkey:
    modifiers: tuple[str, ...]  # X modifier names: Control, Mod1, Shift, Mod4
    key: str  # an X keysym name: space, k, F5

    @classmethod
    def parse(cls, text: str) -> Hotkey:
        """'Ctrl+Alt+Space' -> Hotkey; HotkeyError with a sentence for anything else."""
        parts = [part.strip() for part in text.split("+") if part.strip()]
        if len(parts) < 2:
            raise HotkeyError(
                f"“{text}” is not a key combination: use modifiers and a key, like Ctrl+Alt+Space."
            )
        *mods, key = parts
        modifiers: list[str] = []
        for mod in mods:
            name = MODIFIER_NAMES.get(mod.lower())
            if name is None:
                raise HotkeyError(f"“{mod}” is not a modifier key (use Ctrl, Alt, Shift or Super).")
            if name not in modifiers:
                modifiers.append(name)
        keysym = KEY_ALIASES.get(key.lower(), key if len(key) > 1 else key.lower())
        return cls(tuple(modifiers), keysym)


def global_hotkeys_supported() -> str | None:
    """None when this session can grab keys; otherwise the reason (a sentence)."""
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return (
            "Wayland does not let apps set global shortcuts. Bind `kitdesk --quick-ask` "
            "in your desktop's keyboard shortcut settings instead."
        )
    if not os.environ.get("DISPLAY"):
        return "There is no X display to listen for a global shortcut on."
    return None


class X11Hotkey:
    """Grabs one key combination on the X root window and calls back on each press."""

    def __init__(self, hotkey: Hotkey, on_press: Callable[[], None], text: str = "") -> None:
        from Xlib import XK, X, display, error

        self.text = text
        self._on_press = on_press
        self._display: Any = display.Display()
        self._root = self._display.screen().root
        keysym = XK.string_to_keysym(hotkey.key)
        self._keycode = self._display.keysym_to_keycode(keysym) if keysym else 0
        if not self._keycode:
            self._display.close()
            raise HotkeyError(f"“{hotkey.key}” is not a key this keyboard has.")
        mask = 0
        for name in hotkey.modifiers:
            mask |= getattr(X, f"{name}Mask")
        # The grab must also match with Caps Lock and Num Lock on.
        self._masks = [
            mask | extra for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)
        ]
        refused: list[Any] = []
        catcher = error.CatchError(error.BadAccess)
        for each in self._masks:
            self._root.grab_key(
                self._keycode, each, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher
            )
        self._display.sync()
        if catcher.get_error() is not None:
            refused.append(catcher.get_error())
        if refused:
            self._ungrab()
            self._display.close()
            raise HotkeyTaken("Another program already uses this shortcut. Choose another one.")
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="kitdesk-hotkey", daemon=True)
        self._thread.start()

    def _ungrab(self) -> None:
        for each in self._masks:
            self._root.ungrab_key(self._keycode, each)
        self._display.sync()

    def _listen(self) -> None:
        from Xlib import X

        while not self._stopped.is_set():
            try:
                event = self._display.next_event()
            except Exception:
                return
            if event.type == X.KeyPress and event.detail == self._keycode:
                try:
                    self._on_press()
                except Exception:
                    log.exception("the quick-ask hotkey handler failed")

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._ungrab()
            self._display.close()
        except Exception:
            log.debug("hotkey display already closed", exc_info=True)


def grab_hotkey(text: str, on_press: Callable[[], None]) -> X11Hotkey:
    """Start listening for ``text`` ('Ctrl+Alt+Space'); HotkeyError says why it cannot."""
    reason = global_hotkeys_supported()
    if reason is not None:
        raise HotkeyError(reason)
    return X11Hotkey(Hotkey.parse(text), on_press, text)


class QuickAskHotkey:
    """The one quick-ask hotkey of the running app: set from the settings and from Settings."""

    def __init__(self, on_press: Callable[[], None]) -> None:
        self._on_press = on_press
        self._lock = threading.Lock()
        self._grab: X11Hotkey | None = None

    def set(self, text: str) -> str:
        """Listen for ``text`` instead of the current hotkey ('' turns it off).

        Returns '' when it works, else the reason (a sentence); on failure the
        previous hotkey stays in place.
        """
        text = text.strip()
        with self._lock:
            if not text:
                self._release()
                return ""
            previous = self._grab
            self._release()
            try:
                self._grab = grab_hotkey(text, self._on_press)
            except HotkeyError as exc:
                self._grab = previous and _regrab(previous, self._on_press)
                return str(exc)
            return ""

    def _release(self) -> None:
        if self._grab is not None:
            self._grab.stop()
            self._grab = None

    def stop(self) -> None:
        with self._lock:
            self._release()


def _regrab(previous: X11Hotkey, on_press: Callable[[], None]) -> X11Hotkey | None:
    try:
        return grab_hotkey(previous.text, on_press)
    except HotkeyError:
        return None
