"""The quick-ask window: small, always on top, hidden until the hotkey (or the tray) calls it.

It is a second pywebview window in the same ``webview.start()``, created hidden
before the GUI starts and showing the app with ``#quick`` (the web UI's compact
composer and answer view on the default model). Its page may call exactly two
functions: hide the window (Esc) and "Continue in Kitdesk", which opens the
thread in the main window and hides this one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kitdesk.window.native import on_qt_main_thread

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

TITLE = "Kitdesk Quick Ask"
SIZE = (640, 460)
QUICK_EXPOSED = ("hide_quick_ask", "continue_in_kitdesk")


class QuickAskWindow:
    """Creates, shows and hides the quick-ask window; owns its two bridge functions."""

    def __init__(self, gui: str, open_in_main: Callable[[str], None], loading_html: str) -> None:
        import webview

        self._gui = gui
        self._open_in_main = open_in_main
        window = webview.create_window(
            TITLE,
            html=loading_html,
            width=SIZE[0],
            height=SIZE[1],
            on_top=True,
            hidden=True,
            resizable=True,
            background_color="#FFFFFF",
            text_select=True,
        )
        assert window is not None
        self.window: webview.Window = window
        self._shown = threading.Event()

    def exposed(self) -> list[Callable[..., object]]:
        return [self.hide_quick_ask, self.continue_in_kitdesk]

    def load(self, app_url: str) -> None:
        self.window.load_url(f"{app_url}#quick")

    def show(self) -> None:
        """Show it in front with the composer focused on a fresh question."""
        self._shown.set()
        self.window.show()
        if self._gui == "qt":

            def activate() -> None:
                native: Any = self.window.native
                native.raise_()
                native.activateWindow()

            on_qt_main_thread(self.window, activate)
        self.window.run_js(
            "window.dispatchEvent(new CustomEvent('kitdesk:command', "
            "{detail: {action: 'newChat'}}))"
        )

    def hide_quick_ask(self) -> bool:
        """Hide the window (the page's Esc)."""
        self._shown.clear()
        threading.Thread(target=self.window.hide, name="kitdesk-quick-hide", daemon=True).start()
        return True

    def continue_in_kitdesk(self, thread_id: str) -> bool:
        """Open ``thread_id`` in the main window and hide this one."""
        if not isinstance(thread_id, str) or not thread_id or len(thread_id) > 200:
            raise ValueError("the thread id is not valid")
        self.hide_quick_ask()
        self._open_in_main(thread_id)
        return True
