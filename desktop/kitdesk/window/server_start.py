"""Starting the local server in a worker thread, so the GUI toolkit initialises meanwhile.

The address (socket, prefix, token) is made at once, before the server's
imports, so the window can load the app right away: its first request waits in
the socket's backlog until the server answers.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from kitdesk.paths import Paths
from kitdesk.web.address import LaunchAddress, ServerStartError

if TYPE_CHECKING:
    from kitdesk.web.server import RunningServer

log = logging.getLogger(__name__)


class ServerStarter:
    """Starts the server in a worker thread so the GUI can initialise meanwhile."""

    def __init__(self, paths: Paths) -> None:
        self._paths = paths
        self._done = threading.Event()
        self._server: RunningServer | None = None
        self._error: BaseException | None = None
        self.address: LaunchAddress | None = None
        self._thread = threading.Thread(target=self._run, name="kitdesk-server-start", daemon=True)

    def start(self) -> ServerStarter:
        """Bind the address (``address`` is None if that failed) and start the server."""
        try:
            self.address = LaunchAddress.bind()
        except ServerStartError as exc:
            log.error("the server could not listen: %s", exc)
            self._error = exc
            self._done.set()
            return self
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            from kitdesk.web.server import start_server

            self._server = start_server(self._paths, address=self.address)
        except BaseException as exc:
            self._error = exc
            log.exception("the server did not start")
        finally:
            self._done.set()

    def wait(self) -> RunningServer:
        self._done.wait()
        if self._server is None:
            if isinstance(self._error, ServerStartError):  # its message is written for a person
                raise RuntimeError(str(self._error))
            raise RuntimeError(f"the local server did not start ({type(self._error).__name__})")
        return self._server

    def stop(self, timeout: float) -> bool:
        """Stop the server (it closes the store); False if it had to be forced."""
        self._done.wait()
        if self._server is not None:
            return self._server.stop(timeout)
        if self.address is not None:
            self.address.sock.close()
        return True
