"""Every GET is free of side effects (issue 11 item 2).

The browser sends the launch cookie with top-level navigations and with the
GETs a page may make of its own accord (images, links, prefetches), so no GET
may change anything. This walks every GET route the application has, with
real data behind each parameter, and compares everything Kitdesk keeps (the
database's content, attachments, backups, settings and the keyring) before
and after. A new GET route with a parameter this test cannot fill fails it,
so the route gets walked too.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from fastapi.openapi.utils import get_openapi
from kitdesk.paths import Paths

from tests.conftest import MemoryKeyring
from tests.live_server import LiveServer
from tests.upstream import Turn, Upstream
from tests.web.test_api import tiny_png

KEY = "sk-get-routes-key-000000000001"
WORKFLOW = "wf_68d5bd1c0b1881908a3b5b44f1e2d2f4"
# Query strings worth trying on some routes (every route is also walked bare);
# ``{name}`` takes the same values as the path parameters.
QUERIES: dict[str, list[str]] = {
    "/api/models": ["refresh=1"],
    "/api/search": ["q=picture"],
    "/api/threads/{thread_id}/export": ["format=json", "format=markdown", "format=html"],
    "/api/data/export": ["format=json", "format=markdown", "format=html"],
    "/api/organise/threads": ["view=archived", "view=folder&folder={folder_id}"],
    "/chatkit/images/{provider_id}": ["url=http%3A%2F%2F127.0.0.1%3A9%2Fa.png"],
    "/api/providers/check-url": ["url=http%3A%2F%2Fexample.com%2Fv1&provider_id={provider_id}"],
}
UI_PATHS = ["/", "/index.html", "/favicon.ico"]


def _files(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Digests of the files under ``folder``; names starting with ``skip`` are not
    read (a download's staging file may be deleted between listing and reading)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_file() and not name.startswith(skip):
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _snapshot(paths: Paths, keyring: MemoryKeyring) -> dict[str, Any]:
    """Everything Kitdesk keeps, logs and caches aside."""
    with closing(sqlite3.connect(paths.db_path)) as db:
        database = list(db.iterdump())
    # The database is compared by content; ``.kitdesk-*`` are a download's
    # staging files, deleted once it is sent.
    files = _files(paths.data_dir, skip=("kitdesk.db", ".kitdesk-"))
    return {
        "database": database,
        "data files": files,
        "config": _files(paths.config_dir),
        "keyring": dict(keyring.secrets),
    }


def _with_data(server: LiveServer, upstream: Upstream) -> dict[str, str]:
    """A provider with a key, a workflow, a saved prompt, a folder holding a thread
    with an image and an answer; the values for each path parameter."""
    created = server.client.post(
        "/api/providers", json={"kind": "openai", "base_url": upstream.base_url}
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    assert server.client.put(f"/api/providers/{provider_id}/key", json={"key": KEY}).is_success
    added = server.client.post(
        "/api/workflows", json={"id": WORKFLOW, "name": "Support", "provider_id": provider_id}
    )
    assert added.status_code == 201, added.text
    # The first session makes the install's user, so listing its threads does real work.
    assert server.client.post(f"/api/workflows/{WORKFLOW}/session").status_code == 200
    png = tiny_png()
    attachment = server.chatkit(
        "attachments.create", name="cat.png", size=len(png), mime_type="image/png"
    ).json()
    uploaded = server.client.post(
        f"/api/attachments/{attachment['id']}/upload", files={"file": ("cat.png", png, "image/png")}
    )
    assert uploaded.status_code == 200, uploaded.text
    upstream.script(Turn(text="A picture of a cat."))
    events = server.stream(
        "threads.create",
        input={
            "content": [{"type": "input_text", "text": "What is in this picture?"}],
            "attachments": [attachment["id"]],
            "inference_options": {},
        },
    )
    thread_id = next(event.thread.id for event in events if event.type == "thread.created")
    prompt = server.client.post("/api/prompts", json={"name": "Review", "text": "Check {{code}}"})
    assert prompt.status_code == 201, prompt.text
    folder = server.client.post("/api/organise/folders", json={"name": "Work"})
    assert folder.status_code == 201, folder.text
    moved = server.client.post(
        "/api/organise/threads",
        json={"thread_ids": [thread_id], "action": "move", "folder_id": folder.json()["id"]},
    )
    assert moved.status_code == 200, moved.text
    backup = server.client.post("/api/data/backups", json={})
    assert backup.status_code in (200, 201), backup.text
    return {
        "thread_id": thread_id,
        "provider_id": provider_id,
        "folder_id": folder.json()["id"],
        "name": backup.json()["name"],
        "prompt_id": prompt.json()["id"],
        "attachment_id": attachment["id"],
        "workflow_id": WORKFLOW,
        "job_id": "job_that_never_ran",
    }


def test_walking_every_get_route_changes_nothing(
    live_chat: LiveServer, upstream: Upstream, kitdesk_home: Paths, memory_keyring: MemoryKeyring
) -> None:
    values = _with_data(live_chat, upstream)
    live_chat.running.wait_until_built(60)
    # The application's own description of its routes (what OpenAPI would publish).
    schema = get_openapi(title="Kitdesk", version="test", routes=live_chat.running.app.routes)
    routes = [path for path, methods in schema["paths"].items() if "get" in methods]
    requests: list[str] = []
    for route in routes:
        path = route
        for parameter in schema["paths"][route]["get"].get("parameters", []):
            if parameter["in"] != "path":
                continue
            name = parameter["name"]
            assert name in values, f"{route}: give the test a value for {{{name}}}"
            path = path.replace(f"{{{name}}}", values[name])
        requests += [
            f"{path}?{query.format_map(values)}" if query else path
            for query in ["", *QUERIES.get(route, [])]
        ]
    walked: list[tuple[str, int]] = []
    before = _snapshot(kitdesk_home, memory_keyring)
    for request in [*requests, *UI_PATHS]:
        reply = live_chat.client.get(request)
        assert reply.status_code < 500, (request, reply.text[:300])
        walked.append((request, reply.status_code))
        after = _snapshot(kitdesk_home, memory_keyring)
        changed = [part for part in before if after[part] != before[part]]
        assert changed == [], f"GET {request} changed the {', '.join(changed)}"
    assert len(routes) >= 20, routes
    succeeded = [path for path, status in walked if status == 200]
    # The walk reached real data (not a wall of 404s).
    for must in ("/api/settings", f"/api/attachments/{values['attachment_id']}/content"):
        assert any(path.startswith(must) for path in succeeded), walked
    assert len(succeeded) >= len(routes), walked
