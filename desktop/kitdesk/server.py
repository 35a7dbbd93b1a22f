"""Runs the FastAPI app under uvicorn on a loopback port, in a background thread.

The listening socket is created here, before the app, so the port (needed by
the Host check) is known up front, and with IPPROTO_TCP so uvicorn sets
TCP_NODELAY on accepted connections (a plain ``socket.socket()`` added ~40 ms
to the first bytes of every stream).
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from kitdesk.logs import register_secret
from kitdesk.paths import Paths

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class ServerStartError(RuntimeError):
    pass


def new_token() -> str:
    return secrets.token_urlsafe(32)


def bind_loopback(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((LOOPBACK, port))
    except OSError as exc:
        sock.close()
        raise ServerStartError(f"Could not listen on {LOOPBACK}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


@dataclass
class RunningServer:
    port: int
    token: str
    app: FastAPI
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _sock: socket.socket = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def url(self) -> str:
        """The launch link: the first load trades the token for a cookie."""
        return f"{self.base_url}/?token={self.token}"

    def __repr__(self) -> str:  # keep the token out of reprs and logs
        return f"RunningServer(base_url={self.base_url!r})"

    def wait(self) -> None:
        self._thread.join()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask uvicorn to finish: open streams get a short grace period, then the
        lifespan shutdown closes the store. True when it stopped in time."""
        self._server.should_exit = True
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        if not stopped:
            self._server.force_exit = True
            self._thread.join(1.0)
        self._sock.close()
        return stopped


def start_server(
    paths: Paths, port: int = 0, *, token: str | None = None, ready_timeout: float = 20.0
) -> RunningServer:
    """Start Kitdesk's server in a daemon thread and return once it accepts connections."""
    from kitdesk.app import create_app  # imported here so `kitdesk --version` stays fast

    token = token or new_token()
    register_secret(token)
    sock = bind_loopback(port)
    actual_port = sock.getsockname()[1]
    app = create_app(paths, token=token, port=actual_port)
    config = uvicorn.Config(
        app,
        log_config=None,  # windowed builds have no stdout; logging goes to our file
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
        ws="none",
    )
    server = uvicorn.Server(config)
    # Running in a worker thread, uvicorn leaves signals alone: the window or
    # `kitdesk serve` decides when to stop.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="kitdesk-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + ready_timeout
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise ServerStartError("Kitdesk's server stopped while starting; see the log file.")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise ServerStartError("Kitdesk's server did not become ready in time.")
        time.sleep(0.005)
    log.info("server ready on %s:%s", LOOPBACK, actual_port)
    return RunningServer(
        port=actual_port, token=token, app=app, _server=server, _thread=thread, _sock=sock
    )
