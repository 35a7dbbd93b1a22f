"""Organising the history in the real browser: pin, archive and restore (by the
keyboard too), a folder whose system prompt reaches the provider for a chat
dragged into it and for a new chat started in it, and a selection (checkbox,
Ctrl and Shift click) exported, moved and deleted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.chat import open_chat, send, threads, wait_until_answered
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.upstream import Turn, Upstream, system_text

pytestmark = pytest.mark.browser

SLOW = 30_000


def make_chat(server: KitdeskServer, upstream: Upstream, title: str) -> str:
    """A chat with one answered message, named ``title``, through the ChatKit protocol."""
    upstream.script(Turn(text=f"Answer for {title}."))
    body = {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": f"Question about {title}"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
    with server.client() as client:
        reply = client.post("/chatkit", json=body)
    assert reply.status_code == 200, reply.text
    thread_id = next(t["id"] for t in threads(server) if t["id"] not in _seen)
    _seen.add(thread_id)
    server.api(
        "POST",
        "/chatkit",
        {"type": "threads.update", "params": {"thread_id": thread_id, "title": title}},
    )
    return thread_id


_seen: set[str] = set()


@pytest.fixture(autouse=True)
def _forget_threads() -> None:
    _seen.clear()


def sidebar(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Chat history")


def row(page: Page, title: str) -> Locator:
    return sidebar(page).locator(".ck-hrow", has=page.locator(".ck-hrow-title", has_text=title))


def view_button(page: Page, name: str) -> Locator:
    """A list in the sidebar (all chats, a folder, Archived): a button and a drop target."""
    return sidebar(page).locator("button.ck-view", has_text=name)


def listed_titles(page: Page) -> list[str]:
    return [t.strip() for t in sidebar(page).locator(".ck-hgroup .ck-hrow-title").all_inner_texts()]


def folder_threads(server: KitdeskServer, folder_id: str) -> set[str]:
    body = server.api("GET", f"/api/organise/threads?view=folder&folder={folder_id}")
    return {t["title"] for t in body["data"]}


def test_pin_archive_restore_and_export_one_chat_with_the_mouse_and_the_keyboard(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
    tmp_path: Path,
) -> None:
    page.set_default_timeout(SLOW)
    for title in ("Alpha", "Bravo", "Charlie"):
        make_chat(ready_server, upstream, title)
    open_chat(page, ready_server)
    expect(row(page, "Alpha")).to_be_visible()
    assert listed_titles(page) == ["Charlie", "Bravo", "Alpha"]

    row(page, "Alpha").hover()
    page.get_by_role("button", name="More actions for Alpha").click()
    page.get_by_role("menuitem", name="Pin").click()
    expect(sidebar(page).get_by_role("heading", name="Pinned")).to_be_visible()
    expect(sidebar(page).locator(".ck-hrow-title").first).to_have_text("Alpha")
    first: dict[str, Any] = threads(ready_server)[0]
    assert first["title"] == "Alpha" and first["metadata"]["pinned"] is True

    # Archive Bravo with the keyboard only: its menu button, Enter, arrows, Enter.
    sidebar(page).get_by_role("button", name="Bravo", exact=True).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="More actions for Bravo")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Open in new window")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Pin")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Archive")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row(page, "Bravo")).to_have_count(0)
    assert [t["title"] for t in threads(ready_server)] == ["Alpha", "Charlie"]

    # Still searchable; listed in Archived, and restored from there.
    sidebar(page).get_by_role("searchbox").fill("Bravo")
    expect(sidebar(page).locator(".ck-hrow-title", has_text="Bravo")).to_be_visible()
    sidebar(page).get_by_role("button", name="Clear search").click()
    view_button(page, "Archived").click()
    expect(row(page, "Bravo")).to_be_visible()
    assert listed_titles(page) == ["Bravo"]
    screenshot(page, "organise-archived")
    row(page, "Bravo").hover()
    page.get_by_role("button", name="More actions for Bravo").click()
    page.get_by_role("menuitem", name="Restore").click()
    expect(sidebar(page).get_by_text("No archived chats.")).to_be_visible()
    view_button(page, "All chats").click()
    expect(row(page, "Bravo")).to_be_visible()
    assert listed_titles(page) == ["Alpha", "Charlie", "Bravo"]

    # One chat exported from its menu, as Kitdesk JSON (a download in a browser).
    row(page, "Charlie").hover()
    page.get_by_role("button", name="More actions for Charlie").click()
    with page.expect_download() as download_info:
        page.get_by_role("menuitem", name="Export as Kitdesk JSON").click()
    download = download_info.value
    assert download.suggested_filename == "Charlie.json"
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    document = json.loads(exported.read_text(encoding="utf-8"))
    text = json.dumps(document)
    assert "Answer for Charlie." in text and "Answer for Alpha." not in text
    expect(sidebar(page).get_by_role("status")).to_have_text("Saved Charlie.json")
    assert not page_errors.errors, page_errors.errors


def test_a_folder_system_prompt_reaches_the_provider_for_a_dragged_chat_and_a_new_one(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(SLOW)
    make_chat(ready_server, upstream, "Outside")
    open_chat(page, ready_server)

    sidebar(page).get_by_role("button", name="New folder").click()
    editor = sidebar(page).get_by_role("form", name="New folder")
    editor.get_by_label("Folder name").fill("Français")
    editor.get_by_label("System prompt for chats in this folder").fill("Answer in French.")
    editor.get_by_role("button", name="Save").click()
    folder_button = view_button(page, "Français")
    expect(folder_button).to_be_visible()
    (folder,) = ready_server.api("GET", "/api/organise/folders")["folders"]
    assert folder["system_prompt"] == "Answer in French."

    row(page, "Outside").drag_to(folder_button)
    expect(folder_button).to_contain_text("1")
    assert folder_threads(ready_server, folder["id"]) == {"Outside"}

    folder_button.click()
    assert listed_titles(page) == ["Outside"]
    sidebar(page).get_by_role("button", name="Outside", exact=True).click()
    upstream.script(Turn(text="Bien sûr."))
    send(page, "Go on")
    wait_until_answered(page, 2)
    assert system_text(upstream.chat_requests[-1].json) == "Answer in French."

    # A new chat started while the folder is shown is born in it, with its prompt.
    page.get_by_role("button", name="New chat").click()
    upstream.script(Turn(text="Bonjour !"))
    send(page, "Hello, new chat")
    wait_until_answered(page, 1)
    assert system_text(upstream.chat_requests[-1].json) == "Answer in French."
    expect(sidebar(page).locator(".ck-hgroup .ck-hrow")).to_have_count(2)
    assert len(folder_threads(ready_server, folder["id"])) == 2

    # Edit the folder: no prompt any more; the next turn uses Settings' prompt.
    sidebar(page).get_by_role("button", name="Actions for the folder Français").click()
    page.get_by_role("menuitem", name="Edit folder").click()
    editor = sidebar(page).get_by_role("form", name="Edit folder")
    editor.get_by_label("System prompt for chats in this folder").fill("")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_have_count(0)
    upstream.script(Turn(text="Fine."))
    send(page, "And now?")
    wait_until_answered(page, 2)
    assert "Answer in French." not in system_text(upstream.chat_requests[-1].json)
    screenshot(page, "organise-folder")
    assert not page_errors.errors, page_errors.errors


def test_a_selection_is_exported_moved_and_deleted(
    page: Page,
    ready_server: KitdeskServer,
    upstream: Upstream,
    page_errors: PageErrors,
    tmp_path: Path,
) -> None:
    page.set_default_timeout(SLOW)
    for title in ("One", "Two", "Three", "Four"):
        make_chat(ready_server, upstream, title)
    work = ready_server.api("POST", "/api/organise/folders", {"name": "Work"})
    open_chat(page, ready_server)
    expect(row(page, "One")).to_be_visible()
    assert listed_titles(page) == ["Four", "Three", "Two", "One"]

    # Ctrl click selects one chat; Shift click extends to a range.
    sidebar(page).get_by_role("button", name="Four", exact=True).click(modifiers=["Control"])
    sidebar(page).get_by_role("button", name="Two", exact=True).click(modifiers=["Shift"])
    bar = sidebar(page).get_by_role("toolbar")
    expect(bar.get_by_role("status")).to_have_text("3 chats selected")

    bar.get_by_role("button", name="Export").click()
    with page.expect_download() as download_info:
        page.get_by_role("menuitem", name="Markdown").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".md")
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    text = exported.read_text(encoding="utf-8")
    assert all(f"Answer for {t}." in text for t in ("Four", "Three", "Two"))
    assert "Answer for One." not in text

    bar.get_by_role("button", name="Move to folder").click()
    page.get_by_role("menuitem", name="Work").click()
    expect(view_button(page, "Work")).to_contain_text("3")
    assert folder_threads(ready_server, work["id"]) == {"Four", "Three", "Two"}

    # Escape (or Done) leaves selecting; the Select chats toggle enters checkbox mode.
    sidebar(page).get_by_role("button", name="One", exact=True).focus()
    page.keyboard.press("Escape")
    expect(bar).to_have_count(0)
    toggle = sidebar(page).get_by_role("button", name="Select chats")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    # Checkbox mode: tick two chats, delete them after the confirm.
    sidebar(page).get_by_role("checkbox", name="Select One").check()
    sidebar(page).get_by_role("checkbox", name="Select Three").check()
    expect(bar.get_by_role("status")).to_have_text("2 chats selected")
    bar.get_by_role("button", name="Delete").click()
    expect(bar.get_by_text("Delete 2 chats?")).to_be_visible()
    bar.get_by_role("button", name="Delete").click()
    expect(row(page, "One")).to_have_count(0)
    expect(row(page, "Three")).to_have_count(0)
    assert sorted(t["title"] for t in threads(ready_server)) == ["Four", "Two"]
    assert not page_errors.errors, page_errors.errors


def checked_titles(page: Page) -> list[str]:
    """The chats whose checkbox is ticked, in list order."""
    boxes = sidebar(page).get_by_role("checkbox")
    return [
        (boxes.nth(i).get_attribute("aria-label") or "").removeprefix("Select ")
        for i in range(boxes.count())
        if boxes.nth(i).is_checked()
    ]


def test_the_keyboard_extends_toggles_and_selects_all(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    """Shift+ArrowDown/Up grow and shrink a range from where it started, Space toggles the
    chat with the focus, Ctrl+A selects every chat shown; the selection is a real one."""
    page.set_default_timeout(SLOW)
    for title in ("Alpha", "Bravo", "Charlie", "Delta", "Echo"):
        make_chat(ready_server, upstream, title)
    open_chat(page, ready_server)
    expect(row(page, "Alpha")).to_be_visible()
    assert listed_titles(page) == ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]
    bar = sidebar(page).get_by_role("toolbar")
    count = bar.get_by_role("status")

    sidebar(page).get_by_role("button", name="Delta", exact=True).focus()
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowDown")
    expect(count).to_have_text("3 chats selected")
    assert checked_titles(page) == ["Delta", "Charlie", "Bravo"]
    expect(sidebar(page).get_by_role("button", name="Bravo", exact=True)).to_be_focused()
    page.keyboard.press("Shift+ArrowUp")
    expect(count).to_have_text("2 chats selected")
    assert checked_titles(page) == ["Delta", "Charlie"]
    expect(sidebar(page).get_by_role("button", name="Charlie", exact=True)).to_be_focused()

    # Plain arrows move without selecting; Space toggles the chat with the focus.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(count).to_have_text("3 chats selected")
    assert checked_titles(page) == ["Delta", "Charlie", "Alpha"]
    page.keyboard.press("Space")
    expect(count).to_have_text("2 chats selected")

    page.keyboard.press("Control+a")
    expect(count).to_have_text("5 chats selected")
    assert checked_titles(page) == ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]
    # Ctrl+A in the search field stays the field's own (select its text).
    search = sidebar(page).get_by_role("searchbox")
    page.keyboard.press("Escape")
    expect(bar).to_have_count(0)
    sidebar(page).get_by_role("button", name="Select chats").click()
    search.fill("Question about")  # every chat matches: the results are rows too
    expect(sidebar(page).locator(".ck-hrow")).to_have_count(5)
    search.press("Control+a")
    assert search.evaluate("(input) => input.selectionEnd - input.selectionStart") == 14
    expect(bar.get_by_role("status")).to_have_text("0 chats selected")
    search.fill("")

    # The keyboard's selection acts like any other: archive two chats.
    sidebar(page).get_by_role("button", name="Echo", exact=True).focus()
    page.keyboard.press("Shift+ArrowDown")
    expect(count).to_have_text("2 chats selected")
    bar.get_by_role("button", name="Archive").click()
    expect(row(page, "Echo")).to_have_count(0)
    expect(row(page, "Delta")).to_have_count(0)
    assert listed_titles(page) == ["Charlie", "Bravo", "Alpha"]
    assert not page_errors.errors, page_errors.errors


def test_the_row_menu_of_the_last_chat_opens_upward_inside_a_short_window(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(SLOW)
    titles = [f"Chat {n}" for n in range(1, 9)]
    for title in titles:
        make_chat(ready_server, upstream, title)
    height = 420
    page.set_viewport_size({"width": 1000, "height": height})
    ready_server.api("POST", "/api/organise/folders", {"name": "Work"})  # one more menu item
    open_chat(page, ready_server)
    last = row(page, "Chat 1")
    last.scroll_into_view_if_needed()
    last.hover()
    trigger = last.get_by_role("button", name="More actions for Chat 1")
    trigger.click()
    menu = page.get_by_role("menu", name="More actions for Chat 1")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    anchor = trigger.bounding_box()
    assert box is not None and anchor is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1000, box
    assert box["y"] + box["height"] <= anchor["y"], (box, anchor)  # opened upward
    items = menu.get_by_role("menuitem")
    expect(items.first).to_be_focused()
    expect(items.last).to_be_in_viewport(ratio=1)
    screenshot(page, "organise-row-menu-upward")

    # Every item is reachable: the last (Export as HTML) by the keyboard, Archive by a click.
    page.keyboard.press("End")
    expect(items.last).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    trigger.click()
    menu.get_by_role("menuitem", name="Archive").click()
    expect(row(page, "Chat 1")).to_have_count(0)

    # A row near the top still opens its menu downward.
    first = row(page, "Chat 8")
    first.hover()
    first.get_by_role("button", name="More actions for Chat 8").click()
    top_menu = page.get_by_role("menu", name="More actions for Chat 8")
    top_box = top_menu.bounding_box()
    top_anchor = first.get_by_role("button", name="More actions for Chat 8").bounding_box()
    assert top_box is not None and top_anchor is not None
    assert top_box["y"] >= top_anchor["y"] + top_anchor["height"]
    assert top_box["y"] + top_box["height"] <= height
    assert not page_errors.errors, page_errors.errors
