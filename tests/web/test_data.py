"""``/api/data`` over real HTTP: export, import with progress, back up, list, restore."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import Any

from kitdesk.paths import Paths
from kitdesk.transfer.backup import verify_backup

from tests.live_server import LiveServer
from tests.transfer.fixtures import (
    chatgpt_branched,
    chatgpt_linear,
    truncate,
    write_chatgpt_zip,
    write_json,
)
from tests.upstream import Turn, Upstream
from tests.web.test_chatkit import create_thread


def wait_for_import(server: LiveServer, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = server.client.get(f"/api/data/import/{job_id}").json()
        if job["state"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError("the import never finished")


def test_import_a_chatgpt_zip_then_again(live_server: LiveServer, kitdesk_home: Paths) -> None:
    path = write_chatgpt_zip(
        kitdesk_home.cache_dir / "export.zip", [chatgpt_branched().data, chatgpt_linear("c", 4)]
    )
    for expected in ((2, 0), (0, 2)):
        started = live_server.client.post(
            "/api/data/import", content=path.read_bytes(), headers={"x-filename": "export.zip"}
        )
        assert started.status_code == 202
        job = wait_for_import(live_server, started.json()["id"])
        assert job["state"] == "done" and job["progress"] == 1.0
        result = job["result"]
        assert (result["threads"], result["already_present"]) == expected
        assert result["skipped"]["image"] == 1
    listed = live_server.chatkit("threads.list", limit=10).json()
    assert sorted(t["title"] for t in listed["data"]) == ["Café 日本", "Long"]
    # Nothing of the upload is left behind.
    assert [p.name for p in kitdesk_home.data_dir.iterdir() if p.name.startswith(".")] == []


def test_a_truncated_import_fails_with_a_sentence(
    live_server: LiveServer, kitdesk_home: Paths
) -> None:
    path = write_json(
        kitdesk_home.cache_dir / "c.json", [chatgpt_linear(f"c{i}", 30) for i in range(9)]
    )
    truncate(path)
    started = live_server.client.post("/api/data/import", content=path.read_bytes())
    job = wait_for_import(live_server, started.json()["id"])
    assert job["state"] == "failed"
    assert job["error"]["code"] == "import_failed"
    assert "cut short" in job["error"]["message"]
    assert live_server.chatkit("threads.list", limit=10).json()["data"] == []


def test_export_everything_and_a_selection(live_chat: LiveServer, upstream: Upstream) -> None:
    upstream.script(Turn(text="One."), Turn(text="Two."))
    first = create_thread(live_chat, "First question")
    create_thread(live_chat, "Second question")
    everything = live_chat.client.get("/api/data/export", params={"format": "json"})
    assert everything.status_code == 200
    assert (
        "filename*=UTF-8''Kitdesk%20conversations%20" in everything.headers["content-disposition"]
    )
    assert len(everything.json()["threads"]) == 2
    one = live_chat.client.get("/api/data/export", params={"format": "markdown", "thread": first})
    assert "First question" in one.text and "Second question" not in one.text
    missing = live_chat.client.get("/api/data/export", params={"thread": "thr_nope"})
    assert missing.status_code == 404
    assert "no longer exists" in missing.json()["error"]["message"]


def test_back_up_list_and_restore_over_the_live_server(
    live_chat: LiveServer, upstream: Upstream
) -> None:
    upstream.script(Turn(text="Kept answer."), Turn(text="Later answer."))
    kept = create_thread(live_chat, "Keep this")
    made = live_chat.client.post("/api/data/backups", json={})
    assert made.status_code == 201
    backup = made.json()
    assert backup["kind"] == "manual" and backup["size"] > 0
    later = create_thread(live_chat, "Made after the backup")
    listed = live_chat.client.get("/api/data/backups").json()["backups"]
    assert [b["name"] for b in listed] == [backup["name"]]

    restored = live_chat.client.post("/api/data/restore", json={"name": backup["name"]})
    assert restored.status_code == 200, restored.text
    assert restored.json()["previous"]
    ids = [t["id"] for t in live_chat.chatkit("threads.list", limit=10).json()["data"]]
    assert ids == [kept] and later not in ids
    # The server keeps answering on the restored database.
    upstream.script(Turn(text="After restore."))
    assert create_thread(live_chat, "After restore") not in ids
    kinds = sorted(b["kind"] for b in live_chat.client.get("/api/data/backups").json()["backups"])
    assert kinds == ["before-restore", "manual"]


def test_a_damaged_backup_is_refused_with_its_reason(
    live_server: LiveServer, kitdesk_home: Paths
) -> None:
    made = live_server.client.post("/api/data/backups", json={}).json()
    damaged = kitdesk_home.backups_dir / "kitdesk-backup-20260101T000000Z.zip"
    with zipfile.ZipFile(made["path"]) as source, zipfile.ZipFile(damaged, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "kitdesk.db":  # one flipped byte, as a failing disk would
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
            out.writestr(name, data)
    reply = live_server.client.post("/api/data/restore", json={"name": damaged.name})
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == "backup_failed"
    assert "does not match its checksum" in error["message"]
    missing = live_server.client.post("/api/data/restore", json={"name": "nope.zip"})
    assert missing.status_code == 404


def test_usage_and_branch_routes(live_server: LiveServer) -> None:
    months = live_server.client.get("/api/usage").json()
    assert months == {"months": []}
    total = live_server.client.get("/api/usage/threads/thr_x").json()
    assert total["total"] == {"input_tokens": 0, "output_tokens": 0, "reasoning_tokens": 0}
    reply = live_server.client.post("/api/threads/thr_x/branches", json={"item_id": "nope"})
    assert reply.status_code == 404
    assert json.loads(reply.text)["error"]["code"] == "not_found"


def test_back_up_to_a_chosen_folder_and_download_a_listed_backup(
    live_server: LiveServer, kitdesk_home: Paths, tmp_path: Path
) -> None:
    chosen = tmp_path / "Backups – Café 日本"
    chosen.mkdir()
    made = live_server.client.post("/api/data/backups", json={"folder": str(chosen)})
    assert made.status_code == 201, made.text
    written = Path(made.json()["path"])
    assert written.parent == chosen and verify_backup(written).schema_version > 0
    assert live_server.client.get("/api/data/backups").json()["backups"] == []

    listed = live_server.client.post("/api/data/backups", json={}).json()
    reply = live_server.client.get(f"/api/data/backups/{listed['name']}/file")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/zip"
    assert f"filename*=UTF-8''{listed['name']}" in reply.headers["content-disposition"]
    assert reply.content == Path(listed["path"]).read_bytes()
    for name in ("nope.zip", "..%2Fkitdesk.db", "kitdesk-backup-20260101T000000Z.zip"):
        missing = live_server.client.get(f"/api/data/backups/{name}/file")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
