"""Attachment URLs are stored location-free and built for each reader's address
(issue 11 item 12: image previews in old threads vanished after a restart)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import datetime

import pytest
from chatkit.types import (
    AttachmentCreateParams,
    ImageAttachment,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import Paths
from kitdesk.store import SQLiteStore
from pydantic import AnyUrl

FIRST_RUN = RequestContext(origin="http://127.0.0.1:41001/k/first")
NEXT_RUN = RequestContext(origin="http://127.0.0.1:52002/k/second")
INTERNAL = RequestContext(origin="")
WHEN = datetime(2026, 1, 2, 3, 4, 5)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def store(kitdesk_home: Paths) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(kitdesk_home.db_path, kitdesk_home.attachments_dir)
    await opened.save_thread(ThreadMetadata(id="thr", title="Pictures", created_at=WHEN), FIRST_RUN)
    yield opened
    await opened.close()


def message(item_id: str, *attachments: ImageAttachment) -> UserMessageItem:
    return UserMessageItem(
        id=item_id,
        thread_id="thr",
        created_at=WHEN,
        content=[UserMessageTextContent(text="Look")],
        attachments=list(attachments),
        inference_options=InferenceOptions(),
    )


def url(context: RequestContext, attachment_id: str, action: str = "content") -> str:
    return f"{context.origin}/api/attachments/{attachment_id}/{action}"


def stored_text(paths: Paths) -> str:
    with closing(sqlite3.connect(paths.db_path)) as db:
        rows = db.execute("SELECT data FROM items UNION ALL SELECT data FROM attachments")
        return "\n".join(row[0] for row in rows)


async def sent_image(store: SQLiteStore) -> ImageAttachment:
    """An image created, uploaded and sent in a message in the first run."""
    created = await store.create_attachment(
        AttachmentCreateParams(name="cat.png", size=len(PNG), mime_type="image/png"), FIRST_RUN
    )
    assert isinstance(created, ImageAttachment)
    assert str(created.preview_url) == url(FIRST_RUN, created.id)
    assert created.upload_descriptor is not None
    assert str(created.upload_descriptor.url) == url(FIRST_RUN, created.id, "upload")
    uploaded = await store.write_attachment_file(created.id, PNG, FIRST_RUN)
    assert isinstance(uploaded, ImageAttachment)
    assert str(uploaded.preview_url) == url(FIRST_RUN, created.id)
    sent = (await store.load_attachment(created.id, FIRST_RUN)).model_copy(
        update={"thread_id": "thr"}
    )
    await store.save_attachment(sent, FIRST_RUN)
    assert isinstance(sent, ImageAttachment)
    await store.add_thread_item("thr", message("u1", sent), FIRST_RUN)
    return sent


async def test_the_store_keeps_no_address_and_each_reader_gets_its_own(
    store: SQLiteStore, kitdesk_home: Paths
) -> None:
    image = await sent_image(store)
    text = stored_text(kitdesk_home)
    assert "127.0.0.1" not in text and "/k/first" not in text
    assert f"kitdesk-attachment:{image.id}/content" in text

    for context in (FIRST_RUN, NEXT_RUN):
        page = await store.load_thread_items("thr", None, 10, "asc", context)
        item = page.data[0]
        assert isinstance(item, UserMessageItem)
        preview = item.attachments[0]
        assert isinstance(preview, ImageAttachment)
        assert str(preview.preview_url) == url(context, image.id)
        loaded = await store.load_item("thr", "u1", context)
        assert isinstance(loaded, UserMessageItem)
        assert loaded.attachments == [preview]
        attachment = await store.load_attachment(image.id, context)
        assert isinstance(attachment, ImageAttachment)
        assert str(attachment.preview_url) == url(context, image.id)


async def test_urls_an_older_version_stored_are_read_as_this_runs(
    store: SQLiteStore, kitdesk_home: Paths
) -> None:
    image = await sent_image(store)
    old = image.model_copy(
        update={"preview_url": AnyUrl(f"http://127.0.0.1:54321/api/attachments/{image.id}/content")}
    )
    with closing(sqlite3.connect(kitdesk_home.db_path)) as db, db:  # as the old code wrote it
        db.execute(
            "UPDATE items SET data = ? WHERE id = 'u1'", (message("u1", old).model_dump_json(),)
        )
        db.execute(
            "UPDATE attachments SET data = ? WHERE id = ?", (old.model_dump_json(), image.id)
        )
    item = await store.load_item("thr", "u1", NEXT_RUN)
    assert isinstance(item, UserMessageItem)
    preview = item.attachments[0]
    assert isinstance(preview, ImageAttachment)
    assert str(preview.preview_url) == url(NEXT_RUN, image.id)
    attachment = await store.load_attachment(image.id, NEXT_RUN)
    assert isinstance(attachment, ImageAttachment)
    assert str(attachment.preview_url) == url(NEXT_RUN, image.id)
    # The next write of the item stores the reference instead.
    await store.save_item("thr", item, NEXT_RUN)
    with closing(sqlite3.connect(kitdesk_home.db_path)) as db:
        (data,) = db.execute("SELECT data FROM items WHERE id = 'u1'").fetchone()
    assert f'"preview_url":"kitdesk-attachment:{image.id}/content"' in data, data


async def test_previews_that_are_not_ours_are_left_alone(
    store: SQLiteStore, kitdesk_home: Paths
) -> None:
    """A remote ChatKit server's previews (mirrored threads), and a loopback URL
    naming an attachment this store does not hold, keep their URLs."""
    remote = ImageAttachment(
        id="atc_remote",
        name="r.png",
        mime_type="image/png",
        preview_url=AnyUrl("https://chatkit.example.com/files/atc_remote"),
    )
    foreign = ImageAttachment(
        id="atc_elsewhere",
        name="e.png",
        mime_type="image/png",
        preview_url=AnyUrl("http://127.0.0.1:8000/api/attachments/atc_elsewhere/content"),
    )
    await store.add_thread_item("thr", message("u9", remote, foreign), FIRST_RUN)
    item = await store.load_item("thr", "u9", NEXT_RUN)
    assert isinstance(item, UserMessageItem)
    assert item.attachments == [remote, foreign]
    assert "kitdesk-attachment:atc_" not in stored_text(kitdesk_home)


async def test_internal_reads_get_the_reference(store: SQLiteStore) -> None:
    image = await sent_image(store)
    attachment = await store.load_attachment(image.id, INTERNAL)
    assert isinstance(attachment, ImageAttachment)
    assert str(attachment.preview_url) == f"kitdesk-attachment:{image.id}/content"
