"""`kitdesk serve` as a real subprocess, for tests that signal or kill it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class ServeProcess:
    proc: subprocess.Popen[str]
    url: str  # the launch line as printed

    @property
    def base_url(self) -> str:
        return self.url.split("/?token=")[0]

    @property
    def token(self) -> str:
        return self.url.split("/?token=")[1]

    def client(self) -> httpx.Client:
        """An HTTP client that presents this launch's token."""
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )


@contextmanager
def serve_process(home: Path, **env: str) -> Iterator[ServeProcess]:
    """Start `kitdesk serve --port 0` with KITDESK_HOME=home; kill it on the way out
    if the test did not stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # an unread pipe could fill up and block the server
        env={**os.environ, "KITDESK_HOME": str(home), **env},
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield ServeProcess(proc, proc.stdout.readline().strip())
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def new_thread_request(text: str) -> dict[str, object]:
    """The ChatKit body that starts a conversation with ``text``."""
    return {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": text}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
