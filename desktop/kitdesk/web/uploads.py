"""Receiving an attachment's bytes: streaming multipart parsing and content checks.

The body is parsed as it arrives (python-multipart's streaming parser) and
the file spooled to a temporary file, so an upload larger than the limit is
refused as soon as it crosses it and memory never holds more than one chunk
until the checked file is handed to the store. The type a browser declares comes from the file
name, so it is checked against the bytes: images and PDFs by their magic
numbers, text by decoding it. SVG and HTML are never accepted: served from our
origin they could run script.
"""

from __future__ import annotations

import asyncio
import codecs
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from kitdesk.errors import UserFacingError
from kitdesk.store.sqlite import ALLOWED_MIME_TYPES, MAX_ATTACHMENT_BYTES

FILE_FIELD = "file"
# Room for the multipart framing and a few small form fields around the file.
MAX_OVERHEAD_BYTES = 64 * 1024
HEAD_BYTES = 16  # enough for every magic number we check

IMAGE_LABELS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
}
ALLOWED_DESCRIPTION = "images (PNG, JPEG, GIF, WebP), PDF documents and text files"


class UploadTooLarge(UserFacingError):
    status = 413
    code = "file_too_large"


class UnsupportedUpload(UserFacingError):
    status = 415
    code = "unsupported_file_type"


class BadUpload(UserFacingError):
    status = 400
    code = "bad_upload"


@dataclass
class UploadedFile:
    """A received file, spooled to an anonymous temporary file as it arrived."""

    spool: BinaryIO
    size: int
    head: bytes  # the first bytes, for the magic-number check
    is_utf8_text: bool  # valid UTF-8 without NUL bytes, checked while streaming
    filename: str | None
    content_type: str  # as declared in the part header, lower-case, without parameters

    def read_all(self) -> bytes:
        """The whole file, as one bytes object (the store takes bytes)."""
        self.spool.seek(0)
        return self.spool.read()


def limit_text(limit: int = MAX_ATTACHMENT_BYTES) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(f"The file is larger than Kitdesk's limit of {limit_text(limit)}.")


def base_type(content_type: str | bytes | None) -> str:
    """``"Image/PNG; x=y"`` -> ``"image/png"``."""
    value, _params = parse_options_header(content_type)
    return value.decode("latin-1").strip().lower()


class _FormReader:
    """Spools the first ``file`` part of a multipart body to disk, within the limits."""

    def __init__(self, limit: int, spool: BinaryIO) -> None:
        self.limit = limit
        self.spool = spool
        self.size = 0
        self.head = b""
        self.filename: str | None = None
        self.content_type = ""
        self.found = False
        self.has_nul = False
        self.utf8_valid = True
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._capturing = False
        self._other_bytes = 0
        self._headers: dict[str, str] = {}
        self._field = b""
        self._value = b""

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._capturing = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _disposition, params = parse_options_header(self._headers.get("content-disposition"))
        if params.get(b"name") == FILE_FIELD.encode() and not self.found:
            self.found = self._capturing = True
            raw_name = params.get(b"filename")
            # Browsers send UTF-8 file names in the quoted string.
            self.filename = raw_name.decode("utf-8", "replace") if raw_name else None
            self.content_type = base_type(self._headers.get("content-type"))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._capturing:
            if self.size + size > self.limit:
                raise too_large(self.limit)
            chunk = memoryview(data)[start:end]
            self.spool.write(chunk)
            self.size += size
            if len(self.head) < HEAD_BYTES:
                self.head += bytes(chunk[: HEAD_BYTES - len(self.head)])
            self._check_text(data, start, end)
        else:
            self._other_bytes += size
            if self._other_bytes > MAX_OVERHEAD_BYTES:
                raise BadUpload("The upload has unexpected form fields besides the file.")

    def _check_text(self, data: bytes, start: int, end: int) -> None:
        # Decoded as it streams (the output is dropped), so no 20 MB string is built.
        if not self.utf8_valid:
            return
        self.has_nul = self.has_nul or data.find(b"\x00", start, end) != -1
        try:
            self._utf8.decode(memoryview(data)[start:end])
        except UnicodeDecodeError:
            self.utf8_valid = False

    def text_ok(self) -> bool:
        if self.utf8_valid:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_valid = False
        return self.utf8_valid and not self.has_nul


@asynccontextmanager
async def receive_file(
    request: Request, spool_dir: Path, limit: int = MAX_ATTACHMENT_BYTES
) -> AsyncIterator[UploadedFile]:
    """The ``file`` field of a multipart/form-data request, spooled to a temporary
    file in ``spool_dir`` (removed afterwards) and refused once it passes ``limit``."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadUpload(
            f"Send the file as multipart/form-data in a form field named “{FILE_FIELD}”."
        )
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > limit + MAX_OVERHEAD_BYTES:
        raise too_large(limit)  # refused before reading a byte

    await asyncio.to_thread(spool_dir.mkdir, parents=True, exist_ok=True)
    # Anonymous: the file has no name to leak and vanishes when closed, even on a crash.
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        reader = _FormReader(limit, spool)
        try:
            parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
            async for chunk in request.stream():
                parser.write(chunk)
            parser.finalize()
        except FormParserError:
            raise BadUpload("The upload is not valid multipart form data.") from None
        except ClientDisconnect:
            raise BadUpload("The upload was interrupted before it finished.") from None
        if not reader.found:
            raise BadUpload(f"The upload has no file in the form field “{FILE_FIELD}”.")
        yield UploadedFile(
            spool=spool,
            size=reader.size,
            head=reader.head,
            is_utf8_text=reader.text_ok(),
            filename=reader.filename,
            content_type=reader.content_type,
        )


def sniff_type(data: bytes) -> str | None:
    """The type the magic numbers say, for the binary formats we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def claims_text(mime: str) -> bool:
    """A type Kitdesk does not list that is not an image or a PDF: source code, config,
    HTML as text (``text/x-python``, ``application/yaml``, even ``video/mp2t`` for .ts).
    It is attached as plain text when its bytes are UTF-8 text (the bytes decide)."""
    mime = base_type(mime)
    return (
        bool(mime)
        and mime not in ALLOWED_MIME_TYPES
        and not mime.startswith("image/")
        and (mime != "application/pdf")
    )


def checked_type(*, recorded: str, declared: str, upload: UploadedFile, name: str) -> str:
    """The MIME type the bytes really are, or UnsupportedUpload with a sentence saying why.

    ``recorded`` is the type given when the attachment was created,
    ``declared`` the upload's part header; both must be allowed and agree in
    kind (image, PDF, text) with the bytes. An image whose extension lies
    (a JPEG named .png) gets its true type.
    """
    recorded = base_type(recorded)
    declared = base_type(declared) if declared else ""
    if claims_text(recorded):
        recorded = "text/plain"
    if declared in ("", "application/octet-stream") or (
        claims_text(declared) and recorded == "text/plain"
    ):
        declared = recorded
    for claimed in (recorded, declared):
        if claimed not in ALLOWED_MIME_TYPES:
            raise UnsupportedUpload(
                f"Kitdesk can attach {ALLOWED_DESCRIPTION}; "
                f"“{name}” is {claimed or 'of an unknown type'}."
            )
    if upload.size == 0:
        raise UnsupportedUpload(f"“{name}” is empty.")
    actual = sniff_type(upload.head)
    if recorded.startswith("image/") or declared.startswith("image/"):
        if actual not in IMAGE_LABELS or not (recorded.startswith("image/")):
            raise UnsupportedUpload(
                f"“{name}” is not a PNG, JPEG, GIF or WebP image, or its content does not match "
                "its type."
            )
        return actual
    if recorded == "application/pdf" or declared == "application/pdf":
        if actual != "application/pdf" or recorded != declared:
            raise UnsupportedUpload(f"“{name}” is not a PDF document.")
        return recorded
    # Text of some kind (plain, markdown, CSV, JSON).
    if actual is not None or not upload.is_utf8_text:
        raise UnsupportedUpload(f"“{name}” is not a UTF-8 text file.")
    return recorded
