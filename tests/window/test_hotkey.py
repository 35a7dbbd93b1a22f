"""The global hotkey on a real X server (Xvfb): parsed from words, pressed with xdotool,
and refused with a sentence when another client already holds the combination."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator

import pytest
from kitdesk.window.hotkey import Hotkey, HotkeyError, HotkeyTaken, QuickAskHotkey, grab_hotkey

from tests.conftest import require
from tests.window import x11

pytestmark = pytest.mark.window


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (tests/system-deps.sh)")
    require(shutil.which("xdotool") is not None, "xdotool is not installed (tests/system-deps.sh)")
    with x11.xvfb() as name:
        yield name


def test_words_become_a_hotkey_or_a_reason() -> None:
    assert Hotkey.parse("Ctrl+Alt+Space") == Hotkey(("ctrl", "alt"), "space")
    assert Hotkey.parse("super + K") == Hotkey(("super",), "k")
    with pytest.raises(HotkeyError, match="not a key combination"):
        Hotkey.parse("Space")
    with pytest.raises(HotkeyError, match="“Hyper” is not a modifier"):
        Hotkey.parse("Hyper+Space")


def test_a_press_anywhere_calls_back_and_a_held_combination_is_refused(
    display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    pressed = threading.Event()
    first = grab_hotkey("Ctrl+Alt+K", pressed.set)
    try:
        # A second client (another program) cannot take the same combination.
        with pytest.raises(HotkeyTaken, match="Another program already uses this shortcut"):
            grab_hotkey("Ctrl+Alt+K", lambda: None)
        subprocess.run(
            ["xdotool", "key", "ctrl+alt+k"], env={**os.environ, "DISPLAY": display}, check=True
        )
        assert pressed.wait(20), "the hotkey press did not arrive"
    finally:
        first.stop()
    # Released: now another client may have it.
    grab_hotkey("Ctrl+Alt+K", lambda: None).stop()


def test_wayland_without_x_is_told_where_to_bind_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(HotkeyError, match="kitdesk --quick-ask"):
        grab_hotkey("Ctrl+Alt+Space", lambda: None)


def test_the_app_hotkey_switches_and_keeps_the_old_one_when_refused(
    display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    pressed = threading.Event()
    app_hotkey = QuickAskHotkey(pressed.set)
    held_elsewhere = grab_hotkey("Ctrl+Alt+J", lambda: None)  # another program's shortcut
    try:
        assert app_hotkey.set("Ctrl+Alt+L") == ""
        refused = app_hotkey.set("Ctrl+Alt+J")
        assert refused == "Another program already uses this shortcut. Choose another one."
        assert app_hotkey.set("Nope").startswith("“Nope” is not a key combination")
        # The reason comes in the language the page asks for.
        assert app_hotkey.set("Ctrl+Alt+J", "de") == (
            "Ein anderes Programm verwendet dieses Tastenkürzel bereits. Wähle ein anderes."
        )
        # Still listening for the one that worked.
        env = {**os.environ, "DISPLAY": display}
        subprocess.run(["xdotool", "key", "ctrl+alt+l"], env=env, check=True)
        assert pressed.wait(20), "the kept hotkey did not arrive"
        assert app_hotkey.set("") == ""  # off: the combination is free again
        grab_hotkey("Ctrl+Alt+L", lambda: None).stop()
    finally:
        app_hotkey.stop()
        held_elsewhere.stop()
