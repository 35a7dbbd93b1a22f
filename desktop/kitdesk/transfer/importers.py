"""One way in for every supported export: detect the format, check it, stream its threads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kitdesk.transfer.chatgpt import read as read_chatgpt
from kitdesk.transfer.kitdesk_json import read as read_kitdesk
from kitdesk.transfer.model import ImportedThread, Source
from kitdesk.transfer.openwebui import read as read_openwebui
from kitdesk.transfer.reading import ProgressCallback, check_json, detect_source


def read_threads(
    path: Path, source: Source | None = None, progress: ProgressCallback | None = None
) -> Iterator[ImportedThread]:
    """Every conversation in ``path``, streamed; the format is detected unless given.

    ``progress`` is called after each conversation with the share of the file read.
    """
    source = source or detect_source(path)
    if source == "chatgpt":
        yield from read_chatgpt(path, progress)
    elif source == "openwebui":
        yield from read_openwebui(path, progress)
    else:
        yield from read_kitdesk(path, progress)


def check_file(
    path: Path, source: Source | None = None, progress: ProgressCallback | None = None
) -> Source:
    """Raise ImportFormatError if reading ``path`` would fail part-way; return its format.

    ChatGPT's and Open WebUI's readers refuse a file part-way only when its
    JSON is damaged (a conversation of an unexpected shape is skipped and
    counted), so checking the JSON is enough, and several times cheaper than
    reading it. Kitdesk's own format can refuse a conversation (one without a
    thread id), so it is read through once.
    """
    source = source or detect_source(path)
    if source != "kitdesk":
        check_json(path, progress)
    else:
        for _ in read_threads(path, source, progress):
            pass
    return source
