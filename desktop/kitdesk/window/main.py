"""The desktop window: one pywebview window showing the app served on loopback.

Start-up runs in parallel: the server's socket is bound first (a millisecond),
then the server starts in a worker thread while the GUI toolkit initialises.
The window appears with a blank page in the chosen theme's colours and asks for
the app URL (with the launch token, traded for a cookie on first load) as soon
as it is shown; that request waits in the socket's backlog until the server
answers. Closing the window stops the server (which finishes in-flight writes
and closes the store) before we return.

Backends: Qt WebEngine on Linux (the ``kitdesk[qt]`` extra), WebKitGTK when
Qt is absent, Edge WebView2 on Windows (never the IE renderer: if WebView2 is
missing the user gets a message saying how to install it), WKWebView on macOS.
``KITDESK_GUI`` forces a pywebview backend name.
"""

from __future__ import annotations

import contextlib
import html
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from kitdesk.idle_memory import allow_freezing
from kitdesk.paths import Paths
from kitdesk.updates.relaunch import restart_after_update
from kitdesk.window.app_pages import AppPages
from kitdesk.window.backend import BackendUnavailable, choose_gui, show_native_error
from kitdesk.window.crash_log import dump_stacks_on_request, install_crash_logging
from kitdesk.window.csp_bridge import make_bridge_csp_safe
from kitdesk.window.desktop_settings import current_settings
from kitdesk.window.geometry import (
    GEOMETRY_FILE,
    GeometryTracker,
    WindowGeometry,
    read_qt_geometry,
)
from kitdesk.window.hotkey import QuickAskHotkey
from kitdesk.window.main_windows import MainWindow, MainWindows
from kitdesk.window.navigation import (
    NavigationGuard,
    install_qt_navigation_guard,
    watch_navigation,
)
from kitdesk.window.page_colour import (
    chosen_theme,
    loading_page,
    start_qt_page_in,
    window_background,
)
from kitdesk.window.permissions import PermissionPolicy, install_qt_permission_policy
from kitdesk.window.qt_enums import promote_only_used_enums
from kitdesk.window.qt_tuning import apply_qt_defaults
from kitdesk.window.quick_ask import QuickAskWindow
from kitdesk.window.server_start import ServerStarter
from kitdesk.window.shell import DesktopShell
from kitdesk.window.single_instance import (
    REQUEST_QUICK_ASK,
    REQUEST_SHOW,
    InstanceLock,
    ask_running_instance_to_show,
)
from kitdesk.window.tray import AppTray, TrayCommands

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

SERVER_STOP_TIMEOUT = 2.0
ERROR_HTML = """<!doctype html><html><head><meta charset="utf-8">
<meta name="color-scheme" content="light dark">
<style>body{{font:15px system-ui,sans-serif;margin:3em;line-height:1.5}}</style>
</head><body><h2>Kitdesk could not start</h2><p>{message}</p><p>Details are in the log folder:
<code>{log_dir}</code></p></body></html>"""


def icon_path() -> Path:
    return Path(__file__).parent.parent / "assets" / "kitdesk.png"


def run_window(paths: Paths, *, quick_ask: bool = False) -> int:
    """Open the Kitdesk window and block until it is closed; the process exit code.

    ``quick_ask`` also shows the quick-ask window (in the running instance, if there is one).
    """
    paths.create()
    crash_file = install_crash_logging(paths.log_dir)
    lock = InstanceLock(paths.data_dir)
    if not lock.acquire():
        request = REQUEST_QUICK_ASK if quick_ask else REQUEST_SHOW
        if ask_running_instance_to_show(paths.data_dir, request=request):
            log.info("Kitdesk is already running; brought its window forward")
            return 0
        if not lock.acquire():  # the other instance may just have exited
            show_native_error(
                "Kitdesk is already running but did not respond. Close it, or end the "
                "other Kitdesk process, and try again."
            )
            return 1
    try:
        return _run(paths, lock, crash_file, quick_ask)
    finally:
        lock.release()


def _run(paths: Paths, lock: InstanceLock, crash_file: IO[str], quick_ask: bool = False) -> int:
    try:
        gui = choose_gui()
    except BackendUnavailable as exc:
        show_native_error(str(exc))
        return 1
    allow_freezing()  # this process is Kitdesk (idle_memory.py)
    if gui == "qt":
        promote_only_used_enums()  # before qtpy's Qt modules load (qt_enums.py)
        # Not under GTK: PyGObject's main loop wakes on signals through Python's wakeup
        # fd only when no one else holds it, and SIGTERM's handler needs that wake.
        dump_stacks_on_request(crash_file)
    starter = ServerStarter(paths).start()
    if gui == "qt" and (lighter := apply_qt_defaults()):
        log.info("Qt defaults: %s", lighter)

    import webview

    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True
    webview.settings["ALLOW_DOWNLOADS"] = False
    webview.settings["ALLOW_FILE_URLS"] = False
    webview.settings["OPEN_DEVTOOLS_IN_DEBUG"] = False

    guard = NavigationGuard()
    permissions = PermissionPolicy()
    if gui == "qt":
        install_qt_navigation_guard(guard)
        install_qt_permission_policy(permissions)

    # Until the app paints, the windows show the chosen theme's background.
    theme = chosen_theme(paths.settings_path)
    loading, background = loading_page(theme), window_background(theme)
    geometry_path = paths.config_dir / GEOMETRY_FILE
    geometry = WindowGeometry.load(geometry_path)
    tray = AppTray(gui, icon_path(), paths.settings_path)
    windows = MainWindows(
        paths,
        gui,
        icon_path(),
        loading,
        set_hotkey=lambda words, language: hotkey.set(words, language),
        tray_shown=tray.shown,
        background=background,
    )
    # The address is known before the server answers: the window asks for the app as
    # soon as it is shown, and that request waits until the server serves it.
    pages = AppPages.of(starter.address) if starter.address is not None else None
    if pages is not None:
        guard.set_app_url(pages.origin)
        permissions.set_app_url(pages.origin)
        windows.set_pages(pages)
    first = windows.create_first(geometry)
    window = first.window
    if gui == "qt":
        start_qt_page_in(window, theme)
    quick = QuickAskWindow(gui, windows.open_thread, loading, background=background)
    hotkey = QuickAskHotkey(lambda: threading.Thread(target=quick.show, daemon=True).start())
    tracker = GeometryTracker(geometry)
    tracker.connect(window)

    def remember_geometry() -> None:
        if gui == "qt":
            read_qt_geometry(window, geometry)
        try:
            geometry.save(geometry_path)
        except OSError:
            log.exception("could not remember the window geometry")

    def on_last_closing(entry: MainWindow) -> bool:
        if not entry.shell.on_closing():
            log.info("window hidden to the tray")
            return False
        log.info("window closing")
        threading.Thread(target=quick.destroy, name="kitdesk-quick-close", daemon=True).start()
        if entry is first:
            remember_geometry()
        return True

    windows.on_last_closing = on_last_closing
    window.events.closing += lambda: (
        remember_geometry() if len(windows.open_windows()) > 1 else None
    )
    lock.listen(windows.bring_front_forward, quick.show)
    failure: list[str] = []

    def load_app() -> None:
        if pages is not None:
            window.load_url(pages.main())  # waits for the window to be shown
        try:
            starter.wait()
        except RuntimeError as exc:
            failure.append(str(exc))
            window.load_html(
                ERROR_HTML.format(
                    message=html.escape(str(exc)), log_dir=html.escape(str(paths.log_dir))
                )
            )
            return
        assert pages is not None  # the server started, so its address was bound
        app_url = pages.main()
        if gui != "qt":  # Qt's guard is installed for every window; the others watch each one
            watch_navigation(window, guard, app_url)
            windows.prepare_new = lambda new: watch_navigation(new, guard, app_url)
        # Read once the page is on its way: the settings model is a large import (the
        # server thread makes it meanwhile), and the page need not wait for it.
        hotkey_text = current_settings(paths.settings_path).quick_ask_hotkey
        if problem := hotkey.set(hotkey_text):
            log.warning("quick-ask hotkey not available: %s", problem)
        # Without a hotkey the quick window may never be asked for: its renderer waits.
        quick.prepare(make_bridge_csp_safe, pages.quick(), now=bool(hotkey_text))
        tray.install(
            window,
            TrayCommands(
                new_chat=lambda: _on_front(windows, lambda shell: shell.new_chat()),
                new_window=windows.open_new,
                quick_ask=quick.show,
                toggle=lambda: _on_front(windows, lambda shell: shell.toggle()),
                quit=windows.quit,
            ),
        )
        if quick_ask:
            quick.show()

    _close_on_sigterm(windows.quit)
    # "Restart to update" (POST /api/updates/install) closes the windows like the person would.
    restart_after_update.set_quit(windows.quit)
    try:
        webview.start(
            load_app,
            gui=cast(Any, gui),  # choose_gui returns one of pywebview's backend names
            icon=str(icon_path()),
            private_mode=True,
        )
    finally:
        log.info("window closed; stopping the server")
        for entry in windows.open_windows():
            entry.shell.close()
        hotkey.stop()
        stopping = time.perf_counter()
        try:
            if not starter.stop(SERVER_STOP_TIMEOUT):
                failure.append("server stop")
        except Exception:
            log.exception("the server did not stop cleanly")
            failure.append("server stop")
        log.info("server stopped in %.2f s", time.perf_counter() - stopping)
        restart_after_update.set_quit(None)
        try:
            restart_after_update.run_at_exit()  # the updated version, once this process is gone
        except OSError:
            log.exception("could not start the updated Kitdesk")
    return 1 if failure else 0


def _on_front(windows: MainWindows, act: Callable[[DesktopShell], None]) -> None:
    front = windows.front()
    if front is not None:
        act(front.shell)


def _close_on_sigterm(quit_app: Callable[[], None]) -> None:
    """SIGTERM (logout, `kill`) closes the windows the normal way, so writes finish."""

    def handle(signum: int, frame: object) -> None:
        threading.Thread(target=quit_app, name="kitdesk-sigterm", daemon=True).start()

    with contextlib.suppress(ValueError, OSError):  # not the main thread / unsupported
        signal.signal(signal.SIGTERM, handle)
