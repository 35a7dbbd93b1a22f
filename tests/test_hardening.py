"""Issue 11's hardening promises, each as a test against a real server.

Marked ``xfail(strict=True)`` while the fix is pending: the mark documents that
the test fails before the fix, and strictness makes the fix remove it.
"""

from __future__ import annotations

import logging
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from kitdesk.logs import setup_logging
from kitdesk.paths import Paths
from kitdesk.web.security import COOKIE_NAME

from tests.live_server import LiveServer
from tests.proof.harness import ProofServer, assert_no_new_tracebacks, is_error_sentence
from tests.upstream import Upstream

KEY = "sk-hardening-stored-key-0000000001"
PLAIN_KEY = "plainKeyWithoutPrefix0123456789"  # a key of no known shape


def pending(item: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"issue 11 item {item}: not fixed yet")


@pytest.fixture
def elsewhere() -> Iterator[Upstream]:
    """A second provider-shaped server: the host a key must never reach."""
    other = Upstream().start()
    yield other
    other.stop()


def saved_provider(server: LiveServer, base_url: str, key: str = KEY, kind: str = "custom") -> str:
    fields: dict[str, Any] = {
        "kind": kind,
        "name": "Mine",
        "base_url": base_url,
        "default_model": "gpt-test",
    }
    if kind == "azure":
        fields["api_version"] = "2024-10-21"
    created = server.client.post("/api/providers", json=fields)
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    saved = server.client.put(f"/api/providers/{provider_id}/key", json={"key": key})
    assert saved.status_code == 200, saved.text
    chosen = server.client.put("/api/settings", json={"default_provider": provider_id})
    assert chosen.status_code == 200, chosen.text
    return provider_id


def received_key(upstream: Upstream, key: str = KEY) -> bool:
    return any(key in " ".join(request.headers.values()) for request in upstream.requests)


# -- 1. a key goes only to its own provider ------------------------------------------


def test_a_saved_key_is_not_tested_against_another_origin(
    live_server: LiveServer, upstream: Upstream, elsewhere: Upstream
) -> None:
    provider_id = saved_provider(live_server, upstream.base_url)
    reply = live_server.client.post(
        "/api/providers/test",
        json={"kind": "custom", "base_url": elsewhere.base_url, "provider_id": provider_id},
    )
    assert reply.status_code == 200 or is_error_sentence(reply), reply.text
    assert not received_key(elsewhere)


def test_moving_a_provider_to_another_origin_drops_its_key(
    live_server: LiveServer, upstream: Upstream, elsewhere: Upstream
) -> None:
    provider_id = saved_provider(live_server, upstream.base_url)
    moved = live_server.client.put(
        f"/api/providers/{provider_id}", json={"base_url": elsewhere.base_url}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["key"]["has_key"] is False
    live_server.client.post(f"/api/providers/{provider_id}/test")
    live_server.client.get("/api/models", params={"refresh": "true"})
    assert not received_key(elsewhere)


def test_a_new_path_on_the_same_origin_keeps_the_key(
    live_server: LiveServer, upstream: Upstream
) -> None:
    provider_id = saved_provider(live_server, upstream.base_url)
    moved = live_server.client.put(
        f"/api/providers/{provider_id}", json={"base_url": upstream.base_url + "/"}
    )
    assert moved.json()["key"]["has_key"] is True


# -- 2. the credential stays with Kitdesk ------------------------------------------


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
@pytest.mark.parametrize("method,path", [("GET", "/api/settings"), ("POST", "/chatkit")])
def test_cross_site_and_same_site_fetches_are_refused(
    live_server: LiveServer, site: str, method: str, path: str
) -> None:
    body = {"type": "threads.list", "params": {}} if method == "POST" else None
    reply = live_server.client.request(method, path, json=body, headers={"Sec-Fetch-Site": site})
    assert reply.status_code == 403, reply.text
    assert is_error_sentence(reply)


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_same_origin_and_typed_fetches_pass(live_server: LiveServer, site: str) -> None:
    reply = live_server.client.get("/api/settings", headers={"Sec-Fetch-Site": site})
    assert reply.status_code == 200


# -- 3. no redirects ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["azure", "custom"])
def test_provider_clients_follow_no_redirect(
    live_server: LiveServer, upstream: Upstream, elsewhere: Upstream, kind: str
) -> None:
    provider_id = saved_provider(live_server, upstream.base_url, kind=kind)
    upstream.redirect_to = elsewhere.base_url
    live_server.client.post(f"/api/providers/{provider_id}/test")
    with live_server.client.stream(
        "POST",
        "/chatkit",
        json={
            "type": "threads.create",
            "params": {
                "input": {
                    "content": [{"type": "input_text", "text": "hi"}],
                    "attachments": [],
                    "inference_options": {},
                }
            },
        },
    ) as reply:
        reply.read()
    assert elsewhere.requests == []


# -- 4. private files -------------------------------------------------------------


def _private_problems(home: Path) -> list[str]:
    problems = []
    for path in [home / "data", home / "config", home / "logs", *home.rglob("*")]:
        if path.name == "serve-stderr.log" or not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            problems.append(f"{path.relative_to(home)}: {oct(mode)}")
    return problems


def test_private_files_are_owner_only_and_tightened_on_start(
    tmp_path: Path, upstream: Upstream
) -> None:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": upstream.base_url}
    home = tmp_path / "home"
    with ProofServer(home, env) as server:
        server.new_thread("A private conversation")
        assert server.client.put("/api/settings", json={"system_prompt": "x"}).status_code == 200
        assert _private_problems(home) == []
        server.stop()
        for path in [home / "data", *home.rglob("*")]:  # an older version left them open
            path.chmod(0o755 if path.is_dir() else 0o644)
        server.start()
        server.chatkit({"type": "threads.list", "params": {}})
        assert _private_problems(home) == []


# -- 5. robust cookie parsing ------------------------------------------------------

OTHER_COOKIES = [
    'prefs={"theme": "dark", "n": 1}',
    'quoted="a b c"',
    "email=me@example.com",
    "spaced=a b",
    f"{COOKIE_NAME}=stale-token-from-an-old-launch",
    "semi=\\;odd",
]


@pytest.mark.parametrize(
    "other,first",
    [pytest.param(other, first) for other in OTHER_COOKIES for first in (True, False)],
)
def test_other_cookies_do_not_log_the_window_out(
    live_server: LiveServer, other: str, first: bool
) -> None:
    ours = f"{COOKIE_NAME}={live_server.running.token}"
    header = f"{other}; {ours}" if first else f"{ours}; {other}"
    reply = httpx.get(f"{live_server.base_url}/api/settings", headers={"Cookie": header})
    assert reply.status_code == 200, (header, reply.text)


# -- 6. limits before work ------------------------------------------------------------


def _huge_post(server: ProofServer, path: str, head: bytes, tail: bytes) -> tuple[int, int]:
    """POST a 96 MB streamed body; (status, the server's peak RSS growth while it came)."""
    process = psutil.Process(server.pid)
    before = process.memory_info().rss
    peak = before
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(96):
            yield b"x" * (1024 * 1024)
        yield tail

    try:
        status = server.client.post(path, content=body()).status_code
    except httpx.HTTPError:  # refused before the body ended: the server may hang up
        status = 413
    finally:
        done.set()
        watcher.join()
    return status, peak - before


def test_huge_bodies_are_refused_while_they_stream(tmp_path: Path) -> None:
    with ProofServer(tmp_path / "home") as server:
        server.chatkit({"type": "threads.list", "params": {}})
        for path, head, tail in [
            ("/chatkit", b'{"type": "threads.list", "params": {"x": "', b'"}}'),
            ("/api/providers", b'{"kind": "custom", "name": "', b'"}'),
            ("/api/providers/test", b'{"kind": "custom", "base_url": "', b'"}'),
        ]:
            status, growth = _huge_post(server, path, head, tail)
            assert status == 413, path
            assert growth < 40 * 1024 * 1024, f"{path}: {growth / 1e6:.0f} MB"
        assert_no_new_tracebacks(server)


# -- 7. attachments stay in their thread ---------------------------------------------


def _uploaded_text_attachment(server: LiveServer, text: str = "hello") -> str:
    created = server.chatkit(
        "attachments.create", name="a.txt", size=len(text), mime_type="text/plain"
    )
    assert created.status_code == 200, created.text
    attachment_id = created.json()["id"]
    uploaded = server.client.post(
        f"/api/attachments/{attachment_id}/upload",
        files={"file": ("a.txt", text.encode(), "text/plain")},
    )
    assert uploaded.status_code == 200, uploaded.text
    return attachment_id


def _message(text: str, attachments: list[str]) -> dict[str, Any]:
    return {
        "input": {
            "content": [{"type": "input_text", "text": text}],
            "attachments": attachments,
            "inference_options": {},
        }
    }


def test_an_attachment_sent_in_one_thread_is_refused_in_another(live_chat: LiveServer) -> None:
    attachment_id = _uploaded_text_attachment(live_chat)
    live_chat.stream("threads.create", **_message("first", [attachment_id]))
    again = live_chat.client.post(
        "/chatkit", json={"type": "threads.create", "params": _message("second", [attachment_id])}
    )
    assert again.status_code == 400 and is_error_sentence(again), again.text[:300]


def test_deleting_a_thread_deletes_the_files_it_owned(
    live_chat: LiveServer, kitdesk_home: Paths
) -> None:
    attachment_id = _uploaded_text_attachment(live_chat)
    events = live_chat.stream("threads.create", **_message("with a file", [attachment_id]))
    thread_id = next(e.thread.id for e in events if e.type == "thread.created")
    assert list(kitdesk_home.attachments_dir.iterdir())
    assert live_chat.chatkit("threads.delete", thread_id=thread_id).status_code == 200
    assert list(kitdesk_home.attachments_dir.iterdir()) == []


# -- 8. deleted means deleted ---------------------------------------------------------


def test_a_deleted_thread_leaves_no_text_in_the_database_files(
    tmp_path: Path, upstream: Upstream
) -> None:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": upstream.base_url}
    word = "zebracorn" + "quartzite"
    with ProofServer(tmp_path / "home", env) as server:
        thread_id, _ = server.new_thread(f"My secret is {word}")
        assert (
            server.chatkit(
                {"type": "threads.delete", "params": {"thread_id": thread_id}}
            ).status_code
            == 200
        )
        assert server.client.get("/api/search", params={"q": word}).json()["results"] == []
        assert server.stop() == 0
    for path in (tmp_path / "home" / "data").glob("kitdesk.db*"):
        assert word.encode() not in path.read_bytes(), path.name


# -- 10. cleartext warning -----------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url,warned",
    [
        ("http://example.com/v1", True),
        ("http://93.184.216.34:8000/v1", True),
        ("https://example.com/v1", False),
        ("http://127.0.0.1:8000/v1", False),
        ("http://localhost:11434/v1", False),
        ("http://192.168.1.20:1234/v1", False),
        ("http://10.0.0.5/v1", False),
    ],
)
def test_cleartext_to_a_public_host_is_flagged(
    live_server: LiveServer, base_url: str, warned: bool
) -> None:
    created = live_server.client.post(
        "/api/providers", json={"kind": "custom", "name": "X", "base_url": base_url}
    )
    assert created.status_code == 201, created.text
    assert created.json()["cleartext_warning"] is warned


# -- 11. small leaks --------------------------------------------------------------------


def test_openai_org_and_project_go_only_to_openai(
    live_chat: LiveServer, upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-hardening-test")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_hardening_test")
    live_chat.stream("threads.create", **_message("hi", []))
    live_chat.client.get("/api/models", params={"refresh": "true"})
    for request in upstream.requests:
        assert "openai-organization" not in request.headers, request.path
        assert "openai-project" not in request.headers, request.path


@pytest.fixture
def kitdesk_log(kitdesk_home: Paths) -> Iterator[Path]:
    """Kitdesk's own logging set-up, to a file, as the app runs it."""
    setup_logging(kitdesk_home.log_file)
    yield kitdesk_home.log_file
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_kitdesk", False)]:
        root.removeHandler(handler)
        handler.close()


def test_a_stored_key_of_any_shape_never_reaches_the_log(
    live_server: LiveServer, upstream: Upstream, kitdesk_log: Path
) -> None:
    saved_provider(live_server, upstream.base_url, key=PLAIN_KEY)
    # Whatever a library might log: an error text or a request line with the key in it.
    logging.getLogger("some.library").warning("upstream said: bad key %s", PLAIN_KEY)
    logging.getLogger("some.library").error("GET /v1/models?key=%s failed", PLAIN_KEY)
    assert "upstream said" in kitdesk_log.read_text()
    assert PLAIN_KEY not in kitdesk_log.read_text()


# -- 12. bugs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,mime",
    [
        ("main.py", "text/x-python"),
        ("app.ts", "video/mp2t"),
        ("page.html", "text/html"),
        ("conf.yaml", "application/yaml"),
        ("run.sh", "application/x-sh"),
        ("q.sql", "application/sql"),
    ],
)
def test_any_utf8_text_file_is_accepted_as_text(
    live_server: LiveServer, name: str, mime: str
) -> None:
    text = "print('héllo')\n"
    created = live_server.chatkit(
        "attachments.create", name=name, size=len(text.encode()), mime_type=mime
    )
    assert created.status_code == 200, created.text
    attachment_id = created.json()["id"]
    uploaded = live_server.client.post(
        f"/api/attachments/{attachment_id}/upload", files={"file": (name, text.encode(), mime)}
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["mime_type"] == "text/plain"
