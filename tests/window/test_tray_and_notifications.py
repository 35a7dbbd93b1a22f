"""The tray icon and answer notifications, in the real window against real D-Bus peers.

The window runs in its own private session bus together with
``desktop_services.py``: a StatusNotifier watcher (what makes Qt's tray icon
register on the bus, as under KDE or GNOME's AppIndicator extension) and a
notification daemon. The tray menu is read and clicked over com.canonical.dbusmenu,
exactly as a panel does; a notification is clicked by the daemon emitting
ActionInvoked, exactly as a daemon does when a person clicks it. Focus moves
to another X window with xdotool, so the app sees itself in the background.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.upstream import Upstream
from tests.window import harness, x11

pytestmark = pytest.mark.window

SERVICES = Path(__file__).with_name("desktop_services.py")
EXIT_TIMEOUT = 30.0
LAST_THREAD = "localStorage.getItem('kitdesk.lastThread')"


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    require(shutil.which("xdotool") is not None, "xdotool is not installed (tests/system-deps.sh)")
    require(shutil.which("xmessage") is not None, "xmessage is not installed (x11-utils)")
    with harness.window_display() as name:
        yield name


def read_lines(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for_lines(path: Path, count: int, timeout: float = 60.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = read_lines(path)
        if len(lines) >= count:
            return lines
        time.sleep(0.1)
    raise TimeoutError(f"{path.name}: wanted {count} lines, got {read_lines(path)}")


def launch_with_services(
    home: Path,
    display: str,
    upstream: Upstream,
    services_dir: Path,
    extra_env: dict[str, str] | None = None,
) -> harness.App:
    """Kitdesk and the stand-in desktop services, in one private session bus."""
    services_dir.mkdir(parents=True, exist_ok=True)
    script = (
        f'"{sys.executable}" "{SERVICES}" "{services_dir}" & '
        f'while [ ! -f "{services_dir}/ready" ]; do sleep 0.1; done; exec "$@"'
    )
    env = (
        harness.base_env(display)
        | {
            "OPENAI_API_KEY": "test-key",
            "OPENAI_BASE_URL": upstream.base_url,
        }
        | (extra_env or {})
    )
    return harness.launch(
        ["sh", "-c", script, "sh", *harness.dev_command()],
        home=home,
        display=display,
        env=env,
        log_path=home.parent / "kitdesk.log",
    )


def focus_another_window(display: str) -> subprocess.Popen[bytes]:
    """Open a small X window and give it the keyboard focus, as switching apps would."""
    env = {"DISPLAY": display, "PATH": "/usr/bin:/bin"}
    other = subprocess.Popen(["xmessage", "-name", "other-app", "another app"], env=env)
    found = x11.wait_for_window(display, "other-app")
    subprocess.run(["xdotool", "windowfocus", "--sync", str(found.window)], env=env, check=True)
    return other


def test_tray_menu_and_a_clickable_notification(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    services = tmp_path / "services"
    app = launch_with_services(home, display, upstream, services)
    other: subprocess.Popen[bytes] | None = None
    try:
        page = harness.attach(app)
        harness.wait_interactive(page)

        # The tray icon registered with the watcher and exports its menu.
        tray = wait_for_lines(services / "tray.jsonl", 1)
        labels = [label for _id, label in tray[0]["menu"]]  # type: ignore[union-attr]
        assert [label.replace("&", "") for label in labels] == [
            "New chat",
            "New window",
            "Quick ask",
            "Show/Hide Kitdesk",
            "Quit Kitdesk",
        ]

        # In the background, an answer finishes: the daemon gets a notification.
        other = focus_another_window(display)
        harness.send_message(page, "Tell me when you are done")
        notes = wait_for_lines(services / "notifications.jsonl", 1)
        assert notes[0]["app"] == "Kitdesk"
        assert notes[0]["summary"] == "Your answer is ready"
        assert notes[0]["body"] == "Click to open the chat."
        assert "default" in notes[0]["actions"]  # type: ignore[operator]
        thread_id = page.wait_for(LAST_THREAD, 30, "the new thread's id")
        assert thread_id.startswith("thr")

        # The tray's "New chat" leaves the thread for an empty one...
        (services / "tray-click-New chat").write_text("")
        page.wait_for(f"{LAST_THREAD} === null", 30, "a new chat from the tray")
        # ...and clicking the notification brings that thread back.
        (services / "click").write_text("")
        page.wait_for(f"{LAST_THREAD} === {json.dumps(thread_id)}", 30, "the notified thread")
        deadline = time.monotonic() + 30
        while "Echo: Tell me when you are done" not in page.text():
            assert time.monotonic() < deadline, "the notified answer is not on screen"
            time.sleep(0.2)

        # With the window focused, a finished answer makes no notification.
        harness.wait_for_bridge(page)
        page.evaluate("window.pywebview.api.answer_finished('thr_focused', 'x', 'y')")
        page.close()

        # "Quit Kitdesk" in the tray ends the app cleanly.
        (services / "tray-click-Quit Kitdesk").write_text("")
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        if other is not None:
            other.kill()
            other.wait(10)
        app.kill()
    summaries = [note["summary"] for note in read_lines(services / "notifications.jsonl")]
    assert summaries == ["Your answer is ready"]


def map_state(display: str, window: int) -> str:
    """X's map state of a window: IsViewable, IsUnMapped or IsUnviewable."""
    info = subprocess.run(
        ["xwininfo", "-id", str(window)],
        env={"DISPLAY": display, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line.split(":")[1].strip() for line in info.splitlines() if "Map State" in line)


def wait_map_state(display: str, window: int, wanted: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while map_state(display, window) != wanted:
        assert time.monotonic() < deadline, f"the window did not become {wanted}"
        time.sleep(0.1)


def test_close_to_tray_hides_the_window_until_quit(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    services = tmp_path / "services"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps({"close_to_tray": True}))
    app = launch_with_services(home, display, upstream, services)
    try:
        page = harness.attach(app)
        harness.wait_interactive(page)
        wait_for_lines(services / "tray.jsonl", 1)
        window = harness.wait_for_window(app)
        assert map_state(display, window.window) == "IsViewable"

        # The close button hides the window; the app (and its server) keep running.
        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        wait_map_state(display, window.window, "IsUnMapped")
        assert app.proc.poll() is None
        assert page.evaluate("fetch('api/settings').then(r => r.json())")["close_to_tray"] is True

        # The tray brings it back, and Quit really quits.
        (services / "tray-click-Show_Hide Kitdesk").write_text("")
        wait_map_state(display, window.window, "IsViewable")
        page.close()
        (services / "tray-click-Quit Kitdesk").write_text("")
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        app.kill()
    assert json.loads((home / "config" / "window.json").read_text())["width"] > 0


def test_the_tray_and_the_shortcut_reason_speak_the_persons_language(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    services = tmp_path / "services"
    # No language chosen: the system's (German here) decides, for the tray as for the page.
    app = launch_with_services(home, display, upstream, services, {"LANG": "de_DE.UTF-8"})
    try:
        page = harness.attach(app)
        harness.wait_interactive(page)
        page.wait_for("document.documentElement.lang === 'de'", 30, "the page in German")
        tray = wait_for_lines(services / "tray.jsonl", 1)
        labels = [label.replace("&", "") for _id, label in tray[0]["menu"]]  # type: ignore[union-attr]
        assert labels == [
            "Neuer Chat",
            "Neues Fenster",
            "Schnellfrage",
            "Kitdesk zeigen/ausblenden",
            "Kitdesk beenden",
        ]

        # A shortcut the window cannot use is refused in the page's language.
        harness.wait_for_bridge(page)
        reason = page.evaluate("window.pywebview.api.set_quick_ask_hotkey('Nope', 'fr')")
        assert reason.startswith("« Nope » n’est pas une combinaison de touches")

        # Japanese chosen in Settings: the tray says so the next time its menu opens.
        saved = page.evaluate(
            "fetch('api/settings', {method: 'PUT', headers: {'Content-Type': 'application/json'},"
            " body: JSON.stringify({language: 'ja'})}).then(r => r.json())"
        )
        assert saved["language"] == "ja"
        (services / "tray-open").write_text("")
        tray = wait_for_lines(services / "tray.jsonl", 2)
        labels = [label.replace("&", "") for _id, label in tray[1]["menu"]]  # type: ignore[union-attr]
        assert labels == [
            "新しいチャット",
            "新しいウィンドウ",
            "クイック質問",
            "Kitdesk を表示/非表示",
            "Kitdesk を終了",
        ]
        page.close()
        (services / "tray-click-Kitdesk を終了").write_text("")
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        app.kill()
