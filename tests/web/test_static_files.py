"""The web UI's files as the window fetches them from the running server, and
what the file routes refuse (anything outside the UI's folder)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from kitdesk.web.static import WEBUI_DIR, build_ui_app

from tests.live_server import LiveServer

pytestmark = pytest.mark.skipif(
    not (WEBUI_DIR / "index.html").is_file(), reason="the web UI is not built (make webui)"
)


def largest_script() -> Path:
    return max((WEBUI_DIR / "assets").glob("*.js"), key=lambda path: path.stat().st_size)


def test_the_page_and_its_assets_are_served_whole(live_server: LiveServer) -> None:
    page = live_server.client.get("/")
    assert page.status_code == 200
    assert page.content == (WEBUI_DIR / "index.html").read_bytes()
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"  # a rebuilt UI is picked up

    script = largest_script()
    served = live_server.client.get(f"/assets/{script.name}")
    assert served.status_code == 200
    assert served.content == script.read_bytes()
    assert served.headers["content-type"].startswith("text/javascript")
    # Hashed names: a new build has new names, so these never need asking for again.
    assert "immutable" in served.headers["cache-control"]

    head = live_server.client.head(f"/assets/{script.name}")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == script.stat().st_size

    stylesheet = next((WEBUI_DIR / "assets").glob("*.css"))
    assert (
        live_server.client.get(f"/assets/{stylesheet.name}")
        .headers["content-type"]
        .startswith("text/css")
    )
    assert live_server.client.get("/assets/no-such-file.js").status_code == 404


async def test_nothing_outside_the_assets_folder_is_served(tmp_path: Path) -> None:
    ui = tmp_path / "ui"
    (ui / "assets" / "sub").mkdir(parents=True)
    (ui / "index.html").write_text("<!doctype html>")
    (ui / "assets" / "app.js").write_text("console.log(1)")
    (ui / "assets" / "sub" / "deep.css").write_text("a{}")
    (tmp_path / "secret.txt").write_text("not for the page")
    (ui / "assets" / "link.txt").symlink_to(tmp_path / "secret.txt")
    (ui / "assets" / "folder-link").symlink_to(tmp_path)
    transport = httpx.ASGITransport(app=build_ui_app(ui))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.get("/assets/app.js")).text == "console.log(1)"
        assert (await client.get("/assets/sub/deep.css")).text == "a{}"
        for path in (
            "/assets/../../secret.txt",
            "/assets/%2e%2e/%2e%2e/secret.txt",
            "/assets/..%2f..%2fsecret.txt",
            "/assets/link.txt",
            "/assets/folder-link/secret.txt",
            "/assets/",
            "/assets/sub",
            f"/assets/{tmp_path}/secret.txt",
        ):
            reply = await client.get(path)
            assert reply.status_code == 404, path
            assert "not for the page" not in reply.text, path
