"""The local server's gate: token × Host × Origin × route, headers, cookie, logs.

Every route lives under the launch's secret prefix (``running.base_url`` ends
with it); outside it nothing answers, whatever the request carries.
"""

from __future__ import annotations

import socket

import httpx
import pytest
from kitdesk.paths import Paths
from kitdesk.web.address import new_prefix
from kitdesk.web.security import COOKIE_NAME

from tests.live_server import LiveServer

ROUTES = [
    ("GET", "/"),
    ("GET", "/index.html"),
    ("POST", "/chatkit"),
    ("GET", "/api/health"),
    ("GET", "/api/settings"),
    ("GET", "/api/providers"),
]
TOKENS = ["none", "wrong", "bearer", "cookie"]
HOSTS = ["127.0.0.1", "localhost", "evil.example", "other-port"]
ORIGINS = ["none", "same", "foreign", "null"]


def _request(
    server: LiveServer, method: str, path: str, token: str, host: str, origin: str
) -> httpx.Response:
    port = server.running.port
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if token == "wrong":
        headers["Authorization"] = "Bearer not-the-token"
    elif token == "bearer":
        headers["Authorization"] = f"Bearer {server.running.token}"
    elif token == "cookie":
        cookies[COOKIE_NAME] = server.running.token
    headers["Host"] = {
        "127.0.0.1": f"127.0.0.1:{port}",
        "localhost": f"localhost:{port}",
        "evil.example": f"evil.example:{port}",
        "other-port": f"127.0.0.1:{port + 1}",
    }[host]
    if origin == "same":
        headers["Origin"] = f"http://127.0.0.1:{port}"
    elif origin == "foreign":
        headers["Origin"] = "http://evil.example"
    elif origin == "null":
        headers["Origin"] = "null"
    body = {"type": "threads.list", "params": {}} if method == "POST" else None
    with httpx.Client(base_url=server.base_url, cookies=cookies) as client:
        return client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize("method,path", ROUTES)
def test_gate_matrix(live_server: LiveServer, method: str, path: str) -> None:
    for token in TOKENS:
        for host in HOSTS:
            for origin in ORIGINS:
                reply = _request(live_server, method, path, token, host, origin)
                case = f"{method} {path} token={token} host={host} origin={origin}"
                if host in ("evil.example", "other-port"):
                    assert reply.status_code == 421, case
                    assert reply.json()["error"]["code"] == "bad_host", case
                elif origin in ("foreign", "null"):
                    assert reply.status_code == 403, case
                    assert "other websites" in reply.json()["error"]["message"], case
                elif token in ("none", "wrong"):
                    assert reply.status_code == 401, case
                else:
                    assert reply.status_code == 200, (
                        f"{case}: {reply.status_code} {reply.text[:200]}"
                    )
                assert "access-control-allow-origin" not in reply.headers, case
                assert reply.headers["x-content-type-options"] == "nosniff", case
                assert reply.headers["referrer-policy"] == "no-referrer", case


def test_launch_link_trades_token_for_strict_httponly_cookie(live_server: LiveServer) -> None:
    prefix = live_server.running.prefix
    with httpx.Client(base_url=live_server.base_url) as browser:
        first = browser.get(f"/?token={live_server.running.token}")
        assert first.status_code == 303
        assert first.headers["location"] == f"{prefix}/"  # the token leaves the address bar
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE_NAME}=")
        attributes = {part.strip() for part in cookie.split(";")[1:]}
        # The cookie goes only to this launch's prefix: no other local server gets it.
        assert attributes == {f"Path={prefix}/", "HttpOnly", "SameSite=Strict"}, cookie
        cookies = browser.cookies.jar
        assert [(c.name, c.path) for c in cookies] == [(COOKIE_NAME, f"{prefix}/")]
        page = browser.get("/")  # the client now sends the cookie
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp
        assert page.headers["x-frame-options"] == "DENY"


def test_the_prefix_is_secret_and_new_at_every_launch(live_server: LiveServer) -> None:
    prefix = live_server.running.prefix
    assert live_server.running.base_url == f"http://127.0.0.1:{live_server.running.port}{prefix}"
    assert (
        live_server.running.url
        == f"{live_server.running.base_url}/?token={live_server.running.token}"
    )
    secret = prefix.removeprefix("/k/")
    assert len(secret) >= 24 and "/" not in secret  # 18 random bytes
    assert len({new_prefix() for _ in range(100)}) == 100


OUTSIDE = ["", "/k/not-the-prefix", "/k", "/api", "/assets"]


@pytest.mark.parametrize("method,path", ROUTES)
def test_nothing_answers_outside_the_launch_prefix(
    live_server: LiveServer, method: str, path: str
) -> None:
    """A client that knows the token but not the prefix (or a browser that would
    send the cookie elsewhere) gets nothing of Kitdesk's."""
    running = live_server.running
    body = {"type": "threads.list", "params": {}} if method == "POST" else None
    for outside in OUTSIDE:
        for token in ("bearer", "cookie"):
            headers = {"Authorization": f"Bearer {running.token}"} if token == "bearer" else {}
            cookies = {COOKIE_NAME: running.token} if token == "cookie" else {}
            with httpx.Client(base_url=f"{running.origin}{outside}", cookies=cookies) as client:
                reply = client.request(method, path, headers=headers, json=body)
            case = f"{method} {outside}{path} {token}"
            if method == "GET" and f"{outside}{path}" == "/":
                assert reply.status_code == 401 and "launch link" in reply.text, case
            else:
                assert reply.status_code == 404, case
                assert reply.json()["error"]["code"] == "not_found", case
            assert "set-cookie" not in reply.headers, case
            assert reply.headers["x-content-type-options"] == "nosniff", case


def test_the_launch_token_outside_the_prefix_gets_no_cookie(live_server: LiveServer) -> None:
    running = live_server.running
    reply = httpx.get(f"{running.origin}/?token={running.token}")
    assert reply.status_code == 401 and "set-cookie" not in reply.headers


def test_the_prefix_without_its_slash_leads_to_the_launch_folder(live_server: LiveServer) -> None:
    running = live_server.running
    reply = httpx.get(f"{running.base_url}?token={running.token}")
    assert reply.status_code == 303
    assert reply.headers["location"] == f"{running.prefix}/?token={running.token}"
    assert "set-cookie" not in reply.headers


def test_head_of_the_launch_link_also_trades_the_token(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url) as browser:
        reply = browser.head(f"/?token={live_server.running.token}")
    assert reply.status_code == 303
    assert reply.headers["set-cookie"].startswith(f"{COOKIE_NAME}=")


def test_wrong_launch_token_gets_no_cookie(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.base_url) as browser:
        reply = browser.get("/?token=guess")
        assert reply.status_code == 401
        assert "set-cookie" not in reply.headers
        assert "launch link" in reply.text


def test_preflight_from_foreign_origin_is_refused(live_server: LiveServer) -> None:
    reply = live_server.client.options(
        "/chatkit",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert reply.status_code == 403
    assert "access-control-allow-origin" not in reply.headers


def test_request_without_host_header_is_refused(live_server: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live_server.running.port), timeout=5) as sock:
        sock.sendall(
            b"GET /api/health HTTP/1.0\r\nAuthorization: Bearer "
            + live_server.running.token.encode()
            + b"\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] in (b"400", b"421")


def test_listens_on_loopback_only(live_server: LiveServer) -> None:
    assert live_server.running.address.sock.getsockname()[0] == "127.0.0.1"


def test_token_never_reaches_the_log(live_server: LiveServer, kitdesk_home: Paths) -> None:
    from kitdesk.logs import setup_logging

    setup_logging(kitdesk_home.log_file)
    import logging

    token = live_server.running.token
    logging.getLogger("kitdesk.test").warning("loaded http://127.0.0.1/?token=%s", token)
    with httpx.Client(base_url=live_server.base_url) as browser:
        browser.get(f"/?token={token}")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = kitdesk_home.log_file.read_text()
    assert "loaded http://127.0.0.1/?token=[redacted]" in text
    assert token not in text
