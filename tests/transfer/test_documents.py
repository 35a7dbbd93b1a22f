"""Markdown and offline HTML of a conversation; download names for any title."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.transfer.documents import (
    content_disposition,
    download_filename,
    many_to_markdown,
    to_html,
    to_markdown,
)
from kitdesk.transfer.model import FolderInfo, Organisation

WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def conversation(title: str | None) -> tuple[ThreadMetadata, list]:
    thread = ThreadMetadata(id="thr_1", title=title, created_at=WHEN)
    items = [
        UserMessageItem(
            id="u1",
            thread_id="thr_1",
            created_at=WHEN,
            content=[UserMessageTextContent(text="Is <script>alert(1)</script> safe?")],
            inference_options=InferenceOptions(),
        ),
        AssistantMessageItem(
            id="a1",
            thread_id="thr_1",
            created_at=WHEN,
            content=[AssistantMessageContent(text="Line one\nLine two & more")],
        ),
    ]
    return thread, items


def test_markdown_has_the_title_and_each_message() -> None:
    thread, items = conversation("Café 日本")
    text = to_markdown(thread, items)
    assert text.startswith("# Café 日本\n")
    assert "## You\n\nIs <script>alert(1)</script> safe?" in text
    assert "## Assistant\n\nLine one\nLine two & more" in text


def test_html_is_self_contained_and_escapes_everything() -> None:
    page = to_html([conversation("<b>Café</b> 日本")], page_title="Café 日本", exported_at=WHEN)
    assert "<script>" not in page
    assert "Is &lt;script&gt;alert(1)&lt;/script&gt; safe?" in page
    assert "&lt;b&gt;Café&lt;/b&gt; 日本" in page
    assert "Line one\nLine two &amp; more" in page
    assert "src=" not in page and "href=" not in page and "@import" not in page
    assert "default-src 'none'" in page


def test_markdown_and_html_say_the_folder_and_whether_pinned_or_archived() -> None:
    thread, items = conversation("Plans")
    organised = Organisation(pinned=True, archived=True, folder=FolderInfo("<Work> & play"))
    text = many_to_markdown([(thread, items, organised), conversation("Other")])
    assert "_Folder: <Work> & play · Pinned · Archived_" in text
    assert text.count("Folder:") == 1
    page = to_html([(thread, items, organised)], page_title="Plans", exported_at=WHEN)
    assert '<p class="organised">Folder: &lt;Work&gt; &amp; play · Pinned · Archived</p>' in page
    only_pinned = to_markdown(thread, items, Organisation(pinned=True))
    assert "_Pinned_" in only_pinned and "Folder" not in only_pinned
    assert "Folder" not in to_markdown(thread, items, Organisation())


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Café 日本", "Café 日本.md"),
        ("مرحبا بالعالم", "مرحبا بالعالم.md"),
        ("Party plans 🎉🥳", "Party plans 🎉🥳.md"),
        ('a/b\\c:d*e?"f"<g>|h', "a b c d e f g h.md"),
        ("..", "conversation.md"),
        (None, "conversation.md"),
        ("x" * 300, "x" * 80 + ".md"),
    ],
)
def test_download_names_keep_any_script(title: str | None, name: str) -> None:
    assert download_filename(title, "md") == name


@pytest.mark.parametrize("name", ["Café 日本.md", "مرحبا.json", "🎉.html", 'quote".md', "plain.md"])
def test_content_disposition_is_latin1_and_carries_the_exact_name(name: str) -> None:
    header = content_disposition(name)
    header.encode("latin-1")  # an HTTP header must encode, or the server answers 500
    assert header.startswith('attachment; filename="')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == name
