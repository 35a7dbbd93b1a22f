"""The window's pieces that need no display: geometry memory, navigation policy,
the CSP-safe bridge script, crash logging and the backend choice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import webview
import webview.util
from kitdesk.logs import register_secret
from kitdesk.web.routes.hosted import CDN
from kitdesk.window.backend import choose_gui
from kitdesk.window.crash_log import CRASH_FILE, install_crash_logging
from kitdesk.window.csp_bridge import make_bridge_csp_safe
from kitdesk.window.geometry import (
    DEFAULT_SIZE,
    MIN_SIZE,
    GeometryTracker,
    WindowGeometry,
)
from kitdesk.window.navigation import HOSTED_RUNTIME_CDN, NavigationGuard


def test_geometry_round_trips_through_its_file(tmp_path: Path) -> None:
    path = tmp_path / "config" / "window.json"
    WindowGeometry(width=1000, height=700, x=-20, y=35, maximized=True).save(path)
    assert WindowGeometry.load(path) == WindowGeometry(1000, 700, -20, 35, True)
    assert list(path.parent.iterdir()) == [path]  # the temp file was renamed into place


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", WindowGeometry()),
        ("not json", WindowGeometry()),
        ("[1, 2]", WindowGeometry()),
        ('{"width": 10, "height": 20}', WindowGeometry(MIN_SIZE[0], MIN_SIZE[1])),
        ('{"width": "wide", "height": true, "maximized": "yes"}', WindowGeometry()),
        ('{"width": 800, "height": 600, "x": 99999, "y": 0}', WindowGeometry(800, 600)),
        ('{"width": 800, "height": 600, "x": 10}', WindowGeometry(800, 600)),
    ],
)
def test_damaged_or_odd_geometry_falls_back_to_sane_values(
    tmp_path: Path, content: str, expected: WindowGeometry
) -> None:
    path = tmp_path / "window.json"
    path.write_text(content)
    assert WindowGeometry.load(path) == expected
    assert WindowGeometry.load(tmp_path / "missing.json") == WindowGeometry(*DEFAULT_SIZE)


def test_the_tracker_keeps_the_normal_geometry_while_maximized() -> None:
    tracker = GeometryTracker(WindowGeometry())
    tracker.on_resized(900, 650)
    tracker.on_moved(40, 30)
    tracker.on_maximized()
    tracker.on_resized(1280, 800)  # the maximized size must not replace the normal one
    tracker.on_moved(0, 0)
    assert tracker.geometry == WindowGeometry(900, 650, 40, 30, True)
    tracker.on_restored()
    tracker.on_minimized()
    tracker.on_resized(0, 0)
    assert tracker.geometry == WindowGeometry(900, 650, 40, 30, False)


def test_navigation_stays_on_the_app_origin() -> None:
    opened: list[str] = []
    guard = NavigationGuard(open_external=opened.append)
    # Before the server answers only the blank loading page may show.
    assert guard.allows("data:text/html,<p>")
    assert not guard.allows("http://127.0.0.1:8123/")
    guard.set_app_url("http://127.0.0.1:8123")
    assert guard.allows("http://127.0.0.1:8123/?token=abc")
    assert guard.allows("http://127.0.0.1:8123/api/health")
    for foreign in (
        "http://127.0.0.1:8124/",
        "http://localhost:8123/",
        "https://127.0.0.1:8123/",
        "https://example.com/",
        "data:text/html,<p>",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ):
        assert not guard.allows(foreign), foreign


def test_frames_may_show_the_app_or_the_hosted_runtime_only() -> None:
    guard = NavigationGuard(open_external=lambda url: None)
    guard.set_app_url("http://127.0.0.1:8123")
    assert HOSTED_RUNTIME_CDN == CDN  # the hosted document's runtime
    assert guard.allows_frame("http://127.0.0.1:8123/hosted/wf_1")
    assert guard.allows_frame(f"{CDN}/deployments/chatkit/frame.html")
    assert not guard.allows(f"{CDN}/deployments/chatkit/frame.html")  # never the whole window
    for foreign in ("https://example.com/", "http://cdn.platform.openai.com/", "data:text/html,x"):
        assert not guard.allows_frame(foreign), foreign


def test_only_web_and_mail_links_go_to_the_system() -> None:
    opened: list[str] = []
    guard = NavigationGuard(open_external=opened.append)
    assert guard.open_outside("https://example.com/docs")
    assert guard.open_outside("mailto:someone@example.com")
    assert not guard.open_outside("file:///etc/passwd")
    assert not guard.open_outside("javascript:alert(1)")
    assert not guard.open_outside("smb://server/share")
    assert opened == ["https://example.com/docs", "mailto:someone@example.com"]


def test_the_bridge_script_needs_no_eval() -> None:
    window = webview.create_window("csp-test", html="<p></p>")
    assert window is not None
    try:
        make_bridge_csp_safe(window)
        make_bridge_csp_safe(window)  # idempotent: the loader is wrapped once
        window.js_api_endpoint = None  # set by pywebview when a GUI initialises the window
        js_code, _ = webview.util.load_js_files(window, "qtwebengine")
    finally:
        webview.windows.remove(window)
    assert "new Function" not in js_code
    assert "eval(" not in js_code
    assert "window.pywebview._jsApiCallback(name, Array.prototype.slice.call(arguments), id)" in (
        js_code
    )


def test_uncaught_thread_errors_land_in_the_crash_log_without_secrets(tmp_path: Path) -> None:
    token = "launch-token-0123456789"
    register_secret(token)
    previous = threading.excepthook
    crash_file = install_crash_logging(tmp_path)
    try:

        def fail() -> None:
            raise RuntimeError(f"boom with {token} and sk-abcdefghijklmnop1234")

        worker = threading.Thread(target=fail, name="worker-x")
        worker.start()
        worker.join()
    finally:
        threading.excepthook = previous
        import faulthandler
        import sys

        faulthandler.disable()
        sys.excepthook = sys.__excepthook__
        crash_file.close()
    text = (tmp_path / CRASH_FILE).read_text()
    assert "uncaught exception (worker-x)" in text
    assert "RuntimeError: boom with [redacted]" in text
    assert token not in text
    assert "sk-abcdefghijklmnop1234" not in text


# A process whose threads keep running Python (as pydantic building schemas does at
# start-up) while the main thread waits; it says "ready" once all of that runs.
BUSY_PROCESS = textwrap.dedent(
    """
    import sys, threading, time
    from typing import Dict, List, Optional
    from kitdesk.window.crash_log import dump_stacks_on_request, install_crash_logging

    assert dump_stacks_on_request(install_crash_logging(__import__("pathlib").Path(sys.argv[1])))

    def keeps_building_types():
        while True:
            Optional[List[Dict[str, int]]]
            [n * n for n in range(50)]

    for _ in range(3):
        threading.Thread(target=keeps_building_types, daemon=True).start()

    def main_thread_waits_here():
        print("ready", flush=True)
        time.sleep(60)

    main_thread_waits_here()
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="no SIGUSR1 on Windows")
def test_sigusr1_dumps_every_threads_stack_and_the_app_goes_on(tmp_path: Path) -> None:
    # faulthandler.register() did this from inside the signal handler and crashed
    # the app (segmentation fault) about one time in three while threads ran Python.
    process = subprocess.Popen(
        [sys.executable, "-c", BUSY_PROCESS, str(tmp_path)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        crash = tmp_path / CRASH_FILE
        for dumps in range(1, 11):
            process.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 10
            while crash.read_text().count("in main_thread_waits_here") < dumps:
                assert process.poll() is None, crash.read_text()[-3000:]
                assert time.monotonic() < deadline, crash.read_text()[-3000:]
                time.sleep(0.05)
        text = crash.read_text()
        assert process.poll() is None
        assert "Segmentation fault" not in text
        assert text.count("in keeps_building_types") >= 10 * 3
    finally:
        process.kill()
        process.wait()


def test_kitdesk_gui_forces_a_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITDESK_GUI", "GTK")
    assert choose_gui() == "gtk"


def test_linux_prefers_qt_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PyQt6.QtWebEngineWidgets")
    monkeypatch.delenv("KITDESK_GUI", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert choose_gui() == "qt"


def test_geometry_file_is_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "window.json"
    WindowGeometry(width=800, height=600).save(path)
    assert json.loads(path.read_text()) == {"width": 800, "height": 600, "maximized": False}
