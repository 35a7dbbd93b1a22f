"""The global hotkey on X11: XGrabKey on the root window through python-xlib.

A thread with its own display connection waits for the key. X refuses a grab
another client already holds (BadAccess); that becomes ``HotkeyTaken``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kitdesk.window.hotkey import Hotkey, HotkeyError, HotkeyTaken

log = logging.getLogger(__name__)

X_MODIFIERS = {"ctrl": "Control", "alt": "Mod1", "shift": "Shift", "super": "Mod4"}


def x_modifier_names(hotkey: Hotkey) -> tuple[str, ...]:
    """The X modifier names (Control, Mod1, Shift, Mod4) of a hotkey's modifiers."""
    return tuple(X_MODIFIERS[name] for name in hotkey.modifiers)


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
            raise HotkeyError("hotkey.unknown_key", name=hotkey.key)
        mask = 0
        for name in x_modifier_names(hotkey):
            mask |= getattr(X, f"{name}Mask")
        # The grab must also match with Caps Lock and Num Lock on.
        self._masks = [
            mask | extra for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)
        ]
        catcher = error.CatchError(error.BadAccess)
        for each in self._masks:
            self._root.grab_key(
                self._keycode, each, True, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher
            )
        self._display.sync()
        if catcher.get_error() is not None:
            self._ungrab()
            self._display.close()
            raise HotkeyTaken()
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
