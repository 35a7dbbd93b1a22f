"""A database from every released schema version, written by the old code
(tests/proof/fixtures, see its README), opens in today's Kitdesk: it migrates
with a backup first, and every thread, message and attachment is still there.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from kitdesk.store.migrations import LATEST_VERSION

from tests.proof.figures import budget, record
from tests.proof.harness import ProofServer, assert_no_new_tracebacks, integrity, wait_until

FIXTURES = Path(__file__).parent / "fixtures"
MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text())


# The newest schema version a landed release of Kitdesk has written. Versions 3
# (branches) and 4 (usage) arrive together in the round that adds them; when a
# release ships them, raise this and add fixtures written by that release.
RELEASED_SCHEMA_VERSION = 2


def test_every_released_schema_version_has_a_fixture() -> None:
    """Every schema version a release wrote has a fixture written by that release's code."""
    versions = {entry["schema_version"] for entry in MANIFEST.values()}
    assert versions == set(range(1, RELEASED_SCHEMA_VERSION + 1)), versions
    assert RELEASED_SCHEMA_VERSION <= LATEST_VERSION


def _open_fixture(name: str, home: Path) -> ProofServer:
    """The fixture as the data folder of a server (started by ``with``)."""
    shutil.copytree(FIXTURES / name, home / "data")
    return ProofServer(home)


def _version(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _thread_ids(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM threads")}


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_an_old_database_migrates_with_a_backup_and_keeps_every_thread(
    name: str, tmp_path: Path
) -> None:
    fixture = MANIFEST[name]
    home = tmp_path / "home"
    with _open_fixture(name, home) as server:
        listed = server.chatkit({"type": "threads.list", "params": {"limit": 100}})
        assert listed.status_code == 200, listed.text
        titles = {thread["id"]: thread.get("title") for thread in listed.json()["data"]}
        assert titles == {tid: t["title"] for tid, t in fixture["threads"].items()}
        for thread_id, expected in fixture["threads"].items():
            assert [item["id"] for item in server.items(thread_id)] == expected["items"]
        found = server.client.get("/api/search", params={"q": "Holiday"}).json()["results"]
        assert [hit["thread_id"] for hit in found][:1] == ["thr_fixture00"], found
        for attachment_id in fixture["attachments"]:
            image = server.client.get(f"/api/attachments/{attachment_id}/content")
            assert image.status_code == 200 and image.content.startswith(b"\x89PNG"), image.text
        assert server.stop() == 0
        assert_no_new_tracebacks(server)
    db = home / "data" / "kitdesk.db"
    assert integrity(db) == "ok"
    assert _version(db) == LATEST_VERSION
    backups = sorted((home / "data" / "backups").glob(f"kitdesk-v{fixture['schema_version']}-*.db"))
    if fixture["schema_version"] < LATEST_VERSION:
        assert len(backups) == 1, backups
        assert _version(backups[0]) == fixture["schema_version"]
        assert _thread_ids(backups[0]) == set(fixture["threads"])
    else:
        assert backups == []  # nothing to migrate, nothing copied
    record("upgrades: old databases opened", 1)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_image_previews_of_an_old_database_point_at_this_server(name: str, tmp_path: Path) -> None:
    """The stored preview URLs carry the port of the run that wrote them; each
    launch reads them as URLs of its own address (port and secret prefix)."""
    fixture = MANIFEST[name]
    with _open_fixture(name, tmp_path / "home") as server:
        for launch in range(2):  # and again after a restart, on a new port and prefix
            thread_id = next(iter(fixture["threads"]))
            attachment = server.items(thread_id)[0]["attachments"][0]
            expected = f"{server.base_url}/api/attachments/{attachment['id']}/content"
            assert attachment["preview_url"] == expected, (launch, attachment)
            reply = server.client.get(attachment["preview_url"][len(server.base_url) :])
            assert reply.status_code == 200 and reply.content.startswith(b"\x89PNG")
            if launch == 0:
                server.restart()


def _grown_copy(name: str, home: Path, copies: int) -> dict[str, int]:
    """The fixture as a data folder, its items copied ``copies`` times over (new ids,
    same threads) so that migrating it takes long enough to be interrupted; the items
    each thread then holds."""
    shutil.copytree(FIXTURES / name, home / "data")
    with closing(sqlite3.connect(home / "data" / "kitdesk.db")) as db:
        for n in range(copies):
            db.execute(
                "INSERT INTO items (thread_id, id, type, data) "
                "SELECT thread_id, id || ? , type, data FROM items WHERE id NOT LIKE '%~%'",
                (f"~{n}",),
            )
        db.commit()
        return dict(db.execute("SELECT thread_id, count(*) FROM items GROUP BY thread_id"))


def _items_per_thread(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT thread_id, count(*) FROM items GROUP BY thread_id"))


def test_kill_9_while_migrating_loses_nothing(tmp_path: Path) -> None:
    """The server killed at random moments while it upgrades an old database (within a
    second of its pre-migration backup appearing: the backup copy and the steps take
    about that long here): each step is all or nothing, so after every kill the file
    is intact, at the old version or a newer one, with every item; the next start
    finishes the upgrade."""
    name = "v2-c76f9ad"
    old_version = MANIFEST[name]["schema_version"]
    template = tmp_path / "template"
    expected = _grown_copy(name, template, copies=5000)  # about 170,000 items
    home = tmp_path / "home"
    db = home / "data" / "kitdesk.db"
    backups = home / "data" / "backups"
    rng = random.Random(11)
    env = {**os.environ, "KITDESK_HOME": str(home)}
    for _ in range(budget(4, 25)):
        if not home.exists() or _version(db) == LATEST_VERSION:
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(template, home)  # an old database again, to migrate
        earlier = set(backups.glob("*"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # This start's pre-migration backup: the steps come right after it. A kill
            # between steps leaves a version in between, which the next start backs up
            # under its own number, so any version's new copy counts.
            assert wait_until(
                lambda seen=earlier: bool(set(backups.glob("kitdesk-v*-*.db")) - seen),
                120,
            )
            time.sleep(rng.uniform(0.0, 1.0))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        assert integrity(db) == "ok"
        assert old_version <= _version(db) <= LATEST_VERSION
        assert _items_per_thread(db) == expected
        record("kills survived while migrating", 1)
        if _version(db) == old_version:
            record("  of which left the old version to migrate again", 1)
        elif _version(db) < LATEST_VERSION:
            record("  of which left a version in between", 1)
    with ProofServer(home) as server:
        for thread_id in MANIFEST[name]["threads"]:
            page = server.chatkit(
                {"type": "items.list", "params": {"thread_id": thread_id, "limit": 1}}
            )
            assert page.status_code == 200, page.text
        assert server.stop() == 0
    assert _version(db) == LATEST_VERSION
    assert _items_per_thread(db) == expected
