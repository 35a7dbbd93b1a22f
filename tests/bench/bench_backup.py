"""A backup of a 1 GB database while answers stream: the stream's added first-delta latency.

One ``kitdesk serve`` over a data folder whose database holds about 1 GB (the
real schema, plus a table of hex text sized to the target: the backup copies
pages and compresses them whatever they hold) and the scripted upstream. The
added first-delta latency (through Kitdesk minus straight from the upstream,
sampled in pairs, so drift hits both alike) is measured twice in the same run:

- idle: no backup running;
- during a backup: "Back up now" (``POST /api/data/backups``: SQLite's online
  backup, then the zip with checksums) runs in the server while new
  conversations keep streaming, sampled until the backup is done.

Target (issue 8): the added first delta during the backup at most 2x the idle
figure (p50). The automatic backup is off so only the measured one runs.

    python -m tests.bench backup        (or: python -m tests.bench.bench_backup)
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.bench.bench_relay import (
    API_KEY,
    direct_first_delta,
    kitdesk_first_delta,
    percentile,
    upstream_process,
)

DATABASE_BYTES = 1024**3
ROW_BYTES = 1024**2  # hex(randomblob(n)) is 2n characters of text
IDLE_SAMPLES = 40
MIN_BUSY_SAMPLES = 10
TARGET = "target: added first delta p50 during the backup <= 2x idle"


@contextmanager
def serve(home: Path, base_url: str) -> Iterator[httpx.Client]:
    env = {
        **os.environ,
        "KITDESK_HOME": str(home),
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_BASE_URL": base_url,
        "KITDESK_AUTO_BACKUP": "0",
    }
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
        with httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=600
        ) as client:
            yield client
    finally:
        process.terminate()
        process.wait(30)


def grow_database(db_path: Path) -> int:
    """Fill the (migrated) database to about DATABASE_BYTES; returns its size."""
    rows = DATABASE_BYTES // ROW_BYTES
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS bench_filler (body TEXT NOT NULL)")
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO bench_filler SELECT hex(randomblob(?)) FROM n",
            (rows, ROW_BYTES // 2),
        )
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db_path.stat().st_size


def added_first_delta(kitdesk: httpx.Client, direct: httpx.Client, index: int) -> float:
    through = kitdesk_first_delta(kitdesk, f"hello number {index}")
    plain = direct_first_delta(direct, f"hello number {index}")
    return through - plain


def summary(values: list[float]) -> str:
    return f"{statistics.median(values) * 1e3:.2f} / {percentile(values, 0.99) * 1e3:.2f}"


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="kitdesk-bench-backup-") as folder,
        upstream_process() as base_url,
    ):
        home = Path(folder)
        (home / "config").mkdir(parents=True)
        (home / "config" / "settings.json").write_text(json.dumps({"auto_title": False}))
        with serve(home, base_url) as kitdesk:  # creates and migrates the database
            kitdesk_first_delta(kitdesk, "create the schema")
        started = time.perf_counter()
        size = grow_database(home / "data" / "kitdesk.db")
        print(f"database: {size / 2**30:.2f} GiB, filled in {time.perf_counter() - started:.0f} s")

        direct = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {API_KEY}"}, timeout=60
        )
        with serve(home, base_url) as kitdesk:
            for index in range(5):
                added_first_delta(kitdesk, direct, index)  # warm up
            idle = [added_first_delta(kitdesk, direct, n) for n in range(IDLE_SAMPLES)]

            outcome: dict[str, object] = {}

            def back_up() -> None:
                began = time.perf_counter()
                reply = kitdesk.post("/api/data/backups", json={})
                outcome["seconds"] = time.perf_counter() - began
                outcome["status"] = reply.status_code
                outcome["body"] = reply.json()

            worker = threading.Thread(target=back_up)
            worker.start()
            busy: list[float] = []
            while worker.is_alive():
                busy.append(added_first_delta(kitdesk, direct, 1000 + len(busy)))
            worker.join()
        direct.close()

    if outcome.get("status") != 201:
        raise RuntimeError(f"the backup failed: {outcome.get('body')}")
    if len(busy) < MIN_BUSY_SAMPLES:
        print(f"(only {len(busy)} samples during the backup: too few to compare reliably)")
    if not busy:
        raise RuntimeError("the backup ended before one answer could be sampled")
    body = outcome["body"]
    assert isinstance(body, dict)
    ratio = statistics.median(busy) / statistics.median(idle)
    print(TARGET)
    print(f"backup: {outcome['seconds']:.1f} s, {body.get('size', 0) / 2**20:.0f} MB zip")
    print(f"{'phase':<16}{'samples':>9}{'added first delta p50 / p99 (ms)':>36}")
    print(f"{'idle':<16}{len(idle):>9}{summary(idle):>36}")
    print(f"{'during backup':<16}{len(busy):>9}{summary(busy):>36}")
    print(f"ratio p50 during/idle: {ratio:.2f}x ({'within' if ratio <= 2 else 'over'} target)")
    load = os.getloadavg()
    print(f"(load average: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
