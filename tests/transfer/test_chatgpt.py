"""ChatGPT's export read into neutral threads: branches, active path, what is skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from kitdesk.transfer import ImportFormatError, detect_source, read_threads
from kitdesk.transfer.chatgpt import to_thread

from tests.transfer.fixtures import (
    UNICODE_TITLES,
    ChatGPTConversation,
    chatgpt_branched,
    chatgpt_linear,
    truncate,
    write_chatgpt_zip,
    write_json,
)


def test_edits_and_regenerations_become_sibling_branches() -> None:
    fixture = chatgpt_branched()
    thread = to_thread(fixture.data)
    assert thread is not None
    roots = thread.children(None)
    assert [n.id for n in roots] == [fixture.question, fixture.edited_question]
    answers = thread.children(fixture.edited_question)
    assert [n.text for n in answers] == ["Tokyo.", "The capital of Japan is Tokyo."]
    assert [n.id for n in thread.children(fixture.question)] == [fixture.first_answer]


def test_current_node_path_is_the_active_branch() -> None:
    fixture = chatgpt_branched()
    thread = to_thread(fixture.data)
    assert thread is not None
    assert thread.active_leaf_id == fixture.active_leaf
    assert [(n.role, n.text) for n in thread.active_path()] == [
        ("user", "What is the capital of Japan?"),
        ("assistant", "The capital of Japan is Tokyo."),
        ("user", "What is in this picture?"),
        ("assistant", "A lighthouse at dusk."),
    ]


def test_system_hidden_code_tool_reasoning_and_images_are_counted() -> None:
    thread = to_thread(chatgpt_branched().data)
    assert thread is not None
    assert dict(thread.skipped) == {
        "system": 1,
        "hidden": 1,
        "code": 1,
        "tool": 1,
        "reasoning": 1,
        "image": 1,
    }
    assert thread.skipped.describe() == (
        "1 code call, 1 hidden message, 1 image, 1 reasoning summary, 1 system message, "
        "1 tool output"
    )


def test_an_image_part_keeps_the_text_and_counts_the_image() -> None:
    fixture = chatgpt_branched()
    thread = to_thread(fixture.data)
    assert thread is not None
    node = thread.node(fixture.image_message)
    assert node.text_parts == ("What is in this picture?",)
    assert node.skipped_attachments == 1


def test_children_of_skipped_nodes_attach_to_the_nearest_kept_ancestor() -> None:
    fixture = chatgpt_branched()
    thread = to_thread(fixture.data)
    assert thread is not None
    assert thread.node(fixture.active_leaf).parent_id == fixture.image_message
    ids = [n.id for n in thread.nodes]
    for node in thread.nodes:  # parents always come first
        if node.parent_id is not None:
            assert ids.index(node.parent_id) < ids.index(node.id)


def test_a_current_node_that_is_skipped_falls_back_to_its_kept_ancestor() -> None:
    c = ChatGPTConversation()
    question = c.add(None, "user", ["Hi"])
    answer = c.add(question, "assistant", ["Hello"])
    tool = c.add(answer, "tool", content={"content_type": "execution_output", "text": "1"})
    thread = to_thread(c.build(current_node=tool))
    assert thread is not None
    assert thread.active_leaf_id == answer


def test_without_current_node_the_newest_leaf_is_active() -> None:
    c = ChatGPTConversation()
    question = c.add(None, "user", ["Hi"])
    c.add(question, "assistant", ["One"])
    newer = c.add(question, "assistant", ["Two"])
    thread = to_thread(c.build(current_node=None))
    assert thread is not None
    assert thread.active_leaf_id == newer


def test_empty_messages_are_skipped_and_counted() -> None:
    c = ChatGPTConversation()
    question = c.add(None, "user", ["Hi"])
    empty = c.add(question, "assistant", [""])
    c.add(empty, "assistant", ["Hello"])
    thread = to_thread(c.build())
    assert thread is not None
    assert [n.text for n in thread.active_path()] == ["Hi", "Hello"]
    assert thread.skipped["empty"] == 1


def test_a_2000_message_conversation_reads_whole(tmp_path: Path) -> None:
    path = write_json(tmp_path / "conversations.json", [chatgpt_linear("long", 2000)])
    [thread] = list(read_threads(path))
    path_nodes = thread.active_path()
    assert len(path_nodes) == 2000
    assert path_nodes[0].text == "message 0"
    assert path_nodes[-1].text == "message 1999"
    assert path_nodes[-1].role == "assistant"


def test_zip_export_with_unicode_titles(tmp_path: Path) -> None:
    conversations = [
        chatgpt_linear(f"c{i}", 2, title=title) for i, title in enumerate(UNICODE_TITLES)
    ]
    path = write_chatgpt_zip(tmp_path / "export.zip", conversations)
    assert detect_source(path) == "chatgpt"
    threads = list(read_threads(path))
    assert [t.title for t in threads] == UNICODE_TITLES
    assert [t.source_id for t in threads] == ["c0", "c1", "c2"]
    assert threads[0].created_at is not None and threads[0].created_at.year == 2023


def test_truncated_json_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "conversations.json", [chatgpt_linear(f"c{i}", 20) for i in range(5)]
    )
    truncate(path)
    with pytest.raises(ImportFormatError, match="cut short") as caught:
        list(read_threads(path))
    assert str(caught.value).startswith("conversations.json cannot be imported")


def test_truncated_zip_is_refused_with_a_sentence(tmp_path: Path) -> None:
    path = write_chatgpt_zip(
        tmp_path / "export.zip", [chatgpt_linear(f"c{i}", 200, text_size=200) for i in range(5)]
    )
    truncate(path, 0.5)
    with pytest.raises(ImportFormatError, match="zip archive is damaged or incomplete"):
        list(read_threads(path))


def test_a_zip_without_conversations_is_not_a_chatgpt_export(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", "hello")
    with pytest.raises(ImportFormatError, match=r"without a conversations\.json"):
        list(read_threads(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"hello": "world"}', "not a Kitdesk export"),
        (b"[1, 2, 3]", "not an export Kitdesk can read"),
        (b"[]", "holds no conversations"),
        (b"hello", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "cannot be imported"),
    ],
)
def test_other_files_are_refused_with_a_sentence(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "file.json"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError, match=message):
        list(read_threads(path))


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="does not exist"):
        list(read_threads(tmp_path / "nope.json"))
    with pytest.raises(ImportFormatError, match="is a folder"):
        list(read_threads(tmp_path))


@pytest.mark.parametrize("zipped", [False, True])
def test_progress_rises_to_the_end_of_the_file(tmp_path: Path, zipped: bool) -> None:
    conversations = [chatgpt_linear(f"c{i}", 40, text_size=500) for i in range(30)]
    if zipped:
        path = write_chatgpt_zip(tmp_path / "export.zip", conversations)
    else:
        path = write_json(tmp_path / "conversations.json", conversations)
    seen: list[float] = []
    threads = list(read_threads(path, progress=seen.append))
    assert len(threads) == len(seen) == 30
    assert seen == sorted(seen)
    assert 0 < seen[0] < 0.5
    assert seen[-1] > 0.9
