"""The global hotkey on macOS: Carbon's ``RegisterEventHotKey`` through ctypes.

Carbon hot keys are still the documented way to get a system-wide shortcut
without the Accessibility permission that event taps need. The hot key is
registered with ``kEventHotKeyExclusive``: a combination another program
registered exclusively then fails with ``eventHotKeyExistsErr`` (-9878), which
becomes ``HotkeyTaken`` (a non-exclusive registration elsewhere cannot be seen;
both programs then get the key). Carbon delivers the press through an event
handler on the application's event target, dispatched by the main run loop
that pywebview's Cocoa backend runs; registering therefore happens on the main
thread (through PyObjC's ``AppHelper.callAfter`` once the loop runs).

The translation of a ``Hotkey`` into Carbon modifier bits and a ``kVK_*``
virtual key code is a pure function (``mac_codes``), tested on every OS.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from kitdesk.window.hotkey import Hotkey, HotkeyError, HotkeyTaken

log = logging.getLogger(__name__)

# Carbon modifier bits (Events.h)
CMD_KEY = 1 << 8
SHIFT_KEY = 1 << 9
OPTION_KEY = 1 << 11
CONTROL_KEY = 1 << 12
MODIFIER_BITS = {"ctrl": CONTROL_KEY, "alt": OPTION_KEY, "shift": SHIFT_KEY, "super": CMD_KEY}

# kVK_* virtual key codes (Events.h); letters, digits and punctuation are ANSI positions.
KEY_CODES = {
    **dict(
        zip("asdfhgzxcv", (0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09), strict=True)
    ),
    **dict(zip("bqwerytop", (0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x1F, 0x23), strict=True)),
    **dict(zip("uiljkmn", (0x20, 0x22, 0x25, 0x26, 0x28, 0x2E, 0x2D), strict=True)),
    **dict(
        zip("1234567890", (0x12, 0x13, 0x14, 0x15, 0x17, 0x16, 0x1A, 0x1C, 0x19, 0x1D), strict=True)
    ),
    "equal": 0x18,
    "minus": 0x1B,
    "bracketright": 0x1E,
    "bracketleft": 0x21,
    "apostrophe": 0x27,
    "semicolon": 0x29,
    "backslash": 0x2A,
    "comma": 0x2B,
    "slash": 0x2C,
    "period": 0x2F,
    "grave": 0x32,
    "Return": 0x24,
    "Tab": 0x30,
    "space": 0x31,
    "BackSpace": 0x33,  # kVK_Delete, the key above Return
    "Escape": 0x35,
    "Home": 0x73,
    "Prior": 0x74,  # kVK_PageUp
    "Delete": 0x75,  # kVK_ForwardDelete
    "End": 0x77,
    "Next": 0x79,  # kVK_PageDown
    "Left": 0x7B,
    "Right": 0x7C,
    "Down": 0x7D,
    "Up": 0x7E,
}
FUNCTION_KEYS = (0x7A, 0x78, 0x63, 0x76, 0x60, 0x61, 0x62, 0x64, 0x65, 0x6D)  # F1..F10
FUNCTION_KEYS += (0x67, 0x6F, 0x69, 0x6B, 0x71, 0x6A, 0x40, 0x4F, 0x50, 0x5A)  # F11..F20

K_EVENT_CLASS_KEYBOARD = int.from_bytes(b"keyb", "big")
K_EVENT_HOT_KEY_PRESSED = 5
K_EVENT_PARAM_DIRECT_OBJECT = int.from_bytes(b"----", "big")
TYPE_EVENT_HOT_KEY_ID = int.from_bytes(b"hkid", "big")
K_EVENT_HOT_KEY_EXCLUSIVE = 1 << 0
EVENT_HOT_KEY_EXISTS_ERR = -9878
EVENT_NOT_HANDLED_ERR = -9874
SIGNATURE = int.from_bytes(b"KDsk", "big")
CARBON = "/System/Library/Frameworks/Carbon.framework/Carbon"
MAIN_THREAD_TIMEOUT = 10.0


def mac_codes(hotkey: Hotkey) -> tuple[int, int]:
    """The Carbon modifier bits and ``kVK_*`` key code ``RegisterEventHotKey`` takes."""
    bits = 0
    for name in hotkey.modifiers:
        bits |= MODIFIER_BITS[name]
    return bits, mac_key_code(hotkey.key)


def mac_key_code(key: str) -> int:
    """A neutral key name's macOS virtual key code; HotkeyError for keys a Mac lacks."""
    if key in KEY_CODES:
        return KEY_CODES[key]
    if key.startswith("F") and key[1:].isdigit() and 1 <= int(key[1:]) <= len(FUNCTION_KEYS):
        return FUNCTION_KEYS[int(key[1:]) - 1]
    raise HotkeyError("hotkey.unknown_key", name=key)


class _EventHotKeyID(ctypes.Structure):
    _fields_ = [("signature", ctypes.c_uint32), ("id", ctypes.c_uint32)]


class _EventTypeSpec(ctypes.Structure):
    _fields_ = [("eventClass", ctypes.c_uint32), ("eventKind", ctypes.c_uint32)]


_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
_next_id = iter(range(1, 1 << 30))


@functools.cache
def _carbon() -> Any:
    carbon: Any = ctypes.cdll.LoadLibrary(CARBON)
    carbon.GetApplicationEventTarget.restype = ctypes.c_void_p
    carbon.GetEventDispatcherTarget.restype = ctypes.c_void_p
    carbon.InstallEventHandler.argtypes = [
        ctypes.c_void_p,
        _HANDLER,
        ctypes.c_ulong,  # ItemCount: unsigned long on 64-bit macOS
        ctypes.POINTER(_EventTypeSpec),
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_void_p),
    ]
    carbon.RegisterEventHotKey.argtypes = [
        ctypes.c_uint32,
        ctypes.c_uint32,
        _EventHotKeyID,
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.POINTER(ctypes.c_void_p),
    ]
    carbon.UnregisterEventHotKey.argtypes = [ctypes.c_void_p]
    carbon.RemoveEventHandler.argtypes = [ctypes.c_void_p]
    carbon.GetEventParameter.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_uint32,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    return carbon


def on_main_thread(work: Callable[[], None]) -> None:
    """Run ``work`` on the main thread (directly when already there) and wait for it."""
    if threading.current_thread() is threading.main_thread():
        work()
        return
    from PyObjCTools import AppHelper  # type: ignore[import-not-found]  # pyobjc, macOS only

    done = threading.Event()

    def run() -> None:
        try:
            work()
        finally:
            done.set()

    AppHelper.callAfter(run)
    if not done.wait(MAIN_THREAD_TIMEOUT):
        raise HotkeyError("hotkey.failed", code="main thread busy")


class MacHotkey:
    """Registers one key combination with Carbon and calls back on each press until ``stop``."""

    def __init__(self, hotkey: Hotkey, on_press: Callable[[], None], text: str = "") -> None:
        self.text = text
        self._on_press = on_press
        self._codes = mac_codes(hotkey)  # a key a Mac lacks is refused before any Carbon call
        self._id = next(_next_id)
        self._handler = _HANDLER(self._handle)  # referenced here so it outlives the callback
        self._handler_ref = ctypes.c_void_p()
        self._hotkey_ref = ctypes.c_void_p()
        status: list[int] = []
        on_main_thread(lambda: status.append(self._register()))
        if status and status[0] == EVENT_HOT_KEY_EXISTS_ERR:
            raise HotkeyTaken()
        if not status or status[0] != 0:
            raise HotkeyError("hotkey.failed", code=status[0] if status else "none")

    def _register(self) -> int:
        carbon = _carbon()
        spec = _EventTypeSpec(K_EVENT_CLASS_KEYBOARD, K_EVENT_HOT_KEY_PRESSED)
        status = carbon.InstallEventHandler(
            carbon.GetApplicationEventTarget(),
            self._handler,
            1,
            ctypes.byref(spec),
            None,
            ctypes.byref(self._handler_ref),
        )
        if status != 0:
            return int(status)
        modifiers, key_code = self._codes
        status = carbon.RegisterEventHotKey(
            key_code,
            modifiers,
            _EventHotKeyID(SIGNATURE, self._id),
            carbon.GetEventDispatcherTarget(),
            K_EVENT_HOT_KEY_EXCLUSIVE,
            ctypes.byref(self._hotkey_ref),
        )
        if status != 0:
            carbon.RemoveEventHandler(self._handler_ref)
        return int(status)

    def _handle(self, _call: Any, event: Any, _data: Any) -> int:
        pressed = _EventHotKeyID()
        carbon = _carbon()
        carbon.GetEventParameter(
            event,
            K_EVENT_PARAM_DIRECT_OBJECT,
            TYPE_EVENT_HOT_KEY_ID,
            None,
            ctypes.sizeof(pressed),
            None,
            ctypes.byref(pressed),
        )
        if pressed.signature != SIGNATURE or pressed.id != self._id:
            return EVENT_NOT_HANDLED_ERR
        try:
            self._on_press()
        except Exception:
            log.exception("the quick-ask hotkey handler failed")
        return 0

    def stop(self) -> None:
        def unregister() -> None:
            carbon = _carbon()
            carbon.UnregisterEventHotKey(self._hotkey_ref)
            carbon.RemoveEventHandler(self._handler_ref)

        try:
            on_main_thread(unregister)
        except Exception:
            log.exception("could not release the hotkey")
