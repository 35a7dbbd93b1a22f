"""The desktop window: one pywebview window showing the app served on loopback.

Start-up runs in parallel: the server starts in a worker thread while the GUI
toolkit initialises and the window appears with a blank page in the app's
colours; the app URL (with the launch token, traded for a cookie on first load)
is loaded as soon as the server answers. Closing the window stops the server
(which finishes in-flight writes and closes the store) before we return.

Backends: Qt WebEngine on Linux (the ``kitdesk[qt]`` extra), WebKitGTK when
Qt is absent, Edge WebView2 on Windows (never the IE renderer: if WebView2 is
missing the user gets a message saying how to install it), WKWebView on macOS.
``KITDESK_GUI`` forces a pywebview backend name.
"""

from __future__ import annotations

import contextlib
import faulthandler
import html
import importlib.util
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from kitdesk.logs import scrub
from kitdesk.paths import Paths
from kitdesk.updates.relaunch import restart_after_update
from kitdesk.window.bridge import Bridge, exposed_functions
from kitdesk.window.single_instance import REPLY_TIMEOUT, InstanceLock, ask_running_instance_to_show

if TYPE_CHECKING:
    import webview

    from kitdesk.web.server import RunningServer

log = logging.getLogger(__name__)

TITLE = "Kitdesk"
MIN_SIZE = (720, 480)
DEFAULT_SIZE = (1100, 760)
SERVER_STOP_TIMEOUT = 2.0
# How long a "come forward" request waits for the GUI thread; well inside the
# time the asking launch waits for the answer.
RAISE_WAIT = REPLY_TIMEOUT / 2
GEOMETRY_FILE = "window.json"
CRASH_FILE = "crash.log"
EXTERNAL_SCHEMES = ("http", "https", "mailto")
WEBVIEW2_URL = "https://developer.microsoft.com/microsoft-edge/webview2/"
# Shown for the fraction of a second before the server answers; follows the OS theme
# so a dark desktop does not get a white flash.
LOADING_HTML = """<!doctype html><html><head><meta charset="utf-8">
<meta name="color-scheme" content="light dark">
<style>html,body{margin:0;height:100%;background:#ffffff}
@media (prefers-color-scheme: dark){html,body{background:#1e1e1e}}</style>
</head><body></body></html>"""
ERROR_HTML = """<!doctype html><html><head><meta charset="utf-8">
<meta name="color-scheme" content="light dark">
<style>body{{font:15px system-ui,sans-serif;margin:3em;line-height:1.5}}</style>
</head><body><h2>Kitdesk could not start</h2><p>{message}</p><p>Details are in the log folder:
<code>{log_dir}</code></p></body></html>"""


class BackendUnavailable(Exception):
    """No usable web view on this system; the message says what to install."""


# --------------------------------------------------------------------------- backend choice


def choose_gui() -> str:
    """The pywebview backend for this OS, or BackendUnavailable with install advice."""
    forced = os.environ.get("KITDESK_GUI", "").strip().lower()
    if forced:
        return forced
    if sys.platform == "win32":
        return _windows_gui()
    if sys.platform == "darwin":
        return "cocoa"
    if importlib.util.find_spec("PyQt6") and importlib.util.find_spec("qtpy"):
        os.environ.setdefault("QT_API", "pyqt6")
        return "qt"
    if importlib.util.find_spec("gi"):
        return "gtk"
    raise BackendUnavailable(
        "Kitdesk needs a web view to draw its window. Install the Qt one with "
        "`pip install 'kitdesk[qt]'`, or WebKitGTK from your distribution "
        "(Debian/Ubuntu: apt install python3-gi gir1.2-webkit2-4.1). "
        "`kitdesk serve` runs the app in your browser instead."
    )


def _windows_gui() -> str:
    try:
        from webview.platforms import winforms  # decides its renderer on import
    except Exception as exc:
        raise BackendUnavailable(
            f"Kitdesk could not load the Windows web view ({type(exc).__name__})."
        ) from exc
    if getattr(winforms, "renderer", None) != "edgechromium":
        raise BackendUnavailable(
            "Kitdesk needs the Microsoft Edge WebView2 Runtime, which is not installed on this "
            f"computer. Install the Evergreen runtime from {WEBVIEW2_URL} and start Kitdesk again."
        )
    return "edgechromium"


def show_native_error(message: str) -> None:
    """Tell the user without a web view: a message box on Windows, stderr elsewhere."""
    print(f"Kitdesk: {message}", file=sys.stderr)
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, message, TITLE, 0x10)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- crash logging


def install_crash_logging(log_dir: Path) -> IO[str]:
    """Send uncaught exceptions (any thread) and hard faults to ``crash.log`` and the log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    crash_file = open(log_dir / CRASH_FILE, "a", encoding="utf-8")
    faulthandler.enable(file=crash_file, all_threads=True)

    def record(kind: str, exc: BaseException | None, tb: TracebackType | None) -> None:
        text = scrub("".join(traceback.format_exception(exc))) if exc else "(no exception)\n"
        crash_file.write(f"--- uncaught exception ({kind})\n{text}")
        crash_file.flush()
        log.critical("uncaught exception (%s)", kind, exc_info=exc)

    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        record("main thread", exc, tb)

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread else "thread"
        record(name, args.exc_value, args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    return crash_file


# --------------------------------------------------------------------------- remembered geometry


@dataclass
class WindowGeometry:
    """Size and place of the window between launches (``window.json`` in the config dir)."""

    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    x: int | None = None
    y: int | None = None
    maximized: bool = False

    @classmethod
    def load(cls, path: Path) -> WindowGeometry:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(raw, dict):
            return cls()

        def number(key: str) -> int | None:
            value = raw.get(key)
            return value if type(value) is int else None

        geometry = cls(
            width=max(number("width") or DEFAULT_SIZE[0], MIN_SIZE[0]),
            height=max(number("height") or DEFAULT_SIZE[1], MIN_SIZE[1]),
            x=number("x"),
            y=number("y"),
            maximized=raw.get("maximized") is True,
        )
        if (
            geometry.x is None
            or geometry.y is None
            or not (-10_000 < geometry.x < 20_000 and -10_000 < geometry.y < 20_000)
        ):
            geometry.x = geometry.y = None
        return geometry

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"width": self.width, "height": self.height, "maximized": self.maximized}
        if self.x is not None and self.y is not None:
            data |= {"x": self.x, "y": self.y}
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)


@dataclass
class GeometryTracker:
    """Follows window events so the last normal (not maximized) geometry is known at close."""

    geometry: WindowGeometry
    minimized: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_resized(self, width: int, height: int) -> None:
        with self._lock:
            if not self.geometry.maximized and not self.minimized:
                self.geometry.width, self.geometry.height = width, height

    def on_moved(self, x: int, y: int) -> None:
        with self._lock:
            if not self.geometry.maximized and not self.minimized:
                self.geometry.x, self.geometry.y = x, y

    def on_maximized(self) -> None:
        with self._lock:
            self.geometry.maximized, self.minimized = True, False

    def on_minimized(self) -> None:
        with self._lock:
            self.minimized = True

    def on_restored(self) -> None:
        with self._lock:
            self.geometry.maximized = self.minimized = False

    def connect(self, window: webview.Window) -> None:
        window.events.resized += self.on_resized
        window.events.moved += self.on_moved
        window.events.maximized += self.on_maximized
        window.events.minimized += self.on_minimized
        window.events.restored += self.on_restored


def _read_qt_geometry(window: webview.Window, geometry: WindowGeometry) -> None:
    """Qt knows the exact normal geometry even while maximized; prefer it to tracked events."""
    native: Any = window.native
    if native is None:
        return
    geometry.maximized = bool(native.isMaximized())
    if geometry.maximized:
        normal = native.normalGeometry()
        geometry.width, geometry.height = normal.width(), normal.height()
    else:
        geometry.width, geometry.height = native.width(), native.height()
        frame = native.frameGeometry()  # move() places the frame, so store the frame's corner
        screen = native.screen  # pywebview keeps the QRect it places windows from here
        geometry.x, geometry.y = frame.x() - screen.x(), frame.y() - screen.y()


# --------------------------------------------------------------------------- navigation policy


class NavigationGuard:
    """Keeps the window on the app's origin; user-clicked outside links go to the browser."""

    def __init__(self, open_external: Callable[[str], object] = webbrowser.open) -> None:
        self._origin: tuple[str, str] | None = None
        self._open_external = open_external

    def set_app_url(self, url: str) -> None:
        parts = urlsplit(url)
        self._origin = (parts.scheme, parts.netloc)

    def allows(self, url: str) -> bool:
        """True for the app's own origin; before the app loads, only the blank loading page."""
        parts = urlsplit(url)
        if self._origin is None:
            return parts.scheme in ("data", "about")
        return (parts.scheme, parts.netloc) == self._origin

    def open_outside(self, url: str) -> bool:
        """Open a web or mail link in the system's handler; True if it was one."""
        if urlsplit(url).scheme not in EXTERNAL_SCHEMES:
            log.info("refused to open a %s link", urlsplit(url).scheme or "relative")
            return False
        self._open_external(url)
        return True


def _install_qt_navigation_guard(guard: NavigationGuard) -> None:
    """Qt: veto navigation in the page itself and vet target=_blank links pywebview opens."""
    from qtpy.QtWebEngineCore import QWebEnginePage
    from webview.platforms import qt as qt_backend

    link_clicked = QWebEnginePage.NavigationType.NavigationTypeLinkClicked

    def accept_in_page(page: Any, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
        target = url.toString()
        if guard.allows(target):
            return True
        if is_main_frame and nav_type == link_clicked:
            guard.open_outside(target)
        log.info("blocked navigation away from the app")
        return False

    def accept_new_window(page: Any, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
        guard.open_outside(url.toString())
        return False

    qt_backend.BrowserView.WebPage.acceptNavigationRequest = accept_in_page  # type: ignore[method-assign]
    qt_backend.BrowserView.NavigationHandler.acceptNavigationRequest = accept_new_window  # type: ignore[method-assign]


# --------------------------------------------------------------------------- device permissions

# Dictation needs the microphone; nothing in Kitdesk needs a camera, the screen,
# the location or anything else a page may ask for. Names are Qt's
# (QWebEnginePermission.PermissionType and the older QWebEnginePage.Feature).
GRANTED_PERMISSIONS = frozenset({"MediaAudioCapture"})
# pywebview's Chromium switch that says yes to every camera and microphone request.
AUTO_ACCEPT_MEDIA_FLAG = "--use-fake-ui-for-media-stream"


class PermissionPolicy:
    """Grants the microphone to the app's own origin, and nothing to anyone else."""

    def __init__(self) -> None:
        self._origin: tuple[str, str, int | None] | None = None

    def set_app_url(self, url: str) -> None:
        self._origin = _origin_of(url)

    def allows(self, origin: str, permission: str) -> bool:
        if self._origin is None or permission not in GRANTED_PERMISSIONS:
            return False
        return _origin_of(origin) == self._origin


def _origin_of(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return (parts.scheme.lower(), parts.hostname.lower(), port)


def _install_qt_permission_policy(policy: PermissionPolicy) -> None:
    """Qt: answer device permission requests by the policy.

    pywebview grants every camera and microphone request from any origin, twice
    over: it starts Chromium with ``--use-fake-ui-for-media-stream`` (which
    accepts capture requests without asking Qt at all) and its page handler
    grants them. The flag is dropped and the handler replaced, before the
    window exists. Qt 6.8+ sends each request twice (permissionRequested, then
    the deprecated featurePermissionRequested); there the new signal answers
    and the old one is left alone.
    """
    from qtpy.QtWebEngineCore import QWebEnginePage
    from webview.platforms import qt as qt_backend

    backend: Any = qt_backend  # pywebview's helper is imported there, not exported
    append_flags = backend.environ_append

    def environ_append(key: str, *values: str, sep: str = " ") -> None:
        kept = [value for value in values if value != AUTO_ACCEPT_MEDIA_FLAG]
        if kept:
            append_flags(key, *kept, sep=sep)

    backend.environ_append = environ_append

    page_class: Any = qt_backend.BrowserView.WebPage
    modern = hasattr(QWebEnginePage, "permissionRequested")

    def decide(origin: str, permission: str) -> bool:
        granted = policy.allows(origin, permission)
        log.info("%s %s permission", "granted" if granted else "denied", permission)
        return granted

    def on_feature_permission_requested(page: Any, url: Any, feature: Any) -> None:
        if modern:
            return
        granted = decide(url.toString(), feature.name)
        answer = QWebEnginePage.PermissionPolicy
        page.setFeaturePermission(
            url,
            feature,
            answer.PermissionGrantedByUser if granted else answer.PermissionDeniedByUser,
        )

    def on_permission_requested(permission: Any) -> None:
        origin = permission.origin().toString()
        if decide(origin, permission.permissionType().name):
            permission.grant()
        else:
            permission.deny()

    original_init = page_class.__init__

    def init(page: Any, *args: Any, **kwargs: Any) -> None:
        original_init(page, *args, **kwargs)
        if modern:
            page.permissionRequested.connect(on_permission_requested)

    page_class.onFeaturePermissionRequested = on_feature_permission_requested
    page_class.__init__ = init


def _watch_navigation(window: webview.Window, guard: NavigationGuard, app_url: str) -> None:
    """Other backends: pywebview sends new windows to the browser; bring a strayed page back."""

    def check() -> None:
        current = window.get_current_url() or ""
        if current and not guard.allows(current):
            log.info("the page left the app; reloading the app")
            guard.open_outside(current)
            window.load_url(app_url)

    window.events.loaded += check


# --------------------------------------------------------------------------- bridge under our CSP

# The app's Content-Security-Policy has no 'unsafe-eval'. pywebview 6.2 builds
# each exposed function with ``new Function(...)`` and hands results back with
# ``eval(...)``, both refused under that policy, so the bridge would silently
# never answer. We build the functions as closures instead and return results
# with run_js (a script injected as-is, which the policy does not restrict).
_NEW_FUNCTION = re.compile(r"new Function\(\s*sanitize_params\(params\),\s*funcBody\s*\)")
_CLOSURE_FUNCTION = """(function (name) {
  return function () {
    var id = (Math.random() + "").substring(2);
    var promise = new Promise(function (resolve, reject) {
      window.pywebview._checkValue(name, resolve, reject, id);
    });
    window.pywebview._jsApiCallback(name, Array.prototype.slice.call(arguments), id);
    return promise;
  };
})(funcName)"""


def make_bridge_csp_safe(window: webview.Window) -> None:
    """Let ``window.pywebview.api`` work on a page whose CSP forbids eval."""
    import webview.util as webview_util

    original = webview_util.load_js_files
    if not getattr(original, "_kitdesk_csp_safe", False):

        def load_js_files(target: webview.Window, platform: str) -> tuple[str, str]:
            js_code, finish_script = original(target, platform)
            js_code, count = _NEW_FUNCTION.subn(_CLOSURE_FUNCTION, js_code)
            if count != 1:
                log.warning("pywebview's api.js changed; the JS bridge may not work under the CSP")
            return js_code, finish_script

        load_js_files._kitdesk_csp_safe = True  # type: ignore[attr-defined]
        webview_util.load_js_files = load_js_files

    def evaluate_without_eval(script: str, callback: object = None) -> object:
        return window.run_js(script)

    window.evaluate_js = evaluate_without_eval  # type: ignore[method-assign]


# --------------------------------------------------------------------------- main-thread helpers


def _on_qt_main_thread(window: webview.Window, func: Callable[[], None]) -> None:
    # pywebview's Qt window has a signal that runs a callable on the GUI thread.
    window.native.create_window_trigger.emit(func)  # type: ignore[union-attr]


def bring_to_front(window: webview.Window, gui: str) -> None:
    """Raise, un-minimize and focus the window (called when a second launch asks).

    With Qt this returns once the window system has the raise (or after
    RAISE_WAIT if the GUI thread is busy), so the "ok" the second launch gets
    back means the window is in front, not merely that a raise is queued.
    """
    if gui == "qt":
        from qtpy.QtCore import Qt
        from qtpy.QtGui import QGuiApplication

        raised = threading.Event()

        def raise_qt() -> None:
            try:
                native: Any = window.native
                state = native.windowState() & ~Qt.WindowState.WindowMinimized
                native.setWindowState(state | Qt.WindowState.WindowActive)
                native.show()
                native.raise_()
                native.activateWindow()
                QGuiApplication.sync()  # flush to the window system and wait until it took it
            finally:
                raised.set()

        _on_qt_main_thread(window, raise_qt)
        if not raised.wait(RAISE_WAIT):
            log.warning("the window was asked to come forward; the GUI has not done it yet")
        return
    window.show()
    window.restore()
    if sys.platform == "win32":  # Windows refuses focus theft; a brief on-top flip gets it
        window.on_top = True
        window.on_top = False


def clipboard_setter(window: webview.Window, gui: str) -> Callable[[str], None]:
    """A function that puts text on the clipboard through the backend's own toolkit."""

    def qt_set(text: str) -> None:
        from qtpy.QtWidgets import QApplication

        _on_qt_main_thread(window, lambda: QApplication.clipboard().setText(text))  # type: ignore[union-attr]

    def gtk_set(text: str) -> None:
        from gi.repository import Gdk, GLib, Gtk  # type: ignore[import-not-found]

        def apply() -> bool:
            Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD).set_text(text, -1)
            return False

        GLib.idle_add(apply)

    def cocoa_set(text: str) -> None:
        import AppKit  # type: ignore[import-not-found]

        board = AppKit.NSPasteboard.generalPasteboard()
        board.clearContents()
        board.setString_forType_(text, AppKit.NSPasteboardTypeString)

    def windows_set(text: str) -> None:
        # The .NET clipboard needs a single-threaded-apartment thread.
        from System.Threading import (  # type: ignore[import-not-found]
            ApartmentState,
            Thread,
            ThreadStart,
        )
        from System.Windows.Forms import Clipboard  # type: ignore[import-not-found]

        worker = Thread(ThreadStart(lambda: Clipboard.SetText(text)))
        worker.SetApartmentState(ApartmentState.STA)
        worker.Start()
        worker.Join()

    return {"qt": qt_set, "gtk": gtk_set, "cocoa": cocoa_set}.get(gui, windows_set)


# --------------------------------------------------------------------------- server start


class ServerStarter:
    """Starts the server in a worker thread so the GUI can initialise meanwhile."""

    def __init__(self, paths: Paths) -> None:
        self._paths = paths
        self._done = threading.Event()
        self._server: RunningServer | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="kitdesk-server-start", daemon=True)

    def start(self) -> ServerStarter:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            from kitdesk.web.server import start_server

            self._server = start_server(self._paths)
        except BaseException as exc:
            self._error = exc
            log.exception("the server did not start")
        finally:
            self._done.set()

    def wait(self) -> RunningServer:
        self._done.wait()
        if self._server is None:
            from kitdesk.web.server import ServerStartError

            if isinstance(self._error, ServerStartError):  # its message is written for a person
                raise RuntimeError(str(self._error))
            raise RuntimeError(f"the local server did not start ({type(self._error).__name__})")
        return self._server

    def stop(self, timeout: float) -> bool:
        """Stop the server (it closes the store); False if it had to be forced."""
        self._done.wait()
        return self._server.stop(timeout) if self._server is not None else True


# --------------------------------------------------------------------------- entry point


def icon_path() -> Path:
    return Path(__file__).parent.parent / "assets" / "kitdesk.png"


def run_window(paths: Paths) -> int:
    """Open the Kitdesk window and block until it is closed; the process exit code."""
    paths.create()
    install_crash_logging(paths.log_dir)
    lock = InstanceLock(paths.data_dir)
    if not lock.acquire():
        if ask_running_instance_to_show(paths.data_dir):
            log.info("Kitdesk is already running; brought its window forward")
            return 0
        if not lock.acquire():  # the other instance may just have exited
            show_native_error(
                "Kitdesk is already running but did not respond. Close it, or end the "
                "other Kitdesk process, and try again."
            )
            return 1
    try:
        return _run(paths, lock)
    finally:
        lock.release()


def _run(paths: Paths, lock: InstanceLock) -> int:
    try:
        gui = choose_gui()
    except BackendUnavailable as exc:
        show_native_error(str(exc))
        return 1
    starter = ServerStarter(paths).start()

    import webview

    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True
    webview.settings["ALLOW_DOWNLOADS"] = False
    webview.settings["ALLOW_FILE_URLS"] = False
    webview.settings["OPEN_DEVTOOLS_IN_DEBUG"] = False

    guard = NavigationGuard()
    permissions = PermissionPolicy()
    if gui == "qt":
        _install_qt_navigation_guard(guard)
        _install_qt_permission_policy(permissions)

    geometry_path = paths.config_dir / GEOMETRY_FILE
    geometry = WindowGeometry.load(geometry_path)
    window = webview.create_window(
        TITLE,
        html=LOADING_HTML,
        width=geometry.width,
        height=geometry.height,
        x=geometry.x,
        y=geometry.y,
        min_size=MIN_SIZE,
        maximized=geometry.maximized,
        background_color="#FFFFFF",
        text_select=True,
    )
    assert window is not None
    bridge = Bridge(paths, window, clipboard_setter(window, gui))
    make_bridge_csp_safe(window)
    window.expose(*exposed_functions(bridge))
    tracker = GeometryTracker(geometry)
    tracker.connect(window)

    def on_closing() -> None:
        log.info("window closing")
        if gui == "qt":
            _read_qt_geometry(window, geometry)
        try:
            geometry.save(geometry_path)
        except OSError:
            log.exception("could not remember the window geometry")

    window.events.closing += on_closing
    lock.listen(lambda: bring_to_front(window, gui))
    failure: list[str] = []

    def load_app() -> None:
        try:
            server = starter.wait()
        except RuntimeError as exc:
            failure.append(str(exc))
            window.load_html(
                ERROR_HTML.format(
                    message=html.escape(str(exc)), log_dir=html.escape(str(paths.log_dir))
                )
            )
            return
        guard.set_app_url(server.origin)
        permissions.set_app_url(server.origin)
        if gui != "qt":
            _watch_navigation(window, guard, server.url)
        window.load_url(server.url)

    _close_on_sigterm(window)
    # "Restart to update" (POST /api/updates/install) closes the window like the person would.
    restart_after_update.set_quit(window.destroy)
    try:
        webview.start(
            load_app,
            gui=cast(Any, gui),  # choose_gui returns one of pywebview's backend names
            icon=str(icon_path()),
            private_mode=True,
        )
    finally:
        log.info("window closed; stopping the server")
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


def _close_on_sigterm(window: webview.Window) -> None:
    """SIGTERM (logout, `kill`) closes the window the normal way, so writes finish."""

    def handle(signum: int, frame: object) -> None:
        threading.Thread(target=window.destroy, name="kitdesk-sigterm", daemon=True).start()

    with contextlib.suppress(ValueError, OSError):  # not the main thread / unsupported
        signal.signal(signal.SIGTERM, handle)
