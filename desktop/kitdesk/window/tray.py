"""The tray icon (Qt's QSystemTrayIcon): New chat, Quick ask, Show/Hide and Quit.

pywebview 6.2 has application menus but no tray API, so on the Qt backend the
tray is Qt's own: on a desktop with a StatusNotifier host (KDE, GNOME with the
AppIndicator extension, most panels) it registers there over D-Bus, otherwise
it docks in an XEmbed system tray. With neither, there is no tray and "close to
tray" falls back to a normal close, so the window can never become unreachable.
Everything here runs on the Qt GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The tray exists before the web UI (and its language) loads; these are its words.
MENU_LABELS = {
    "new_chat": "New chat",
    "quick_ask": "Quick ask",
    "toggle": "Show/Hide Kitdesk",
    "quit": "Quit Kitdesk",
}


@dataclass
class TrayCommands:
    """What each tray entry does; each is called on the GUI thread."""

    new_chat: Callable[[], None]
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


def _ignoring_arguments(handler: Callable[[], None]) -> Callable[..., None]:
    def call(*_: object) -> None:
        try:
            handler()
        except Exception:
            log.exception("a tray command failed")

    return call
