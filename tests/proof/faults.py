"""What every fault test checks: the refusal is a sentence, nothing is lost,
and chatting works again once the fault is gone."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import require
from tests.proof.harness import INTERNAL_PHRASE, ProofServer, add_message_body, is_error_sentence


def error_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event.get("type") == "error"]


def try_message(
    server: ProofServer, thread_id: str, text: str
) -> tuple[int, str, list[dict[str, Any]]]:
    """Send a message; (HTTP status, body text, decoded SSE events)."""
    with server.client.stream("POST", "/chatkit", json=add_message_body(thread_id, text)) as reply:
        body = reply.read().decode("utf-8", "replace")
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    return reply.status_code, body, events


def assert_refused_with_a_sentence(status: int, body: str, events: list[dict[str, Any]]) -> str:
    """A fault shows as an error event or a JSON error, in words, never 'unexpected problem'."""
    if status != 200:
        reply = httpx.Response(status, content=body.encode())
        assert is_error_sentence(reply), (status, body[:300])
        message = reply.json()["error"]["message"]
        assert reply.json()["error"]["code"] != "internal_error", body[:300]
    else:
        errors = error_events(events)
        assert errors, f"the fault went unreported: {body[-500:]}"
        message = errors[-1]["message"]
    assert INTERNAL_PHRASE not in message, message
    assert len(message) > 20, message
    return message


def assert_chat_works(server: ProofServer, thread_id: str, text: str = "Are you back?") -> None:
    status, body, events = try_message(server, thread_id, text)
    assert status == 200, body[:300]
    assert not error_events(events), error_events(events)
    answers = [
        event["item"]
        for event in events
        if event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"
    ]
    assert answers and answers[-1]["content"][0]["text"].startswith("Echo: "), body[-300:]


def item_ids(server: ProofServer, thread_id: str) -> set[str]:
    return {item["id"] for item in server.items(thread_id)}


def require_root() -> None:
    require(os.geteuid() == 0, "mounting a small tmpfs needs root")


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str = "2m") -> Iterator[Path]:
    require_root()
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill_disk(folder: Path) -> Path:
    """Write a file until the file system is full; return it (delete it to free the space)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:
        chunk = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                handle.write(chunk)
        with contextlib.suppress(OSError):
            while True:  # the last few bytes
                handle.write(b"\0" * 512)
    return filler
