"""New window in the real app: Ctrl+Shift+N and the tray open more main windows, each on its
own thread, and a chat's "Open in new window" opens one on that chat; closing one while
another is open keeps the app (and its server) running."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.upstream import Upstream
from tests.window import cdp, harness, x11
from tests.window.test_tray_and_notifications import (
    EXIT_TIMEOUT,
    LAST_THREAD,
    display,  # noqa: F401  # the module-scoped Xvfb fixture
    launch_with_services,
    wait_for_lines,
)

pytestmark = pytest.mark.window

NEW_WINDOW_KEYS = (
    "window.dispatchEvent(new KeyboardEvent('keydown', "
    "{key: 'N', ctrlKey: true, shiftKey: true, cancelable: true})) === false"
)


def main_windows(screen: str) -> list[int]:
    """The X ids of the open main windows, oldest first."""
    with x11.Display(screen) as dpy:
        return sorted(t.window for t in dpy.find("Kitdesk"))


def wait_main_windows(screen: str, count: int, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(found := main_windows(screen)) != count:
        assert time.monotonic() < deadline, f"wanted {count} main windows, saw {len(found)}"
        time.sleep(0.1)
    return found


# Marks the open menu's entry with the given words, so a real click can find it.
MARK_MENU_ENTRY = """((label) => {
  const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  for (const root of roots)
    for (const item of root.querySelectorAll('[role=menuitem]'))
      if (item.textContent.trim() === label) {
        item.setAttribute('data-test-entry', '');
        return true;
      }
  return false;
})"""


def open_in_new_window(page: cdp.Page, thread_id: str) -> None:
    """The chat's menu in the sidebar, then "Open in new window", with real clicks."""
    row = f'button.ck-hrow-main[data-row-id="{thread_id}"]'
    menu = f'li:has(> {row}) button[aria-label^="More actions"]'
    # The row comes with the chat list; its menu once the window has learnt that the
    # server can organise chats (a request of its own, which may answer later).
    page.wait_for(page.query(menu, " !== null"), 30, "the chat's menu in the sidebar")
    page.evaluate(page.query(row, ".focus()"))  # shows the row's actions, as hovering does
    page.click(menu)
    page.wait_for(f"{MARK_MENU_ENTRY}('Open in new window')", 10, "the chat's menu")
    page.click("[data-test-entry]")


def ask(page: cdp.Page, question: str) -> str:
    """Send a question, wait for its echo; the id of the thread it went to."""
    harness.send_message(page, question)
    deadline = time.monotonic() + 30
    while f"Echo: {question}" not in page.text():
        assert time.monotonic() < deadline, f"no answer to {question!r}"
        time.sleep(0.2)
    return page.wait_for(LAST_THREAD, 30, "the thread's id")


def test_new_windows_keep_their_own_threads_and_closing_one_keeps_the_app(
    display: str,  # noqa: F811
    upstream: Upstream,
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    services = tmp_path / "services"
    app = launch_with_services(home, display, upstream, services)
    try:
        first = harness.attach(app)
        harness.wait_interactive(first)
        wait_for_lines(services / "tray.jsonl", 1)
        first_thread = ask(first, "Question in the first window")
        assert wait_main_windows(display, 1)

        # Ctrl+Shift+N: the page takes the shortcut and a second window opens on a new chat.
        assert first.evaluate(NEW_WINDOW_KEYS) is True  # the page handled it (preventDefault)
        first_x, second_x = wait_main_windows(display, 2)
        second = harness.attach(app, other_than=frozenset({first.target_id}))
        harness.wait_interactive(second)
        assert second.evaluate(LAST_THREAD) is None
        second_thread = ask(second, "Question in the second window")
        assert second_thread != first_thread

        # Each window keeps its own thread.
        assert first.evaluate(LAST_THREAD) == first_thread
        assert "Question in the second window" not in first.text()
        assert "Question in the first window" not in second.text()

        # The tray's New window opens a third.
        (services / "tray-click-New window").write_text("")
        wait_main_windows(display, 3)
        third = harness.attach(app, other_than=frozenset({first.target_id, second.target_id}))
        harness.wait_interactive(third)

        # A chat's "Open in new window" in the sidebar: a fourth window opens on that chat.
        open_in_new_window(third, first_thread)
        wait_main_windows(display, 4)
        opened = frozenset({first.target_id, second.target_id, third.target_id})
        fourth = harness.attach(app, other_than=opened)
        harness.wait_interactive(fourth)
        fourth.wait_for(f"{LAST_THREAD} === {json.dumps(first_thread)}", 30, "the chosen chat")
        deadline = time.monotonic() + 30
        while "Echo: Question in the first window" not in fourth.text():
            assert time.monotonic() < deadline, "the chosen chat is not on screen"
            time.sleep(0.2)
        assert fourth.evaluate("location.hash") == ""  # the fragment did its job and left
        assert third.evaluate(LAST_THREAD) is None  # the window it was asked from stays put

        # Closing the first window closes just that one: the app and the others stay.
        first.close()
        with x11.Display(display) as dpy:
            dpy.request_close(first_x)
        remaining = wait_main_windows(display, 3)
        assert first_x not in remaining and second_x in remaining
        assert app.proc.poll() is None
        saved = second.evaluate("fetch('api/settings').then(r => r.status)")
        assert saved == 200
        assert second.evaluate(LAST_THREAD) == second_thread

        # The tray's New chat now acts on the front window (the second).
        (services / "tray-click-New chat").write_text("")
        second.wait_for(f"{LAST_THREAD} === null", 30, "a new chat in the second window")

        second.close()
        third.close()
        fourth.close()
        (services / "tray-click-Quit Kitdesk").write_text("")
        assert app.wait(EXIT_TIMEOUT) == 0, app.output()[-3000:]
    finally:
        app.kill()
