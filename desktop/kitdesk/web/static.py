"""Serves the bundled web UI (index.html and its hashed assets).

Kept to Starlette alone, without FastAPI or the ChatKit SDK, so the window can
load the page while the rest of the server is still importing.

Files are read in the event loop, in one call, not through Starlette's
``FileResponse``/``StaticFiles``: those stat, open and read a file in a worker
thread, one hop per step, and at launch every hop waits for the GIL behind the
threads still importing the application (index.html took 150-175 ms to answer
in the window at launch on the 2-core test machine). The files are local and
small (the largest chunk is under 1 MB, read from the page cache in well under
a millisecond). Assets have content hashes in their names, so they are cached
for good; index.html is looked up per request, so a rebuilt UI is picked up.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

WEBUI_DIR = Path(__file__).parent.parent / "webui_dist"

MISSING_UI_PAGE = """<!doctype html><meta charset=utf-8><title>Kitdesk</title>
<p style="font:16px system-ui;margin:3em">Kitdesk's web UI has not been built.
Run <code>make run</code> from the source folder, or reinstall Kitdesk.</p>"""


def is_ui_request(method: str, path: str) -> bool:
    return method in ("GET", "HEAD") and (
        path in ("/", "/index.html", "/favicon.ico") or path.startswith("/assets/")
    )


# The UI's own kinds of file, named here: Python's table comes from the OS on
# Windows, where a registry entry can say text/plain for .js, and a browser
# refuses to run a module script served so.
UI_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}
HASHED_FOREVER = "public, max-age=31536000, immutable"


def not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")


def file_response(request: Request, path: Path, cache_control: str) -> Response:
    """The file's bytes (none for HEAD), or 404 when it is not a readable file."""
    try:
        data = path.read_bytes()
    except OSError:  # missing, a folder, unreadable
        return not_found()
    media_type = (
        UI_TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
    headers = {"cache-control": cache_control, "content-length": str(len(data))}
    body = b"" if request.method == "HEAD" else data
    return Response(body, media_type=media_type, headers=headers)


def inside(directory: Path, relative: str) -> Path | None:
    """``directory / relative`` when that stays inside ``directory`` (no ``..``, no
    link out of it), else None."""
    base = directory.resolve()
    target = (base / relative).resolve()
    return target if target != base and target.is_relative_to(base) else None


async def _index(request: Request) -> Response:
    # Looked up per request, so a UI rebuilt while the server runs is picked up.
    page = WEBUI_DIR / "index.html"
    if not page.is_file():
        return HTMLResponse(MISSING_UI_PAGE, status_code=503)
    return file_response(request, page, "no-cache")


_PAGE_ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']\./(assets/[^"'?#]+)""")


def page_files(directory: Path = WEBUI_DIR) -> frozenset[str]:
    """The asset paths (``/assets/…``) index.html itself loads: its scripts and styles."""
    try:
        html = (directory / "index.html").read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(f"/{found}" for found in _PAGE_ASSET.findall(html))


def build_ui_app(directory: Path = WEBUI_DIR) -> Starlette:
    async def asset(request: Request) -> Response:
        path = inside(directory / "assets", request.path_params["path"])
        return not_found() if path is None else file_response(request, path, HASHED_FOREVER)

    async def favicon(request: Request) -> Response:
        return file_response(request, directory / "favicon.ico", "no-cache")

    return Starlette(
        routes=[
            Route("/", _index, methods=["GET", "HEAD"]),
            Route("/index.html", _index, methods=["GET", "HEAD"]),
            Route("/favicon.ico", favicon, methods=["GET", "HEAD"]),
            Route("/assets/{path:path}", asset, methods=["GET", "HEAD"]),
        ]
    )
