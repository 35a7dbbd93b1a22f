"""``/api/data``: Settings > Data: export, import, back up, restore.

- ``GET /api/data/export?format=json|markdown|html[&thread=ID...]``: a download of the
  chosen threads (all when none is given), named for any title (RFC 5987).
- ``POST /api/data/import``: the file as the raw request body (``X-Filename``
  header for its name), streamed to disk; answers 202 with a job id at once.
  ``GET /api/data/import/{job}`` then reports ``progress`` (0..1) and, when
  done, the counts and a one-line summary, or the error sentence.
- ``GET /api/data/backups``: the backups in the data folder, newest first.
- ``POST /api/data/backups`` ``{"folder"?}``: back up now (to the data folder's
  ``backups`` unless a folder is given: the window asks for one in the native
  folder dialog).
- ``GET /api/data/backups/{name}/file``: a listed backup as a download (what a
  browser on ``kitdesk serve`` does after "Back up now": the person's browser
  puts it where they choose).
- ``POST /api/data/restore`` ``{"name"}`` (a listed backup) or ``{"path"}`` (a
  file the window's native open dialog picked).
- ``POST /api/data/restore/upload``: a backup file from anywhere, as the raw
  request body (``X-Filename``, percent-encoded, for its name): what a browser
  on ``kitdesk serve`` sends for "Restore from file…". It is streamed to a
  private temporary folder (refused past ``MAX_RESTORE_BYTES``), then restored
  exactly as a listed backup is: verified first, the current database kept as
  a backup, swapped atomically; the temporary copy is removed either way.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from chatkit.store import NotFoundError
from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from kitdesk.chat.context import RequestContext
from kitdesk.errors import UserFacingError
from kitdesk.store.exporting import EXTENSIONS, MEDIA_TYPES
from kitdesk.store.importing import ImportResult
from kitdesk.transfer.documents import content_disposition, download_filename
from kitdesk.transfer.restore import RestoreResult
from kitdesk.transfer.retention import list_backups, parse_backup_name
from kitdesk.web.services import ApiServices

MAX_IMPORT_BYTES = 4 * 1024**3
MAX_RESTORE_BYTES = 4 * 1024**3
_THREADS_QUERY = Query(None, description="thread ids to export; every thread when none")
_MAX_JOBS = 20


@dataclass
class ImportJob:
    id: str
    filename: str
    state: Literal["running", "done", "failed"] = "running"
    progress: float = 0.0
    result: ImportResult | None = None
    error: dict[str, str] | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "filename": self.filename,
            "state": self.state,
            "progress": round(self.progress, 4),
        }
        if self.result is not None:
            body["result"] = {
                "threads": self.result.threads,
                "messages": self.result.messages,
                "already_present": self.result.already_present,
                "skipped": dict(self.result.skipped),
                "summary": self.result.summary(),
            }
        if self.error is not None:
            body["error"] = self.error
        return body


class BackupNow(BaseModel):
    folder: str | None = None


class RestoreBody(BaseModel):
    name: str | None = None
    path: str | None = None


class NotFound(UserFacingError):
    status = 404
    code = "not_found"


def _backup_json(path: Path) -> dict[str, Any]:
    entry = parse_backup_name(path)
    return {
        "name": path.name,
        "path": str(path),
        "kind": entry.kind if entry else "manual",
        "created_at": entry.created_at.isoformat() if entry else None,
        "size": path.stat().st_size,
    }


def _restored_json(name: str, result: RestoreResult) -> dict[str, Any]:
    return {
        "restored": name,
        "created_at": result.manifest.created_at.isoformat(),
        "previous": str(result.previous) if result.previous else None,
    }


def _uploaded_name(header: str | None, fallback: str) -> str:
    """The file name a browser sent (percent-encoded): no folders, no control characters."""
    name = Path(unquote(header or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    return name[:120] or fallback


def _too_large_to_restore() -> UserFacingError:
    return UserFacingError(
        "The file is larger than 4 GB; restore it with `kitdesk restore PATH`.",
        status=413,
        code="upload_too_large",
    )


def _user_path(text: str) -> Path:
    """A path the person chose (in the native dialog), with ``~`` expanded."""
    return Path(os.path.expanduser(text))


def build_router(services: ApiServices) -> APIRouter:
    router = APIRouter(prefix="/data")
    store = services.store
    paths = services.paths
    jobs: dict[str, ImportJob] = {}
    tasks: set[asyncio.Task[None]] = set()

    @router.get("/export")
    async def export(
        background: BackgroundTasks,
        format: Literal["json", "markdown", "html"] = "json",
        thread: list[str] | None = _THREADS_QUERY,
    ) -> FileResponse:
        titles: list[str | None] = []
        for thread_id in thread or []:
            try:
                titles.append((await store.load_thread(thread_id, RequestContext(origin=""))).title)
            except NotFoundError:
                raise NotFound(
                    "That conversation no longer exists. It may have been deleted."
                ) from None
        # Beside the database: stale ``.kitdesk-*`` files are tidied by the automatic backup.
        target = paths.data_dir / f".kitdesk-export-{secrets.token_hex(6)}.{EXTENSIONS[format]}"
        summary = await store.export_file(
            target, format, thread_ids=thread, app_version=services.version
        )
        if len(titles) == 1:
            name = download_filename(titles[0], EXTENSIONS[format])
        else:
            name = f"Kitdesk conversations {datetime.now(UTC):%Y-%m-%d}.{EXTENSIONS[format]}"
        background.add_task(summary.path.unlink, missing_ok=True)
        return FileResponse(
            summary.path,
            media_type=MEDIA_TYPES[format],
            headers={"content-disposition": content_disposition(name)},
        )

    @router.post("/import", status_code=202)
    async def start_import(request: Request) -> dict[str, Any]:
        filename = Path(request.headers.get("x-filename") or "import.json").name[:200]
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
            raise UserFacingError(
                "The file is larger than 4 GB; import it with `kitdesk import PATH`.",
                status=413,
                code="upload_too_large",
            )
        folder = paths.cache_dir / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(filename).suffix.lower() if Path(filename).suffix else ".json"
        handle = tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False)
        spooled = Path(handle.name)
        try:
            with handle:
                async for chunk in request.stream():
                    await asyncio.to_thread(handle.write, chunk)
        except ClientDisconnect:
            await asyncio.to_thread(spooled.unlink, missing_ok=True)
            raise UserFacingError(
                "The upload was interrupted before it finished.", code="bad_upload"
            ) from None
        job = ImportJob(secrets.token_urlsafe(8), filename)
        for old in sorted(jobs.values(), key=lambda j: j.started_at)[: -_MAX_JOBS + 1]:
            if old.state != "running":
                jobs.pop(old.id, None)
        jobs[job.id] = job

        def on_progress(share: float) -> None:
            job.progress = share

        async def run() -> None:
            try:
                job.result = await store.import_file(spooled, progress=on_progress)
                job.state, job.progress = "done", 1.0
            except UserFacingError as error:
                job.state, job.error = "failed", {"code": error.code, "message": error.message}
            except Exception as error:  # reported to the person, never lost silently
                job.state = "failed"
                job.error = {
                    "code": "import_failed",
                    "message": f"The import stopped: {error}. Nothing from this file was lost; "
                    "importing it again adds only what is missing.",
                }
            finally:
                await asyncio.to_thread(spooled.unlink, missing_ok=True)

        task = asyncio.create_task(run())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return job.to_json()

    @router.get("/import/{job_id}")
    async def import_status(job_id: str) -> dict[str, Any]:
        job = jobs.get(job_id)
        if job is None:
            raise NotFound("There is no such import; start it again.")
        return job.to_json()

    @router.get("/backups")
    async def backups() -> dict[str, Any]:
        entries = await asyncio.to_thread(list_backups, paths.backups_dir)
        return {
            "folder": str(paths.backups_dir),
            "backups": [_backup_json(e.path) for e in entries],
        }

    @router.post("/backups", status_code=201)
    async def back_up_now(body: BackupNow | None = None) -> dict[str, Any]:
        folder = _user_path(body.folder) if body and body.folder else paths.backups_dir
        made = await store.backup(folder, app_version=services.version)
        return _backup_json(made)

    @router.get("/backups/{name}/file")
    async def download_backup(name: str) -> FileResponse:
        source = paths.backups_dir / Path(name).name
        if parse_backup_name(source) is None or not source.is_file():
            raise NotFound(f"There is no backup named {name[:120]}.")
        return FileResponse(
            source,
            media_type="application/zip" if source.suffix == ".zip" else "application/x-sqlite3",
            headers={"content-disposition": content_disposition(source.name)},
        )

    @router.post("/restore")
    async def restore(body: RestoreBody) -> dict[str, Any]:
        if body.name:
            source = paths.backups_dir / Path(body.name).name
        elif body.path:
            source = _user_path(body.path)
        else:
            raise UserFacingError("Choose a backup to restore.", status=422, code="invalid_body")
        if not source.is_file():
            raise NotFound(f"There is no backup at {source}.")
        result = await store.restore(source, app_version=services.version)
        return _restored_json(source.name, result)

    @router.post("/restore/upload")
    async def restore_upload(request: Request) -> dict[str, Any]:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_RESTORE_BYTES:
            raise _too_large_to_restore()
        name = _uploaded_name(request.headers.get("x-filename"), "backup.zip")
        paths.cache_dir.mkdir(parents=True, exist_ok=True)
        # Under its own name, so a refusal ("<name> cannot be restored: ...") names it.
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, "", "restore-", paths.cache_dir))
        spooled = folder / name
        try:
            received = 0
            with spooled.open("wb") as handle:
                async for chunk in request.stream():
                    received += len(chunk)
                    if received > MAX_RESTORE_BYTES:
                        raise _too_large_to_restore()
                    await asyncio.to_thread(handle.write, chunk)
            result = await store.restore(spooled, app_version=services.version)
        except ClientDisconnect:
            raise UserFacingError(
                "The upload was interrupted before it finished. Nothing was changed.",
                code="bad_upload",
            ) from None
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        return _restored_json(name, result)

    return router
