"""The few native abilities the web UI may call: ``window.pywebview.api.<name>(...)``.

Exactly nine functions are exposed: open the data folder, open the log folder,
save an export through the native save dialog, choose a folder in the native
folder dialog (where "Back up now" writes its file), choose a backup file in the
native open dialog ("Restore from file…"), copy text to the clipboard
(for when ``navigator.clipboard`` is refused), report that an answer finished
(so the window can notify when it is not focused), try a quick-ask hotkey (the
reason it cannot be used comes back in the language the page names), and open a
new main window (on a new chat, or on a given thread). They are registered
one by one with ``Window.expose`` rather than handing pywebview an object as
``js_api``: pywebview resolves a js_api call by walking any dotted attribute
path the page names, private ones included, so an object would expose far more
than its public methods. ``expose`` looks names up in an exact dictionary.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Protocol

from kitdesk.i18n import match_language, text
from kitdesk.paths import Paths

log = logging.getLogger(__name__)

EXPOSED = (
    "open_data_folder",
    "open_log_folder",
    "save_export",
    "choose_folder",
    "choose_backup_file",
    "copy_to_clipboard",
    "answer_finished",
    "set_quick_ask_hotkey",
    "new_window",
)
MAX_EXPORT_CHARS = (
    200_000_000  # an export is a thread or a whole archive as text; refuse absurd sizes
)
MAX_CLIPBOARD_CHARS = 10_000_000
MAX_NOTIFICATION_CHARS = 500
BACKUP_FILE_TYPES = ("Kitdesk backups (*.zip)", "All files (*.*)")


class NativeWindow(Protocol):
    """The part of ``webview.Window`` the bridge needs (a protocol, so tests can pass their own)."""

    def create_file_dialog(
        self,
        dialog_type: int = ...,
        directory: str = ...,
        allow_multiple: bool = ...,
        save_filename: str = ...,
        file_types: tuple[str, ...] = ...,
    ) -> object: ...


def open_in_file_manager(folder: Path) -> None:
    """Show a folder in the platform's file manager (never blocks the caller)."""
    folder.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        os.startfile(folder)  # type: ignore[attr-defined]  # noqa: S606 - our own folder
    elif sys.platform == "darwin":
        subprocess.Popen(["open", str(folder)])
    else:
        subprocess.Popen(
            ["xdg-open", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )


def safe_export_name(filename: object) -> str:
    """A plain file name for the save dialog: no folders, no control characters, never empty."""
    name = PurePath(str(filename or "")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    return name[:120] or "kitdesk-export.txt"


class Bridge:
    """Implements the exposed functions; everything it holds stays in underscored attributes."""

    def __init__(
        self,
        paths: Paths,
        window: NativeWindow,
        set_clipboard: Callable[[str], None],
        open_folder: Callable[[Path], None] = open_in_file_manager,
        on_answer_finished: Callable[[str, str, str], None] | None = None,
        set_hotkey: Callable[[str, str], str] | None = None,
        new_window: Callable[[str | None], None] | None = None,
    ) -> None:
        self._paths = paths
        self._window = window
        self._set_clipboard = set_clipboard
        self._open_folder = open_folder
        self._dialog_lock = threading.Lock()  # one save dialog at a time
        self._on_answer_finished = on_answer_finished
        self._set_hotkey = set_hotkey
        self._new_window = new_window

    def open_data_folder(self) -> bool:
        """Open the folder holding the database and attachments."""
        self._open_folder(self._paths.data_dir)
        return True

    def open_log_folder(self) -> bool:
        """Open the folder holding the log files."""
        self._open_folder(self._paths.log_dir)
        return True

    def save_export(self, filename: str, content: str) -> str | None:
        """Ask where to save ``content``; return the saved path, or None if the user cancelled."""
        if not isinstance(content, str):
            raise TypeError("the export content must be text")
        if len(content) > MAX_EXPORT_CHARS:
            raise ValueError("the export is too large to save")
        import webview  # deferred: the bridge is importable without a GUI stack

        with self._dialog_lock:
            chosen = self._window.create_file_dialog(
                webview.FileDialog.SAVE,
                directory=str(Path.home()),
                save_filename=safe_export_name(filename),
            )
        if not chosen:
            return None
        target = Path(chosen if isinstance(chosen, str) else next(iter(chosen)))  # type: ignore[arg-type]
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_text(content, encoding="utf-8", newline="")
        os.replace(tmp, target)
        log.info("export saved (%d characters)", len(content))
        return str(target)

    def choose_folder(self) -> str | None:
        """Ask for a folder (to write a backup in); its path, or None if the user cancelled.

        Only a path comes back: the page then asks the server to write there, so no
        file's bytes cross the bridge.
        """
        import webview  # deferred: the bridge is importable without a GUI stack

        with self._dialog_lock:
            chosen = self._window.create_file_dialog(
                webview.FileDialog.FOLDER, directory=str(Path.home())
            )
        if not chosen:
            return None
        folder = chosen if isinstance(chosen, str) else next(iter(chosen))  # type: ignore[arg-type]
        return str(folder) if folder else None

    def choose_backup_file(self) -> str | None:
        """Ask for a backup file to restore; its path, or None if the user cancelled.

        As with ``choose_folder`` only the path comes back: the page asks the server to
        restore from it, and the server verifies the file before changing anything.
        """
        import webview  # deferred: the bridge is importable without a GUI stack

        backups = self._paths.backups_dir
        with self._dialog_lock:
            chosen = self._window.create_file_dialog(
                webview.FileDialog.OPEN,
                directory=str(backups if backups.is_dir() else Path.home()),
                allow_multiple=False,
                file_types=BACKUP_FILE_TYPES,
            )
        if not chosen:
            return None
        path = chosen if isinstance(chosen, str) else next(iter(chosen), None)  # type: ignore[arg-type]
        return str(path) if path else None

    def copy_to_clipboard(self, text: str) -> bool:
        """Put ``text`` on the system clipboard."""
        if not isinstance(text, str):
            raise TypeError("only text can be copied")
        if len(text) > MAX_CLIPBOARD_CHARS:
            raise ValueError("the text is too large to copy")
        self._set_clipboard(text)
        return True

    def answer_finished(self, thread_id: str, title: str, body: str) -> bool:
        """An answer in ``thread_id`` finished; the words are the UI's, in the person's language."""
        if not all(isinstance(value, str) for value in (thread_id, title, body)):
            raise TypeError("the thread id, title and text must be text")
        if not thread_id or len(thread_id) > 200:
            raise ValueError("the thread id is not valid")
        if self._on_answer_finished is not None:
            self._on_answer_finished(
                thread_id, title[:MAX_NOTIFICATION_CHARS], body[:MAX_NOTIFICATION_CHARS]
            )
        return True

    def set_quick_ask_hotkey(self, hotkey: str, language: str = "") -> str:
        """Listen for ``hotkey`` now ('' turns it off); '' if it works, else the reason.

        The reason is in ``language`` (the page's language) when that is a shipped
        one, else in the language the window's settings pick.
        """
        if not isinstance(hotkey, str) or len(hotkey) > 60:
            raise ValueError("the shortcut must be short text, like Ctrl+Alt+Space")
        if not isinstance(language, str):
            raise TypeError("the language must be a language tag")
        chosen = match_language(language) if language else None
        if chosen is None:
            from kitdesk.window.language import window_language

            chosen = window_language(self._paths.settings_path)
        if self._set_hotkey is None:
            return text(chosen, "hotkey.unavailable")
        return self._set_hotkey(hotkey, chosen)

    def new_window(self, thread_id: str | None = None) -> bool:
        """Open another main window: on ``thread_id`` when given (a chat's "Open in new
        window"), else on a new chat (Ctrl+Shift+N); False where there are none."""
        if thread_id is not None and (
            not isinstance(thread_id, str) or not thread_id or len(thread_id) > 200
        ):
            raise ValueError("the thread id is not valid")
        if self._new_window is None:
            return False
        self._new_window(thread_id)
        return True


def exposed_functions(bridge: Bridge) -> list[Callable[..., object]]:
    """The bound methods to pass to ``Window.expose``, in ``EXPOSED`` order."""
    return [getattr(bridge, name) for name in EXPOSED]
