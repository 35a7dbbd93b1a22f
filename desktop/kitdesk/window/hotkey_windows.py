"""The global hotkey on Windows: user32 ``RegisterHotKey`` on a thread with a message loop.

A hotkey registered with no window belongs to the thread that registered it:
Windows posts ``WM_HOTKEY`` to that thread's message queue. So one thread
registers, reports success or the error, then waits in ``GetMessageW`` until
``stop`` posts ``WM_QUIT``, and unregisters on its way out. A combination
another program holds fails with ``ERROR_HOTKEY_ALREADY_REGISTERED`` (1409),
which becomes ``HotkeyTaken``.

The translation of a ``Hotkey`` into ``MOD_*`` flags and a virtual-key code is
a pure function (``windows_codes``), tested on every OS; the Win32 calls sit
behind ``Win32Api`` so the thread's logic is tested with a stand-in for user32.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from kitdesk.window.hotkey import Hotkey, HotkeyError, HotkeyTaken

log = logging.getLogger(__name__)

MOD_ALT = 0x0001
MOD_CONTROL = 0x0002
MOD_SHIFT = 0x0004
MOD_WIN = 0x0008
MOD_NOREPEAT = 0x4000  # holding the keys down fires once, not at the keyboard's repeat rate
WM_QUIT = 0x0012
WM_HOTKEY = 0x0312
PM_NOREMOVE = 0x0000
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
HOTKEY_ID = 0x4B44  # any id in 0x0000-0xBFFF; one hotkey per thread

MODIFIER_FLAGS = {"ctrl": MOD_CONTROL, "alt": MOD_ALT, "shift": MOD_SHIFT, "super": MOD_WIN}
NAMED_KEYS = {
    "space": 0x20,  # VK_SPACE
    "Return": 0x0D,
    "Tab": 0x09,
    "Escape": 0x1B,
    "BackSpace": 0x08,
    "Delete": 0x2E,
    "Insert": 0x2D,
    "Home": 0x24,
    "End": 0x23,
    "Prior": 0x21,  # Page Up
    "Next": 0x22,  # Page Down
    "Left": 0x25,
    "Up": 0x26,
    "Right": 0x27,
    "Down": 0x28,
    "semicolon": 0xBA,  # VK_OEM_1 (US layout)
    "equal": 0xBB,  # VK_OEM_PLUS
    "comma": 0xBC,  # VK_OEM_COMMA
    "minus": 0xBD,  # VK_OEM_MINUS
    "period": 0xBE,  # VK_OEM_PERIOD
    "slash": 0xBF,  # VK_OEM_2
    "grave": 0xC0,  # VK_OEM_3
    "bracketleft": 0xDB,  # VK_OEM_4
    "backslash": 0xDC,  # VK_OEM_5
    "bracketright": 0xDD,  # VK_OEM_6
    "apostrophe": 0xDE,  # VK_OEM_7
}
VK_F1 = 0x70  # F1..F24 are consecutive


def windows_codes(hotkey: Hotkey) -> tuple[int, int]:
    """The ``fsModifiers`` and virtual-key code ``RegisterHotKey`` takes for ``hotkey``."""
    flags = MOD_NOREPEAT
    for name in hotkey.modifiers:
        flags |= MODIFIER_FLAGS[name]
    return flags, virtual_key(hotkey.key)


def virtual_key(key: str) -> int:
    """A neutral key name's Windows virtual-key code; HotkeyError for keys Windows lacks."""
    if len(key) == 1 and (key.isascii() and (key.isalpha() or key.isdigit())):
        return ord(key.upper())  # 'A'..'Z' and '0'..'9' are their ASCII codes
    if key in NAMED_KEYS:
        return NAMED_KEYS[key]
    if key.startswith("F") and key[1:].isdigit() and 1 <= int(key[1:]) <= 24:
        return VK_F1 + int(key[1:]) - 1
    raise HotkeyError("hotkey.unknown_key", name=key)


class Win32Api(Protocol):
    """The four Win32 abilities the hotkey thread uses."""

    def current_thread_id(self) -> int: ...

    def register(self, hotkey_id: int, modifiers: int, vk: int) -> int:
        """RegisterHotKey for the calling thread: 0, or the Win32 error code."""
        ...

    def unregister(self, hotkey_id: int) -> None: ...

    def next_message(self) -> tuple[int, int] | None:
        """GetMessageW: (message, wParam), or None for WM_QUIT or an error."""
        ...

    def post_quit(self, thread_id: int) -> None: ...


class User32:
    """``Win32Api`` through ctypes (Windows only)."""

    def __init__(self) -> None:
        from ctypes import wintypes

        loader: Any = getattr(ctypes, "WinDLL")  # noqa: B009 - absent from ctypes off Windows
        self._user32: Any = loader("user32", use_last_error=True)
        self._kernel32: Any = loader("kernel32", use_last_error=True)
        self._msg_type: Any = wintypes.MSG
        self._get_last_error: Callable[[], int] = getattr(ctypes, "get_last_error")  # noqa: B009
        # Make sure the thread has a message queue before anyone posts to it.
        msg = self._msg_type()
        self._user32.PeekMessageW(ctypes.byref(msg), None, 0, 0, PM_NOREMOVE)

    def current_thread_id(self) -> int:
        return int(self._kernel32.GetCurrentThreadId())

    def register(self, hotkey_id: int, modifiers: int, vk: int) -> int:
        if self._user32.RegisterHotKey(None, hotkey_id, modifiers, vk):
            return 0
        return self._get_last_error() or 1

    def unregister(self, hotkey_id: int) -> None:
        self._user32.UnregisterHotKey(None, hotkey_id)

    def next_message(self) -> tuple[int, int] | None:
        msg = self._msg_type()
        got = self._user32.GetMessageW(ctypes.byref(msg), None, 0, 0)
        if got <= 0:  # 0: WM_QUIT; -1: an error
            return None
        return int(msg.message), int(msg.wParam)

    def post_quit(self, thread_id: int) -> None:
        self._user32.PostThreadMessageW(thread_id, WM_QUIT, 0, 0)


class WindowsHotkey:
    """Registers one key combination and calls back on each press until ``stop``."""

    def __init__(
        self,
        hotkey: Hotkey,
        on_press: Callable[[], None],
        text: str = "",
        api: Callable[[], Win32Api] = User32,
    ) -> None:
        self.text = text
        self._on_press = on_press
        self._codes = windows_codes(hotkey)  # a key Windows lacks is refused before any thread
        self._api_factory = api
        self._api: Win32Api | None = None
        self._ready = threading.Event()
        self._error = 0
        self._thread_id = 0
        self._thread = threading.Thread(target=self._run, name="kitdesk-hotkey", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error == ERROR_HOTKEY_ALREADY_REGISTERED:
            raise HotkeyTaken()
        if self._error:
            raise HotkeyError("hotkey.failed", code=self._error)

    def _run(self) -> None:
        api: Win32Api | None = None
        try:
            api = self._api_factory()
            self._thread_id = api.current_thread_id()
            self._error = api.register(HOTKEY_ID, *self._codes)
        except Exception:
            log.exception("RegisterHotKey could not be called")
            self._error = self._error or -1
        if not self._error:
            self._api = api
        self._ready.set()
        if self._error or api is None:
            return
        try:
            while (message := api.next_message()) is not None:
                if message == (WM_HOTKEY, HOTKEY_ID):
                    try:
                        self._on_press()
                    except Exception:
                        log.exception("the quick-ask hotkey handler failed")
        finally:
            api.unregister(HOTKEY_ID)

    def stop(self) -> None:
        api = self._api
        if self._error or api is None or not self._thread.is_alive():
            return
        try:
            api.post_quit(self._thread_id)  # PostThreadMessageW works from any thread
        except Exception:
            log.exception("could not stop the hotkey thread")
            return
        self._thread.join(timeout=5)
