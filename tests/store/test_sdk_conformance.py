"""The ChatKit SDK's own store test suite, run against Kitdesk's SQLiteStore.

Adapted from openai/chatkit-python ``tests/test_store.py`` (commit dacc133,
Apache License 2.0, Copyright OpenAI): the same cases and assertions, with
one real SQLite file per test instead of the SDK's shared in-memory database.

Left out, because they test something Kitdesk does not have: the per-user
isolation cases (``test_thread_isolation_by_user``,
``test_thread_items_isolation_by_user``: Kitdesk is a single-person desktop
app whose RequestContext carries the page origin, not a user id) and the
SDK's reference store's own id generators (Kitdesk's are tested in
tests/test_store.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    FileAttachment,
    ImageAttachment,
    InferenceOptions,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
)
from chatkit.widgets import Card, Col, Text
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from pydantic import AnyUrl

DEFAULT_CONTEXT = RequestContext(origin="http://127.0.0.1:8123")


def make_thread(thread_id: str = "test_thread", created_at: datetime | None = None):
    if created_at is None:
        created_at = datetime.now()
    return ThreadMetadata(
        id=thread_id,
        title="Test Thread",
        created_at=created_at,
        metadata={"test": "test"},
    )


def make_thread_items() -> list[ThreadItem]:
    now = datetime.now()
    user_msg = UserMessageItem(
        id="msg_100000",
        content=[UserMessageTextContent(text="Hello!")],
        attachments=[
            FileAttachment(
                id="file_1",
                type="file",
                mime_type="text/plain",
                name="test.txt",
                metadata={"source": "test"},
            )
        ],
        inference_options=InferenceOptions(),
        thread_id="test_thread",
        created_at=now,
    )
    assistant_msg = AssistantMessageItem(
        id="msg_000001",
        content=[AssistantMessageContent(text="Hi there!")],
        thread_id="test_thread",
        created_at=now + timedelta(seconds=1),
    )
    widget = WidgetItem(
        id="widget_1",
        type="widget",
        thread_id="test_thread",
        created_at=now + timedelta(seconds=2),
        widget=Card(
            children=[
                Col(
                    padding={"x": 4, "y": 3},
                    border={"bottom": 1},
                    children=[
                        Text(value="Title", weight="medium", size="sm", color="secondary"),
                        Text(value="test"),
                    ],
                ),
            ]
        ),
    )
    return [user_msg, assistant_msg, widget]


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


async def test_save_and_load_thread_metadata(store: SQLiteStore) -> None:
    thread = make_thread()
    await store.save_thread(thread, DEFAULT_CONTEXT)
    loaded_meta = await store.load_thread(thread.id, DEFAULT_CONTEXT)
    assert loaded_meta.id == thread.id
    assert loaded_meta.title == thread.title
    assert loaded_meta.metadata == thread.metadata


async def test_save_and_load_thread_metadata_null_title(store: SQLiteStore) -> None:
    thread = ThreadMetadata(
        id="test_thread", title=None, created_at=datetime.now(), metadata={"test": "test"}
    )
    await store.save_thread(thread, DEFAULT_CONTEXT)
    loaded_meta = await store.load_thread(thread.id, DEFAULT_CONTEXT)
    assert loaded_meta.id == thread.id
    assert loaded_meta.title is None
    assert loaded_meta.metadata == thread.metadata


async def test_update_thread_metadata(store: SQLiteStore) -> None:
    thread = make_thread()
    await store.save_thread(thread, DEFAULT_CONTEXT)
    thread.title = "Updated Title"
    await store.save_thread(thread, DEFAULT_CONTEXT)
    loaded_meta = await store.load_thread(thread.id, DEFAULT_CONTEXT)
    assert loaded_meta.title == "Updated Title"


async def test_save_and_load_thread_items(store: SQLiteStore) -> None:
    thread = make_thread()
    items = make_thread_items()
    await store.save_thread(thread, DEFAULT_CONTEXT)
    for item in items:
        await store.add_thread_item(thread.id, item, DEFAULT_CONTEXT)
    loaded_items = (await store.load_thread_items(thread.id, None, 10, "asc", DEFAULT_CONTEXT)).data
    assert loaded_items == items


async def test_overwrite_thread_metadata(store: SQLiteStore) -> None:
    thread = make_thread()
    await store.save_thread(thread, DEFAULT_CONTEXT)
    thread.title = "Updated Title"
    await store.save_thread(thread, DEFAULT_CONTEXT)
    loaded_meta = await store.load_thread(thread.id, DEFAULT_CONTEXT)
    assert loaded_meta.title == "Updated Title"


async def test_save_and_load_file(store: SQLiteStore) -> None:
    file = FileAttachment(id="file_1", type="file", mime_type="text/plain", name="test.txt")
    await store.save_attachment(file, DEFAULT_CONTEXT)
    loaded = await store.load_attachment(file.id, DEFAULT_CONTEXT)
    assert loaded == file


async def test_save_and_load_image(store: SQLiteStore) -> None:
    image = ImageAttachment(
        id="image_1",
        type="image",
        mime_type="image/png",
        name="test.png",
        preview_url=AnyUrl("https://example.com/test.png"),
        metadata={"source": "test"},
    )
    await store.save_attachment(image, DEFAULT_CONTEXT)
    loaded = await store.load_attachment(image.id, DEFAULT_CONTEXT)
    assert loaded == image


async def test_load_threads(store: SQLiteStore) -> None:
    now = datetime.now()
    thread1 = make_thread(thread_id="thread1", created_at=now)
    thread2 = make_thread(thread_id="thread2", created_at=now + timedelta(seconds=1))
    thread3 = make_thread(thread_id="thread3", created_at=now + timedelta(seconds=2))
    await store.save_thread(thread1, DEFAULT_CONTEXT)
    await store.save_thread(thread2, DEFAULT_CONTEXT)
    await store.save_thread(thread3, DEFAULT_CONTEXT)

    page1 = await store.load_threads(limit=2, after=None, order="asc", context=DEFAULT_CONTEXT)
    assert [t.id for t in page1.data] == ["thread1", "thread2"]
    assert page1.has_more is True
    assert page1.after == "thread2"

    page2 = await store.load_threads(
        limit=2, after=page1.data[-1].id, order="asc", context=DEFAULT_CONTEXT
    )
    assert [t.id for t in page2.data] == ["thread3"]
    assert page2.has_more is False
    assert not page2.after


async def test_thread_items_ordering(store: SQLiteStore) -> None:
    thread = make_thread()
    now = datetime.now()
    items = [
        UserMessageItem(
            id=f"msg{n}",
            content=[UserMessageTextContent(text=letter)],
            attachments=[],
            inference_options=InferenceOptions(),
            thread_id=thread.id,
            created_at=now + timedelta(seconds=n),
        )
        for n, letter in ((1, "A"), (2, "B"), (3, "C"))
    ]
    await store.save_thread(thread, DEFAULT_CONTEXT)
    for item in items:
        await store.add_thread_item(thread.id, item, DEFAULT_CONTEXT)

    asc = await store.load_thread_items(
        thread.id, after=None, limit=3, order="asc", context=DEFAULT_CONTEXT
    )
    desc = await store.load_thread_items(
        thread.id, after=None, limit=3, order="desc", context=DEFAULT_CONTEXT
    )
    assert [i.id for i in asc.data] == ["msg1", "msg2", "msg3"]
    assert [i.id for i in desc.data] == ["msg3", "msg2", "msg1"]


async def test_thread_items_offset(store: SQLiteStore) -> None:
    thread = make_thread()
    now = datetime.now()
    items = [
        UserMessageItem(
            id=f"msg{i}",
            content=[UserMessageTextContent(text=str(i))],
            attachments=[],
            inference_options=InferenceOptions(),
            thread_id=thread.id,
            created_at=now + timedelta(seconds=i),
        )
        for i in range(5)
    ]
    await store.save_thread(thread, DEFAULT_CONTEXT)
    for item in items:
        await store.add_thread_item(thread.id, item, DEFAULT_CONTEXT)

    after = await store.load_thread_items(
        thread.id, after="msg1", limit=3, order="asc", context=DEFAULT_CONTEXT
    )
    assert [i.id for i in after.data] == ["msg2", "msg3", "msg4"]
    assert after.has_more is False
    assert not after.after

    after_limit = await store.load_thread_items(
        thread.id, after=None, limit=2, order="asc", context=DEFAULT_CONTEXT
    )
    assert [i.id for i in after_limit.data] == ["msg0", "msg1"]
    assert after_limit.has_more is True
    assert after_limit.after == "msg1"


async def test_save_and_load_item(store: SQLiteStore) -> None:
    thread = make_thread()
    now = datetime.now()
    assistant_msg = AssistantMessageItem(
        id="msg_000001", content=[], thread_id=thread.id, created_at=now
    )
    widget = WidgetItem(
        id="widget_1",
        type="widget",
        thread_id=thread.id,
        created_at=now + timedelta(seconds=1),
        widget=Card(children=[Text(value="Test")]),
    )
    await store.save_thread(thread, DEFAULT_CONTEXT)
    await store.add_thread_item(thread.id, assistant_msg, DEFAULT_CONTEXT)
    await store.add_thread_item(thread.id, widget, DEFAULT_CONTEXT)

    assistant_msg.content = [AssistantMessageContent(text="This is an assistant message.")]
    await store.save_item(thread.id, assistant_msg, DEFAULT_CONTEXT)
    loaded_assistant = await store.load_item(thread.id, assistant_msg.id, DEFAULT_CONTEXT)
    assert isinstance(loaded_assistant, AssistantMessageItem)
    assert loaded_assistant.id == assistant_msg.id
    assert loaded_assistant.content[0] == AssistantMessageContent(
        text="This is an assistant message."
    )

    await store.save_item(thread.id, widget, DEFAULT_CONTEXT)
    loaded_widget = await store.load_item(thread.id, widget.id, DEFAULT_CONTEXT)
    assert isinstance(loaded_widget, WidgetItem)
    assert loaded_widget.id == widget.id


async def test_load_nonexistent_item(store: SQLiteStore) -> None:
    thread = make_thread()
    await store.save_thread(thread, DEFAULT_CONTEXT)
    with pytest.raises(NotFoundError):
        await store.load_item(thread.id, "does_not_exist", DEFAULT_CONTEXT)
