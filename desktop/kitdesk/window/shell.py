"""How a main window lives on the desktop: close to tray, focus, and answer notifications.

The tray (tray.py) and the notifications talk to the web UI with one kind of message: a
``kitdesk:command`` DOM event (``{"action": "newChat"}`` or
``{"action": "openThread", "threadId": ...}``), dispatched with ``run_js`` so
it works under the app's CSP. Tray handlers run on the Qt GUI thread, where
pywebview calls that wait for that same thread would deadlock, so every
command runs in a short worker thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kitdesk.window.desktop_settings import current_settings
from kitdesk.window.native import bring_to_front
from kitdesk.window.notify import DesktopNotifier

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

COMMAND_EVENT = "kitdesk:command"


def command_script(detail: dict[str, str]) -> str:
    """The script that hands the web UI one command (JSON-encoded, so no value can break out)."""
    payload = json.dumps(detail)
    return (
        f"window.dispatchEvent(new CustomEvent({json.dumps(COMMAND_EVENT)}, {{detail: {payload}}}))"
    )


class DesktopShell:
    """Close-to-tray, focus and notifications for one main window."""

    def __init__(
        self,
        window: webview.Window,
        gui: str,
        settings_path: Path,
        icon: Path,
        notifier: DesktopNotifier | None = None,
    ) -> None:
        self._window = window
        self._gui = gui
        self._settings_path = settings_path
        self._icon = icon
        self._quitting = False
        self._hidden = False
        self._notifier = notifier or DesktopNotifier(self.open_thread, icon=str(icon))
        # Whether the app's tray icon is on screen (the tray belongs to the app: main_windows.py).
        self.tray_shown: Callable[[], bool] = lambda: False

    # ---------------------------------------------------------------- commands

    def send(self, detail: dict[str, str]) -> None:
        self._window.run_js(command_script(detail))

    def show(self) -> None:
        self._hidden = False
        bring_to_front(self._window, self._gui)

    def new_chat(self) -> None:
        self.show()
        self.send({"action": "newChat"})

    def open_thread(self, thread_id: str) -> None:
        self.show()
        self.send({"action": "openThread", "threadId": thread_id})

    def toggle(self) -> None:
        if self._hidden or not self.focused():
            self.show()
        else:
            self._hidden = True
            self._window.hide()

    def quitting(self) -> None:
        """The app is quitting: the next close really closes, whatever close to tray says."""
        self._quitting = True

    # ---------------------------------------------------------------- close and focus

    def on_closing(self) -> bool:
        """pywebview's closing handler: False keeps the window, hidden, when closing to the tray."""
        if self._quitting or not current_settings(self._settings_path).close_to_tray:
            return True
        if not self.tray_shown():
            log.info("close to tray is on but there is no tray; closing")
            return True
        self._hidden = True
        threading.Thread(target=self._window.hide, name="kitdesk-hide", daemon=True).start()
        return False

    def focused(self) -> bool:
        """Whether the window has the keyboard focus (unknown counts as not focused)."""
        if self._hidden:
            return False
        native: Any = self._window.native
        if self._gui == "qt" and native is not None:
            return bool(native.isActiveWindow())
        return False

    def answer_finished(self, thread_id: str, title: str, body: str) -> None:
        """Notify about a finished answer unless the person is looking at the window."""
        if self.focused():
            return
        if not current_settings(self._settings_path).notify_when_done:
            return
        self._notifier.notify(thread_id, title, body)

    def close(self) -> None:
        self._notifier.close()
