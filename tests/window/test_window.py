"""The real Kitdesk window (pywebview + Qt WebEngine) under Xvfb, one process per window.

Each test launches ``python -m kitdesk`` with a temporary KITDESK_HOME and the
fake upstream, drives the page through the window's own web engine (DevTools
protocol), acts on the X window as a window manager would (close button,
resize), and checks what was left on disk after the process exited.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kitdesk.window.bridge import EXPOSED

from tests.upstream import Upstream
from tests.window import harness, x11

pytestmark = pytest.mark.window

ARTIFACTS = harness.REPO / "test-artifacts" / "window"
EXIT_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with harness.window_display(screenshots=True) as name:
        yield name


@pytest.fixture
def opened_urls(tmp_path: Path) -> Path:
    """Where the stand-in system browser ($BROWSER) records the links it was asked to open."""
    return tmp_path / "opened-urls.txt"


@pytest.fixture
def app_env(display: str, upstream: Upstream, tmp_path: Path, opened_urls: Path) -> dict[str, str]:
    browser = tmp_path / "record-url.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{opened_urls}"\n')
    browser.chmod(0o755)
    return harness.base_env(display) | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
        "BROWSER": f"{browser} %s",
    }


def _launch(home: Path, display: str, env: dict[str, str], log_name: str) -> harness.App:
    return harness.launch(
        harness.dev_command(),
        home=home,
        display=display,
        env=env,
        log_path=home.parent / log_name,
    )


def _wait_for_lines(path: Path, count: int, timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.1)
    return path.read_text().splitlines() if path.exists() else []


def test_a_message_sent_in_the_window_is_saved_and_closing_exits_cleanly(
    display: str, app_env: dict[str, str], tmp_path: Path, opened_urls: Path
) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "window.json").write_text(
        json.dumps({"width": 900, "height": 640, "x": 30, "y": 20, "maximized": False})
    )
    app = _launch(home, display, app_env, "kitdesk-1.log")
    try:
        page = harness.attach(app)
        harness.wait_interactive(page)
        origin = page.evaluate("location.origin")
        assert origin.startswith("http://127.0.0.1:")
        window = harness.wait_for_window(app)

        # The remembered size was applied (the web view fills the window).
        assert page.evaluate("[window.innerWidth, window.innerHeight]") == [900, 640]

        # The page sees exactly the native functions, and they answer under the CSP.
        harness.wait_for_bridge(page)
        assert page.evaluate("Object.keys(window.pywebview.api).sort()") == sorted(EXPOSED)
        assert page.evaluate("window.pywebview.api.open_log_folder === undefined") is False

        # Navigation away from the app never happens in the window; links to other sites
        # go to the system browser (Qt reports a script's location change as a link too).
        page.evaluate("window.__stillHere = true")
        page.evaluate("location.href = 'https://example.invalid/away'")
        page.evaluate(
            """(() => {
              for (const [id, target] of [['same', '_self'], ['blank', '_blank']]) {
                const a = document.createElement('a');
                a.id = id; a.target = target; a.textContent = id;
                a.href = 'https://example.invalid/' + id;
                const top = id === 'same' ? 10 : 40;
                a.style = `position:fixed;left:10px;top:${top}px;z-index:99999`;
                document.body.appendChild(a);
              }
            })()"""
        )
        page.click("#blank")
        page.click("#same")
        opened = _wait_for_lines(opened_urls, 3)
        assert sorted(opened) == [
            "https://example.invalid/away",
            "https://example.invalid/blank",
            "https://example.invalid/same",
        ]
        assert page.evaluate("window.__stillHere === true && location.origin") == origin
        page.evaluate(
            "document.getElementById('same').remove(); document.getElementById('blank').remove()"
        )

        harness.send_message(page, "Hello from the real window")
        page.wait_for(
            page.query(
                "openai-chatkit",
                ".shadowRoot.textContent.includes('Echo: Hello from the real window')",
            ),
            30,
            "the streamed answer",
        )
        x11.screenshot(display, ARTIFACTS / "chat.png")

        # A user resizes the window; the new geometry must be remembered.
        with x11.Display(display) as dpy:
            dpy.move_resize(window.window, 60, 50, 1000, 700)
        page.wait_for("window.innerWidth === 1000 && window.innerHeight === 700", 10, "the resize")
        page.close()

        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        app.kill()

    with sqlite3.connect(home / "data" / "kitdesk.db") as db:
        threads = db.execute("SELECT id FROM threads").fetchall()
        items = db.execute("SELECT type, data FROM items ORDER BY seq").fetchall()
    assert len(threads) == 1
    by_type = {kind: json.loads(data) for kind, data in items}
    assert by_type["user_message"]["content"][0]["text"] == "Hello from the real window"
    assert by_type["assistant_message"]["content"][0]["text"] == "Echo: Hello from the real window"

    saved = json.loads((home / "config" / "window.json").read_text())
    assert (saved["width"], saved["height"], saved["maximized"]) == (1000, 700, False)
    log_text = (home / "logs" / "kitdesk.log").read_text()
    assert "server stopped in" in log_text
    assert (home / "logs" / "crash.log").read_text() == ""


def test_a_second_launch_brings_the_first_window_forward_and_sigterm_closes_cleanly(
    display: str, app_env: dict[str, str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = _launch(home, display, app_env, "first.log")
    cover: subprocess.Popen[bytes] | None = None
    try:
        page = harness.attach(first)
        harness.wait_interactive(page)
        page.close()
        harness.wait_for_window(first)

        # Another application's window covers Kitdesk.
        cover = subprocess.Popen(
            ["xmessage", "-title", "cover", "-geometry", "1280x800+0+0", "covering window"],
            env={"DISPLAY": display, "PATH": app_env["PATH"]},
        )
        x11.wait_for_window(display, "cover")
        with x11.Display(display) as dpy:
            order = dpy.stacking()
        assert order.index("cover") > order.index("Kitdesk")

        second = _launch(home, display, app_env, "second.log")
        try:
            assert second.wait(EXIT_TIMEOUT) == 0, second.output()[-3000:]
        finally:
            second.kill()
        with x11.Display(display) as dpy:
            order = dpy.stacking()
        assert order.index("Kitdesk") > order.index("cover")
        assert order.count("Kitdesk") == 1
        assert first.proc.poll() is None

        # `kill -USR1` (what the tests do when a window never comes) writes every
        # thread's stack to crash.log, and the app goes on.
        report = first.stuck_report()
        assert "(most recent call first)" in report
        assert "webview/__init__.py" in report  # the main thread, in pywebview's loop
        assert first.proc.poll() is None

        # Logging out or `kill` sends SIGTERM: the window closes the normal way.
        first.kitdesk().send_signal(signal.SIGTERM)
        assert first.wait(EXIT_TIMEOUT) == 0, first.output()[-3000:]
    finally:
        first.kill()
        if cover is not None:
            cover.terminate()
            cover.wait(10)
    log_text = (home / "logs" / "kitdesk.log").read_text()
    assert "brought its window forward" in log_text
    assert "server stopped in" in log_text
