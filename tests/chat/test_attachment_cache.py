"""Attachments are read and encoded once, not on every turn (kitdesk/chat/history.py).

A real SQLite store with real files; the converter's reads are counted. A file
uploaded again under the same id is read afresh, never sent stale.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from chatkit.types import AttachmentCreateParams, UserMessageItem, UserMessageTextContent
from kitdesk.chat.context import RequestContext
from kitdesk.chat.history import HistoryConverter
from kitdesk.paths import Paths
from kitdesk.store.sqlite import SQLiteStore

CTX = RequestContext(origin="http://127.0.0.1:8123")


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    yield opened
    await opened.close()


class CountedReads:
    """The store's own read, counted."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.count = 0

    async def __call__(self, attachment_id: str) -> bytes:
        self.count += 1
        return await self.store.read_attachment_bytes(attachment_id)


def image_of(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


async def test_an_attachment_is_read_once_over_many_turns_and_again_when_replaced(
    store: SQLiteStore,
) -> None:
    attachment = await store.create_attachment(
        AttachmentCreateParams(name="a.png", size=3, mime_type="image/png"), CTX
    )
    attachment = await store.write_attachment_file(attachment.id, b"v1!")
    message = UserMessageItem(
        id="msg_1",
        thread_id="thr_1",
        created_at=datetime.now(),
        content=[UserMessageTextContent(text="look")],
        attachments=[attachment],
        inference_options={},  # type: ignore[arg-type]
    )
    reads = CountedReads(store)
    converter = HistoryConverter(reads, store.attachment_fingerprint)
    for _ in range(5):  # five turns of the same thread
        sent = await converter.to_input([message], "responses")
        assert sent[0]["content"][1]["image_url"] == image_of(b"v1!")
    assert reads.count == 1

    await store.write_attachment_file(attachment.id, b"v2!")  # uploaded again, same id
    sent = await converter.to_input([message], "responses")
    assert sent[0]["content"][1]["image_url"] == image_of(b"v2!")
    assert reads.count == 2
    await converter.to_input([message], "chat_completions")  # the other API: its own form
    assert reads.count == 3
    await converter.to_input([message], "chat_completions")
    assert reads.count == 3
