"""A private Xvfb display and the few Xlib calls the window tests need (through ctypes).

With no window manager under Xvfb, "close the window" means what a window
manager would do on a click of the close button: send the window the
``WM_DELETE_WINDOW`` client message. Stacking order comes from ``XQueryTree``
(children are listed bottom to top).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_Window = ctypes.c_ulong
_CLIENT_MESSAGE = 33
_NO_EVENT_MASK = 0


class _ClientMessageData(ctypes.Union):
    _fields_ = [("l", ctypes.c_long * 5)]


class _XClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", _Window),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", _ClientMessageData),
    ]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _XClientMessageEvent), ("pad", ctypes.c_long * 24)]


# Windows come and go while we walk the tree (Qt creates and drops helper windows);
# Xlib's default handler would exit the process on the resulting BadWindow, so
# errors are ignored: the call that hit one just finds nothing.
_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_ignore_errors = _ERROR_HANDLER(lambda display, event: 0)
_loaded: ctypes.CDLL | None = None


def _xlib() -> ctypes.CDLL:
    global _loaded
    if _loaded is not None:
        return _loaded
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    lib = ctypes.CDLL(name)
    lib.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
    lib.XSetErrorHandler.restype = ctypes.c_void_p
    lib.XSetErrorHandler(_ignore_errors)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XDefaultRootWindow.restype = _Window
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XQueryTree.argtypes = [
        ctypes.c_void_p,
        _Window,
        ctypes.POINTER(_Window),
        ctypes.POINTER(_Window),
        ctypes.POINTER(ctypes.POINTER(_Window)),
        ctypes.POINTER(ctypes.c_uint),
    ]
    lib.XFetchName.argtypes = [ctypes.c_void_p, _Window, ctypes.POINTER(ctypes.c_char_p)]
    lib.XFree.argtypes = [ctypes.c_void_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XSendEvent.argtypes = [
        ctypes.c_void_p,
        _Window,
        ctypes.c_int,
        ctypes.c_long,
        ctypes.POINTER(_XEvent),
    ]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XRaiseWindow.argtypes = [ctypes.c_void_p, _Window]
    lib.XMoveResizeWindow.argtypes = [
        ctypes.c_void_p,
        _Window,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
    ]
    lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    _loaded = lib
    return lib


@dataclass(frozen=True)
class TopLevel:
    window: int
    name: str


class Display:
    """An Xlib connection to one display (open it per use; Xlib is not thread-safe)."""

    def __init__(self, display: str) -> None:
        self._lib = _xlib()
        handle = self._lib.XOpenDisplay(display.encode())
        if not handle:
            raise RuntimeError(f"cannot open X display {display}")
        self._dpy = handle

    def close(self) -> None:
        self._lib.XCloseDisplay(self._dpy)

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _children(self, window: int) -> list[int]:
        root, parent = _Window(), _Window()
        children = ctypes.POINTER(_Window)()
        count = ctypes.c_uint()
        if not self._lib.XQueryTree(
            self._dpy,
            window,
            ctypes.byref(root),
            ctypes.byref(parent),
            ctypes.byref(children),
            ctypes.byref(count),
        ):
            return []
        found = [children[i] for i in range(count.value)]
        if children:
            self._lib.XFree(children)
        return found

    def _name(self, window: int) -> str:
        name = ctypes.c_char_p()
        if self._lib.XFetchName(self._dpy, window, ctypes.byref(name)) and name.value is not None:
            text = name.value.decode("utf-8", "replace")
            self._lib.XFree(name)
            return text
        return ""

    def children(self, window: int | None = None) -> list[int]:
        """Child windows of ``window`` (the root by default), bottom of the stack first."""
        return self._children(window or self._lib.XDefaultRootWindow(self._dpy))

    def descendants(self, window: int) -> list[int]:
        """Every window inside ``window``, at any depth (e.g. icons docked in a tray)."""
        found: list[int] = []
        for child in self._children(window):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def top_levels(self) -> list[TopLevel]:
        """Named children of the root window, bottom of the stack first."""
        root = self._lib.XDefaultRootWindow(self._dpy)
        named = [TopLevel(w, self._name(w)) for w in self._children(root)]
        return [t for t in named if t.name]

    def find(self, name: str) -> list[TopLevel]:
        return [t for t in self.top_levels() if t.name == name]

    def request_close(self, window: int) -> None:
        """What a window manager does for the close button: a WM_DELETE_WINDOW message."""
        protocols = self._lib.XInternAtom(self._dpy, b"WM_PROTOCOLS", 0)
        delete = self._lib.XInternAtom(self._dpy, b"WM_DELETE_WINDOW", 0)
        event = _XEvent()
        event.xclient.type = _CLIENT_MESSAGE
        event.xclient.window = window
        event.xclient.message_type = protocols
        event.xclient.format = 32
        event.xclient.data.l[0] = delete
        event.xclient.data.l[1] = 0  # CurrentTime
        self._lib.XSendEvent(self._dpy, window, 0, _NO_EVENT_MASK, ctypes.byref(event))
        self._lib.XFlush(self._dpy)

    def move_resize(self, window: int, x: int, y: int, width: int, height: int) -> None:
        """What a user dragging the window's edges does (there is no window manager to ask)."""
        self._lib.XMoveResizeWindow(self._dpy, window, x, y, width, height)
        self._lib.XSync(self._dpy, 0)

    def stacking(self) -> list[str]:
        """Names of the top-level windows, bottom first."""
        return [t.name for t in self.top_levels()]


def wait_for_no_window(display: str, name: str, timeout: float = 10.0) -> None:
    """Until no top-level window named ``name`` is left (a closed app's may linger a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        with Display(display) as dpy:
            if not dpy.find(name):
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"a window named {name!r} is still on {display}")
        time.sleep(0.1)


def wait_for_window(display: str, name: str, timeout: float = 30.0) -> TopLevel:
    deadline = time.monotonic() + timeout
    while True:
        with Display(display) as dpy:
            found = dpy.find(name)
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no window named {name!r} appeared on {display}")
        time.sleep(0.1)


@contextlib.contextmanager
def xvfb(width: int = 1280, height: int = 800) -> Iterator[str]:
    """Start Xvfb on a free display number (it picks one and tells us); yield ":N"."""
    xvfb_bin = shutil.which("Xvfb")
    if xvfb_bin is None:
        raise RuntimeError("Xvfb is not installed")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            xvfb_bin,
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            # Without it the server resets when its last client leaves, and a window
            # launched during the reset (seconds on a loaded machine) gets "could not
            # connect to display" and never appears.
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as reader:
            number = reader.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not report a display number")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def screenshot(display: str, target: Path) -> Path:
    """The whole screen as PNG, through ImageMagick's ``import``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "shot.png"
        subprocess.run(
            ["import", "-display", display, "-window", "root", str(raw)],
            check=True,
            capture_output=True,
            timeout=30,
        )
        shutil.move(raw, target)
    return target
