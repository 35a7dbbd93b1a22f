"""Connection limits on a real server over real sockets (kitdesk/web/connections.py).

A client that opens connections and sends half a request line must not be able
to hold them for good or open them without end; a head that never ends is
refused. Each refusal is a JSON sentence on the wire, then the connection closes.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from kitdesk.paths import Paths
from kitdesk.web.connections import (
    HEAD_TIMEOUT_MESSAGE,
    HEAD_TOO_LARGE_MESSAGE,
    TOO_MANY_CONNECTIONS_MESSAGE,
    ConnectionLimits,
)
from kitdesk.web.server import RunningServer, start_server

# Long enough that a refusal never comes from the head timer by accident.
PATIENT = 60.0
# How long a test waits for the server's answer: a bound on a hang, not a timing assertion.
WAIT = 20.0


@pytest.fixture
def server(kitdesk_home: Paths, request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    limits: ConnectionLimits = getattr(request, "param", ConnectionLimits())
    running = start_server(kitdesk_home, limits=limits)
    try:
        yield running
    finally:
        running.stop()


def half_open(port: int) -> socket.socket:
    """A connection that sent the start of a request line and nothing more."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(WAIT)
    sock.sendall(b"GET /api/app HT")
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends before it closes; socket.timeout if it never does."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def status_and_error(raw: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)["error"]


@pytest.mark.parametrize(
    "server", [ConnectionLimits(head_timeout=0.5, max_connections=8)], indirect=True
)
def test_a_head_that_does_not_arrive_in_time_is_answered_408_and_closed(
    server: RunningServer,
) -> None:
    sock = half_open(server.port)
    try:
        status, error = status_and_error(read_until_closed(sock))
    finally:
        sock.close()
    assert status == 408
    assert error == {"code": "request_timeout", "message": HEAD_TIMEOUT_MESSAGE}
    # A real request on a fresh connection is still answered.
    reply = httpx.get(f"{server.base_url}/api/app", headers=_auth(server), timeout=WAIT)
    assert reply.status_code == 200


@pytest.mark.parametrize(
    "server", [ConnectionLimits(head_timeout=0.5, max_connections=8)], indirect=True
)
def test_a_kept_alive_connection_that_starts_a_second_head_and_stalls_is_closed(
    server: RunningServer,
) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(WAIT)
    try:
        host = f"127.0.0.1:{server.port}"
        sock.sendall(f"GET /api/app HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 ")  # answered (401 without the token)
        sock.sendall(b"GET /api/app HTTP/1.1\r\nHost: ")  # ...and never finished
        rest = read_until_closed(sock)
    finally:
        sock.close()
    # Whatever is left of the first answer, then the 408 for the stalled head.
    assert rest.rfind(b"HTTP/1.1 408 ") >= 0


@pytest.mark.parametrize(
    "server", [ConnectionLimits(head_timeout=PATIENT, max_connections=4)], indirect=True
)
def test_connections_past_the_cap_are_refused_at_once(server: RunningServer) -> None:
    held = [half_open(server.port) for _ in range(4)]
    try:
        # It sends nothing: data arriving after the server closed would reset the
        # connection and could discard the answer before the test reads it.
        extra = socket.create_connection(("127.0.0.1", server.port))
        extra.settimeout(WAIT)
        try:
            status, error = status_and_error(read_until_closed(extra))
        finally:
            extra.close()
        assert status == 503
        assert error == {"code": "too_many_connections", "message": TOO_MANY_CONNECTIONS_MESSAGE}
    finally:
        for sock in held:
            sock.close()
    # Once the half-open ones are gone, requests are served again.
    reply = _get_when_served(server)
    assert reply.status_code == 200


@pytest.mark.parametrize(
    "server", [ConnectionLimits(head_timeout=PATIENT, max_head_bytes=16 * 1024)], indirect=True
)
def test_a_head_that_never_ends_is_refused_431(server: RunningServer) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(WAIT)
    try:
        head = f"GET /api/app HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n".encode()
        # 40 KB of a header value that never ends (the limit is 16 KB). One write,
        # small enough for the server to read whole: unread data would reset the
        # connection on close and could discard the answer.
        sock.sendall(head + b"X-Filler: " + b"a" * 40_000)
        raw = read_until_closed(sock)
    finally:
        sock.close()
    status, error = status_and_error(raw)
    assert status == 431
    assert error == {"code": "headers_too_large", "message": HEAD_TOO_LARGE_MESSAGE}


def test_an_ordinary_request_with_a_large_body_in_its_first_packet_is_not_refused(
    server: RunningServer,
) -> None:
    # Head and a 200 KB body in one write: the head limit counts only the head.
    reply = httpx.put(
        f"{server.base_url}/api/settings",
        headers=_auth(server),
        content=b'{"system_prompt": "' + b"x" * 200_000 + b'"}',
        timeout=WAIT,
    )
    assert reply.status_code in (200, 422)  # judged by the route, not by the head limit


def _auth(server: RunningServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def _get_when_served(server: RunningServer) -> httpx.Response:
    """The server notices closed sockets on its next loop turn: retry a few times."""
    reply = httpx.get(f"{server.base_url}/api/app", headers=_auth(server), timeout=WAIT)
    for _ in range(50):
        if reply.status_code == 200:
            break
        reply = httpx.get(f"{server.base_url}/api/app", headers=_auth(server), timeout=WAIT)
    return reply
