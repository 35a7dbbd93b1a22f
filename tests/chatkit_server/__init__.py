"""A real ChatKit server for tests, built on the ``openai-chatkit`` SDK and run as a process.

``python -m tests.chatkit_server --port 0 [--require-header NAME=VALUE]`` prints
its endpoint (``http://127.0.0.1:<port>/chatkit``) as the first stdout line.
Its answers are scripted by the user's message text; see ``scripts.SCRIPTS``
(``hello``, ``widgets``, ``counter``, ``live widget``, ``workflow``, ``effect``,
``notice``, ``error``, ``client tool`` (or ``client tool <name>``), ``image``,
``images``, ``markdown images``, ``sources``, ``slow``,
``stream N``, ``fail``, ``stall``, ``cut``, ``malformed``) and ``app.py``
(``refuse``). Modules: ``store`` (in-memory stores), ``widgets`` (every widget
type), ``scripts``, ``server`` (the ``ChatKitServer`` subclass), ``app`` (HTTP).

Tests start it with ``chatkit_server_process()``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.process_server import start_server_process


@dataclass
class ChatKitServerProcess:
    proc: subprocess.Popen[str]
    url: str  # the ChatKit endpoint, e.g. http://127.0.0.1:40123/chatkit

    @property
    def base_url(self) -> str:
        return self.url.removesuffix("/chatkit")


@contextmanager
def chatkit_server_process(
    require_header: tuple[str, str] | None = None,
) -> Iterator[ChatKitServerProcess]:
    """Run the scripted ChatKit server as a subprocess on a free port; kill it on the way out."""
    with start_server_process("tests.chatkit_server", require_header) as (proc, url):
        yield ChatKitServerProcess(proc, url)
