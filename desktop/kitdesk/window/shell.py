"""How the window lives on the desktop: tray icon, close to tray, and answer notifications.

The tray and the notifications talk to the web UI with one kind of message: a
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
from kitdesk.window.native import bring_to_front, on_qt_main_thread
from kitdesk.window.notify import DesktopNotifier

if TYPE_CHECKING:
    import webview

    from kitdesk.window.tray import QtTray

log = logging.getLogger(__name__)

COMMAND_EVENT = "kitdesk:command"


def command_script(detail: dict[str, str]) -> str:
    """The script that hands the web UI one command (JSON-encoded, so no value can break out)."""
    payload = json.dumps(detail)
    return (
        f"window.dispatchEvent(new CustomEvent({json.dumps(COMMAND_EVENT)}, {{detail: {payload}}}))"
    )


class DesktopShell:
    """Tray, close-to-tray and notifications for one main window."""

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
        self._tray: QtTray | None = None
        self._quitting = False
        self._hidden = False
        self._notifier = notifier or DesktopNotifier(self.open_thread, icon=str(icon))
        self.quick_ask: Callable[[], None] | None = None

    # ---------------------------------------------------------------- tray

    def install_tray(self) -> None:
        """Show the tray icon (Qt only); call once the GUI runs, from any thread."""
        if self._gui != "qt":
            return

        def create() -> None:
            from kitdesk.window.tray import QtTray, TrayCommands

            quick_ask = (lambda: _background(self._quick_ask)) if self.quick_ask else None
            try:
                self._tray = QtTray(
                    self._icon,
                    TrayCommands(
                        new_chat=lambda: _background(self.new_chat),
                        quick_ask=quick_ask,
                        toggle=lambda: _background(self.toggle),
                        quit=lambda: _background(self.quit),
                    ),
                )
            except Exception:
                log.exception("no tray icon")

        on_qt_main_thread(self._window, create)

    def _quick_ask(self) -> None:
        if self.quick_ask is not None:
            self.quick_ask()

    @property
    def tray_shown(self) -> bool:
        return self._tray is not None and self._tray.visible

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

    def quit(self) -> None:
        self._quitting = True
        self._window.destroy()

    # ---------------------------------------------------------------- close and focus

    def on_closing(self) -> bool:
        """pywebview's closing handler: False keeps the window, hidden, when closing to the tray."""
        if self._quitting or not current_settings(self._settings_path).close_to_tray:
            return True
        if not self.tray_shown:
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


def _background(func: Callable[[], None]) -> None:
    def run() -> None:
        try:
            func()
        except Exception:
            log.exception("a desktop command failed")

    threading.Thread(target=run, name="kitdesk-command", daemon=True).start()
