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
"""

from __future__ import annotations

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


@contextmanager
def kitdesk_in_front_of(chatkit_url: str) -> Iterator[tuple[str, str, int]]:
    """``kitdesk serve`` whose one provider is the ChatKit server; yields (base URL, token,
    process id)."""
    with tempfile.TemporaryDirectory(prefix="kitdesk-bench-") as home:
        config = Path(home) / "config"
        config.mkdir(parents=True)
        provider = {"id": PROVIDER_ID, "name": "Agent", "kind": "chatkit", "base_url": chatkit_url}
        settings = {"auto_title": False, "providers": [provider], "default_provider": PROVIDER_ID}
        (config / "settings.json").write_text(json.dumps(settings))
        env = {**os.environ, "KITDESK_HOME": home}
        env.pop("OPENAI_API_KEY", None)
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


def main() -> None:
    model = f"{PROVIDER_ID}::default"
    with (
        chatkit_server_process() as server,
        kitdesk_in_front_of(server.url) as (url, token, pid),
    ):
        kitdesk, agent = psutil.Process(pid), psutil.Process(server.proc.pid)
        direct = httpx.Client(base_url=server.base_url, timeout=60)
        through = httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=60
        )
        for _ in range(WARMUP):
            first_delta(direct, "/chatkit", new_thread("hello", None))
            first_delta(through, "/chatkit", new_thread("hello", model))
        plain: list[float] = []
        proxied: list[float] = []
        kitdesk_cpu, agent_cpu = cpu_seconds(kitdesk), cpu_seconds(agent)
        for _ in range(LATENCY_SAMPLES):
            plain.append(first_delta(direct, "/chatkit", new_thread("hello", None)))
            proxied.append(first_delta(through, "/chatkit", new_thread("hello", model)))
        time.sleep(0.2)  # the last turn's mirroring
        kitdesk_cpu = (cpu_seconds(kitdesk) - kitdesk_cpu) / LATENCY_SAMPLES
        agent_cpu = (cpu_seconds(agent) - agent_cpu) / (2 * LATENCY_SAMPLES)
        added = [p - d for p, d in zip(proxied, plain, strict=True)]

        direct_times: list[float] = []
        proxied_times: list[float] = []
        for _ in range(THROUGHPUT_RUNS):
            seconds, count = whole_answer(direct, "/chatkit", new_thread("stream 1000", None))
            assert count == STREAM_DELTAS, count
            direct_times.append(seconds)
            seconds, count = whole_answer(through, "/chatkit", new_thread("stream 1000", model))
            assert count == STREAM_DELTAS, count
            proxied_times.append(seconds)
        direct.close()
        through.close()

    direct_rate = STREAM_DELTAS / statistics.median(direct_times)
    proxied_rate = STREAM_DELTAS / statistics.median(proxied_times)
    print(TARGETS)
    print(f"{'':<10} {'first delta p50/p99 (ms)':>26} {'deltas/s (stream 1000)':>24}")
    for label, samples, rate in (
        ("direct", plain, direct_rate),
        ("through", proxied, proxied_rate),
    ):
        p50, p99 = statistics.median(samples) * 1e3, percentile(samples, 0.99) * 1e3
        print(f"{label:<10} {p50:>12.2f}/{p99:<13.2f} {rate:>24,.0f}")
    print(
        f"added first delta p50/p99: {statistics.median(added) * 1e3:.2f}/"
        f"{percentile(added, 0.99) * 1e3:.2f} ms; throughput ratio {proxied_rate / direct_rate:.2f}"
    )
    print(
        f"CPU per relayed 'hello' turn: Kitdesk {kitdesk_cpu * 1e3:.2f} ms "
        f"(the ChatKit server's own: {agent_cpu * 1e3:.2f} ms)"
    )
    print(f"(load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
