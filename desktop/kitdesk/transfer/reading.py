"""Opening an import file and streaming its conversations one at a time.

A ChatGPT export of several years is hundreds of megabytes of JSON in one
array. ``ijson`` (its C backend, yajl2) walks the array and hands over one
conversation at a time, so memory stays bounded by the largest conversation,
not the file; a ``.zip`` member is decompressed as it is read, never unpacked
to disk. Every way a file can be wrong (not JSON, cut short, a damaged zip, a
different app's export) ends in ``ImportFormatError`` with a sentence a person
can act on; ``read_threads`` raises it only after yielding the conversations
before the damage, so the caller decides (the store imports a file all or
nothing).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from kitdesk.transfer.model import ImportFormatError, Source

ZIP_MAGIC = b"PK\x03\x04"
_OPENINGS = frozenset({("", "start_array"), ("item", "start_map")})
_CHATGPT_MEMBER = "conversations.json"


# Told how far through the file an import is, from 0.0 to 1.0.
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class OpenedFile:
    """The JSON bytes to parse, and how far the underlying file has been read."""

    stream: IO[bytes]
    raw: IO[bytes]
    size: int

    def fraction(self) -> float:
        try:
            return min(1.0, self.raw.tell() / self.size) if self.size else 1.0
        except (OSError, ValueError):
            return 0.0


def damaged_file_error(path: Path, error: BaseException) -> ImportFormatError:
    if isinstance(error, ijson.JSONError) and "premature eof" in str(error).lower():
        reason = "it ends before the JSON does, so it was probably cut short while copying"
    elif isinstance(error, ijson.JSONError):
        first_line = (str(error).strip().splitlines() or ["no detail"])[0]
        reason = f"it is not valid JSON ({first_line[:120]})"
    elif isinstance(error, UnicodeDecodeError):
        reason = "it is not UTF-8 text"
    else:
        reason = "the zip archive is damaged or incomplete"
    return ImportFormatError(
        f"{path.name} cannot be imported: {reason}. Nothing was imported from it; "
        "export the data again and import the new file."
    )


@contextmanager
def open_stream(path: Path) -> Iterator[OpenedFile]:
    """The JSON bytes of ``path``: the file itself, or conversations.json inside a zip."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ImportFormatError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise ImportFormatError(f"{path} is a folder; choose the export file itself.") from None
    except OSError as error:
        raise ImportFormatError(f"{path} cannot be read: {error.strerror or error}.") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if handle.read(4) != ZIP_MAGIC:
            handle.seek(0)
            yield OpenedFile(handle, handle, size)
            return
        handle.seek(0)
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise damaged_file_error(path, error) from None
        with archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            member = next(
                (name for name in names if name.rsplit("/", 1)[-1] == _CHATGPT_MEMBER), None
            )
            if member is None:
                raise ImportFormatError(
                    f"{path.name} is a zip archive without a conversations.json, so it is not "
                    "a ChatGPT data export. Choose the .zip ChatGPT emailed you, or the "
                    "conversations.json inside it."
                )
            try:
                with archive.open(member) as stream:
                    yield OpenedFile(stream, handle, size)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise damaged_file_error(path, error) from None


def iter_json_items(stream: IO[bytes], prefix: str, path: Path) -> Iterator[Any]:
    """Each element of the JSON array at ``prefix`` ("item" for a top-level array)."""
    try:
        yield from ijson.items(stream, prefix, use_float=True)
    except (ijson.JSONError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise damaged_file_error(path, e) from None


class _ReportingStream:
    """A stream that tells ``progress`` how far the file is read at each read."""

    def __init__(self, opened: OpenedFile, progress: ProgressCallback) -> None:
        self._opened = opened
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._opened.stream.read(size)
        self._progress(self._opened.fraction())
        return data


def check_json(path: Path, progress: ProgressCallback | None = None) -> None:
    """Parse all of ``path`` as JSON, keeping nothing; ImportFormatError when it is not whole.

    Much cheaper than reading its conversations (no Python objects are built),
    so an import can refuse a damaged file before it writes anything.
    """
    with open_stream(path) as opened:
        stream = opened.stream if progress is None else _ReportingStream(opened, progress)
        for _ in iter_json_items(stream, "\x00nothing", path):  # type: ignore[arg-type]
            pass


def detect_source(path: Path) -> Source:
    """Which app wrote ``path``, from the first keys of its first conversation."""
    with open_stream(path) as opened:
        try:
            for prefix, event, value in ijson.parse(opened.stream, use_float=True):
                if prefix == "" and event == "start_map":
                    return "kitdesk"  # confirmed (or refused) by its format field
                if prefix == "" and event == "end_array":
                    raise ImportFormatError(f"{path.name} holds no conversations.")
                if prefix.startswith("item.") or (prefix, event) in _OPENINGS:
                    continue
                if prefix == "item" and event == "map_key":
                    if value in ("mapping", "current_node"):
                        return "chatgpt"
                    if value in ("chat", "history"):
                        return "openwebui"
                    continue
                break  # a first element that is not a conversation
        except (ijson.JSONError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error) as error:
            raise damaged_file_error(path, error) from None
    raise ImportFormatError(
        f"{path.name} is not an export Kitdesk can read. Kitdesk imports ChatGPT's data export "
        "(.zip or conversations.json), Open WebUI's chat export (.json) and its own export."
    )
