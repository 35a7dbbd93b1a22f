"""One Kitdesk per data folder: a second launch asks the first to come forward.

The first instance holds an OS file lock on ``instance.lock`` in the data dir
for its whole life (the kernel drops it when the process dies, so a crash never
leaves a stale lock). It listens on a loopback TCP port with a random secret
and writes both to ``instance.json`` (owner-only). A later launch that cannot
take the lock reads that file, connects, proves it knows the secret and asks
for the window to be raised. A connection without the secret does nothing:
this port triggers no action for anyone who cannot read the user's data dir.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

LOCK_NAME = "instance.lock"
INFO_NAME = "instance.json"
REQUEST_SHOW = b"show"
REQUEST_QUICK_ASK = b"quick-ask"  # `kitdesk --quick-ask`: show the quick-ask window
REPLY_OK = b"ok"
# A second launch waits this long for "ok": the first answers once its window
# is actually in front, which takes a moment when its GUI thread is busy.
REPLY_TIMEOUT = 6.0
_MAX_LINE = 256


def _try_lock(handle: IO[bytes]) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if someone holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically with owner-only permissions (the secret must not be world-readable)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_line(reader: IO[bytes]) -> bytes:
    return reader.readline(_MAX_LINE).strip()


class InstanceLock:
    """The first instance's claim on a data folder, plus its "come forward" listener."""

    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir
        self._handle: IO[bytes] | None = None
        self._listener: socket.socket | None = None
        self._secret = ""
        self._on_show: Callable[[], None] = lambda: None
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        """True if we are now the only instance; False if another one holds the folder."""
        self._dir.mkdir(parents=True, exist_ok=True)
        handle = open(self._dir / LOCK_NAME, "a+b")
        if not _try_lock(handle):
            handle.close()
            return False
        self._handle = handle
        return True

    def listen(
        self, on_show: Callable[[], None], on_quick_ask: Callable[[], None] | None = None
    ) -> None:
        """Publish the endpoint; call ``on_show`` (or ``on_quick_ask``) from a worker thread
        for each valid request."""
        assert self._handle is not None, "acquire() first"
        self._on_show = on_show
        self._on_quick_ask = on_quick_ask or on_show
        self._secret = secrets.token_urlsafe(32)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        self._listener = listener
        info = {"pid": os.getpid(), "port": listener.getsockname()[1], "secret": self._secret}
        _write_private(self._dir / INFO_NAME, json.dumps(info).encode())
        self._thread = threading.Thread(target=self._serve, name="kitdesk-instance", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed by release()
            with conn, conn.makefile("rb") as reader:
                try:
                    conn.settimeout(2.0)
                    secret = _read_line(reader)
                    request = _read_line(reader)
                    if not hmac.compare_digest(secret, self._secret.encode()):
                        log.warning("ignored an instance request without the right secret")
                        continue
                    if request == REQUEST_SHOW:
                        self._on_show()
                        conn.sendall(REPLY_OK + b"\n")
                    elif request == REQUEST_QUICK_ASK:
                        self._on_quick_ask()
                        conn.sendall(REPLY_OK + b"\n")
                except Exception:
                    log.exception("instance request failed")

    def release(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
            (self._dir / INFO_NAME).unlink(missing_ok=True)
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None


def ask_running_instance_to_show(
    data_dir: Path, wait: float = 10.0, request: bytes = REQUEST_SHOW
) -> bool:
    """Ask the instance holding ``data_dir`` to raise its window; True once it confirmed.

    The first instance may still be starting (lock taken, endpoint not yet
    published), so this retries until ``wait`` seconds have passed.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            info = json.loads((data_dir / INFO_NAME).read_bytes())
            with (
                socket.create_connection(("127.0.0.1", int(info["port"])), timeout=2.0) as conn,
                conn.makefile("rb") as reader,
            ):
                conn.settimeout(REPLY_TIMEOUT)
                conn.sendall(str(info["secret"]).encode() + b"\n" + request + b"\n")
                if _read_line(reader) == REPLY_OK:
                    return True
        except (OSError, ValueError, KeyError, TypeError):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
