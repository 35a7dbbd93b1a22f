"""`kitdesk serve`: the first answer after start, with and without typing first.

The turn engine and the openai client load on the first turn, not at start
(``chat/lazy_engine.py``), so an idle server stays small. The web UI asks for
that build when the person starts typing (``POST /api/chat/warm``), so it runs
while they write. This bench starts a fresh server per run against the fake
upstream (the environment provider), lets it idle as bench_serve does, then
sends the first message either at once (``cold``: nothing warmed it) or after
the warm-up call and ``TYPING_SECONDS`` of "typing" (``typed``). It prints the
median time from sending to the first text delta (and for a second new chat
in the same server, the baseline), the warm build's duration,
and the RSS at idle and after the first answer. Runs of the two kinds alternate.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import httpx
import psutil

from tests.upstream import Upstream

RUNS = 5  # of each kind
TYPING_SECONDS = 2.0  # a short question takes longer than this to type


@dataclass
class Run:
    first_delta: float
    second_delta: float  # a second new chat in the same server: the baseline
    warm_build: float | None  # warm-up call to engine ready, seconds (typed runs)
    idle_rss: float
    after_rss: float


def _first_turn(home: str, upstream: Upstream, *, typed: bool) -> Run:
    env = {
        **os.environ,
        "KITDESK_HOME": home,
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": upstream.base_url,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base, token = proc.stdout.readline().strip().split("/?token=")
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client:
            client.get("/api/app").raise_for_status()
            client.get("/api/health").raise_for_status()
            listing = {"type": "threads.list", "params": {"limit": 1}}
            client.post("/chatkit", json=listing).raise_for_status()
            time.sleep(1.0)  # idle, as bench_serve measures it
            process = psutil.Process(proc.pid)
            idle_rss = process.memory_info().rss / 2**20
            assert client.get("/api/health").json()["engine"] == "idle"
            warm_build = None
            if typed:
                asked = time.perf_counter()
                client.post("/api/chat/warm").raise_for_status()
                while client.get("/api/health").json()["engine"] != "ready":
                    time.sleep(0.01)
                warm_build = time.perf_counter() - asked
                time.sleep(max(0.0, TYPING_SECONDS - warm_build))
            message = {
                "type": "threads.create",
                "params": {
                    "input": {
                        "content": [{"type": "input_text", "text": "Hello there"}],
                        "attachments": [],
                        "inference_options": {},
                    }
                },
            }
            first_delta = _send(client, message)
            after_rss = process.memory_info().rss / 2**20
            second_delta = _send(client, message)
            return Run(first_delta, second_delta, warm_build, idle_rss, after_rss)
    finally:
        proc.terminate()
        proc.wait(10)


def _send(client: httpx.Client, message: dict[str, object]) -> float:
    """Seconds from sending ``message`` to the answer's first text delta."""
    sent = time.perf_counter()
    first_delta = None
    with client.stream("POST", "/chatkit", json=message) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first_delta is None and "text_delta" in line:
                first_delta = time.perf_counter() - sent
            if line.startswith("data: ") and json.loads(line[6:]).get("type") == "error":
                raise RuntimeError(line)
    assert first_delta is not None, "no text delta in the answer"
    return first_delta


def _load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    runs: dict[bool, list[Run]] = {False: [], True: []}
    load_before = _load()
    with Upstream() as upstream, tempfile.TemporaryDirectory() as home:
        _first_turn(home, upstream, typed=False)  # warm the file cache, create the database
        for _ in range(RUNS):
            for typed in (False, True):
                runs[typed].append(_first_turn(home, upstream, typed=typed))
    print(f"load average before {load_before}, after {_load()}")
    print(f"{'first turn after start':<34}{'cold':>12}{'typed first':>14}")

    def median(typed: bool, pick: str) -> float:
        return statistics.median(getattr(run, pick) for run in runs[typed])

    cold, typed = median(False, "first_delta"), median(True, "first_delta")
    print(f"{'send to first delta (median)':<34}{cold * 1000:>10.0f}ms{typed * 1000:>12.0f}ms")
    cold2, typed2 = median(False, "second_delta"), median(True, "second_delta")
    print(f"{'  second chat, same server':<34}{cold2 * 1000:>10.0f}ms{typed2 * 1000:>12.0f}ms")
    spread = {k: [round(r.first_delta * 1000) for r in v] for k, v in runs.items()}
    print(f"{'  each run (ms)':<34}{spread[False]!s:>12}  {spread[True]}")
    build = statistics.median(r.warm_build or 0.0 for r in runs[True])
    print(f"{'warm-up call to engine ready':<34}{'':>12}{build * 1000:>12.0f}ms")
    for label, pick in (("idle RSS (MiB)", "idle_rss"), ("RSS after the answer", "after_rss")):
        print(f"{label:<34}{median(False, pick):>9.0f}MiB{median(True, pick):>11.0f}MiB")


if __name__ == "__main__":
    main()
