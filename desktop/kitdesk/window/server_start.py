"""Starting the local server in a worker thread, so the GUI toolkit initialises meanwhile."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from kitdesk.paths import Paths

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
        self._thread = threading.Thread(target=self._run, name="kitdesk-server-start", daemon=True)

    def start(self) -> ServerStarter:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            from kitdesk.web.server import start_server

            self._server = start_server(self._paths)
        except BaseException as exc:
            self._error = exc
            log.exception("the server did not start")
        finally:
            self._done.set()

    def wait(self) -> RunningServer:
        self._done.wait()
        if self._server is None:
            from kitdesk.web.server import ServerStartError

            if isinstance(self._error, ServerStartError):  # its message is written for a person
                raise RuntimeError(str(self._error))
            raise RuntimeError(f"the local server did not start ({type(self._error).__name__})")
        return self._server

    def stop(self, timeout: float) -> bool:
        """Stop the server (it closes the store); False if it had to be forced."""
        self._done.wait()
        return self._server.stop(timeout) if self._server is not None else True
