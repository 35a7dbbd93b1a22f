"""Quick ask in the real window: the global hotkey (pressed with xdotool while another
program has focus) shows the always-on-top quick window, an answer streams there from the
fake upstream, "Continue in Kitdesk" hands the thread to the main window, Esc hides it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from kitdesk.window.hotkey import grab_hotkey

from tests.upstream import Upstream
from tests.window import cdp, harness, x11
from tests.window.test_tray_and_notifications import (
    EXIT_TIMEOUT,
    LAST_THREAD,
    display,  # noqa: F401  # the module-scoped Xvfb fixture
    focus_another_window,
    launch_with_services,
    map_state,
    wait_for_lines,
    wait_map_state,
)

pytestmark = pytest.mark.window

ARTIFACTS = harness.REPO / "test-artifacts" / "window"  # docs/quick-ask.png is a copy
QUICK_TITLE = "Kitdesk Quick Ask"


# The quick page's own word that its Nth show can take typing: a fresh question,
# its composer focused, the window holding the keyboard (web UI desktop.ts).
def ready(show: int) -> str:
    return f"document.documentElement.getAttribute('data-quick-ready') === '{show}'"


def wait_ready(quick: cdp.Page, show: int, screen: str) -> None:
    """Wait for the Nth show to take typing; a timeout says where the keyboard was."""
    try:
        quick.wait_for(ready(show), 30, f"show {show} ready for typing")
    except TimeoutError as error:
        page = quick.evaluate(
            "JSON.stringify({pageFocused: document.hasFocus(), "
            "readyShow: document.documentElement.getAttribute('data-quick-ready')})"
        )
        focus = subprocess.run(
            ["xdotool", "getwindowfocus", "getwindowname"],
            env={"DISPLAY": screen, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
        )
        raise AssertionError(f"{error}: page {page}, X focus on {focus.stdout.strip()!r}") from None


def press(screen: str, keys: str) -> None:
    env = {"DISPLAY": screen, "PATH": "/usr/bin:/bin"}
    subprocess.run(["xdotool", "key", keys], env=env, check=True)


def wait_text(page: object, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in page.text():  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, f"{text!r} did not appear"
        time.sleep(0.2)


def test_hotkey_quick_window_answers_and_hands_over(
    display: str,  # noqa: F811
    upstream: Upstream,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    services = tmp_path / "services"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.json").write_text(json.dumps({"quick_ask_hotkey": "Ctrl+Alt+K"}))
    app = launch_with_services(home, display, upstream, services)
    other = None
    try:
        main = harness.attach(app)
        harness.wait_interactive(main)
        quick = harness.attach(app, quick=True)
        harness.wait_interactive(quick)
        tray = wait_for_lines(services / "tray.jsonl", 1)
        labels = [label.replace("&", "") for _id, label in tray[0]["menu"]]  # type: ignore[union-attr]
        assert labels == [
            "New chat",
            "New window",
            "Quick ask",
            "Show/Hide Kitdesk",
            "Quit Kitdesk",
        ]

        # Another program has the focus; the hotkey brings the quick window up on top.
        other = focus_another_window(display)
        press(display, "ctrl+alt+k")
        window = x11.wait_for_window(display, QUICK_TITLE)
        wait_map_state(display, window.window, "IsViewable")

        # A question gets its answer streamed in the quick window. Showing starts a fresh
        # question with its composer focused: the person just types, no click (the page is
        # still being laid out at its new size right after the window maps).
        wait_ready(quick, 1, display)
        quick.type_text("What is quick ask?")
        quick.press_enter()
        wait_text(quick, "Echo: What is quick ask?")
        assert quick.evaluate(quick.query(".ck-assistant", ".isConnected")) is True
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "import",
                "-display",
                display,
                "-window",
                str(window.window),
                str(ARTIFACTS / "quick-ask.png"),
            ],
            check=True,
        )

        # "Continue in Kitdesk": the main window opens that thread, the quick one hides.
        quick.click('[data-testid="continue-in-kitdesk"]')
        wait_map_state(display, window.window, "IsUnMapped")
        thread_id = main.wait_for(LAST_THREAD, 30, "the handed-over thread")
        wait_text(main, "Echo: What is quick ask?")
        with sqlite3.connect(home / "data" / "kitdesk.db") as db:
            stored = [row[0] for row in db.execute("SELECT id FROM threads")]
        assert stored == [thread_id]

        # The hotkey again shows it on a fresh question; Esc hides it.
        press(display, "ctrl+alt+k")
        wait_map_state(display, window.window, "IsViewable")
        wait_ready(quick, 2, display)
        # A fresh question, not the handed-over one: no answer on screen.
        assert quick.evaluate(quick.query(".ck-assistant", ".isConnected")) is None
        press(display, "Escape")
        wait_map_state(display, window.window, "IsUnMapped")
        assert map_state(display, window.window) == "IsUnMapped"

        # `kitdesk --quick-ask` (what a Wayland desktop shortcut runs) asks the running app.
        second = subprocess.run(
            [*harness.dev_command(), "--quick-ask"],
            env=harness.base_env(display) | {"KITDESK_HOME": str(home)},
            capture_output=True,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr.decode(errors="replace")
        wait_map_state(display, window.window, "IsViewable")
        wait_ready(quick, 3, display)
        main.close()
        quick.close()
        (services / "tray-click-Quit Kitdesk").write_text("")
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        if other is not None:
            other.kill()
            other.wait(10)
        app.kill()


def test_the_shortcut_is_tried_in_settings_and_refused_when_another_program_holds_it(
    display: str,  # noqa: F811
    upstream: Upstream,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    held = grab_hotkey("Ctrl+Alt+J", lambda: None)  # another program's global shortcut
    home = tmp_path / "home"
    services = tmp_path / "services"
    app = launch_with_services(home, display, upstream, services)
    field = '[data-testid="quick-ask-hotkey"]'
    state = "document.querySelector('[data-testid=\"quick-ask-state\"]').innerText"
    try:
        main = harness.attach(app)
        harness.wait_interactive(main)
        main.evaluate(
            "window.dispatchEvent(new KeyboardEvent('keydown', {key: ',', ctrlKey: true}))"
        )
        main.wait_for(
            """(() => {
              const b = [...document.querySelectorAll('.kd-nav-item')]
                .find(b => b.textContent.trim() === 'Appearance');
              if (!b) return false;
              b.click();
              return true;
            })()""",
            30,
            "the Appearance section",
        )
        main.wait_for(f"document.querySelector('{field}') !== null", 30, "the shortcut field")

        # The desktop section has the two window settings, saved as they are clicked.
        settings = "fetch('api/settings').then(r => r.json())"
        before = main.evaluate(settings)
        assert (before["close_to_tray"], before["notify_when_done"]) == (False, True)
        main.click('input[name="close_to_tray"]')
        main.wait_for(f"{settings}.then(s => s.close_to_tray === true)", 30, "close to tray saved")
        main.click('input[name="notify_when_done"]')
        main.wait_for(f"{settings}.then(s => s.notify_when_done === false)", 30, "notify saved")

        main.click(field)
        main.type_text("Ctrl+Alt+J")
        main.click('[data-testid="quick-ask-apply"]')
        refused = main.wait_for(f"{state}.includes('Another program') && {state}", 30, "a refusal")
        assert refused == "Another program already uses this shortcut. Choose another one."
        saved = main.evaluate("fetch('api/settings').then(r => r.json())")
        assert saved["quick_ask_hotkey"] == ""

        main.evaluate(f"document.querySelector('{field}').select()")
        main.type_text("Ctrl+Alt+M")
        main.click('[data-testid="quick-ask-apply"]')
        main.wait_for(f"{state} === 'Saved'", 30, "the shortcut saved")
        saved = main.evaluate("fetch('api/settings').then(r => r.json())")
        assert saved["quick_ask_hotkey"] == "Ctrl+Alt+M"

        press(display, "ctrl+alt+m")
        window = x11.wait_for_window(display, QUICK_TITLE)
        wait_map_state(display, window.window, "IsViewable")
        main.close()
        (services / "tray-click-Quit Kitdesk").write_text("")
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        held.stop()
        app.kill()
