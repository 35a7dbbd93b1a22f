"""Fetching a release file into the data folder, checked while it streams.

The file streams into ``<name>.part`` beside its final place, hashed as it
arrives and stopped as soon as it exceeds the signed size, so a hostile server
cannot fill the disk. Only a file whose size and SHA-256 equal the signed ones
is renamed to its final name; a mismatch deletes it. A transfer that breaks
off keeps its ``.part`` and the next attempt resumes it with an HTTP Range
request (a server that ignores Range simply sends the whole file again).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import httpx

from kitdesk.updates.config import check_update_url
from kitdesk.updates.feed import Download
from kitdesk.updates.problems import (
    CouldNotCheck,
    DownloadTooLarge,
    IncompleteDownload,
    UpdateProblem,
)
from kitdesk.updates.verify import check_digest

CHUNK_BYTES = 256 * 1024
Progress = Callable[[int, int], None]


def _hash_file(path: Path) -> tuple[hashlib._Hash, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest, size


def final_path(dest_dir: Path, download: Download, version: str) -> Path:
    return dest_dir / f"{version}-{download.file_name}"


def already_downloaded(dest_dir: Path, download: Download, version: str) -> Path | None:
    """The verified file from an earlier run, if it is still there and intact."""
    path = final_path(dest_dir, download, version)
    if not path.is_file():
        return None
    digest, size = _hash_file(path)
    try:
        check_digest(download, version=version, size=size, sha256=digest.hexdigest())
    except UpdateProblem:
        path.unlink(missing_ok=True)
        return None
    return path


def download_release(
    client: httpx.Client,
    download: Download,
    *,
    version: str,
    dest_dir: Path,
    progress: Progress | None = None,
) -> Path:
    """Stream, hash and check one release file; return its final path.

    Raises ``CouldNotCheck`` (network gone before anything arrived),
    ``IncompleteDownload`` (cut short; the part is kept for resuming),
    ``DownloadTooLarge`` or ``BadChecksum`` (the part is deleted).
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    done = already_downloaded(dest_dir, download, version)
    if done is not None:
        return done
    target = final_path(dest_dir, download, version)
    part = target.with_name(target.name + ".part")
    digest, have = _hash_file(part) if part.is_file() else (hashlib.sha256(), 0)
    if have >= download.size:  # a stale or oversized part: start again
        part.unlink()
        digest, have = hashlib.sha256(), 0
    headers = {"range": f"bytes={have}-"} if have else {}
    try:
        with client.stream("GET", check_update_url(download.url), headers=headers) as response:
            check_update_url(str(response.url))
            if response.status_code == 200 and have:
                digest, have = hashlib.sha256(), 0  # Range ignored: whole file again
                part.unlink()
            elif response.status_code == 416:
                part.unlink(missing_ok=True)
                raise IncompleteDownload(
                    f"The download of Kitdesk {version} could not be resumed; "
                    "it will start again next time."
                )
            elif response.status_code == 206 and not _resumes_at(response, have):
                part.unlink(missing_ok=True)
                raise IncompleteDownload(
                    f"The download of Kitdesk {version} could not be resumed; "
                    "it will start again next time."
                )
            elif response.status_code not in (200, 206):
                raise CouldNotCheck(
                    f"The download of Kitdesk {version} failed (HTTP {response.status_code})."
                )
            have = _stream_into(response, part, digest, have, download, version, progress)
    except httpx.TransportError:
        if part.is_file() and part.stat().st_size > 0:
            raise IncompleteDownload(
                f"The download of Kitdesk {version} was cut short "
                f"({part.stat().st_size:,} of {download.size:,} bytes); it will be tried again."
            ) from None
        raise CouldNotCheck(f"Could not download Kitdesk {version}: no connection.") from None
    try:
        check_digest(download, version=version, size=have, sha256=digest.hexdigest())
    except UpdateProblem:
        # A complete answer that is still short or wrong will not improve by resuming.
        part.unlink(missing_ok=True)
        raise
    os.replace(part, target)
    return target


def _resumes_at(response: httpx.Response, offset: int) -> bool:
    """A 206 must continue exactly where the part ends (``Content-Range: bytes N-...``)."""
    return response.headers.get("content-range", "").startswith(f"bytes {offset}-")


def _stream_into(
    response: httpx.Response,
    part: Path,
    digest: hashlib._Hash,
    have: int,
    download: Download,
    version: str,
    progress: Progress | None,
) -> int:
    with part.open("ab") as handle:
        for chunk in response.iter_bytes():
            have += len(chunk)
            if have > download.size:
                handle.close()
                part.unlink(missing_ok=True)
                raise DownloadTooLarge(
                    f"The update {version} was refused: the server sent more than the "
                    f"{download.size:,} signed bytes."
                )
            digest.update(chunk)
            handle.write(chunk)
            if progress is not None:
                progress(have, download.size)
        handle.flush()
        with contextlib.suppress(OSError):
            os.fsync(handle.fileno())
    return have
