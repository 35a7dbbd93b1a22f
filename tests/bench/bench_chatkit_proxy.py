"""ChatKit proxy benchmark: what Kitdesk adds in front of a remote ChatKit server.

    python -m tests.bench chatkit        (or: python -m tests.bench.bench_chatkit_proxy)

Three processes: the scripted ChatKit test server (``python -m tests.chatkit_server``),
``kitdesk serve`` with that server as its only provider (kind ``chatkit``), and
this client. The same requests go to the server directly and through Kitdesk's
``/chatkit`` (security gate, routing, the relay in ``chat/remote.py`` and
``chat/remote_stream.py``, then the mirror into the local store after each turn,
in the background), interleaved so load drift hits both alike, with the same
HTTP client and the same reading of the stream:

- time from sending ``threads.create`` ("hello") to the first text delta:
  added p50 / p99;
- throughput for the "stream 1000" script (1,000 deltas), read to the end:
  deltas per second directly vs through Kitdesk (every event checked on the way;
  the mirror replays the turn's events into SQLite once the answer has ended);
- CPU seconds Kitdesk's process spends per relayed "hello" turn (mirroring
  included), next to the ChatKit server's own per turn: on a shared machine
  this moves less with load than the latencies do.

A/B: with ``KITDESK_BENCH_BASELINE=<another checkout>/desktop`` a second
``kitdesk serve`` runs from that source tree in front of the same ChatKit server,
and its requests are interleaved with the others (direct, baseline, this tree),
so old and new code meet the same load; it gets its own rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from tests.bench.bench_relay import percentile
from tests.chatkit_server import chatkit_server_process

LATENCY_SAMPLES = 100
WARMUP = 10
STREAM_DELTAS = 1000
THROUGHPUT_RUNS = 5
PROVIDER_ID = "agent"
TARGETS = "targets: added first-delta p50 <= 2 ms; throughput >= 0.5x direct"


BASELINE_ENV = "KITDESK_BENCH_BASELINE"


@contextmanager
def kitdesk_in_front_of(
    chatkit_url: str, source: str | None = None
) -> Iterator[tuple[str, str, int]]:
    """``kitdesk serve`` whose one provider is the ChatKit server; yields (base URL, token,
    process id). ``source``: the ``desktop`` directory to run Kitdesk from (else this one's)."""
    with tempfile.TemporaryDirectory(prefix="kitdesk-bench-") as home:
        config = Path(home) / "config"
        config.mkdir(parents=True)
        provider = {"id": PROVIDER_ID, "name": "Agent", "kind": "chatkit", "base_url": chatkit_url}
        settings = {"auto_title": False, "providers": [provider], "default_provider": PROVIDER_ID}
        (config / "settings.json").write_text(json.dumps(settings))
        env = {**os.environ, "KITDESK_HOME": home}
        env.pop("OPENAI_API_KEY", None)
        if source is not None:
            env["PYTHONPATH"] = source
        process = subprocess.Popen(
            [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        try:
            assert process.stdout is not None
            url, token = process.stdout.readline().strip().split("/?token=", 1)
            yield url, token, process.pid
        finally:
            process.terminate()
            process.wait(10)


def new_thread(text: str, model: str | None) -> dict[str, object]:
    options = {"model": model} if model else {}
    message = {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": options,
    }
    return {"type": "threads.create", "params": {"input": message}}


def first_delta(client: httpx.Client, path: str, body: dict[str, object]) -> float:
    """Seconds to the first text delta; reads the stream to its end."""
    started = time.perf_counter()
    first = None
    seen = b""
    with client.stream("POST", path, json=body) as response:
        for chunk in response.iter_raw():
            offset = len(seen)
            seen += chunk
            if first is None and b"text_delta" in seen[max(0, offset - 16) :]:
                first = time.perf_counter() - started
    if first is None:
        raise RuntimeError(f"no text delta ({response.status_code}): {seen[-2000:]!r}")
    return first


def whole_answer(client: httpx.Client, path: str, body: dict[str, object]) -> tuple[float, int]:
    """Seconds for the whole answer and the number of text deltas (every event decoded)."""
    started = time.perf_counter()
    deltas = 0
    buffer = b""
    with client.stream("POST", path, json=body) as response:
        for chunk in response.iter_raw():
            buffer += chunk
            *frames, buffer = buffer.split(b"\n\n")
            for frame in frames:
                if not frame.startswith(b"data: "):
                    continue
                event = json.loads(frame[6:])
                update = event.get("update") or {}
                if update.get("type") == "assistant_message.content_part.text_delta":
                    deltas += 1
    return time.perf_counter() - started, deltas


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


class Route:
    """One way to reach the ChatKit server, with what was measured through it."""

    def __init__(self, label: str, client: httpx.Client, model: str | None, pid: int) -> None:
        self.label = label
        self.client = client
        self.model = model
        self.process = psutil.Process(pid)
        self.first: list[float] = []
        self.whole: list[float] = []
        self.cpu = 0.0

    def turn(self) -> float:
        return first_delta(self.client, "/chatkit", new_thread("hello", self.model))

    def stream(self) -> float:
        seconds, count = whole_answer(
            self.client, "/chatkit", new_thread("stream 1000", self.model)
        )
        assert count == STREAM_DELTAS, count
        return seconds


def main() -> None:
    model = f"{PROVIDER_ID}::default"
    baseline = os.environ.get(BASELINE_ENV)
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(chatkit_server_process())
        direct_client = httpx.Client(base_url=server.base_url, timeout=60)
        routes = [Route("direct", direct_client, None, server.proc.pid)]
        kitdesks: list[tuple[str, str | None]] = [("through", None)]
        if baseline:
            kitdesks.insert(0, ("baseline", baseline))
        for label, source in kitdesks:
            url, token, pid = stack.enter_context(kitdesk_in_front_of(server.url, source))
            headers = {"authorization": f"Bearer {token}"}
            client = httpx.Client(base_url=url, headers=headers, timeout=60)
            routes.append(Route(label, client, model, pid))
        for _ in range(WARMUP):
            for route in routes:
                route.turn()
        started = [cpu_seconds(route.process) for route in routes]
        for sample in range(LATENCY_SAMPLES):
            # Each round starts with another route, so none always follows another's turn
            # (whose mirroring runs meanwhile).
            shift = sample % len(routes)
            for route in routes[shift:] + routes[:shift]:
                route.first.append(route.turn())
        time.sleep(0.2)  # the last turn's mirroring
        for route, before in zip(routes, started, strict=True):
            route.cpu = (cpu_seconds(route.process) - before) / LATENCY_SAMPLES
        # The ChatKit server answered every route's turns.
        routes[0].cpu /= len(routes)
        for _ in range(THROUGHPUT_RUNS):
            for route in routes:
                route.whole.append(route.stream())
        for route in routes:
            route.client.close()

    direct = routes[0]
    direct_rate = STREAM_DELTAS / statistics.median(direct.whole)
    print(TARGETS)
    print(f"{'':<10} {'first delta p50/p99 (ms)':>26} {'deltas/s (stream 1000)':>24}")
    for route in routes:
        p50, p99 = statistics.median(route.first) * 1e3, percentile(route.first, 0.99) * 1e3
        rate = STREAM_DELTAS / statistics.median(route.whole)
        print(f"{route.label:<10} {p50:>12.2f}/{p99:<13.2f} {rate:>24,.0f}")
    for route in routes[1:]:
        added = [p - d for p, d in zip(route.first, direct.first, strict=True)]
        rate = STREAM_DELTAS / statistics.median(route.whole)
        print(
            f"{route.label}: added first delta p50/p99: {statistics.median(added) * 1e3:.2f}/"
            f"{percentile(added, 0.99) * 1e3:.2f} ms; throughput ratio {rate / direct_rate:.2f}; "
            f"CPU per relayed 'hello' turn: Kitdesk {route.cpu * 1e3:.2f} ms"
        )
    print(f"(the ChatKit server's own CPU per turn: {direct.cpu * 1e3:.2f} ms)")
    print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
