"""The tray icon (Qt's QSystemTrayIcon): New chat, New window, Quick ask, Show/Hide and Quit.

pywebview 6.2 has application menus but no tray API, so on the Qt backend the
tray is Qt's own: on a desktop with a StatusNotifier host (KDE, GNOME with the
AppIndicator extension, most panels) it registers there over D-Bus, otherwise
it docks in an XEmbed system tray. With neither, there is no tray and "close to
tray" falls back to a normal close, so the window can never become unreachable.
Everything here runs on the Qt GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

# The tray exists before the web UI (and its language) loads; these are its words.
MENU_LABELS = {
    "new_chat": "New chat",
    "new_window": "New window",
    "quick_ask": "Quick ask",
    "toggle": "Show/Hide Kitdesk",
    "quit": "Quit Kitdesk",
}


@dataclass
class TrayCommands:
    """What each tray entry does; each is called on the GUI thread."""

    new_chat: Callable[[], None]
    new_window: Callable[[], None]
    quick_ask: Callable[[], None] | None
    toggle: Callable[[], None]
    quit: Callable[[], None]


def tray_available() -> bool:
    """True when the desktop shows tray icons (a StatusNotifier host or an XEmbed tray)."""
    from qtpy.QtWidgets import QSystemTrayIcon

    return bool(QSystemTrayIcon.isSystemTrayAvailable())


class QtTray:
    """Owns the tray icon and its menu (Qt objects must stay referenced to stay alive)."""

    def __init__(self, icon: Path, commands: TrayCommands) -> None:
        from qtpy.QtGui import QAction, QIcon
        from qtpy.QtWidgets import QMenu, QSystemTrayIcon

        self._commands = commands
        self.menu = QMenu()
        self.actions: dict[str, Any] = {}
        entries: list[tuple[str, Callable[[], None] | None]] = [
            ("new_chat", commands.new_chat),
            ("new_window", commands.new_window),
            ("quick_ask", commands.quick_ask),
            ("toggle", commands.toggle),
            ("quit", commands.quit),
        ]
        for key, handler in entries:
            if handler is None:
                continue
            if key == "quit":
                self.menu.addSeparator()
            action = QAction(MENU_LABELS[key], self.menu)
            action.setObjectName(f"kitdesk-tray-{key}")
            action.triggered.connect(_ignoring_arguments(handler))
            self.menu.addAction(action)
            self.actions[key] = action
        self.icon = QSystemTrayIcon(QIcon(str(icon)))
        self.icon.setToolTip("Kitdesk")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.show()
        log.info("tray icon shown (system tray available: %s)", tray_available())

    def _on_activated(self, reason: Any) -> None:
        from qtpy.QtWidgets import QSystemTrayIcon

        if reason == QSystemTrayIcon.ActivationReason.Trigger:  # a plain left click
            self._commands.toggle()

    @property
    def visible(self) -> bool:
        return bool(self.icon.isVisible()) and tray_available()

    def remove(self) -> None:
        self.icon.hide()


class AppTray:
    """The app's one tray icon, made on the GUI thread once the GUI runs (Qt only).

    Each entry runs its command in a short worker thread: the handlers are called on
    the GUI thread, where pywebview calls that wait for that same thread would deadlock.
    """

    def __init__(self, gui: str, icon: Path) -> None:
        self._gui = gui
        self._icon = icon
        self._tray: QtTray | None = None

    def install(self, window: webview.Window, commands: TrayCommands) -> None:
        """Show the icon with ``commands``; ``window`` is any open window (for its GUI thread)."""
        if self._gui != "qt":
            return
        from kitdesk.window.native import on_qt_main_thread

        def background(func: Callable[[], None]) -> Callable[[], None]:
            return lambda: threading.Thread(
                target=_ignoring_arguments(func), name="kitdesk-tray-command", daemon=True
            ).start()

        quick_ask = commands.quick_ask
        in_background = TrayCommands(
            new_chat=background(commands.new_chat),
            new_window=background(commands.new_window),
            quick_ask=background(quick_ask) if quick_ask is not None else None,
            toggle=background(commands.toggle),
            quit=background(commands.quit),
        )

        def create() -> None:
            from qtpy.QtWidgets import QApplication

            # Closing a window while another one is hidden (close to tray) must not end
            # the app; pywebview itself exits once its last window is gone.
            QApplication.setQuitOnLastWindowClosed(False)
            try:
                self._tray = QtTray(self._icon, in_background)
            except Exception:
                log.exception("no tray icon")

        on_qt_main_thread(window, create)

    def shown(self) -> bool:
        return self._tray is not None and self._tray.visible


def _ignoring_arguments(handler: Callable[[], None]) -> Callable[..., None]:
    def call(*_: object) -> None:
        try:
            handler()
        except Exception:
            log.exception("a tray command failed")

    return call
