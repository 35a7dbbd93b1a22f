"""The prompt library file: real files in the test's data folder, atomic writes,
concurrent changes, a damaged file set aside, imports idempotent and all-or-nothing."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from kitdesk.prompts import (
    FORMAT,
    VERSION,
    InvalidPrompt,
    PromptDraft,
    PromptFileProblem,
    PromptLibrary,
    PromptNotFound,
)
from kitdesk.prompts.library import DuplicatePromptName


@pytest.fixture
def library(tmp_path: Path) -> PromptLibrary:
    return PromptLibrary(tmp_path / "data" / "prompts.json")


def draft(name: str, text: str = "Text of {{thing}}") -> PromptDraft:
    return PromptDraft.checked(name, text)


def exported(*prompts: tuple[str, str], version: int = VERSION) -> bytes:
    entries = [{"name": name, "text": text} for name, text in prompts]
    return json.dumps({"format": FORMAT, "version": version, "prompts": entries}).encode()


def test_add_edit_delete_survive_a_new_instance(library: PromptLibrary) -> None:
    review = library.add(draft("  Review  ", "Review this {{language}} code:\n{{code}}"))
    assert review.name == "Review"
    assert review.variables == ["language", "code"]
    library.add(draft("Translate", "Into {{ target }}: {{text}} ({{target}})"))

    again = PromptLibrary(library.path)
    assert [(p.name, p.variables) for p in again.list()] == [
        ("Review", ["language", "code"]),
        ("Translate", ["target", "text"]),
    ]
    edited = again.update(review.id, draft("Code review", "Check {{code}}"))
    assert (edited.id, edited.created_at) == (review.id, review.created_at)
    again.delete(review.id)
    assert [p.name for p in PromptLibrary(library.path).list()] == ["Translate"]

    document = json.loads(library.path.read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert [p["name"] for p in document["prompts"]] == ["Translate"]
    # The previous version is kept beside it.
    backup = json.loads(library.backup_path.read_text(encoding="utf-8"))
    assert [p["name"] for p in backup["prompts"]] == ["Code review", "Translate"]
    # No temp files are left behind.
    assert sorted(p.name for p in library.path.parent.iterdir()) == [
        "prompts.json",
        "prompts.json.bak",
    ]


def test_refusals_are_sentences(library: PromptLibrary) -> None:
    first = library.add(draft("Review"))
    with pytest.raises(DuplicatePromptName, match="already a prompt named “review”"):
        library.add(draft("review"))
    with pytest.raises(PromptNotFound):
        library.update("prompt_missing", draft("X"))
    with pytest.raises(PromptNotFound):
        library.delete("prompt_missing")
    with pytest.raises(InvalidPrompt, match=r"^name: must not be empty\.$"):
        PromptDraft.checked("   ", "text")
    with pytest.raises(InvalidPrompt, match=r"^text: must not be empty\.$"):
        PromptDraft.checked("Name", " \n ")
    with pytest.raises(InvalidPrompt, match="one line"):
        PromptDraft.checked("Two\nlines", "text")
    # Renaming a prompt to its own name (another case) is fine.
    assert library.update(first.id, draft("REVIEW")).name == "REVIEW"


def test_concurrent_changes_are_all_kept(library: PromptLibrary) -> None:
    threads = [
        threading.Thread(target=library.add, args=(draft(f"Prompt {n}", f"Text {n}"),))
        for n in range(40)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = {p.name for p in PromptLibrary(library.path).list()}
    assert names == {f"Prompt {n}" for n in range(40)}
    json.loads(library.path.read_text(encoding="utf-8"))  # one whole document


def test_a_damaged_file_is_set_aside_and_the_last_good_copy_used(library: PromptLibrary) -> None:
    library.add(draft("Kept"))
    library.add(draft("Lost in the damage"))  # the .bak now holds only "Kept"
    library.path.write_text('{"format": "kitdesk-prompts", "version": 1, "prompts": [', "utf-8")

    assert [p.name for p in library.list()] == ["Kept"]
    aside = list(library.path.parent.glob("prompts.json.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_text("utf-8").endswith('"prompts": [')  # nothing deleted
    # The next change writes a good file again.
    library.add(draft("New"))
    assert [p.name for p in PromptLibrary(library.path).list()] == ["Kept", "New"]


def test_a_damaged_file_without_a_backup_starts_empty(library: PromptLibrary) -> None:
    library.path.parent.mkdir(parents=True)
    library.path.write_bytes(b"\xff\xfe not json")
    assert library.list() == []
    assert len(list(library.path.parent.glob("prompts.json.corrupt-*"))) == 1


def test_import_is_idempotent_and_renames_a_taken_name(library: PromptLibrary) -> None:
    library.add(draft("Review", "Mine"))
    file = exported(("Review", "Theirs"), ("Summarize", "Sum {{doc}}"), ("Review", "Mine"))

    first = library.import_file(file)
    assert (first.added, first.already_present, first.renamed) == (2, 1, 1)
    second = library.import_file(file)
    assert (second.added, second.already_present, second.renamed) == (0, 3, 0)
    assert [(p.name, p.text) for p in library.list()] == [
        ("Review", "Mine"),
        ("Review (2)", "Theirs"),
        ("Summarize", "Sum {{doc}}"),
    ]
    # Export then import into an empty library gives the same prompts.
    fresh = PromptLibrary(library.path.with_name("other.json"))
    assert fresh.import_file(library.export_bytes()).added == 3
    assert [(p.name, p.text) for p in fresh.list()] == [(p.name, p.text) for p in library.list()]


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        (b"", "not valid JSON"),
        (b'{"format": "kitdesk-prompts", "version": 1, "prompts": [', "not valid JSON"),
        (b"\xff\xfe\x00", "not text"),
        (b"[1, 2]", "not a Kitdesk prompt library"),
        (b'{"conversations": []}', "not a Kitdesk prompt library"),
        (b'{"format": "kitdesk-prompts", "prompts": []}', "no valid version"),
        (exported(version=2), "newer Kitdesk (format version 2)"),
        (b'{"format": "kitdesk-prompts", "version": 1, "prompts": {}}', "no list of prompts"),
        (exported(("Fine", "ok"), ("", "text")), "Prompt 2 in this file: name: must not be empty"),
        (
            b'{"format": "kitdesk-prompts", "version": 1, "prompts": [{"name": "x"}]}',
            "Prompt 1 in this file needs a name and a text",
        ),
        (b'{"format": "kitdesk-prompts", "version": 1, "prompts": [7]}', "not a JSON object"),
    ],
)
def test_a_bad_import_gets_a_sentence_and_changes_nothing(
    library: PromptLibrary, raw: bytes, sentence: str
) -> None:
    library.add(draft("Before"))
    before = library.path.read_bytes()
    with pytest.raises(PromptFileProblem, match=re.escape(sentence)) as caught:
        library.import_file(raw)
    assert caught.value.message.endswith(".")
    assert library.path.read_bytes() == before
