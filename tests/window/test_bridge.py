"""The JS bridge: what pywebview would expose, and what each function does."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import webview
from kitdesk.paths import Paths
from kitdesk.window.bridge import EXPOSED, Bridge, exposed_functions, safe_export_name


class SaveDialog:
    """A stand-in for the native save dialog that answers with a chosen path."""

    def __init__(self, answer: str | tuple[str, ...] | None) -> None:
        self.answer = answer
        self.asked: list[dict[str, object]] = []

    def create_file_dialog(
        self,
        dialog_type: int = 10,
        directory: str = "",
        allow_multiple: bool = False,
        save_filename: str = "",
        file_types: tuple[str, ...] = (),
    ) -> object:
        self.asked.append(
            {
                "type": dialog_type,
                "directory": directory,
                "save_filename": save_filename,
                "file_types": file_types,
                "allow_multiple": allow_multiple,
            }
        )
        return self.answer


def make_bridge(paths: Paths, dialog: SaveDialog) -> tuple[Bridge, list[Path], list[str]]:
    opened: list[Path] = []
    copied: list[str] = []
    bridge = Bridge(paths, dialog, copied.append, open_folder=opened.append)
    return bridge, opened, copied


def test_the_page_can_reach_exactly_nine_functions(kitdesk_home: Paths) -> None:
    bridge, _, _ = make_bridge(kitdesk_home, SaveDialog(None))
    functions = exposed_functions(bridge)
    assert [f.__name__ for f in functions] == list(EXPOSED)
    assert set(EXPOSED) == {
        "open_data_folder",
        "open_log_folder",
        "save_export",
        "choose_folder",
        "choose_backup_file",
        "copy_to_clipboard",
        "answer_finished",
        "set_quick_ask_hotkey",
        "new_window",
    }
    # If the object were ever handed to pywebview as js_api, its public surface is the same.
    public = {
        name
        for name, member in inspect.getmembers(bridge)
        if not name.startswith("_") and callable(member)
    }
    assert public == set(EXPOSED)


def test_the_window_registers_them_by_exact_name(kitdesk_home: Paths) -> None:
    window = webview.create_window("bridge-test", html="<p></p>")
    assert window is not None
    try:
        bridge, _, _ = make_bridge(kitdesk_home, SaveDialog(None))
        window.expose(*exposed_functions(bridge))
        # pywebview resolves a page's call by exact name in this dict; js_api stays unset.
        assert set(window._functions) == set(EXPOSED)
        assert window._js_api is None
    finally:
        webview.windows.remove(window)


def test_folders_open_where_the_data_and_logs_are(kitdesk_home: Paths) -> None:
    bridge, opened, _ = make_bridge(kitdesk_home, SaveDialog(None))
    assert bridge.open_data_folder() is True
    assert bridge.open_log_folder() is True
    assert opened == [kitdesk_home.data_dir, kitdesk_home.log_dir]


def test_save_export_writes_the_chosen_file(kitdesk_home: Paths, tmp_path: Path) -> None:
    target = tmp_path / "chosen.md"
    dialog = SaveDialog((str(target),))
    bridge, _, _ = make_bridge(kitdesk_home, dialog)
    content = "# Thread\n\nline one\r\nünïcode ✓\n"
    assert bridge.save_export("../../etc/My Chat.md", content) == str(target)
    assert target.read_bytes() == content.encode("utf-8")
    assert dialog.asked[0]["save_filename"] == "My Chat.md"
    assert list(tmp_path.glob(".*.part")) == []


def test_choose_folder_answers_the_folder_picked_or_none(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    dialog = SaveDialog((str(tmp_path),))
    bridge, _, _ = make_bridge(kitdesk_home, dialog)
    assert bridge.choose_folder() == str(tmp_path)
    assert dialog.asked[0]["type"] == webview.FileDialog.FOLDER
    dialog.answer = None
    assert bridge.choose_folder() is None


def test_choose_backup_file_opens_on_the_backups_and_answers_the_file_or_none(
    kitdesk_home: Paths, tmp_path: Path
) -> None:
    picked = tmp_path / "kitdesk-backup-20261201-100000.zip"
    kitdesk_home.backups_dir.mkdir(parents=True, exist_ok=True)
    dialog = SaveDialog((str(picked),))
    bridge, _, _ = make_bridge(kitdesk_home, dialog)
    assert bridge.choose_backup_file() == str(picked)
    asked = dialog.asked[0]
    assert asked["type"] == webview.FileDialog.OPEN and asked["allow_multiple"] is False
    assert asked["directory"] == str(kitdesk_home.backups_dir)
    assert asked["file_types"] == ("Kitdesk backups (*.zip)", "All files (*.*)")
    dialog.answer = str(picked)  # some backends answer a plain string
    assert bridge.choose_backup_file() == str(picked)
    for cancelled in (None, ()):
        dialog.answer = cancelled
        assert bridge.choose_backup_file() is None


def test_a_cancelled_save_writes_nothing(kitdesk_home: Paths, tmp_path: Path) -> None:
    bridge, _, _ = make_bridge(kitdesk_home, SaveDialog(None))
    assert bridge.save_export("chat.md", "text") is None
    assert list(tmp_path.iterdir()) == [kitdesk_home.data_dir.parent]


def test_save_export_refuses_what_is_not_text(kitdesk_home: Paths) -> None:
    bridge, _, _ = make_bridge(kitdesk_home, SaveDialog(None))
    with pytest.raises(TypeError, match="must be text"):
        bridge.save_export("chat.md", {"not": "text"})  # type: ignore[arg-type]


def test_copy_to_clipboard_hands_the_text_to_the_toolkit(kitdesk_home: Paths) -> None:
    bridge, _, copied = make_bridge(kitdesk_home, SaveDialog(None))
    assert bridge.copy_to_clipboard("copy me") is True
    assert copied == ["copy me"]
    with pytest.raises(TypeError, match="only text"):
        bridge.copy_to_clipboard(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("chat.md", "chat.md"),
        ("../secret/../chat.json", "chat.json"),
        ("C:\\Users\\x\\chat.md", "CUsersxchat.md"),
        ("a<b>:c?.md", "abc.md"),
        ("", "kitdesk-export.txt"),
        ("...", "kitdesk-export.txt"),
        (None, "kitdesk-export.txt"),
        ("x" * 300 + ".md", "x" * 120),
    ],
)
def test_export_names_are_plain_file_names(given: object, expected: str) -> None:
    assert safe_export_name(given) == expected


def test_a_finished_answer_is_handed_on_with_its_words(kitdesk_home: Paths) -> None:
    finished: list[tuple[str, str, str]] = []
    bridge = Bridge(
        kitdesk_home,
        SaveDialog(None),
        lambda text: None,
        open_folder=lambda folder: None,
        on_answer_finished=lambda *args: finished.append(args),
    )
    assert bridge.answer_finished("thr_1", "Answer ready", "x" * 900) is True
    assert finished == [("thr_1", "Answer ready", "x" * 500)]
    with pytest.raises(ValueError, match="thread id"):
        bridge.answer_finished("", "t", "b")
    with pytest.raises(TypeError):
        bridge.answer_finished("thr_1", 5, "b")  # type: ignore[arg-type]


def test_the_hotkey_reason_comes_in_the_pages_language_or_the_settings(
    kitdesk_home: Paths,
) -> None:
    asked: list[tuple[str, str]] = []

    def set_hotkey(words: str, language: str) -> str:
        asked.append((words, language))
        return ""

    bridge = Bridge(kitdesk_home, SaveDialog(None), lambda _: None, set_hotkey=set_hotkey)
    assert bridge.set_quick_ask_hotkey("Ctrl+Alt+Space", "de-AT") == ""
    kitdesk_home.settings_path.write_text('{"language": "ja"}')
    assert bridge.set_quick_ask_hotkey("Ctrl+Alt+K") == ""  # no language: the setting's
    assert bridge.set_quick_ask_hotkey("Ctrl+Alt+L", "ko") == ""  # unshipped: the setting's
    assert asked == [("Ctrl+Alt+Space", "de"), ("Ctrl+Alt+K", "ja"), ("Ctrl+Alt+L", "ja")]
    without = Bridge(kitdesk_home, SaveDialog(None), lambda _: None)
    assert without.set_quick_ask_hotkey("Ctrl+Alt+K", "fr") == (
        "Les raccourcis globaux ne sont pas disponibles dans cette fenêtre."
    )


def test_a_new_window_opens_on_a_new_chat_or_the_thread_named(kitdesk_home: Paths) -> None:
    opened: list[str | None] = []
    bridge = Bridge(kitdesk_home, SaveDialog(None), lambda _: None, new_window=opened.append)
    assert bridge.new_window() is True
    assert bridge.new_window("thr_abc") is True
    assert opened == [None, "thr_abc"]
    for bad in ("", "x" * 201, 7):
        with pytest.raises(ValueError, match="thread id is not valid"):
            bridge.new_window(bad)  # type: ignore[arg-type]
    assert opened == [None, "thr_abc"]
    assert Bridge(kitdesk_home, SaveDialog(None), lambda _: None).new_window("thr_x") is False
