"""Attachment URLs are built when they are read, never stored.

Kitdesk's address changes with every launch (a random port and a secret path
prefix, see web/security.py). A URL stored with an attachment would point at
a server that is gone after a restart, and the same-origin image rule
(``img-src 'self'``) rightly refuses to load it: previews in old threads
vanished. So the store keeps a location-free reference,
``kitdesk-attachment:<id>/content`` (and ``…/upload`` until the bytes came),
and builds the URL from the address the reader used.

Rows written by earlier versions hold absolute URLs with their run's port (and
no prefix). Those are recognised, when they name a loopback address, our
route and the attachment's own id, and the attachment is one this store
holds, and are rebuilt the same way on read and stored as references on the
next write. A URL of any other shape (a remote ChatKit server's preview) is
left as it is.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from chatkit.types import Attachment, ImageAttachment, ThreadItem, UserMessageItem
from pydantic import AnyUrl

REFERENCE_SCHEME = "kitdesk-attachment"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
_REFERENCE = re.compile(rf"^{REFERENCE_SCHEME}:([A-Za-z0-9_-]{{1,100}})/(content|upload)$")
# The route as earlier versions stored it, with or without a launch prefix.
_OLD_ROUTE = re.compile(
    r"^(?:/k/[A-Za-z0-9_-]+)?/api/attachments/([A-Za-z0-9_-]{1,100})/(content|upload)$"
)

IsOurs = Callable[[str], bool]
"""Whether an attachment id is one this store holds."""


def reference(attachment_id: str, action: str) -> AnyUrl:
    return AnyUrl(f"{REFERENCE_SCHEME}:{attachment_id}/{action}")


def attachment_url(base: str, attachment_id: str, action: str) -> AnyUrl:
    """``{base}/api/attachments/{id}/{action}``; ``base`` is origin plus prefix."""
    return AnyUrl(f"{base.rstrip('/')}/api/attachments/{attachment_id}/{action}")


def _our_action(url: AnyUrl, attachment_id: str, is_ours: IsOurs) -> str | None:
    """``content`` or ``upload`` when ``url`` is this attachment's own route."""
    text = str(url)
    found = _REFERENCE.match(text)
    if found:
        return found.group(2) if found.group(1) == attachment_id else None
    parts = urlsplit(text)
    found = _OLD_ROUTE.match(parts.path)
    if (
        found is None
        or parts.scheme != "http"
        or parts.hostname not in LOOPBACK_HOSTS
        or found.group(1) != attachment_id
        or not is_ours(attachment_id)
    ):
        return None
    return found.group(2)


def _rewritten(
    attachment: Attachment, build: Callable[[str], AnyUrl], is_ours: IsOurs
) -> Attachment:
    update: dict[str, object] = {}
    descriptor = attachment.upload_descriptor
    if descriptor is not None:
        action = _our_action(descriptor.url, attachment.id, is_ours)
        if action is not None:
            update["upload_descriptor"] = descriptor.model_copy(update={"url": build(action)})
    if isinstance(attachment, ImageAttachment):
        action = _our_action(attachment.preview_url, attachment.id, is_ours)
        if action is not None:
            update["preview_url"] = build(action)
    return attachment.model_copy(update=update) if update else attachment


def stored_form(attachment: Attachment, is_ours: IsOurs) -> Attachment:
    """The attachment as the store keeps it: our URLs as references."""
    return _rewritten(attachment, lambda action: reference(attachment.id, action), is_ours)


def for_reader(attachment: Attachment, base: str, is_ours: IsOurs) -> Attachment:
    """The attachment with our URLs built on ``base`` (references when ``base`` is "")."""
    if not base:
        return stored_form(attachment, is_ours)
    return _rewritten(
        attachment, lambda action: attachment_url(base, attachment.id, action), is_ours
    )


def _item_rewritten(item: ThreadItem, rewrite: Callable[[Attachment], Attachment]) -> ThreadItem:
    if not isinstance(item, UserMessageItem) or not item.attachments:
        return item
    return item.model_copy(update={"attachments": [rewrite(a) for a in item.attachments]})


def stored_item_json(db: sqlite3.Connection, item: ThreadItem) -> str:
    """The item's JSON as the store keeps it: its attachments' URLs location-free."""
    is_ours = _own_attachment_ids(db, [item]).__contains__
    return _item_rewritten(item, lambda a: stored_form(a, is_ours)).model_dump_json()


def items_for_reader(
    db: sqlite3.Connection, items: list[ThreadItem], base: str
) -> list[ThreadItem]:
    """The items with their attachments' URLs built on ``base``, the reader's address."""
    is_ours = _own_attachment_ids(db, items).__contains__
    return [_item_rewritten(item, lambda a: for_reader(a, base, is_ours)) for item in items]


def _own_attachment_ids(db: sqlite3.Connection, items: Iterable[ThreadItem]) -> set[str]:
    """Which of the attachments the items name this store holds."""
    ids = sorted(
        {
            attachment.id
            for item in items
            if isinstance(item, UserMessageItem)
            for attachment in item.attachments
        }
    )
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    query = f"SELECT id FROM attachments WHERE id IN ({marks})"  # noqa: S608 - only marks
    return {row[0] for row in db.execute(query, ids)}
