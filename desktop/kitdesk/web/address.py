"""The launch's address: a loopback socket, its secret prefix and its token.

Made before anything heavy is imported (only ``socket`` and ``secrets``), so the
window can be pointed at the app while the server is still importing: the
socket already listens, and the page's first request waits in its backlog until
uvicorn serves it. The socket is created with IPPROTO_TCP so uvicorn sets
TCP_NODELAY on accepted connections (a plain ``socket.socket()`` added ~40 ms to
the first bytes of every stream).
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass

from kitdesk.logs import register_secret

LOOPBACK = "127.0.0.1"


class ServerStartError(RuntimeError):
    """The local server could not start; the message is written for a person."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_prefix() -> str:
    """A per-launch secret path prefix, such as ``/k/3q2Xa…``."""
    return f"/k/{secrets.token_urlsafe(18)}"


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


@dataclass(frozen=True, repr=False)
class LaunchAddress:
    """Where this launch's server answers, and the secrets that open it."""

    sock: socket.socket
    port: int
    token: str
    prefix: str

    @classmethod
    def bind(cls, port: int = 0, token: str | None = None) -> LaunchAddress:
        """A listening loopback socket (``port`` 0: any free one) with fresh secrets."""
        sock = bind_loopback(port)
        address = cls(
            sock=sock, port=sock.getsockname()[1], token=token or new_token(), prefix=new_prefix()
        )
        register_secret(address.token)  # never written to a log from here on
        register_secret(address.prefix)
        return address

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        """Where the UI, ``/api`` and ``/chatkit`` live: the origin and this launch's prefix."""
        return f"{self.origin}{self.prefix}"

    @property
    def url(self) -> str:
        """The launch link: the first load trades the token for a cookie."""
        return f"{self.base_url}/?token={self.token}"

    def __repr__(self) -> str:  # keep the token and prefix out of reprs and logs
        return f"LaunchAddress(origin={self.origin!r})"
