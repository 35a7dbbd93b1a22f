"""The prompt library in the real browser: "/" at the start of the composer lists
the saved prompts, typing filters them, arrows and Enter pick, Esc closes; a
prompt with {{variables}} asks for each once in a small form, then fills the
composer without sending; Settings › Prompts adds, edits, deletes, exports and
imports (the same file twice adds nothing; a bad file gets a sentence)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.chat import open_chat, user_messages, wait_until_answered
from tests.browser.conftest import KitdeskServer, PageErrors, screenshot
from tests.browser.test_settings import open_settings, section
from tests.upstream import Turn, Upstream, last_user_text

pytestmark = pytest.mark.browser

SLOW = 30_000
REVIEW = "Review this {{language}} code for bugs:\n{{ code }}\nKeep the {{code}} style."
SUMMARIZE = "Summarize the text above in three bullet points."


def prompt_composer(page: Page) -> Locator:
    """The composer once the library has prompts: a combobox, its popup the "/" menu."""
    return page.get_by_role("combobox", name="Message", exact=True)


def command_menu(page: Page) -> Locator:
    return page.get_by_role("listbox", name="Commands")


def stored_prompts(server: KitdeskServer) -> list[dict[str, str]]:
    return server.api("GET", "/api/prompts")["prompts"]


def test_slash_lists_filters_and_fills_prompts(
    page: Page, ready_server: KitdeskServer, upstream: Upstream, page_errors: PageErrors
) -> None:
    page.set_default_timeout(SLOW)
    for name, text in [
        ("Review code", REVIEW),
        ("Summarize", SUMMARIZE),
        ("Translate", "Translate {{text}} into {{target language}}."),
    ]:
        ready_server.api("POST", "/api/prompts", {"name": name, "text": text})
    page.goto(ready_server.url)
    box = prompt_composer(page)
    expect(box).to_be_visible()

    # "/" at the start lists every prompt, with its first line as the description.
    box.press_sequentially("/")
    menu = command_menu(page)
    expect(menu.get_by_role("option")).to_have_count(3)
    expect(menu.get_by_role("option").first).to_contain_text("Review this {{language}} code")
    # Typing filters (names, then texts).
    box.press_sequentially("tr")
    expect(menu.get_by_role("option")).to_have_count(1)
    expect(menu.get_by_role("option")).to_contain_text("Translate")
    # Esc closes the menu and leaves the draft.
    box.press("Escape")
    expect(menu).to_have_count(0)
    expect(box).to_have_value("/tr")

    # A "/" that does not start the draft opens nothing.
    box.fill("")
    box.press_sequentially("see /")
    page.wait_for_timeout(400)  # longer than the menu's search delay
    expect(menu).to_have_count(0)

    # Arrow down + Enter picks the second prompt; without variables it fills at once.
    box.fill("")
    box.press_sequentially("/")
    expect(menu.get_by_role("option")).to_have_count(3)
    box.press("ArrowDown")
    expect(menu.get_by_role("option").nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value(SUMMARIZE)
    expect(menu).to_have_count(0)

    # A prompt with variables asks for each one once, previews, then fills.
    box.fill("")
    box.press_sequentially("/rev")
    expect(menu.get_by_role("option")).to_have_count(1)
    box.press("Enter")
    form = page.get_by_role("dialog", name="Fill in Review code")
    expect(form).to_be_visible()
    expect(form.get_by_role("textbox")).to_have_count(2)
    expect(form.get_by_label("language", exact=True)).to_be_focused()
    form.get_by_label("language", exact=True).fill("Python")
    form.get_by_label("code", exact=True).fill("print('hi')")
    filled = "Review this Python code for bugs:\nprint('hi')\nKeep the print('hi') style."
    expect(form.get_by_test_id("prompt-preview")).to_have_text(filled)
    screenshot(page, "prompt-variables-form")
    form.get_by_role("button", name="Use prompt").click()
    expect(form).to_have_count(0)
    expect(box).to_have_value(filled)
    expect(box).to_be_focused()
    # Filling never sends: the person does.
    assert user_messages(page).count() == 0
    assert upstream.chat_requests == []

    upstream.script(Turn(text="Looks fine."))
    box.press("Enter")
    wait_until_answered(page, 1)
    assert last_user_text(upstream.chat_requests[-1].json) == filled

    # Esc in the form cancels it: nothing is filled in.
    box.press_sequentially("/tr")
    expect(menu.get_by_role("option")).to_have_count(1)
    box.press("Enter")
    dialog = page.get_by_role("dialog", name="Fill in Translate")
    expect(dialog.get_by_label("target language", exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(box).to_have_value("")
    assert page_errors.errors == []


def test_settings_add_edit_delete_export_and_import(
    page: Page, ready_server: KitdeskServer, page_errors: PageErrors, tmp_path: Path
) -> None:
    page.set_default_timeout(SLOW)
    open_chat(page, ready_server)
    open_settings(page)
    section(page, "Prompts")
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog.get_by_text("No saved prompts yet.")).to_be_visible()

    dialog.get_by_role("button", name="Add prompt").click()
    form = dialog.get_by_role("form", name="New prompt")
    form.get_by_label("Name").fill("Café 日本")
    form.get_by_label("Prompt").fill("Plan a trip to {{city}} for {{ days }} days in {{city}}.")
    expect(form.get_by_text("Asks for: city, days")).to_be_visible()
    form.get_by_role("button", name="Save").click()
    prompts = dialog.get_by_role("list", name="Saved prompts")
    expect(prompts.get_by_role("listitem")).to_have_count(1)
    expect(prompts).to_contain_text("Asks for: city, days")

    # A second prompt with the same name is refused with the server's sentence.
    dialog.get_by_role("button", name="Add prompt").click()
    form.get_by_label("Name").fill("café 日本")
    form.get_by_label("Prompt").fill("Other")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_have_text(
        "There is already a prompt named “café 日本”. Choose another name."
    )
    form.get_by_role("button", name="Cancel").click()

    prompts.get_by_role("button", name="Edit Café 日本").click()
    edit = dialog.get_by_role("form", name="Edit Café 日本")
    edit.get_by_label("Name").fill("Trip")
    edit.get_by_role("button", name="Save").click()
    expect(prompts.get_by_role("heading", name="Trip")).to_be_visible()
    assert [p["name"] for p in stored_prompts(ready_server)] == ["Trip"]
    screenshot(page, "settings-prompts")

    # Export: a download in the documented format.
    with page.expect_download() as download_info:
        dialog.get_by_role("button", name="Export prompts").click()
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    document = json.loads(exported.read_text("utf-8"))
    assert (document["format"], document["version"]) == ("kitdesk-prompts", 1)
    assert [(p["name"], p["text"]) for p in document["prompts"]] == [
        ("Trip", "Plan a trip to {{city}} for {{ days }} days in {{city}}.")
    ]

    # Import the export back: nothing added. A file with one more prompt adds it.
    dialog.get_by_label("Import prompts…").set_input_files(exported)
    expect(dialog.get_by_role("status")).to_have_text("Added: 0. Already here: 1. Renamed: 0.")
    document["prompts"].append({"name": "Polite", "text": "Say it politely: {{text}}"})
    grown = tmp_path / "more prompts.json"
    grown.write_text(json.dumps(document), "utf-8")
    dialog.get_by_label("Import prompts…").set_input_files(grown)
    expect(dialog.get_by_role("status")).to_have_text("Added: 1. Already here: 1. Renamed: 0.")
    expect(prompts.get_by_role("listitem")).to_have_count(2)

    # A file that is not a prompt library: a sentence, nothing changes.
    bad = tmp_path / "notes.json"
    bad.write_text('{"conversations": []}', "utf-8")
    dialog.get_by_label("Import prompts…").set_input_files(bad)
    expect(dialog.get_by_role("alert")).to_have_text(
        'This file is not a Kitdesk prompt library (it lacks "format": "kitdesk-prompts").'
    )
    assert len(stored_prompts(ready_server)) == 2

    # Delete, after a confirm.
    prompts.get_by_role("button", name="Delete Polite").click()
    confirm = dialog.get_by_role("alertdialog", name="Delete the prompt Polite?")
    confirm.get_by_role("button", name="Delete").click()
    expect(prompts.get_by_role("listitem")).to_have_count(1)
    assert [p["name"] for p in stored_prompts(ready_server)] == ["Trip"]

    # The composer's menu saw the changes without a reload.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    box = prompt_composer(page)
    box.press_sequentially("/")
    expect(command_menu(page).get_by_role("option")).to_have_count(1)
    expect(command_menu(page).get_by_role("option")).to_contain_text("Trip")
    # Only the two refusals the test asked for (the taken name, the bad file).
    assert [e.split("://")[0] for e in page_errors.errors] == [
        "HTTP 409: POST http",
        "HTTP 422: POST http",
    ]
