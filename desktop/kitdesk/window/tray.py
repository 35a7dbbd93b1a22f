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

from kitdesk.i18n import DEFAULT_LANGUAGE, text

if TYPE_CHECKING:
    import webview

log = logging.getLogger(__name__)

# The tray exists before the web UI loads, so its words come from the server's catalog
# (kitdesk/i18n/desktop_words.py), in the language window_language picks.
MENU_KEYS = ("new_chat", "new_window", "quick_ask", "toggle", "quit")


def menu_labels(language: str) -> dict[str, str]:
    """The tray menu's words in ``language``, by entry."""
    return {key: text(language, f"tray.{key}") for key in MENU_KEYS}


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

    def __init__(
        self,
        icon: Path,
        commands: TrayCommands,
        language: Callable[[], str] = lambda: DEFAULT_LANGUAGE,
    ) -> None:
        from qtpy.QtGui import QAction, QIcon
        from qtpy.QtWidgets import QMenu, QSystemTrayIcon

        self._commands = commands
        self._language = language
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
            action = QAction(key, self.menu)
            action.setObjectName(f"kitdesk-tray-{key}")
            action.triggered.connect(_ignoring_arguments(handler))
            self.menu.addAction(action)
            self.actions[key] = action
        self.relabel()
        # A language changed in Settings shows the next time the menu opens.
        self.menu.aboutToShow.connect(_ignoring_arguments(self.relabel))
        self.icon = QSystemTrayIcon(QIcon(str(icon)))
        self.icon.setToolTip("Kitdesk")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.icon.show()
        log.info("tray icon shown (system tray available: %s)", tray_available())

    def relabel(self) -> None:
        labels = menu_labels(self._language())
        for key, action in self.actions.items():
            if action.text() != labels[key]:
                action.setText(labels[key])

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

    def __init__(self, gui: str, icon: Path, settings_path: Path | None = None) -> None:
        self._gui = gui
        self._icon = icon
        self._settings_path = settings_path
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
                self._tray = QtTray(self._icon, in_background, self._language)
            except Exception:
                log.exception("no tray icon")

        on_qt_main_thread(window, create)

    def _language(self) -> str:
        if self._settings_path is None:
            return DEFAULT_LANGUAGE
        from kitdesk.window.language import window_language

        return window_language(self._settings_path)

    def shown(self) -> bool:
        return self._tray is not None and self._tray.visible


def _ignoring_arguments(handler: Callable[[], None]) -> Callable[..., None]:
    def call(*_: object) -> None:
        try:
            handler()
        except Exception:
            log.exception("a tray command failed")

    return call
