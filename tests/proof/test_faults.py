"""Faults a desktop app meets, each tried against a real ``kitdesk serve``:
disk full, database read-only or locked by another process, keyring locked or
gone mid-session, settings file unreadable, and every way a provider fails.

Each: a sentence a person can act on, nothing already saved is lost, and the
app works again once the fault goes.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.proof.faults import (
    assert_chat_works,
    assert_refused_with_a_sentence,
    fill_disk,
    item_ids,
    small_tmpfs,
    try_message,
)
from tests.proof.figures import record
from tests.proof.harness import ProofServer, assert_no_new_tracebacks, integrity, is_error_sentence
from tests.proof.secret_service import SecretServiceDaemon, secret_service_daemon
from tests.upstream import Turn, Upstream

LONG_TEXT = "many words " * 20_000  # 220 KB: more than the space left


def test_disk_full(tmp_path: Path, upstream_env: dict[str, str]) -> None:
    home = tmp_path / "home"
    with small_tmpfs(home / "data", "3m") as data, ProofServer(home, upstream_env) as server:
        thread_id, _ = server.new_thread("Written before the disk filled")
        before = item_ids(server, thread_id)
        filler = fill_disk(data)

        assert_refused_with_a_sentence(*try_message(server, thread_id, LONG_TEXT))
        rename = server.chatkit(
            {"type": "threads.update", "params": {"thread_id": thread_id, "title": "x" * 150}}
        )
        assert rename.status_code == 200 or is_error_sentence(rename), rename.text
        new = server.client.post(
            "/chatkit",
            json={
                "type": "threads.create",
                "params": {
                    "input": {
                        "content": [{"type": "input_text", "text": LONG_TEXT}],
                        "attachments": [],
                        "inference_options": {},
                    }
                },
            },
        )
        assert new.status_code != 500, new.text[:300]

        filler.unlink()
        assert before <= item_ids(server, thread_id)
        assert_chat_works(server, thread_id)
        assert_no_new_tracebacks(server)
        server.stop()
        assert integrity(server.db_path) == "ok"
    record("faults tried: disk full")


def test_database_read_only(tmp_path: Path, upstream_env: dict[str, str]) -> None:
    """The data folder's file system turns read-only between two runs (a full or
    failing disk remounted, a backup restored from read-only media)."""
    home = tmp_path / "home"
    with small_tmpfs(home / "data", "16m") as data:
        server = ProofServer(home, upstream_env).start()
        try:
            thread_id, _ = server.new_thread("Written while the disk was writable")
            before = item_ids(server, thread_id)
            assert server.stop() == 0
            subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
            try:
                server.start()
                listed = server.chatkit({"type": "threads.list", "params": {}})
                assert listed.status_code == 200 or is_error_sentence(listed), listed.text
                if listed.status_code == 200:  # it runs read-only: writing says why not
                    assert_refused_with_a_sentence(*try_message(server, thread_id, "Save this?"))
                server.stop()
            finally:
                subprocess.run(["mount", "-o", "remount,rw", str(data)], check=True)
            server.start()
            assert before <= item_ids(server, thread_id)
            assert_chat_works(server, thread_id)
            assert_no_new_tracebacks(server)
        finally:
            server.close()
    record("faults tried: database read-only")


def test_database_locked_by_another_process(tmp_path: Path, upstream_env: dict[str, str]) -> None:
    with ProofServer(tmp_path / "home", upstream_env) as server:
        thread_id, _ = server.new_thread("Written before the lock")
        before = item_ids(server, thread_id)
        locker = subprocess.Popen(  # another process holds the write lock
            [
                "python3",
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None);"
                "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()",
                str(server.db_path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
            rename = server.chatkit(
                {"type": "threads.update", "params": {"thread_id": thread_id, "title": "Locked"}}
            )
            assert rename.status_code != 500 and (
                rename.status_code == 200 or is_error_sentence(rename)
            ), rename.text
            assert_refused_with_a_sentence(*try_message(server, thread_id, "While locked"))
        finally:
            assert locker.stdin is not None
            locker.stdin.close()
            locker.wait(timeout=10)
        assert before <= item_ids(server, thread_id)
        assert_chat_works(server, thread_id)
        assert_no_new_tracebacks(server)
    record("faults tried: database locked")


def _keyed_provider(server: ProofServer, upstream: Upstream, key: str) -> None:
    created = server.client.post(
        "/api/providers",
        json={
            "kind": "custom",
            "name": "Local",
            "base_url": upstream.base_url,
            "default_model": "gpt-test",
        },
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    # The test's keyring daemon may still be starting on a busy machine: it is ready
    # when it takes a key (a fault is only injected after this).
    saved = server.client.put(f"/api/providers/{provider_id}/key", json={"key": key})
    for _ in range(60):
        if saved.status_code != 503:
            break
        time.sleep(0.25)
        saved = server.client.put(f"/api/providers/{provider_id}/key", json={"key": key})
    assert saved.status_code == 200, saved.text
    chosen = server.client.put("/api/settings", json={"default_provider": provider_id})
    assert chosen.status_code == 200, chosen.text


def recover(
    server: ProofServer, keyring: SecretServiceDaemon, key: str, thread_id: str, before: set[str]
) -> None:
    """Once the keyring is back: a restart reads it, a key can be stored, chat works."""
    server.restart()
    if keyring.lookup("custom") != key:
        again = server.client.put("/api/providers/custom/key", json={"key": key})
        assert again.status_code == 200, again.text
    assert before <= item_ids(server, thread_id)
    assert_chat_works(server, thread_id)
    assert_no_new_tracebacks(server)


@pytest.mark.parametrize("fault", ["locked", "gone"])
def test_keyring_fault_mid_session(
    tmp_path: Path, upstream: Upstream, secret_service: SecretServiceDaemon, fault: str
) -> None:
    key = "sk-proof-keyring-key-000000001"
    upstream.require_key = key
    with ProofServer(tmp_path / "home", secret_service.env) as server:
        _keyed_provider(server, upstream, key)
        assert secret_service.lookup("custom") == key
        thread_id, _ = server.new_thread("Before the keyring fault")
        before = item_ids(server, thread_id)
        if fault == "locked":
            secret_service.lock()
        else:
            secret_service.stop()
        # Saving a key now fails with words (or reaches a keyring D-Bus started
        # again); reading the status does not fail.
        changed = server.client.put("/api/providers/custom/key", json={"key": key})
        assert changed.status_code in (200, 503) and (
            changed.status_code == 200 or is_error_sentence(changed)
        ), changed.text
        listed = server.client.get("/api/providers")
        assert listed.status_code == 200, listed.text
        status, body, events = try_message(server, thread_id, "During the fault")
        if status != 200 or any(e["type"] == "error" for e in events):
            assert_refused_with_a_sentence(status, body, events)
        assert before <= item_ids(server, thread_id)
        if fault == "locked":
            secret_service.unlock()
            recover(server, secret_service, key, thread_id, before)
        else:  # the keyring comes back as a new service (a new login session)
            with secret_service_daemon(tmp_path / "xdg-again") as fresh:
                server.env.update(fresh.env)
                recover(server, fresh, key, thread_id, before)
    record(f"faults tried: keyring {fault}")


def test_settings_file_unreadable(tmp_path: Path, upstream_env: dict[str, str]) -> None:
    home = tmp_path / "home"
    settings = home / "config" / "settings.json"
    with ProofServer(home, upstream_env) as server:
        thread_id, _ = server.new_thread("Before the settings broke")
        before = item_ids(server, thread_id)
        assert (
            server.client.put("/api/settings", json={"system_prompt": "Be brief."}).status_code
            == 200
        )
        # Mid-session: the file becomes something that cannot be read or replaced.
        settings.unlink()
        settings.mkdir()
        saved = server.client.put("/api/settings", json={"system_prompt": "Be briefer."})
        assert saved.status_code != 500 and is_error_sentence(saved), saved.text
        assert server.client.get("/api/settings").status_code == 200
        assert_chat_works(server, thread_id)
        server.kill()
        # At start: the same unreadable file is set aside and the app runs.
        server.start()
        assert server.client.get("/api/settings").status_code == 200
        assert before <= item_ids(server, thread_id)
        assert_chat_works(server, thread_id)
        assert_no_new_tracebacks(server)
    record("faults tried: settings file unreadable")


PROVIDER_FAULTS: dict[str, list[Turn]] = {
    "401": [Turn(status=401, error_message="Incorrect API key provided: sk-...0001.")],
    "403": [Turn(status=403, error_message="Your organization is not allowed.")],
    "404": [Turn(status=404, error_message="The model `gpt-test` does not exist.")],
    "429": [Turn(status=429, retry_after="20", error_message="Rate limit reached.")],
    "500": [Turn(status=500)],
    "502": [Turn(status=502)],
    "503": [Turn(status=503)],
    "cut": [Turn(text="a b c d e f g h", disconnect_after=3)],
    "malformed": [Turn(text="a b c d e f", malformed=True)],
    "failed-in-stream": [Turn(text="a b c d e f", fail_after=2)],
}


@pytest.fixture(scope="module")
def provider_server(tmp_path_factory: pytest.TempPathFactory, _upstream_server: Upstream) -> Any:
    env = {
        "OPENAI_API_KEY": "sk-proof-environment-key-0001",
        "OPENAI_BASE_URL": _upstream_server.base_url,
    }
    with ProofServer(tmp_path_factory.mktemp("providers") / "home", env) as server:
        yield server


@pytest.mark.parametrize("fault", sorted(PROVIDER_FAULTS))
def test_provider_fault(provider_server: ProofServer, upstream: Upstream, fault: str) -> None:
    server = provider_server
    thread_id, _ = server.new_thread(f"Before provider fault {fault}")
    before = item_ids(server, thread_id)
    upstream.script(*PROVIDER_FAULTS[fault])
    message = assert_refused_with_a_sentence(*try_message(server, thread_id, "Fault please"))
    assert "sk-" not in message  # a key never reaches the screen
    items = server.items(thread_id)
    assert before <= {item["id"] for item in items}
    assert any(  # the question is kept, so Retry can send it again
        item["type"] == "user_message" and item["content"][0]["text"] == "Fault please"
        for item in items
    )
    upstream.reset()
    assert_chat_works(server, thread_id)
    assert_no_new_tracebacks(server)
    record(f"faults tried: provider {fault}")


@pytest.mark.soak
def test_provider_timeout(provider_server: ProofServer, upstream: Upstream) -> None:
    """The read timeout is two minutes, so this one runs only under make soak."""
    from tests.proof.figures import SOAK

    if not SOAK:
        pytest.skip("runs under make soak (a two-minute provider timeout)")
    server = provider_server
    thread_id, _ = server.new_thread("Before the timeout")
    upstream.script(Turn(text="late", delay_before=125))
    assert_refused_with_a_sentence(*try_message(server, thread_id, "Slow one"))
    upstream.reset()
    assert_chat_works(server, thread_id)
    record("faults tried: provider timeout")
