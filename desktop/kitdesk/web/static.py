"""Serves the bundled web UI (index.html and its hashed assets).

Kept to Starlette alone, without FastAPI or the ChatKit SDK, so the window can
load the page while the rest of the server is still importing.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

WEBUI_DIR = Path(__file__).parent.parent / "webui_dist"

MISSING_UI_PAGE = """<!doctype html><meta charset=utf-8><title>Kitdesk</title>
<p style="font:16px system-ui;margin:3em">Kitdesk's web UI has not been built.
Run <code>make run</code> from the source folder, or reinstall Kitdesk.</p>"""


def is_ui_request(method: str, path: str) -> bool:
    return method in ("GET", "HEAD") and (
        path in ("/", "/index.html", "/favicon.ico") or path.startswith("/assets/")
    )


async def _index(_: Request) -> Response:
    # Looked up per request, so a UI rebuilt while the server runs is picked up.
    page = WEBUI_DIR / "index.html"
    if not page.is_file():
        return HTMLResponse(MISSING_UI_PAGE, status_code=503)
    return FileResponse(page, headers={"cache-control": "no-cache"})


def build_ui_app(directory: Path = WEBUI_DIR) -> Starlette:
    return Starlette(
        routes=[
            Route("/", _index, methods=["GET", "HEAD"]),
            Route("/index.html", _index, methods=["GET", "HEAD"]),
            Mount("/", StaticFiles(directory=directory, check_dir=False)),
        ]
    )
