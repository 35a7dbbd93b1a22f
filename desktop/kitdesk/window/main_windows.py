"""The app's main windows: the first one, and more from "New window", each on its own thread.

Each main window is its own pywebview window with its own private browser
profile, so each remembers its own open thread and a new one starts on a new
chat. Closing a window while another main window is open closes just that one;
closing the last one closes the app (or hides it to the tray, per the setting).
The tray, a second launch and "Continue in Kitdesk" act on the front window:
the first of the open ones. Extra windows are created once the GUI runs
(pywebview allows that from any thread other than the GUI's).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kitdesk.paths import Paths
from kitdesk.window.app_pages import AppPages
from kitdesk.window.backend import TITLE
from kitdesk.window.bridge import Bridge, exposed_functions
from kitdesk.window.csp_bridge import make_bridge_csp_safe
from kitdesk.window.geometry import DEFAULT_SIZE, MIN_SIZE, WindowGeometry
from kitdesk.window.native import bring_to_front, clipboard_setter
from kitdesk.window.shell import DesktopShell

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

CASCADE = 32  # each new window opens this far right and down from the front one


@dataclass
class MainWindow:
    window: webview.Window
    shell: DesktopShell


class MainWindows:
    """Creates the main windows and knows which are open."""

    def __init__(
        self,
        paths: Paths,
        gui: str,
        icon: Path,
        loading_html: str,
        set_hotkey: Callable[[str, str], str],
        tray_shown: Callable[[], bool],
        *,
        background: str = "#FFFFFF",
    ) -> None:
        self._paths = paths
        self._gui = gui
        self._icon = icon
        self._loading_html = loading_html
        self._background = background
        self._set_hotkey = set_hotkey
        self._tray_shown = tray_shown
        self._lock = threading.Lock()
        self._open: list[MainWindow] = []
        self._quitting = False
        self._pages: AppPages | None = None
        # Called when the last main window is about to close; False keeps it (hidden to the tray).
        self.on_last_closing: Callable[[MainWindow], bool] = lambda entry: True
        # Called with each window opened later, before it loads the app (the navigation watch).
        self.prepare_new: Callable[[webview.Window], None] = lambda window: None

    # ---------------------------------------------------------------- creating

    def create_first(self, geometry: WindowGeometry) -> MainWindow:
        """The window of the launch, created before ``webview.start()``."""
        import webview

        window = webview.create_window(
            TITLE,
            html=self._loading_html,
            width=geometry.width,
            height=geometry.height,
            x=geometry.x,
            y=geometry.y,
            min_size=MIN_SIZE,
            maximized=geometry.maximized,
            background_color=self._background,
            text_select=True,
        )
        assert window is not None
        return self._adopt(window)

    def set_pages(self, pages: AppPages) -> None:
        """Where new windows point, once the server answers."""
        self._pages = pages

    def open_new(self, thread_id: str | None = None) -> None:
        """A new main window on ``thread_id``, or on a new chat (from any thread but the GUI's)."""
        import webview

        pages = self._pages
        if pages is None or self._quitting:
            log.info("a new window was asked for before the app was ready")
            return
        front = self.front()
        x = y = None
        if front is not None and self._gui == "qt" and front.window.native is not None:
            x, y = front.window.x + CASCADE, front.window.y + CASCADE
        window = webview.create_window(
            TITLE,
            html=self._loading_html,
            width=DEFAULT_SIZE[0],
            height=DEFAULT_SIZE[1],
            x=x,
            y=y,
            min_size=MIN_SIZE,
            background_color=self._background,
            text_select=True,
        )
        assert window is not None
        self._adopt(window)
        self.prepare_new(window)
        window.load_url(pages.main() if thread_id is None else pages.thread(thread_id))
        log.info("new window opened (%d open)", len(self.open_windows()))

    def _adopt(self, window: webview.Window) -> MainWindow:
        shell = DesktopShell(window, self._gui, self._paths.settings_path, self._icon)
        shell.tray_shown = self._tray_shown
        bridge = Bridge(
            self._paths,
            window,
            clipboard_setter(window, self._gui),
            on_answer_finished=shell.answer_finished,
            set_hotkey=self._set_hotkey,
            new_window=self.open_new_in_background,
        )
        make_bridge_csp_safe(window)
        window.expose(*exposed_functions(bridge))
        entry = MainWindow(window, shell)
        with self._lock:
            self._open.append(entry)
        window.events.closing += lambda: self._on_closing(entry)
        window.events.closed += lambda: self._forget(entry)
        return entry

    def open_new_in_background(self, thread_id: str | None = None) -> None:
        threading.Thread(
            target=self.open_new, args=(thread_id,), name="kitdesk-new-window", daemon=True
        ).start()

    # ---------------------------------------------------------------- which is open

    def open_windows(self) -> list[MainWindow]:
        with self._lock:
            return list(self._open)

    def front(self) -> MainWindow | None:
        """The window the tray and a second launch act on: the first open one."""
        with self._lock:
            return self._open[0] if self._open else None

    def _forget(self, entry: MainWindow) -> None:
        with self._lock:
            if entry in self._open:
                self._open.remove(entry)
        entry.shell.close()

    def _on_closing(self, entry: MainWindow) -> bool:
        with self._lock:
            others = [each for each in self._open if each is not entry]
        if others and not self._quitting:
            log.info("window closing (%d other main windows stay open)", len(others))
            return True
        return self.on_last_closing(entry)

    # ---------------------------------------------------------------- acting on them

    def open_thread(self, thread_id: str) -> None:
        front = self.front()
        if front is not None:
            front.shell.open_thread(thread_id)

    def bring_front_forward(self) -> None:
        front = self.front()
        if front is not None:
            bring_to_front(front.window, self._gui)

    def quit(self) -> None:
        """Close every main window (the tray's Quit, SIGTERM, "Restart to update")."""
        self._quitting = True
        for entry in self.open_windows():
            entry.shell.quitting()
            entry.window.destroy()
