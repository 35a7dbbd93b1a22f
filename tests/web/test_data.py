"""``/api/data`` over real HTTP: export, import with progress, back up, list, restore."""

from __future__ import annotations

import http.client
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from kitdesk.paths import Paths
from kitdesk.transfer.backup import verify_backup
from kitdesk.web.limits import API_BODY_LIMIT

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


def thread_titles(server: LiveServer) -> list[str]:
    return sorted(t["title"] for t in server.chatkit("threads.list", limit=20).json()["data"])


def leftover_uploads(paths: Paths) -> list[str]:
    return sorted(p.name for p in paths.cache_dir.glob("restore-*"))


def test_restore_from_an_uploaded_file_outside_the_backup_list(
    live_server: LiveServer, kitdesk_home: Paths, tmp_path: Path
) -> None:
    """A backup kept anywhere (here: moved out of the data folder) is uploaded and restored
    the verified way: the current database is kept as a backup first."""
    first = write_json(tmp_path / "first.json", [chatgpt_linear("first", 2, title="First")])
    imported = live_server.client.post("/api/data/import", content=first.read_bytes())
    wait_for_import(live_server, imported.json()["id"])
    made = live_server.client.post("/api/data/backups", json={}).json()
    elsewhere = tmp_path / "Sauvegarde – Café.zip"
    Path(made["path"]).rename(elsewhere)
    later = write_json(tmp_path / "later.json", [chatgpt_linear("later", 2, title="Later")])
    imported = live_server.client.post("/api/data/import", content=later.read_bytes())
    wait_for_import(live_server, imported.json()["id"])
    assert thread_titles(live_server) == ["First", "Later"]

    reply = live_server.client.post(
        "/api/data/restore/upload",
        content=elsewhere.read_bytes(),
        headers={"x-filename": "..%2F..%2FSauvegarde%20%E2%80%93%20Caf%C3%A9.zip"},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["restored"] == "Sauvegarde – Café.zip"
    assert Path(body["previous"]).parent == kitdesk_home.backups_dir
    assert thread_titles(live_server) == ["First"]
    kinds = [b["kind"] for b in live_server.client.get("/api/data/backups").json()["backups"]]
    assert kinds == ["before-restore"]
    assert leftover_uploads(kitdesk_home) == []


def _zip(path: Path, files: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w") as out:
        for name, data in files.items():
            out.writestr(name, data)
    return path.read_bytes()


def test_a_bad_uploaded_backup_is_refused_with_its_reason_and_changes_nothing(
    live_server: LiveServer, kitdesk_home: Paths, tmp_path: Path
) -> None:
    conversation = write_json(tmp_path / "c.json", [chatgpt_linear("kept", 2, title="Kept")])
    imported = live_server.client.post("/api/data/import", content=conversation.read_bytes())
    wait_for_import(live_server, imported.json()["id"])
    made = live_server.client.post("/api/data/backups", json={}).json()
    with zipfile.ZipFile(made["path"]) as source:
        good = {name: source.read(name) for name in source.namelist()}
    database = bytearray(good["kitdesk.db"])
    database[len(database) // 2] ^= 0xFF  # one flipped byte, as a failing disk would
    cases = [
        ("notes.txt", b"just some notes", "it is not a readable zip file"),
        ("empty.zip", b"", "it is not a readable zip file"),
        ("photos.zip", _zip(tmp_path / "p.zip", {"a.jpg": b"x"}), "it has no manifest"),
        (
            "damaged.zip",
            _zip(tmp_path / "d.zip", {**good, "kitdesk.db": bytes(database)}),
            "kitdesk.db does not match its checksum",
        ),
        ("cut.zip", Path(made["path"]).read_bytes()[:-200], "it is not a readable zip file"),
    ]
    for name, content, reason in cases:
        reply = live_server.client.post(
            "/api/data/restore/upload", content=content, headers={"x-filename": name}
        )
        assert reply.status_code == 422, (name, reply.text)
        error = reply.json()["error"]
        assert error["code"] == "backup_failed"
        assert error["message"].startswith(f"{name} cannot be restored: {reason}"), error
        assert error["message"].endswith("Nothing was changed.")
    assert thread_titles(live_server) == ["Kept"]
    kinds = [b["kind"] for b in live_server.client.get("/api/data/backups").json()["backups"]]
    assert kinds == ["manual"]  # no "before-restore": nothing was replaced
    assert leftover_uploads(kitdesk_home) == []


def test_an_uploaded_backup_over_the_size_cap_is_refused(
    live_server: LiveServer, kitdesk_home: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Announced as 5 GB: refused before a byte of the body is read (so only one is sent).
    url = httpx.URL(live_server.base_url)
    connection = http.client.HTTPConnection(url.host, url.port, timeout=30)
    try:
        connection.putrequest("POST", f"{url.path.rstrip('/')}/api/data/restore/upload")
        connection.putheader("Authorization", f"Bearer {live_server.running.token}")
        connection.putheader("Content-Length", str(5 * 1024**3))
        connection.endheaders(b"x")
        declared = connection.getresponse()
        assert declared.status == 413
        assert json.loads(declared.read())["error"]["code"] == "upload_too_large"
    finally:
        connection.close()
    # Sent in chunks without a length: refused as it passes the cap, nothing left behind.
    monkeypatch.setattr("kitdesk.web.routes.data.MAX_RESTORE_BYTES", 3 * 1024 * 1024)
    streamed = live_server.client.post(
        "/api/data/restore/upload", content=iter([b"\0" * (1024 * 1024)] * 5)
    )
    assert streamed.status_code == 413
    assert "kitdesk restore PATH" in streamed.json()["error"]["message"]
    assert leftover_uploads(kitdesk_home) == []


def test_an_import_larger_than_the_small_body_limit_is_accepted(
    live_server: LiveServer, tmp_path: Path
) -> None:
    """A whole file is the body: the 1 MB cap on /api bodies does not apply to it."""
    big = write_json(tmp_path / "big.json", [chatgpt_linear("big", 200, text_size=10_000)])
    assert big.stat().st_size > API_BODY_LIMIT
    started = live_server.client.post("/api/data/import", content=big.read_bytes())
    assert started.status_code == 202, started.text
    assert wait_for_import(live_server, started.json()["id"])["state"] == "done"
