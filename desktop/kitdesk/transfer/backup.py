"""Backups a person can make and check: one zip file per backup.

A backup holds ``kitdesk.db`` (a consistent copy made with SQLite's online
backup API while the app keeps writing: with WAL, readers never block the
writer), every attachment file under ``attachments/``, the prompt library
(``prompts.json``, when there is one) and ``manifest.json``
(written last) listing each file with its size and SHA-256, the schema
version and the app version. A backup is written as ``<name>.partial``,
fsynced, then renamed: a crash or a full disk never leaves a file that looks
like a backup.

Restoring one is ``restore.py``; it reads backups through the checks here
(``read_manifest``, ``extract_checked``), which refuse a damaged or foreign
file with a sentence before anything is touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from kitdesk.errors import UserFacingError
from kitdesk.paths import PROMPTS_FILE
from kitdesk.transfer.retention import PARTIAL_SUFFIX, BackupKind, backup_name

FORMAT = "kitdesk-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "kitdesk.db"
PROMPTS = PROMPTS_FILE
ATTACHMENTS = "attachments/"
_CHUNK = 1024 * 1024
_SAFE_ATTACHMENT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # as the store names them


class BackupError(UserFacingError):
    """A backup cannot be made or used; the message says why, for a person."""

    status = 422
    code = "backup_failed"


@dataclass(frozen=True)
class BackupFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: datetime
    app_version: str
    schema_version: int
    files: tuple[BackupFile, ...]

    @property
    def attachment_count(self) -> int:
        return sum(1 for f in self.files if f.path.startswith(ATTACHMENTS))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "app_version": self.app_version,
            "schema_version": self.schema_version,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _copy_hashing(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def snapshot_database(db_path: Path, target: Path) -> int:
    """Copy the live database to ``target`` (a self-contained file); return its schema version."""
    if not db_path.is_file():
        raise BackupError(f"There is no Kitdesk database at {db_path} to back up.")
    try:
        source = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True, timeout=30)
    except sqlite3.Error as error:
        raise BackupError(f"The database at {db_path} cannot be opened: {error}.") from error
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: in WAL mode it never blocks the writer
            copy.execute("PRAGMA journal_mode = DELETE")
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
        finally:
            copy.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The database at {db_path} cannot be read: {error}.") from error
    finally:
        source.close()
    return version


def create_backup(
    db_path: Path,
    attachments_dir: Path,
    target: Path,
    *,
    app_version: str,
    kind: BackupKind = "manual",
    now: datetime | None = None,
) -> Path:
    """Write one backup file and return its path.

    ``target`` is the file to write, or a folder (an existing one, or a path
    without a suffix) to put a dated ``kitdesk-backup-<stamp>.zip`` in.
    """
    now = now or datetime.now(UTC)
    if target.is_dir() or not target.suffix:
        target = target / backup_name(kind, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        # The snapshot goes beside the database (the data folder has room for a copy of
        # it); a crash leaves it there for run_automatic_backup to remove.
        with tempfile.TemporaryDirectory(prefix=".kitdesk-backup-", dir=db_path.parent) as tmp:
            copy = Path(tmp) / DATABASE
            schema_version = snapshot_database(db_path, copy)
            files: list[BackupFile] = []
            with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
                files.append(_add(archive, copy, DATABASE, zipfile.ZIP_DEFLATED))
                prompts = _prompt_library_copy(db_path.parent / PROMPTS, Path(tmp))
                if prompts is not None:
                    files.append(_add(archive, prompts, PROMPTS, zipfile.ZIP_DEFLATED))
                for path in _attachment_files(attachments_dir):
                    # Images and PDFs are compressed already: store them as they are.
                    files.append(_add(archive, path, ATTACHMENTS + path.name, zipfile.ZIP_STORED))
                manifest = Manifest(now.astimezone(UTC), app_version, schema_version, tuple(files))
                archive.writestr(MANIFEST, json.dumps(manifest.to_json(), indent=2))
        _fsync_file(partial)
        os.replace(partial, target)
        fsync_dir(target.parent)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(
            f"The backup could not be written to {target.parent}: {error.strerror or error}. "
            "Free some disk space or choose another folder."
        ) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _prompt_library_copy(library: Path, folder: Path) -> Path | None:
    """A private copy of the prompt library (it is replaced, never edited in place, so a
    copy is one consistent version), or None when no prompt was ever saved."""
    copy = folder / PROMPTS
    try:
        shutil.copyfile(library, copy)
    except FileNotFoundError:
        return None
    return copy


def _attachment_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and _SAFE_ATTACHMENT.match(p.name))
    except FileNotFoundError:
        return []


def _add(archive: zipfile.ZipFile, path: Path, name: str, compression: int) -> BackupFile:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compression
    size = path.stat().st_size
    with path.open("rb") as source, archive.open(info, "w", force_zip64=size > 2**31) as target:
        written, digest = _copy_hashing(source, target)
    return BackupFile(name, written, digest)


def refuse(path: Path, reason: str) -> BackupError:
    return BackupError(f"{path.name} cannot be restored: {reason}. Nothing was changed.")


def read_manifest(archive: zipfile.ZipFile, path: Path) -> Manifest:
    """The manifest of an open backup, checked for shape and version."""
    try:
        raw = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise refuse(path, "it has no manifest, so it is not a Kitdesk backup") from None
    except (ValueError, zipfile.BadZipFile, zlib.error) as error:
        raise refuse(path, f"its manifest is damaged ({error})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise refuse(path, "it is not a Kitdesk backup")
    version = raw.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise refuse(path, "it was made by a newer Kitdesk; update Kitdesk to restore it")
    try:
        files = tuple(
            BackupFile(str(f["path"]), int(f["size"]), str(f["sha256"])) for f in raw["files"]
        )
        manifest = Manifest(
            datetime.fromisoformat(str(raw["created_at"]).replace("Z", "+00:00")),
            str(raw.get("app_version", "")),
            int(raw["schema_version"]),
            files,
        )
    except (KeyError, TypeError, ValueError):
        raise refuse(path, "its manifest is incomplete") from None
    names = [f.path for f in files]
    if DATABASE not in names:
        raise refuse(path, "it holds no database")
    for name in names:
        if name not in (DATABASE, PROMPTS) and not (
            name.startswith(ATTACHMENTS) and _SAFE_ATTACHMENT.match(name[len(ATTACHMENTS) :])
        ):
            raise refuse(path, f"it lists an unexpected file ({name[:80]})")
    return manifest


@contextlib.contextmanager
def open_backup(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist.") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise refuse(path, f"it is not a readable zip file ({error})") from None
    with archive:
        yield archive


def check_schema(manifest: Manifest, path: Path, max_schema_version: int | None) -> None:
    if max_schema_version is not None and manifest.schema_version > max_schema_version:
        raise refuse(
            path,
            f"its database has schema version {manifest.schema_version} and this Kitdesk "
            f"reads up to {max_schema_version}; update Kitdesk to restore it",
        )


def extract_checked(
    archive: zipfile.ZipFile, entry: BackupFile, path: Path, target: IO[bytes]
) -> None:
    try:
        with archive.open(entry.path) as source:
            size, digest = _copy_hashing(source, target)
    except KeyError:
        raise refuse(path, f"{entry.path} is missing from the archive") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise refuse(path, f"{entry.path} is damaged ({error})") from None
    if size != entry.size or digest != entry.sha256:
        raise refuse(path, f"{entry.path} does not match its checksum, so the file is damaged")


def verify_backup(path: Path, *, max_schema_version: int | None = None) -> Manifest:
    """Read every file of a backup against its checksum; the manifest when all match."""
    with open_backup(path) as archive:
        manifest = read_manifest(archive, path)
        check_schema(manifest, path, max_schema_version)
        sink = open(os.devnull, "wb")
        with sink:
            for entry in manifest.files:
                extract_checked(archive, entry, path, sink)
    return manifest


__all__ = [
    "BackupError",
    "Manifest",
    "create_backup",
    "snapshot_database",
    "verify_backup",
]
