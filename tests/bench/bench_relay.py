"""Relay benchmark: what Kitdesk adds between the provider and the client.

    python -m tests.bench relay          (or: python -m tests.bench.bench_relay)

Three processes: the fake upstream (``python -m tests.upstream``), ``kitdesk
serve`` (its provider is the upstream, through OPENAI_BASE_URL, so the Chat
Completions path), and this client. Each figure is measured against the same
upstream in the same run:

Both sides use the same HTTP client (httpx) and decode every SSE event, so
the difference is Kitdesk's own work.

- time to first text delta, directly vs through
  Kitdesk (a ChatKit ``threads.create``, answer persisted): added p50 / p99;
- relay throughput for a 10,000-delta answer, directly vs through Kitdesk
  (persisted), and the Kitdesk server process's CPU time per 1,000 deltas.

Side by side in the same run: ``baseline`` is ``kitdesk serve`` from
BASELINE_COMMIT (cfb9ae3, where issue 7's rebuild of the turn engine started;
``git archive`` of its ``desktop/``, run with its lean relay), ``current`` is
this tree. ``BENCH_ENGINES=current`` measures one; ``BENCH_BASELINE_COMMIT``
picks another baseline.

What profiling (py-spy on the ``kitdesk serve`` process) found, and what was done:
- Agents SDK path: 190-275 ms of CPU per 1,000 deltas, about 1,000-2,000
  deltas/s: a pydantic event per provider delta in the openai client, the
  Agents SDK, chatkit's converter and ChatKit's server, each serialised.
  -> ``kitdesk.chat.relay``: raw SSE bytes, every socket read's deltas merged into
  one ChatKit event (15-17 ms CPU per 1,000 deltas here).
- chatkit 1.6.5 rebuilt ``TypeAdapter(ChatKitReq)`` on every request (a third
  of a turn's CPU) -> built once in ``KitdeskChatServer.process``.
- The openai client transforms typed params against their TypedDicts: about
  0.25 ms per history message (55 ms at 200 messages) -> history sent through
  ``extra_body`` as is.
- Breaking out of a stream at ``[DONE]`` closed the upstream connection, so
  every turn paid a new TCP connection -> read to the end, connection pooled.
- ChatKit's store writes before ``respond()`` (new thread, user message: two
  round trips to the writer thread, ~1.2 ms) -> started in the background,
  the answer requested at once (``KitdeskChatServer._process_new_thread_item_respond``).
- The openai client's per-request ``uuid4()`` (``os.urandom`` releases the GIL,
  the store threads took it: ~0.7 ms per turn in py-spy) -> a ``random`` key.
- Left (first delta, niced run at load ~9): ~0.35 ms to reach the endpoint
  (security gate, FastAPI routing, body, validation), ~0.5 ms of ChatKit events
  before ``respond()``, the provider request through the openai client (about
  0.45 ms and 0.4 ms CPU more than plain httpx), one ASGI send per SSE event.
  Under this machine's load most of the remaining spread is scheduling: every
  GIL hand-off between the loop and the store's threads waits for the OS.
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
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

LATENCY_SAMPLES = 150
WARMUP = 15
THROUGHPUT_DELTAS = 10_000
THROUGHPUT_RUNS = 3
API_KEY = "test-key"
TARGETS = "targets: added p50 <= 2 ms, p99 <= 10 ms; >= 20,000 deltas/s; <= 50 ms CPU / 1,000"


@contextmanager
def upstream_process() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.upstream", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class KitdeskProcess:
    url: str
    token: str
    process: psutil.Process

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system


# The commit the turn engine was rebuilt from (issue 7): its relay is the baseline
# the current one is measured against, side by side in the same run.
BASELINE_COMMIT = os.environ.get("BENCH_BASELINE_COMMIT", "cfb9ae3")
REPO = Path(__file__).resolve().parents[2]


@contextmanager
def source_of(revision: str) -> Iterator[Path | None]:
    """``desktop/`` of an earlier commit, extracted to a temporary folder (None: this tree)."""
    if revision == "current":
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="kitdesk-baseline-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision, "desktop"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder) / "desktop"


@contextmanager
def kitdesk_process(base_url: str, engine: str) -> Iterator[KitdeskProcess]:
    revision = BASELINE_COMMIT if engine == "baseline" else "current"
    with (
        source_of(revision) as source,
        tempfile.TemporaryDirectory(prefix="kitdesk-bench-") as home,
    ):
        config = Path(home) / "config"
        config.mkdir(parents=True)
        # No auto-title: the title request is not part of the relay.
        (config / "settings.json").write_text(json.dumps({"auto_title": False}))
        env = {
            **os.environ,
            "KITDESK_HOME": home,
            "OPENAI_API_KEY": API_KEY,
            "OPENAI_BASE_URL": base_url,
            "KITDESK_ENGINE": "relay",  # the baseline's lean relay (ignored by the current code)
        }
        if source is not None:
            env["PYTHONPATH"] = str(source)
        process = subprocess.Popen(
            [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # its log file is kept; the console copy is noise here
            env=env,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            url, token = line.split("/?token=", 1)
            yield KitdeskProcess(url, token, psutil.Process(process.pid))
        finally:
            process.terminate()
            process.wait(10)


def new_thread_body(text: str) -> dict[str, object]:
    message = {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }
    return {"type": "threads.create", "params": {"input": message}}


def kitdesk_first_delta(client: httpx.Client, text: str) -> float:
    """Seconds from sending a new message to the first text delta; reads the stream to its end."""
    started = time.perf_counter()
    first = None
    body = b""
    with client.stream("POST", "/chatkit", json=new_thread_body(text)) as response:
        for chunk in response.iter_raw():
            # Search from just before the new chunk: the marker may straddle two reads.
            seen = len(body)
            body += chunk
            if first is None and b"text_delta" in body[max(0, seen - 16) :]:
                first = time.perf_counter() - started
    if first is None:
        raise RuntimeError(f"Kitdesk streamed no text ({response.status_code}): {body[-3000:]!r}")
    return first


def direct_body(text: str) -> dict[str, object]:
    return {"model": "gpt-test", "messages": [{"role": "user", "content": text}], "stream": True}


def sse_payloads(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The data payloads of the SSE events in a byte stream."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        if b"\n\n" not in buffer:
            continue
        *events, buffer = buffer.split(b"\n\n")
        for event in events:
            if event.startswith(b"data: "):
                yield event[len(b"data: ") :]


def direct_first_delta(client: httpx.Client, text: str) -> float:
    """The same measurement straight from the upstream, with the same HTTP client."""
    started = time.perf_counter()
    first = None
    with client.stream("POST", "/chat/completions", json=direct_body(text)) as response:
        for payload in sse_payloads(response.iter_raw()):
            if first is None and payload != b"[DONE]":
                choices = json.loads(payload)["choices"]
                if choices and choices[0]["delta"].get("content"):
                    first = time.perf_counter() - started
    if first is None:
        raise RuntimeError("the upstream streamed no text")
    return first


def kitdesk_answer(client: httpx.Client, text: str) -> tuple[float, str]:
    """Seconds for a whole answer through Kitdesk, and the text it relayed (every event decoded)."""
    started = time.perf_counter()
    parts: list[str] = []
    saved = ""
    with client.stream("POST", "/chatkit", json=new_thread_body(text)) as response:
        for payload in sse_payloads(response.iter_raw()):
            event = json.loads(payload)
            if event["type"] == "thread.item.updated":
                update = event["update"]
                if update["type"] == "assistant_message.content_part.text_delta":
                    parts.append(update["delta"])
            elif (
                event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message"
            ):
                saved = event["item"]["content"][0]["text"]
    elapsed = time.perf_counter() - started
    if "".join(parts) != saved:
        raise RuntimeError("the streamed deltas do not add up to the saved answer")
    return elapsed, saved


def direct_answer(client: httpx.Client, text: str) -> tuple[float, str]:
    """Seconds for the whole answer straight from the upstream (every event decoded)."""
    started = time.perf_counter()
    parts: list[str] = []
    with client.stream("POST", "/chat/completions", json=direct_body(text)) as response:
        for payload in sse_payloads(response.iter_raw()):
            if payload == b"[DONE]":
                break
            for choice in json.loads(payload)["choices"]:
                if choice["delta"].get("content"):
                    parts.append(choice["delta"]["content"])
    return time.perf_counter() - started, "".join(parts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Result:
    engine: str
    direct_p50: float
    direct_p99: float
    kitdesk_p50: float
    kitdesk_p99: float
    added_p50: float
    added_p99: float
    direct_rate: float
    kitdesk_rate: float
    cpu_ms_per_1000: float
    cpu_ms_per_turn: float


def measure(base_url: str, engine: str) -> Result:
    direct = httpx.Client(
        base_url=base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=60
    )
    with kitdesk_process(base_url, engine) as kitdesk:
        client = httpx.Client(
            base_url=kitdesk.url,
            headers={"authorization": f"Bearer {kitdesk.token}"},
            timeout=60,
        )
        for _ in range(WARMUP):
            kitdesk_first_delta(client, "warm up")
            direct_first_delta(direct, "warm up")
        through: list[float] = []
        plain: list[float] = []
        cpu_before = kitdesk.cpu_seconds()
        for index in range(LATENCY_SAMPLES):  # interleaved, so drift hits both alike
            through.append(kitdesk_first_delta(client, f"hello number {index}"))
            plain.append(direct_first_delta(direct, f"hello number {index}"))
        added = [k - d for k, d in zip(through, plain, strict=True)]
        # Load-independent companion to the added latency: Kitdesk's CPU per new-thread turn.
        cpu_per_turn = (kitdesk.cpu_seconds() - cpu_before) / LATENCY_SAMPLES

        words = " ".join(f"w{i}" for i in range(THROUGHPUT_DELTAS - 1))
        expected = f"Echo: {words}"
        direct_times: list[float] = []
        kitdesk_times: list[float] = []
        cpu = 0.0
        for _ in range(THROUGHPUT_RUNS):
            seconds, text = direct_answer(direct, words)
            assert text == expected, "the upstream sent a different answer"
            direct_times.append(seconds)
            before = kitdesk.cpu_seconds()
            seconds, saved = kitdesk_answer(client, words)
            cpu += kitdesk.cpu_seconds() - before
            assert saved == expected, "Kitdesk relayed a different answer"
            kitdesk_times.append(seconds)
        client.close()
    direct.close()
    return Result(
        engine=engine,
        direct_p50=statistics.median(plain),
        direct_p99=percentile(plain, 0.99),
        kitdesk_p50=statistics.median(through),
        kitdesk_p99=percentile(through, 0.99),
        added_p50=statistics.median(added),
        added_p99=percentile(added, 0.99),
        direct_rate=THROUGHPUT_DELTAS / statistics.median(direct_times),
        kitdesk_rate=THROUGHPUT_DELTAS / statistics.median(kitdesk_times),
        cpu_ms_per_1000=cpu * 1000 / (THROUGHPUT_RUNS * THROUGHPUT_DELTAS / 1000),
        cpu_ms_per_turn=cpu_per_turn * 1000,
    )


def print_table(results: list[Result]) -> None:
    print(TARGETS)
    header = (
        f"{'path':<8} {'first delta p50/p99 (ms)':>26} {'added p50/p99 (ms)':>20} "
        f"{'direct deltas/s':>16} {'Kitdesk deltas/s':>17} {'ratio':>6} {'CPU ms/1000':>12} "
        f"{'CPU ms/turn':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        first = (
            f"{r.direct_p50 * 1e3:.2f}/{r.direct_p99 * 1e3:.2f} → "
            f"{r.kitdesk_p50 * 1e3:.2f}/{r.kitdesk_p99 * 1e3:.2f}"
        )
        added = f"{r.added_p50 * 1e3:.2f}/{r.added_p99 * 1e3:.2f}"
        print(
            f"{r.engine:<8} {first:>26} {added:>20} {r.direct_rate:>16,.0f} "
            f"{r.kitdesk_rate:>17,.0f} {r.kitdesk_rate / r.direct_rate:>6.2f} "
            f"{r.cpu_ms_per_1000:>12.1f} {r.cpu_ms_per_turn:>12.2f}"
        )
    load = os.getloadavg()[0]
    print(f"(load average during the run: {load:.1f} on {os.cpu_count()} cores)")


def main() -> None:
    engines = os.environ.get("BENCH_ENGINES", "baseline,current").split(",")
    with upstream_process() as base_url:
        results = [measure(base_url, engine) for engine in engines]
    print_table(results)


if __name__ == "__main__":
    main()
