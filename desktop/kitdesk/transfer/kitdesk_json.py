"""Kitdesk's own export: lossless JSON, documented in docs/export-format.md.

Kitdesk writes every ChatKit item exactly as the store holds it, with the
item it follows (``parent_id``) so branches survive, and the leaf of the
active branch. Reading it back gives neutral threads whose nodes carry the
original item (``native``), so export -> import -> export is byte-identical.

The header (``format``, ``version``) comes before ``threads``, so a reader
can refuse a foreign or newer file before reading any conversation; threads
are read one at a time (bounded memory) and written one at a time.

How the person organised a conversation travels with it: ``pinned`` and
``archived`` (written only when true) and ``folder`` (its name, system prompt
and default model; folders are matched by name on import, since ids are local
to one database). These are optional fields, so the format version stays 1 and
older Kitdesk versions read such files (without the organisation).

Also read: the single-conversation JSON that Kitdesk 0.1 exported
(``{"kitdesk_export": 1, "thread": ..., "items": [...]}``), as one branch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import ijson

from kitdesk.transfer.model import (
    FolderInfo,
    ImportedThread,
    ImportFormatError,
    MessageNode,
    Organisation,
    Role,
    Skipped,
)
from kitdesk.transfer.reading import ProgressCallback, damaged_file_error, open_stream

FORMAT = "kitdesk-export"
VERSION = 1
_LEGACY_KEY = "kitdesk_export"


def read(path: Path, progress: ProgressCallback | None = None) -> Iterator[ImportedThread]:
    """Every thread in a Kitdesk export, streamed."""
    with open_stream(path) as opened:
        try:
            for thread in _read_events(ijson.parse(opened.stream, use_float=True), path):
                yield thread
                if progress is not None:
                    progress(opened.fraction())
        except (ijson.JSONError, UnicodeDecodeError) as error:
            raise damaged_file_error(path, error) from None


def _read_events(events: Iterator[tuple[str, str, Any]], path: Path) -> Iterator[ImportedThread]:
    header: dict[str, Any] = {}
    legacy: dict[str, Any] = {}
    for prefix, event, value in events:
        if prefix in ("format", "version", _LEGACY_KEY) and event in ("string", "number"):
            header[prefix] = value
        elif prefix == "threads" and event == "start_array":
            _check_header(header, path)
        elif prefix == "threads.item" and event == "start_map":
            record = _build(events, "threads.item", event, value)
            yield to_thread(record, path)
        elif prefix in ("thread", "items") and event in ("start_map", "start_array"):
            legacy[prefix] = _build(events, prefix, event, value)
    if _LEGACY_KEY in header:
        if "thread" not in legacy or not isinstance(legacy.get("items"), list):
            raise ImportFormatError(f"{path.name} is an incomplete Kitdesk export.")
        items, parent = [], None
        for item in legacy["items"]:
            items.append({"parent_id": parent, "item": item})
            parent = item.get("id") if isinstance(item, dict) else None
        yield to_thread(
            {"thread": legacy["thread"], "items": items, "active_item_id": parent}, path
        )
    elif header.get("format") != FORMAT:
        raise ImportFormatError(
            f"{path.name} is not a Kitdesk export. Kitdesk imports ChatGPT's data export "
            "(.zip or conversations.json), Open WebUI's chat export (.json) and its own export."
        )


def _check_header(header: dict[str, Any], path: Path) -> None:
    if header.get("format") != FORMAT:
        raise ImportFormatError(f"{path.name} is not a Kitdesk export (no format field first).")
    version = header.get("version")
    if not isinstance(version, int | float) or int(version) < 1:
        raise ImportFormatError(f"{path.name} is a Kitdesk export without a valid version.")
    if int(version) > VERSION:
        raise ImportFormatError(
            f"{path.name} was exported by a newer Kitdesk (format version {int(version)}; this "
            f"version reads up to {VERSION}). Update Kitdesk to import it."
        )


def _build(events: Iterator[tuple[str, str, Any]], prefix: str, event: str, value: Any) -> Any:
    """The whole JSON value starting at (prefix, event), built from the event stream."""
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    end = "end_map" if event == "start_map" else "end_array"
    for inner_prefix, inner_event, inner_value in events:
        builder.event(inner_event, inner_value)
        if inner_prefix == prefix and inner_event == end:
            break
    return builder.value


def _text_parts(item: dict[str, Any]) -> tuple[str, ...]:
    content = item.get("content")
    parts = content if isinstance(content, list) else []
    return tuple(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))


def _role(item_type: Any) -> Role:
    return "user" if item_type == "user_message" else "assistant"


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _organisation(record: dict[str, Any]) -> Organisation | None:
    """``pinned``, ``archived`` and ``folder`` of a ``threads[]`` entry; None when unorganised.

    A folder without a usable name is left out (the conversation still arrives).
    """
    folder = record.get("folder")
    info = None
    if isinstance(folder, dict) and _text_or_none(folder.get("name")):
        info = FolderInfo(
            name=folder["name"],
            system_prompt=_text_or_none(folder.get("system_prompt")),
            default_model=_text_or_none(folder.get("default_model")),
        )
    organisation = Organisation(
        pinned=record.get("pinned") is True, archived=record.get("archived") is True, folder=info
    )
    return organisation or None


def organisation_fields(organisation: Organisation | None) -> dict[str, Any]:
    """The optional ``threads[]`` fields for ``organisation`` (none for an unorganised thread)."""
    fields: dict[str, Any] = {}
    if organisation is None:
        return fields
    if organisation.pinned:
        fields["pinned"] = True
    if organisation.archived:
        fields["archived"] = True
    if organisation.folder is not None:
        fields["folder"] = {
            "name": organisation.folder.name,
            "system_prompt": organisation.folder.system_prompt,
            "default_model": organisation.folder.default_model,
        }
    return fields


def to_thread(record: Any, path: Path) -> ImportedThread:
    """One ``threads[]`` entry as a neutral thread whose nodes keep their items whole."""
    thread = record.get("thread") if isinstance(record, dict) else None
    if not isinstance(thread, dict) or not isinstance(thread.get("id"), str):
        raise ImportFormatError(f"{path.name} has a conversation without a thread id.")
    items = record.get("items")
    nodes: list[MessageNode] = []
    skipped = Skipped()
    for entry in items if isinstance(items, list) else []:
        item = entry.get("item") if isinstance(entry, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            skipped["invalid"] += 1
            continue
        parent = entry.get("parent_id")
        nodes.append(
            MessageNode(
                id=item["id"],
                parent_id=parent if isinstance(parent, str) else None,
                role=_role(item.get("type")),
                text_parts=_text_parts(item),
                created_at=_datetime(item.get("created_at")),
                native=item,
            )
        )
    active = record.get("active_item_id")
    title = thread.get("title")
    return ImportedThread(
        source="kitdesk",
        source_id=thread["id"],
        title=title if isinstance(title, str) else None,
        created_at=_datetime(thread.get("created_at")),
        updated_at=None,
        nodes=nodes,
        active_leaf_id=active if isinstance(active, str) else None,
        skipped=skipped,
        native=thread,
        organisation=_organisation(record),
    )


def write(
    out: IO[str], threads: Iterable[ImportedThread], *, app_version: str, now: datetime
) -> int:
    """Write a Kitdesk export of ``threads`` (each thread and node with ``native`` JSON).

    Streams: one thread is serialized at a time. Returns how many were written.
    """
    header = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "app_version": app_version,
    }
    out.write("{\n")
    for key, value in header.items():
        out.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    out.write('  "threads": [')
    count = 0
    for thread in threads:
        if thread.native is None or any(node.native is None for node in thread.nodes):
            raise ValueError("write() needs the ChatKit JSON of the thread and of every item")
        record = {
            "thread": thread.native,
            "active_item_id": thread.active_leaf_id,
            **organisation_fields(thread.organisation),
            "items": [{"parent_id": node.parent_id, "item": node.native} for node in thread.nodes],
        }
        out.write(",\n    " if count else "\n    ")
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        count += 1
    out.write("\n  ]\n}\n" if count else "]\n}\n")
    return count
