"""Things done through the backend's own toolkit: bring the window forward, set the clipboard.

Qt objects may only be touched on the GUI thread; ``on_qt_main_thread`` gets a
callable there from any thread.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kitdesk.window.single_instance import REPLY_TIMEOUT

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

# How long a "come forward" request waits for the GUI thread; well inside the
# time the asking launch waits for the answer.
RAISE_WAIT = REPLY_TIMEOUT / 2


def on_qt_main_thread(window: webview.Window, func: Callable[[], None]) -> None:
    # pywebview's Qt window has a signal that runs a callable on the GUI thread.
    window.native.create_window_trigger.emit(func)  # type: ignore[union-attr]


def activate_qt_window(native: Any) -> None:
    """Raise a shown Qt window and give it the keyboard (on the GUI thread).

    Qt can be left believing a hidden window still has the keyboard: hide the
    focused window and its focus-out may never reset Qt's focus window (seen
    under Xvfb about one time in three: Esc hid the quick-ask window,
    ``kitdesk --quick-ask`` showed it again). The window system then gives the
    focus back, Qt sees no change and never activates the window's widgets: the
    page does not get the focus and typing goes nowhere. So when Qt's focus
    window is already this one but its widgets are not active, they are
    activated here directly.
    """
    from qtpy.QtGui import QGuiApplication
    from qtpy.QtWidgets import QApplication

    native.raise_()
    native.activateWindow()
    handle = native.windowHandle()
    if handle is not None and QGuiApplication.focusWindow() == handle:
        if not native.isActiveWindow():
            log.info("Qt's focus was stale on %r; activating it again", native.windowTitle())
            QApplication.setActiveWindow(native)


def bring_to_front(window: webview.Window, gui: str) -> None:
    """Raise, un-minimize and focus the window (called when a second launch asks).

    With Qt this returns once the window system has the raise (or after
    RAISE_WAIT if the GUI thread is busy), so the "ok" the second launch gets
    back means the window is in front, not merely that a raise is queued.
    """
    if gui == "qt":
        from qtpy.QtCore import Qt
        from qtpy.QtGui import QGuiApplication

        raised = threading.Event()

        def raise_qt() -> None:
            try:
                native: Any = window.native
                state = native.windowState() & ~Qt.WindowState.WindowMinimized
                native.setWindowState(state | Qt.WindowState.WindowActive)
                native.show()
                activate_qt_window(native)
                QGuiApplication.sync()  # flush to the window system and wait until it took it
            finally:
                raised.set()

        on_qt_main_thread(window, raise_qt)
        if not raised.wait(RAISE_WAIT):
            log.warning("the window was asked to come forward; the GUI has not done it yet")
        return
    window.show()
    window.restore()
    if sys.platform == "win32":  # Windows refuses focus theft; a brief on-top flip gets it
        window.on_top = True
        window.on_top = False


def clipboard_setter(window: webview.Window, gui: str) -> Callable[[str], None]:
    """A function that puts text on the clipboard through the backend's own toolkit."""

    def qt_set(text: str) -> None:
        from qtpy.QtWidgets import QApplication

        on_qt_main_thread(window, lambda: QApplication.clipboard().setText(text))  # type: ignore[union-attr]

    def gtk_set(text: str) -> None:
        from gi.repository import Gdk, GLib, Gtk  # type: ignore[import-not-found]

        def apply() -> bool:
            Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD).set_text(text, -1)
            return False

        GLib.idle_add(apply)

    def cocoa_set(text: str) -> None:
        import AppKit  # type: ignore[import-not-found]

        board = AppKit.NSPasteboard.generalPasteboard()
        board.clearContents()
        board.setString_forType_(text, AppKit.NSPasteboardTypeString)

    def windows_set(text: str) -> None:
        # The .NET clipboard needs a single-threaded-apartment thread.
        from System.Threading import (  # type: ignore[import-not-found]
            ApartmentState,
            Thread,
            ThreadStart,
        )
        from System.Windows.Forms import Clipboard  # type: ignore[import-not-found]

        worker = Thread(ThreadStart(lambda: Clipboard.SetText(text)))
        worker.SetApartmentState(ApartmentState.STA)
        worker.Start()
        worker.Join()

    return {"qt": qt_set, "gtk": gtk_set, "cocoa": cocoa_set}.get(gui, windows_set)
