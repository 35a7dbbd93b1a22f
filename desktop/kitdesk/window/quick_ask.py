"""The quick-ask window: small, always on top, hidden until the hotkey (or the tray) calls it.

It is a second pywebview window in the same ``webview.start()``, created hidden
and showing the app with ``#quick`` (the web UI's compact composer and answer
view on the default model). Its page costs a renderer process of its own (about
60 MB), so it is created once the GUI runs only when a hotkey is set; otherwise
the first show (the tray, ``kitdesk --quick-ask``) creates it. Its page may call exactly two
functions: hide the window (Esc) and "Continue in Kitdesk", which opens the
thread in the main window and hides this one.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kitdesk.window.native import activate_qt_window, on_qt_main_thread
from kitdesk.window.shell import command_script

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

TITLE = "Kitdesk Quick Ask"
SIZE = (640, 460)
QUICK_EXPOSED = ("hide_quick_ask", "continue_in_kitdesk")
SHOW_WAIT = 60.0  # a show asked for while the GUI is still starting waits this long for the window
# The web UI takes commands once its chat is on screen (App.tsx: data-phase, the chat element).
APP_LISTENS = (
    "document.querySelector('.kd-app')?.dataset.phase === 'chat'"
    " && document.querySelector('openai-chatkit') !== null"
)


class QuickAskWindow:
    """Creates, shows and hides the quick-ask window; owns its two bridge functions.

    The window is created once the GUI runs (``prepare``), not listed before
    ``webview.start()``: pywebview gives windows listed up front only 10 seconds
    for the main window to appear, which a loaded machine can exceed, and the
    quick window would then never exist. A show asked for before the server
    answers waits; the first show creates the window if ``prepare`` did not.
    """

    def __init__(
        self,
        gui: str,
        open_in_main: Callable[[str], None],
        loading_html: str,
        *,
        background: str = "#FFFFFF",
    ) -> None:
        self._gui = gui
        self._open_in_main = open_in_main
        self._loading_html = loading_html
        self._background = background
        self._window: webview.Window | None = None
        self._recipe: tuple[Callable[[webview.Window], None], str] | None = None
        self._known = threading.Event()  # the recipe is known: the window can be created
        self._creating = threading.Lock()

    def prepare(
        self, prepare: Callable[[webview.Window], None], url: str, *, now: bool = False
    ) -> None:
        """Say how to create the window (``create``'s arguments); with ``now`` create it
        at once (from a thread other than the GUI's), else at its first show."""
        self._recipe = (prepare, url)
        self._known.set()
        if now:
            self._ensure_created()

    def _ensure_created(self) -> webview.Window | None:
        with self._creating:
            if self._window is None and self._recipe is not None:
                self.create(*self._recipe)
                self._wait_until_the_app_listens(self._window)
            return self._window

    def _wait_until_the_app_listens(self, window: webview.Window | None) -> None:
        """A command sent before the web UI shows its chat is lost (App.tsx handles
        commands in the chat phase): after creating the window, wait for that."""
        deadline = time.monotonic() + SHOW_WAIT
        while window is not None and time.monotonic() < deadline:
            with contextlib.suppress(Exception):  # the page may be between loads
                if window.evaluate_js(APP_LISTENS) is True:
                    return
            time.sleep(0.05)
        log.warning("the quick-ask page did not start in time")

    def create(self, prepare: Callable[[webview.Window], None], url: str) -> None:
        """Create the hidden window (from a thread other than the GUI's), let ``prepare``
        set up its bridge before the app loads, and load ``url``."""
        import webview

        window = webview.create_window(
            TITLE,
            html=self._loading_html,
            width=SIZE[0],
            height=SIZE[1],
            on_top=True,
            hidden=True,
            resizable=True,
            background_color=self._background,
            text_select=True,
        )
        assert window is not None
        prepare(window)
        window.expose(*self.exposed())
        window.load_url(url)
        self._window = window

    @property
    def window(self) -> webview.Window | None:
        return self._window

    def exposed(self) -> list[Callable[..., object]]:
        return [self.hide_quick_ask, self.continue_in_kitdesk]

    def destroy(self) -> None:
        if self._window is not None:
            self._window.destroy()

    def show(self) -> None:
        """Show it in front with the composer focused on a fresh question.

        The fresh question is handed to the page before the window appears, so the
        previous answer never flashes up and nothing typed into the shown window can
        be wiped by a late reset. The page announces when the show can take typing
        (``<html data-quick-ready="N">``, web UI ``desktop.ts``).
        """
        window = self._ensure_created() if self._known.wait(SHOW_WAIT) else None
        if window is None:
            log.warning("quick ask was asked for before its window could be created")
            return
        window.run_js(command_script({"action": "newChat"}))  # returns once it ran
        window.show()
        if self._gui == "qt":
            on_qt_main_thread(window, lambda: activate_qt_window(window.native))

    def hide_quick_ask(self) -> bool:
        """Hide the window (the page's Esc)."""
        window = self._window
        if window is not None:
            threading.Thread(target=window.hide, name="kitdesk-quick-hide", daemon=True).start()
        return True

    def continue_in_kitdesk(self, thread_id: str) -> bool:
        """Open ``thread_id`` in the main window and hide this one."""
        if not isinstance(thread_id, str) or not thread_id or len(thread_id) > 200:
            raise ValueError("the thread id is not valid")
        self.hide_quick_ask()
        self._open_in_main(thread_id)
        return True
