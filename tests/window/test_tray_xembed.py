"""The tray icon in a real XEmbed system tray, clicked with the pointer, its menu on screen.

test_tray_and_notifications.py reads the menu over D-Bus, as a StatusNotifier panel
does. Here there is no StatusNotifierWatcher on the bus, so Qt docks its icon in
Debian's ``trayer``, a classic system tray, and draws the menu itself: the test
right-clicks the docked icon with xdotool, finds the popup menu window on screen,
grabs a screenshot of the tray and the open menu (test-artifacts/window/tray.png;
with KITDESK_UPDATE_DOCS=1 also docs/tray.png, the README's), then picks each entry
with the keyboard and checks what it did to the app.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.upstream import Turn, Upstream
from tests.window import harness, x11, xembed_tray
from tests.window.test_tray_and_notifications import (
    EXIT_TIMEOUT,
    LAST_THREAD,
    map_state,
    wait_map_state,
)
from tests.window.xembed_tray import Box

pytestmark = pytest.mark.window

ARTIFACTS = harness.REPO / "test-artifacts" / "window"
DOCS_SCREENSHOT = harness.REPO / "docs" / "tray.png"
SCREEN = Box(0, 0, 1024, 640)  # small enough that the crop holds the conversation
QUICK_TITLE = "Kitdesk Quick Ask"
RIGHT, LEFT = 3, 1
# The menu's entries from the top (a separator before Quit is skipped by the arrow keys).
NEW_CHAT, NEW_WINDOW, QUICK_ASK, SHOW_HIDE, QUIT = range(1, 6)
QUESTION = "What is in the tray menu?"
ANSWER = (
    "Right-click the Kitdesk icon for **New chat**, **New window**, **Quick ask**,"
    " **Show/Hide** and **Quit**. A left click shows or hides the window."
)


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    require(shutil.which("trayer") is not None, "trayer is not installed (tests/system-deps.sh)")
    require(shutil.which("xdotool") is not None, "xdotool is not installed (tests/system-deps.sh)")
    with harness.window_display(screenshots=True, width=SCREEN.width, height=SCREEN.height) as name:
        yield name


def choose(display: str, icon: int, entry: int) -> None:
    """Open the tray menu with a right click and pick the ``entry``-th item with the keys."""
    xembed_tray.click(display, icon, RIGHT)
    xembed_tray.wait_for_menu(display)
    xembed_tray.keys(display, *["Down"] * entry, "Return")
    xembed_tray.wait_for_no_menu(display)


def main_windows(display: str) -> list[x11.TopLevel]:
    with x11.Display(display) as dpy:
        return dpy.find("Kitdesk")


def test_the_tray_icon_docks_in_an_xembed_tray_and_its_menu_works(
    display: str, upstream: Upstream, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    # The window under the panel, filling the rest of the screen, as a desktop would place it.
    panel_height = xembed_tray.PANEL_HEIGHT
    # Updates already answered: no first-run question in the picture.
    (home / "config" / "settings.json").write_text(json.dumps({"updates": "off"}))
    (home / "config" / "window.json").write_text(
        json.dumps(
            {
                "width": SCREEN.width,
                "height": SCREEN.height - panel_height,
                "x": 0,
                "y": panel_height,
            }
        )
    )
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": upstream.base_url,
    }
    with xembed_tray.trayer(display, SCREEN.width) as panel:
        # dbus-run-session: a session bus with no StatusNotifierWatcher, so Qt uses XEmbed.
        app = harness.launch(
            harness.dev_command(),
            home=home,
            display=display,
            env=env,
            log_path=tmp_path / "kitdesk.log",
        )
        try:
            page = harness.attach(app)
            harness.wait_interactive(page)
            upstream.script(Turn(text=ANSWER))
            upstream.script_title(Turn(text="The tray menu"))
            harness.send_message(page, QUESTION)
            page.wait_for(
                page.query(
                    "openai-chatkit",
                    ".shadowRoot.textContent.includes('A left click shows or hides')",
                ),
                60,
                "the answer",
            )
            thread_id = page.wait_for(LAST_THREAD, 30, "the thread's id")
            deadline = time.monotonic() + 30
            while "The tray menu" not in page.text():  # the title, named after the answer
                assert time.monotonic() < deadline, "the chat's title did not arrive"
                time.sleep(0.2)

            icon = xembed_tray.wait_for_icon(display, panel)
            icon_box = xembed_tray.geometry(display, icon)
            assert icon_box.bottom <= panel_height and icon_box.right > SCREEN.width // 2
            log = (home / "logs" / "kitdesk.log").read_text(encoding="utf-8")
            assert "tray icon shown (system tray available: True)" in log

            # A right click opens the menu under the icon, drawn by Qt on top of the window.
            xembed_tray.click(display, icon, RIGHT)
            menu = xembed_tray.wait_for_menu(display)
            menu_box = xembed_tray.geometry(display, menu)
            assert menu_box.y >= icon_box.y and menu_box.right <= SCREEN.right
            assert menu_box.width > 100 and menu_box.height > 100  # five entries, not a stub
            # The picture: the panel's right end, the icon and the open menu over the window.
            shown = icon_box.around(menu_box, margin_x=600, margin_y=175, screen=SCREEN)
            shot = xembed_tray.grab_settled(
                display, shown, menu_box.within(shown), ARTIFACTS / "tray.png"
            )
            icon_spread = xembed_tray.spread(shot, icon_box.within(shown))
            assert icon_spread > xembed_tray.BLANK, "the tray icon is blank in the screenshot"
            if os.environ.get("KITDESK_UPDATE_DOCS") == "1":
                shutil.copyfile(shot, DOCS_SCREENSHOT)
            xembed_tray.keys(display, "Escape")
            xembed_tray.wait_for_no_menu(display)

            # Each entry, picked in the menu, does its own thing.
            choose(display, icon, NEW_CHAT)
            page.wait_for(f"{LAST_THREAD} === null", 30, "a new chat from the tray menu")
            assert thread_id.startswith("thr")

            (window,) = main_windows(display)
            choose(display, icon, SHOW_HIDE)
            wait_map_state(display, window.window, "IsUnMapped")
            xembed_tray.click(display, icon, LEFT)  # a left click shows it again
            wait_map_state(display, window.window, "IsViewable")

            with x11.Display(display) as dpy:  # made at start, hidden until asked for
                hidden = dpy.find(QUICK_TITLE)
            assert all(map_state(display, w.window) != "IsViewable" for w in hidden)
            choose(display, icon, QUICK_ASK)
            quick = x11.wait_for_window(display, QUICK_TITLE)
            wait_map_state(display, quick.window, "IsViewable")

            choose(display, icon, NEW_WINDOW)
            second = harness.attach(app, other_than=frozenset({page.target_id}))
            harness.wait_interactive(second)
            assert len(main_windows(display)) == 2
            assert map_state(display, window.window) == "IsViewable"
            page.close()
            second.close()

            choose(display, icon, QUIT)
            assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
        finally:
            app.kill()
