"""One way in for every supported export: detect the format, then stream its threads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kitdesk.transfer.chatgpt import read as read_chatgpt
from kitdesk.transfer.kitdesk_json import read as read_kitdesk
from kitdesk.transfer.model import ImportedThread, Source
from kitdesk.transfer.openwebui import read as read_openwebui
from kitdesk.transfer.reading import ProgressCallback, detect_source


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
