"""The relay's own HTTP/1.1 client (chat/remote_http.py) against real sockets, and a window
that goes away mid-answer cancelling the answer on the ChatKit server too."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from chatkit.types import AssistantMessageItem, ThreadCreatedEvent
from kitdesk.chat import remote_http
from kitdesk.chat.remote import RemoteChatKit, RemoteEndpoint
from kitdesk.chat.remote_failures import RemoteFailure
from kitdesk.chat.remote_http import UpstreamPool

from tests.chatkit_server import ChatKitServerProcess, chatkit_server_process
from tests.chatkit_server.client import ChatKitClient
from tests.live_server import LiveServer
from tests.web.test_chatkit_remote import add_chatkit_provider, user_input

HEADER = ("X-Api-Key", "v-secret-1")
LIMITS = httpx.Timeout(5.0, connect=5.0)
Answer = Callable[[bytes], bytes]  # the request's bytes -> the raw response


@asynccontextmanager
async def raw_server(answer: Answer, *, close: bool = False) -> AsyncIterator[list[bytes]]:
    """A loopback server answering each request with ``answer``'s bytes; yields the requests
    it read (one entry per connection, requests appended). ``close``: close after answering."""
    requests: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(requests)
        requests.append(b"")
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                request = head + await reader.readexactly(length)
                requests[index] += request
                writer.write(answer(request))
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        requests.append(str(port).encode())  # the first entry: where it listens
        yield requests
    finally:
        server.close()


def chunked(status: str, headers: str, *pieces: bytes) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    head = f"HTTP/1.1 {status}\r\n{headers}transfer-encoding: chunked\r\n\r\n"
    return head.encode() + body


def url_of(requests: list[bytes]) -> httpx.URL:
    return httpx.URL(f"http://127.0.0.1:{requests[0].decode()}/chatkit")


async def post(pool: UpstreamPool, url: httpx.URL, content: bytes = b"{}") -> tuple[int, bytes]:
    response = await pool.post(url, [("Content-Type", "application/json")], content, LIMITS)
    return response.status_code, await response.aread()


async def test_keep_alive_connections_are_reused_and_chunks_joined() -> None:
    answer = chunked(
        "200 OK", "content-type: text/event-stream\r\n", b"data: 1\n\n", b"data: 2\n\n"
    )
    async with raw_server(lambda _: answer) as requests:
        pool = UpstreamPool()
        assert await post(pool, url_of(requests), b'{"a":1}') == (200, b"data: 1\n\ndata: 2\n\n")
        assert await post(pool, url_of(requests), b'{"b":2}') == (200, b"data: 1\n\ndata: 2\n\n")
        await pool.aclose()
    connections = requests[1:]
    assert len(connections) == 1  # the second request went over the first connection
    sent = connections[0]
    assert sent.startswith(b"POST /chatkit HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"Content-Length: 7\r\n\r\n" in sent
    assert b'\r\n\r\n{"a":1}POST /chatkit' in sent
    assert sent.endswith(b'\r\n\r\n{"b":2}')


async def test_an_idle_connection_past_its_expiry_is_not_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(remote_http, "KEEPALIVE_EXPIRY", 0.0)
    answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
    async with raw_server(lambda _: answer) as requests:
        pool = UpstreamPool()
        assert await post(pool, url_of(requests)) == (200, b"{}")
        assert await post(pool, url_of(requests)) == (200, b"{}")
        await pool.aclose()
    assert len(requests[1:]) == 2


async def test_a_body_that_ends_with_the_connection_and_a_compressed_one_are_read() -> None:
    closing = b'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"data": []}'
    async with raw_server(lambda _: closing, close=True) as requests:
        pool = UpstreamPool()
        assert await post(pool, url_of(requests)) == (200, b'{"data": []}')
        assert await post(pool, url_of(requests)) == (200, b'{"data": []}')
        await pool.aclose()
    assert len(requests[1:]) == 2  # a connection the server closed is not reused

    packed = gzip.compress(b'{"data": [1]}')
    compressed = (
        b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: %d\r\n\r\n" % len(packed)
        + packed
    )
    async with raw_server(lambda _: compressed) as requests:
        pool = UpstreamPool()
        assert await post(pool, url_of(requests)) == (200, b'{"data": [1]}')
        await pool.aclose()


async def test_an_informational_answer_before_the_real_one_is_skipped() -> None:
    answer = (
        b"HTTP/1.1 103 Early Hints\r\nlink: </x.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
    )
    async with raw_server(lambda _: answer) as requests:
        pool = UpstreamPool()
        response = await pool.post(url_of(requests), [], b"{}", LIMITS)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert "link" not in response.headers
        assert await response.aread() == b"{}"
        assert await post(pool, url_of(requests)) == (200, b"{}")  # and kept alive
        await pool.aclose()
    assert len(requests[1:]) == 1


async def test_cookies_a_server_sets_go_back_to_it_and_failures_are_httpx_errors() -> None:
    setting = b"HTTP/1.1 200 OK\r\nset-cookie: session=s1; Path=/\r\ncontent-length: 2\r\n\r\n{}"
    async with raw_server(lambda _: setting) as requests:
        remote = RemoteChatKit()
        endpoint = RemoteEndpoint("p", "Agent", str(url_of(requests)), {"X-Api-Key": "k"})
        assert await remote.call(endpoint, {"type": "threads.list"}) == {}
        assert await remote.call(endpoint, {"type": "threads.list"}) == {}
        await remote.aclose()
    first, second = requests[1].split(b"POST ")[1:]
    assert b"X-Api-Key: k\r\n" in first and b"User-Agent: Kitdesk\r\n" in first
    assert b"Cookie:" not in first
    assert b"Cookie: session=s1\r\n" in second

    cut = b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{"
    async with raw_server(lambda _: cut, close=True) as requests:
        pool = UpstreamPool()
        with pytest.raises(httpx.RemoteProtocolError):
            await post(pool, url_of(requests))
        await pool.aclose()
    url = url_of(requests)
    with pytest.raises(httpx.ConnectError):  # the server is gone now
        await post(UpstreamPool(), url)
    with pytest.raises(RemoteFailure, match="Could not connect"):
        await RemoteChatKit().call(RemoteEndpoint("p", "Agent", str(url)), {})


@pytest.fixture(scope="module")
def chatkit_server() -> Iterator[ChatKitServerProcess]:
    with chatkit_server_process(require_header=HEADER) as server:
        yield server


def test_a_window_that_goes_away_cancels_the_answer_on_the_server(
    live_server: LiveServer, chatkit_server: ChatKitServerProcess
) -> None:
    provider_id = add_chatkit_provider(live_server, chatkit_server.url, header_value=HEADER[1])
    body = {
        "type": "threads.create",
        "params": {"input": user_input("slow", f"{provider_id}::default")},
    }
    thread_id = None
    with live_server.client.stream("POST", "/chatkit", json=body) as reply:
        seen = b""
        for chunk in reply.iter_raw():
            seen += chunk
            if b"text_delta" in seen:
                break  # the window goes away after the first words
    for frame in seen.split(b"\n\n"):
        if frame.startswith(b"data: ") and b'"thread.created"' in frame:
            thread_id = ThreadCreatedEvent.model_validate(json.loads(frame[6:])).thread.id
    assert thread_id is not None

    # The server saves what it had said when its stream is cancelled: part of the answer,
    # not all of it (which it would have said had Kitdesk kept listening).
    direct = ChatKitClient(chatkit_server.url, headers=dict([HEADER]))
    try:
        saved: list[AssistantMessageItem] = []
        for _ in range(400):  # the server saves it once it notices; at most ~20 s
            if saved:
                break
            time.sleep(0.05)
            items = direct.call(
                {"type": "items.list", "params": {"thread_id": thread_id, "limit": 20}}
            )["data"]
            saved = [
                AssistantMessageItem.model_validate(item)
                for item in items
                if item["type"] == "assistant_message"
            ]
    finally:
        direct.close()
    said = "".join(part.text for part in saved[0].content)
    assert said and "Slowly, one word at a time, then done.".startswith(said)
    assert said != "Slowly, one word at a time, then done."
