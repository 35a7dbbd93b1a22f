"""Settings > Data in the real browser: export everything as a download, import a
ChatGPT export and the Kitdesk export back (progress, result line), a damaged file's
sentence, and back up then restore with its confirm."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from kitdesk.paths import resolve_paths
from kitdesk.transfer.backup import verify_backup
from playwright.sync_api import Page, expect

from tests.browser.chat import assistant_messages, open_chat, send, threads, wait_until_answered
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.transfer.fixtures import chatgpt_linear, truncate, write_chatgpt_zip, write_json
from tests.upstream import Turn, Upstream

pytestmark = pytest.mark.browser

SLOW = 30_000


def open_data_settings(page: Page) -> None:
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("Control+Comma")
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog).to_be_visible()
    dialog.get_by_role("navigation", name="Settings sections").get_by_role(
        "button", name="Data"
    ).click()


def test_export_everything_then_import_a_chatgpt_export_and_the_export_back(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
    tmp_path: Path,
) -> None:
    page.set_default_timeout(SLOW)
    open_chat(page, ready_server)
    upstream.script(Turn(text="Bonjour from the café."))
    send(page, "Say hello from Café 日本")
    wait_until_answered(page, 1)

    open_data_settings(page)
    dialog = page.get_by_role("dialog", name="Settings")
    dialog.get_by_label("Format").select_option(label="Kitdesk JSON")
    with page.expect_download() as download_info:
        dialog.get_by_role("button", name="Export everything").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert "Bonjour from the café." in text and "Say hello from Café 日本" in text
    json.loads(text)  # a whole document, not a truncated one
    expect(dialog.get_by_text(f"Saved {download.suggested_filename}.")).to_be_visible()

    # A ChatGPT export (the zip ChatGPT emails): two conversations come in.
    archive = write_chatgpt_zip(
        tmp_path / "chatgpt export.zip",
        [chatgpt_linear("c1", 4, title="Imported one"), chatgpt_linear("c2", 2, title="Two")],
    )
    dialog.get_by_label("Import a file…").set_input_files(archive)
    result = dialog.get_by_test_id("import-result")
    expect(result).to_have_text("Imported 2 conversations and 6 messages; 0 skipped.")
    screenshot(page, "settings-data-import")
    assert {t["title"] for t in threads(ready_server)} >= {"Imported one", "Two"}

    # The Kitdesk export back: everything is already here, nothing is added twice.
    dialog.get_by_label("Import a file…").set_input_files(exported)
    expect(result).to_have_text(re.compile(r"Imported 0 conversations .* 1 were already here\."))
    assert len(threads(ready_server)) == 3

    # A truncated file: the server's sentence, nothing half-imported.
    broken = truncate(
        write_json(tmp_path / "conversations.json", [chatgpt_linear("c9", 30, title="Cut")])
    )
    dialog.get_by_label("Import a file…").set_input_files(broken)
    expect(dialog.get_by_role("alert")).to_be_visible()
    assert dialog.get_by_role("alert").inner_text().strip()
    assert "Cut" not in {t["title"] for t in threads(ready_server)}

    # The chat's history saw the import without a reload.
    page.keyboard.press("Escape")
    history = page.get_by_role("navigation", name="Chat history")
    expect(history.get_by_text("Imported one")).to_be_visible()
    assert page_errors.errors == []


def test_back_up_now_then_restore_with_a_confirm(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
    tmp_path: Path,
) -> None:
    page.set_default_timeout(SLOW)
    open_chat(page, ready_server)
    upstream.script(Turn(text="Kept in the backup."), Turn(text="Made after it."))
    send(page, "Before the backup")
    wait_until_answered(page, 1)

    open_data_settings(page)
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog.get_by_text("No backups yet.")).to_be_visible()
    # In a browser the backup is also downloaded: the browser puts it where the person says.
    with page.expect_download() as download_info:
        dialog.get_by_role("button", name="Back up now").click()
    download = download_info.value
    assert re.fullmatch(r"kitdesk-backup-.*\.zip", download.suggested_filename)
    downloaded = tmp_path / download.suggested_filename
    download.save_as(downloaded)
    assert verify_backup(downloaded).schema_version > 0
    expect(dialog.get_by_text(re.compile(r"Backed up to kitdesk-backup-.*\.zip\."))).to_be_visible()
    backups = dialog.get_by_role("list", name="Backups")
    expect(backups.get_by_role("listitem")).to_have_count(1)
    expect(backups).to_contain_text("Made by you")

    page.keyboard.press("Escape")
    page.keyboard.press("Control+n")
    send(page, "After the backup")
    wait_until_answered(page, 1)
    titles = {t["id"]: t["title"] for t in threads(ready_server)}
    assert len(titles) == 2 and all(titles.values())
    history = page.get_by_role("navigation", name="Chat history")
    for title in titles.values():
        expect(history.get_by_text(title, exact=True)).to_be_visible()

    open_data_settings(page)
    backups.get_by_role("button", name=re.compile(r"^Restore the backup from ")).click()
    confirm = dialog.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Your current database is kept as a backup first")
    confirm.get_by_role("button", name="Restore this backup").click()
    expect(dialog.get_by_text(re.compile(r"^Restored .*kept as a backup\.$"))).to_be_visible()
    assert len(threads(ready_server)) == 1
    expect(backups.get_by_role("listitem")).to_have_count(2)
    expect(backups).to_contain_text("Before a restore")

    # The window behind shows the restored conversations, on the new-chat screen.
    [kept] = threads(ready_server)
    page.keyboard.press("Escape")
    expect(history.get_by_text(kept["title"], exact=True)).to_be_visible()
    for thread_id, title in titles.items():
        if thread_id != kept["id"]:
            expect(history.get_by_text(title, exact=True)).to_have_count(0)
    expect(assistant_messages(page)).to_have_count(0)
    assert page_errors.errors == []


def test_in_the_window_back_up_now_writes_to_the_folder_picked(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors, tmp_path: Path
) -> None:
    """The window's bridge answers the native folder dialog with a path; the server writes there."""
    chosen = tmp_path / "Sauvegardes 日本"
    chosen.mkdir()
    page.set_default_timeout(SLOW)
    answer = json.dumps(str(chosen))
    page.add_init_script(
        "window.__asked = 0;"
        "window.pywebview = {api: {choose_folder: async () => {"
        f"window.__asked += 1; return window.__asked === 1 ? null : {answer}; }}}}}};"
    )
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_data_settings(page)
    dialog = page.get_by_role("dialog", name="Settings")
    button = dialog.get_by_role("button", name="Back up now")
    button.click()  # the dialog cancelled: nothing is written
    page.wait_for_function("window.__asked === 1")
    expect(button).to_be_enabled()
    assert list(chosen.iterdir()) == []
    button.click()
    expect(
        dialog.get_by_text(re.compile(r"^Backed up to .*kitdesk-backup-.*\.zip\.$"))
    ).to_be_visible()
    [written] = list(chosen.iterdir())
    assert verify_backup(written).schema_version > 0
    assert dialog.get_by_text(str(written)).count() == 1
    expect(dialog.get_by_text("No backups yet.")).to_be_visible()  # not in the data folder
    assert page_errors.errors == []


def import_through_api(server: KitdeskServer, path: Path) -> None:
    with server.client() as client:
        job = client.post("/api/data/import", content=path.read_bytes()).json()
        deadline = time.monotonic() + 60
        while job["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
            job = client.get(f"/api/data/import/{job['id']}").json()
    assert job["state"] == "done", job


def test_restore_from_a_file_outside_the_backup_list_by_upload(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors, tmp_path: Path
) -> None:
    """In a browser "Restore from file…" uploads the file; a damaged one is refused with
    the server's reason and changes nothing; a good one replaces the conversations."""
    page.set_default_timeout(SLOW)
    import_through_api(
        ready_server, write_json(tmp_path / "a.json", [chatgpt_linear("a", 2, "Kept")])
    )
    made = ready_server.api("POST", "/api/data/backups", {})
    elsewhere = tmp_path / "Sauvegarde – Café.zip"  # moved out of the data folder's list
    Path(made["path"]).rename(elsewhere)
    import_through_api(
        ready_server, write_json(tmp_path / "b.json", [chatgpt_linear("b", 2, "Later")])
    )
    damaged = tmp_path / "notes.zip"
    damaged.write_text("not a backup at all")

    open_chat(page, ready_server)
    history = page.get_by_role("navigation", name="Chat history")
    for title in ("Kept", "Later"):
        expect(history.get_by_text(title, exact=True)).to_be_visible()
    open_data_settings(page)
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog.get_by_text("No backups yet.")).to_be_visible()

    dialog.get_by_label("Restore from file…").set_input_files(damaged)
    confirm = dialog.get_by_role("alertdialog", name="Restore notes.zip")
    expect(confirm).to_contain_text("Your current database is kept as a backup first")
    confirm.get_by_role("button", name="Restore this backup").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        re.compile(
            r"^notes\.zip cannot be restored: it is not a readable zip file "
            r".*Nothing was changed\.$"
        )
    )
    expect(confirm).to_have_count(0)
    assert sorted(t["title"] for t in threads(ready_server)) == ["Kept", "Later"]
    expect(dialog.get_by_text("No backups yet.")).to_be_visible()

    # Cancel changes nothing either; then the good file, chosen again, is restored.
    dialog.get_by_label("Restore from file…").set_input_files(elsewhere)
    confirm = dialog.get_by_role("alertdialog", name="Restore Sauvegarde – Café.zip")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    dialog.get_by_label("Restore from file…").set_input_files(elsewhere)
    confirm.get_by_role("button", name="Restore this backup").click()
    expect(
        dialog.get_by_text(
            "Restored Sauvegarde – Café.zip. Your previous conversations were kept as a backup."
        )
    ).to_be_visible()
    assert [t["title"] for t in threads(ready_server)] == ["Kept"]
    backups = dialog.get_by_role("list", name="Backups")
    expect(backups.get_by_role("listitem")).to_have_count(1)
    expect(backups).to_contain_text("Before a restore")
    assert not list(resolve_paths(ready_server.home).cache_dir.glob("restore-*"))

    page.keyboard.press("Escape")
    expect(history.get_by_text("Kept", exact=True)).to_be_visible()
    expect(history.get_by_text("Later", exact=True)).to_have_count(0)
    # The one refusal is the damaged file's 422, shown above as its sentence.
    assert [e for e in page_errors.errors if "HTTP 422" not in e] == []
    assert len(page_errors.errors) == 1 and "/api/data/restore/upload" in page_errors.errors[0]


def test_in_the_window_restore_from_file_uses_the_path_picked(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors, tmp_path: Path
) -> None:
    """The window's bridge answers the native open dialog with a path; the server restores it."""
    page.set_default_timeout(SLOW)
    import_through_api(
        ready_server, write_json(tmp_path / "a.json", [chatgpt_linear("a", 2, "Kept")])
    )
    made = ready_server.api("POST", "/api/data/backups", {})
    picked = tmp_path / "Backups 日本" / "old.zip"
    picked.parent.mkdir()
    Path(made["path"]).rename(picked)
    import_through_api(
        ready_server, write_json(tmp_path / "b.json", [chatgpt_linear("b", 2, "Later")])
    )
    answer = json.dumps(str(picked))
    page.add_init_script(
        "window.__asked = 0;"
        "window.pywebview = {api: {choose_backup_file: async () => {"
        f"window.__asked += 1; return window.__asked === 1 ? null : {answer}; }}}}}};"
    )
    page.goto(ready_server.url)
    expect(page.locator("openai-chatkit")).to_be_attached()
    open_data_settings(page)
    dialog = page.get_by_role("dialog", name="Settings")
    button = dialog.get_by_role("button", name="Restore from file…")
    button.click()  # the dialog cancelled: nothing to confirm
    page.wait_for_function("window.__asked === 1")
    expect(dialog.get_by_role("alertdialog")).to_have_count(0)
    button.click()
    confirm = dialog.get_by_role("alertdialog", name="Restore old.zip")
    confirm.get_by_role("button", name="Restore this backup").click()
    expect(dialog.get_by_text(re.compile(r"^Restored old\.zip\. "))).to_be_visible()
    assert [t["title"] for t in threads(ready_server)] == ["Kept"]
    assert picked.is_file()  # restored where it is, not moved or deleted
    assert page_errors.errors == []
