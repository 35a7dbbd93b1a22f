"""The hotkey's words become each platform's codes (pure functions, so they run on any OS),
and the Windows message-loop thread registers, calls back, refuses and releases.

Windows and macOS are not available on this machine: their codes are checked against
the documented constants (WinUser.h ``MOD_*``/``VK_*``, Carbon Events.h ``cmdKey``/
``kVK_*``), and the Windows thread runs against a stand-in for user32 that behaves as
the documentation says (WM_HOTKEY to the registering thread, error 1409 when taken).
"""

from __future__ import annotations

import queue
import threading

import pytest
from kitdesk.window.hotkey import Hotkey, HotkeyError, HotkeyTaken, QuickAskHotkey
from kitdesk.window.hotkey_macos import mac_codes
from kitdesk.window.hotkey_windows import (
    ERROR_HOTKEY_ALREADY_REGISTERED,
    WM_HOTKEY,
    WM_QUIT,
    WindowsHotkey,
    windows_codes,
)
from kitdesk.window.hotkey_x11 import x_modifier_names


def test_words_become_a_neutral_hotkey() -> None:
    assert Hotkey.parse("Ctrl+Alt+Space") == Hotkey(("ctrl", "alt"), "space")
    assert Hotkey.parse("super + K") == Hotkey(("super",), "k")
    assert Hotkey.parse("Shift+Cmd+Option+F5") == Hotkey(("alt", "shift", "super"), "F5")
    assert Hotkey.parse("ctrl+control+Enter") == Hotkey(("ctrl",), "Return")
    assert Hotkey.parse("Alt+PageDown") == Hotkey(("alt",), "Next")
    assert Hotkey.parse("Ctrl+`") == Hotkey(("ctrl",), "grave")
    assert x_modifier_names(Hotkey.parse("Win+Ctrl+Alt+Shift+A")) == (
        "Control",
        "Mod1",
        "Shift",
        "Mod4",
    )


def test_bad_words_get_a_sentence_in_the_persons_language() -> None:
    with pytest.raises(HotkeyError, match="not a key combination") as single:
        Hotkey.parse("Space")
    assert single.value.sentence("de").startswith("„Space“ ist keine Tastenkombination")
    with pytest.raises(HotkeyError, match="“Hyper” is not a modifier") as modifier:
        Hotkey.parse("Hyper+Space")
    assert modifier.value.sentence("fr") == (
        "« Hyper » n’est pas une touche de modification (utilisez Ctrl, Alt, Shift ou Super)."
    )
    assert HotkeyTaken().sentence("ja") == (
        "このショートカットは別のプログラムが使用しています。別のものを選んでください。"
    )


@pytest.mark.parametrize(
    ("words", "modifiers", "vk"),
    [
        ("Ctrl+Alt+Space", 0x4000 | 0x0002 | 0x0001, 0x20),
        ("Win+Shift+K", 0x4000 | 0x0008 | 0x0004, 0x4B),  # 'K'
        ("Ctrl+7", 0x4000 | 0x0002, 0x37),
        ("Alt+F1", 0x4000 | 0x0001, 0x70),
        ("Alt+F24", 0x4000 | 0x0001, 0x87),
        ("Ctrl+Enter", 0x4000 | 0x0002, 0x0D),
        ("Ctrl+Esc", 0x4000 | 0x0002, 0x1B),
        ("Ctrl+PageUp", 0x4000 | 0x0002, 0x21),
        ("Ctrl+Down", 0x4000 | 0x0002, 0x28),
        ("Ctrl+,", 0x4000 | 0x0002, 0xBC),  # VK_OEM_COMMA
        ("Ctrl+`", 0x4000 | 0x0002, 0xC0),  # VK_OEM_3
        ("Ctrl+[", 0x4000 | 0x0002, 0xDB),  # VK_OEM_4
    ],
)
def test_windows_codes(words: str, modifiers: int, vk: int) -> None:
    assert windows_codes(Hotkey.parse(words)) == (modifiers, vk)


@pytest.mark.parametrize(
    ("words", "modifiers", "key_code"),
    [
        ("Cmd+Option+Space", 0x0100 | 0x0800, 0x31),  # cmdKey | optionKey, kVK_Space
        ("Ctrl+Shift+A", 0x1000 | 0x0200, 0x00),  # controlKey | shiftKey, kVK_ANSI_A
        ("Cmd+K", 0x0100, 0x28),
        ("Cmd+J", 0x0100, 0x26),
        ("Cmd+5", 0x0100, 0x17),
        ("Cmd+0", 0x0100, 0x1D),
        ("Cmd+F1", 0x0100, 0x7A),
        ("Cmd+F12", 0x0100, 0x6F),
        ("Cmd+F20", 0x0100, 0x5A),
        ("Ctrl+Enter", 0x1000, 0x24),
        ("Ctrl+Backspace", 0x1000, 0x33),  # kVK_Delete
        ("Ctrl+Delete", 0x1000, 0x75),  # kVK_ForwardDelete
        ("Ctrl+Left", 0x1000, 0x7B),
        ("Ctrl+`", 0x1000, 0x32),  # kVK_ANSI_Grave
        ("Ctrl+'", 0x1000, 0x27),  # kVK_ANSI_Quote
    ],
)
def test_macos_codes(words: str, modifiers: int, key_code: int) -> None:
    assert mac_codes(Hotkey.parse(words)) == (modifiers, key_code)


def test_every_letter_and_digit_has_a_distinct_code_on_each_platform() -> None:
    keys = [*"abcdefghijklmnopqrstuvwxyz0123456789"]
    mac = {mac_codes(Hotkey(("super",), key))[1] for key in keys}
    win = {windows_codes(Hotkey(("ctrl",), key))[1] for key in keys}
    assert len(mac) == len(win) == len(keys)


@pytest.mark.parametrize("codes", [windows_codes, mac_codes])
def test_keys_a_platform_lacks_are_refused_with_a_sentence(codes: object) -> None:
    assert callable(codes)
    for words in ("Ctrl+XF86AudioPlay", "Ctrl+F25"):
        with pytest.raises(HotkeyError) as refused:
            codes(Hotkey.parse(words))
        assert refused.value.sentence("en").endswith("is not a key this keyboard has.")


class StandInUser32:
    """Behaves as user32 is documented to: one message queue per thread; a combination
    registered by any thread (any program) is refused with error 1409 until released."""

    held: set[tuple[int, int]] = set()
    queues: dict[int, queue.Queue[tuple[int, int]]] = {}
    lock = threading.Lock()

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        with self.lock:
            self.queues.setdefault(self.thread, queue.Queue())
        self.registered: dict[int, tuple[int, int]] = {}

    def current_thread_id(self) -> int:
        return self.thread

    def register(self, hotkey_id: int, modifiers: int, vk: int) -> int:
        combination = (modifiers & ~0x4000, vk)
        with self.lock:
            if combination in self.held:
                return ERROR_HOTKEY_ALREADY_REGISTERED
            self.held.add(combination)
        self.registered[hotkey_id] = combination
        return 0

    def unregister(self, hotkey_id: int) -> None:
        with self.lock:
            self.held.discard(self.registered.pop(hotkey_id))

    def next_message(self) -> tuple[int, int] | None:
        message = self.queues[self.thread].get(timeout=30)
        return None if message[0] == WM_QUIT else message

    def post_quit(self, thread_id: int) -> None:
        self.queues[thread_id].put((WM_QUIT, 0))

    @classmethod
    def press(cls, modifiers: int, vk: int) -> None:
        """What Windows does on a key press: WM_HOTKEY to each thread that registered it."""
        for each in list(cls.queues.values()):
            each.put((WM_HOTKEY, 0x4B44))


def test_the_windows_thread_registers_calls_back_refuses_and_releases() -> None:
    pressed = threading.Event()
    first = WindowsHotkey(Hotkey.parse("Ctrl+Alt+K"), pressed.set, "Ctrl+Alt+K", StandInUser32)
    try:
        with pytest.raises(HotkeyTaken):
            WindowsHotkey(Hotkey.parse("Ctrl+Alt+K"), lambda: None, "", StandInUser32)
        StandInUser32.press(0x0003, 0x4B)
        assert pressed.wait(20), "WM_HOTKEY did not reach the callback"
    finally:
        first.stop()
    assert not first._thread.is_alive()
    assert StandInUser32.held == set()  # unregistered on the way out
    WindowsHotkey(Hotkey.parse("Ctrl+Alt+K"), lambda: None, "", StandInUser32).stop()


def test_the_app_hotkey_reports_why_in_the_language_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.delenv("DISPLAY", raising=False)
    app_hotkey = QuickAskHotkey(lambda: None)
    assert app_hotkey.set("Ctrl+Alt+Space", "es").startswith(
        "Wayland no permite que las aplicaciones definan atajos globales."
    )
    assert "kitdesk --quick-ask" in app_hotkey.set("Ctrl+Alt+Space", "ar")
    assert app_hotkey.set("Nope", "zh-CN").startswith("“Nope”不是组合键")


def test_a_wayland_session_is_refused_even_with_xwayland(monkeypatch: pytest.MonkeyPatch) -> None:
    from kitdesk.window.hotkey import global_hotkeys_supported

    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("DISPLAY", ":0")  # XWayland
    assert global_hotkeys_supported("linux") == "hotkey.wayland"
    monkeypatch.delenv("WAYLAND_DISPLAY")
    assert global_hotkeys_supported("linux") is None
    monkeypatch.delenv("DISPLAY")
    assert global_hotkeys_supported("linux") == "hotkey.no_display"
    assert global_hotkeys_supported("win32") is None
    assert global_hotkeys_supported("darwin") is None
