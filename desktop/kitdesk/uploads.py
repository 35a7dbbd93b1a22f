"""Receiving an attachment's bytes: streaming multipart parsing and content checks.

The body is parsed as it arrives (python-multipart's streaming parser), so an
upload larger than the limit is refused as soon as it crosses it, without
buffering more than the limit. The type a browser declares comes from the file
name, so it is checked against the bytes: images and PDFs by their magic
numbers, text by decoding it. SVG and HTML are never accepted: served from our
origin they could run script.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from kitdesk.http_errors import UserFacingError
from kitdesk.store import ALLOWED_MIME_TYPES, MAX_ATTACHMENT_BYTES

FILE_FIELD = "file"
# Room for the multipart framing and a few small form fields around the file.
MAX_OVERHEAD_BYTES = 64 * 1024

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


@dataclass(frozen=True)
class UploadedFile:
    data: bytes
    filename: str | None
    content_type: str  # as declared in the part header, lower-case, without parameters


def limit_text(limit: int = MAX_ATTACHMENT_BYTES) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(f"The file is larger than Kitdesk's limit of {limit_text(limit)}.")


def base_type(content_type: str | bytes | None) -> str:
    """``"Image/PNG; x=y"`` -> ``"image/png"``."""
    value, _params = parse_options_header(content_type)
    return value.decode("latin-1").strip().lower()


class _FormReader:
    """Collects the first ``file`` part of a multipart body, within the limits."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.file = bytearray()
        self.filename: str | None = None
        self.content_type = ""
        self.found = False
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
            if len(self.file) + size > self.limit:
                raise too_large(self.limit)
            self.file += data[start:end]
        else:
            self._other_bytes += size
            if self._other_bytes > MAX_OVERHEAD_BYTES:
                raise BadUpload("The upload has unexpected form fields besides the file.")


async def read_file_field(request: Request, limit: int = MAX_ATTACHMENT_BYTES) -> UploadedFile:
    """The ``file`` field of a multipart/form-data request, refused once it passes ``limit``."""
    content_type, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadUpload(
            f"Send the file as multipart/form-data in a form field named “{FILE_FIELD}”."
        )
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > limit + MAX_OVERHEAD_BYTES:
        raise too_large(limit)  # refused before reading a byte

    reader = _FormReader(limit)
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
    return UploadedFile(
        data=bytes(reader.file), filename=reader.filename, content_type=reader.content_type
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


def _is_utf8_text(data: bytes, step: int = 1 << 20) -> bool:
    """Valid UTF-8 with no NUL bytes; decoded a slice at a time so a 20 MB file
    never becomes a 20-80 MB string."""
    if b"\x00" in data:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def checked_type(*, recorded: str, declared: str, data: bytes, name: str) -> str:
    """The MIME type the bytes really are, or UnsupportedUpload with a sentence saying why.

    ``recorded`` is the type given when the attachment was created,
    ``declared`` the upload's part header; both must be allowed and agree in
    kind (image, PDF, text) with the bytes. An image whose extension lies
    (a JPEG named .png) gets its true type.
    """
    recorded = base_type(recorded)
    declared = base_type(declared) if declared else ""
    if declared in ("", "application/octet-stream"):
        declared = recorded
    for claimed in (recorded, declared):
        if claimed not in ALLOWED_MIME_TYPES:
            raise UnsupportedUpload(
                f"Kitdesk can attach {ALLOWED_DESCRIPTION}; "
                f"“{name}” is {claimed or 'of an unknown type'}."
            )
    if not data:
        raise UnsupportedUpload(f"“{name}” is empty.")
    actual = sniff_type(data)
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
    if actual is not None or not _is_utf8_text(data):
        raise UnsupportedUpload(f"“{name}” is not a UTF-8 text file.")
    return recorded
