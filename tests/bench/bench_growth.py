"""Memory over a long thread: Debian's Chromium against `kitdesk serve` and the fake upstream
(or, with KITDESK_BENCH_WINDOW=qt, the real Kitdesk window: tests/bench/growth_window.py).

Issue 9's target: the window grows by at most 30 MB over 1,000 streamed turns
in one thread. This drives N turns (env KITDESK_BENCH_TURNS, default 1,000)
in one thread through the element's own `sendUserMessage()`, each answered by
a short Markdown answer with a list and a code block (about 90 deltas). At
0 / 100 / 500 / N turns (those not above N) it reads:

- the renderer processes' PSS and USS (psutil) as the window holds them: 3.5 s
  after the last answer, once the web UI's own idle collection has run
  (Chromium runs with `--js-flags=--expose-gc`, as the desktop window does).
  USS is the steadier figure on a shared machine: PSS also moves with other
  processes mapping the same Chromium libraries;
- the PSS of the `kitdesk serve` process (the server half of the desktop app);
- then, after DevTools' full collection: the V8 heap in use, Blink's DOM node
  count, JS event listeners and the renderer PSS and USS again.

Growth per 1,000 turns is taken from the readings after the first 100 turns,
so the start-up work done once (JIT, lazily loaded chunks, fonts) is not
counted as growth.

The page is driven over a bare DevTools socket (tests/bench/growth_cdp.py), not
Playwright: Playwright's Network domain makes Blink keep every response body.

    python -m tests.bench growth
    KITDESK_BENCH_TURNS=300 python -m tests.bench growth
    KITDESK_BENCH_SNAPSHOTS=/tmp/snaps python -m tests.bench growth   (heap snapshots too)
    KITDESK_BENCH_NETWORK=1 python -m tests.bench growth   (with DevTools' Network domain on)
    KITDESK_BENCH_WINDOW=qt python -m tests.bench growth   (the real Kitdesk window instead:
                                                            tests/bench/growth_window.py)
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.bench import growth_window
from tests.bench.growth_cdp import Memory, devtools_page
from tests.bench.growth_turns import (
    MB,
    TARGET_MB,
    answer,
    checkpoints,
    per_thousand,
    run_turn,
    wait_ready,
)
from tests.browser.conftest import KitdeskServer, require_server_parts, start_server, stop_server
from tests.upstream import Turn, Upstream

IDLE_WAIT = 3.5  # seconds: the UI collects 2 s after the last answer, when idle


@dataclass
class Reading:
    turns: int
    idle_pss: int  # bytes, after the UI's own idle collection
    idle_uss: int  # bytes, private memory at the same time
    server_pss: int  # bytes, the kitdesk serve process
    memory: Memory  # after DevTools' full collection
    wall: float  # seconds since the first turn


def server_pss(server: KitdeskServer) -> int:
    """PSS of the Python process serving (under dbus-run-session and sh in the tests' setup)."""
    tree = [psutil.Process(server.process.pid)]
    tree += tree[0].children(recursive=True)
    total = 0
    for process in tree:
        with contextlib.suppress(psutil.Error):
            if "kitdesk" in process.cmdline() and "serve" in process.cmdline():
                total += process.memory_full_info().pss
    return total


def measure(turns: int, snapshots: Path | None, *, network: bool = False) -> list[Reading]:
    readings: list[Reading] = []
    with tempfile.TemporaryDirectory() as folder, Upstream() as upstream:
        upstream.script(*(Turn(text=answer(n)) for n in range(turns)))
        require_server_parts()
        home = Path(folder) / "home"
        (home / "config").mkdir(parents=True)
        # KITDESK_BENCH_SETTINGS='{"history_token_budget": 2000}' measures with other
        # settings (the settings file holds some that the UI does not offer).
        chosen = json.loads(os.environ.get("KITDESK_BENCH_SETTINGS", "{}"))
        (home / "config" / "settings.json").write_text(json.dumps({"updates": "off", **chosen}))
        server = start_server(home, {})
        try:
            server.add_upstream_provider(upstream)
            with devtools_page(server.url, network=network) as page:
                wait_ready(page)
                done = 0
                started = time.perf_counter()
                for checkpoint in checkpoints(turns):
                    while done < checkpoint:
                        run_turn(page, done)
                        done += 1
                    wall = time.perf_counter() - started
                    time.sleep(IDLE_WAIT)
                    idle_pss, idle_uss = page.renderer_memory()
                    memory = page.memory()
                    server_now = server_pss(server)
                    readings.append(Reading(done, idle_pss, idle_uss, server_now, memory, wall))
                    print(
                        f"  {done:>5} turns: heap {memory.js_heap / MB:6.1f} MB, "
                        f"{memory.dom_nodes} nodes, PSS {idle_pss / MB:6.1f} MB idle, "
                        f"{memory.renderer_pss / MB:6.1f} MB after GC, "
                        f"USS {idle_uss / MB:6.1f} MB idle",
                        flush=True,
                    )
                    if snapshots is not None:
                        snapshots.mkdir(parents=True, exist_ok=True)
                        page.heap_snapshot(snapshots / f"growth-{done}.heapsnapshot")
        finally:
            stop_server(server)
    return readings


def print_table(readings: list[Reading]) -> None:
    print()
    print(
        "| turns | JS heap after GC | DOM nodes | listeners | renderer PSS, idle "
        "| renderer PSS after GC | renderer USS, idle | renderer USS after GC | server PSS "
        "| wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in readings:
        m = r.memory
        print(
            f"| {r.turns} | {m.js_heap / MB:.1f} MB | {m.dom_nodes} | {m.listeners} "
            f"| {r.idle_pss / MB:.1f} MB | {m.renderer_pss / MB:.1f} MB "
            f"| {r.idle_uss / MB:.1f} MB | {m.renderer_uss / MB:.1f} MB "
            f"| {r.server_pss / MB:.1f} MB | {r.wall:.0f} |"
        )
    heap = per_thousand(readings, lambda r: r.memory.js_heap)
    idle = per_thousand(readings, lambda r: r.idle_pss)
    pss = per_thousand(readings, lambda r: r.memory.renderer_pss)
    uss = per_thousand(readings, lambda r: r.idle_uss)
    server = per_thousand(readings, lambda r: r.server_pss)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    if heap is None or idle is None or pss is None or uss is None or server is None:
        print(f"(no growth figure: it needs readings at 100 turns and later; load {load})")
        return
    verdict = "met" if max(heap, idle, pss, uss) <= TARGET_MB else "missed"
    print(
        f"growth per 1,000 turns (from turn 100 on): JS heap {heap:+.1f} MB, renderer PSS "
        f"{idle:+.1f} MB idle, {pss:+.1f} MB after GC; renderer USS {uss:+.1f} MB idle; "
        f"server PSS {server:+.1f} MB; "
        f"target {TARGET_MB:.0f} MB (renderer): {verdict} (load {load})"
    )


def main() -> None:
    if os.environ.get("KITDESK_BENCH_WINDOW") == "qt":
        growth_window.main()  # the real Kitdesk window instead of Debian's Chromium
        return
    turns = int(os.environ.get("KITDESK_BENCH_TURNS", "1000"))
    folder = os.environ.get("KITDESK_BENCH_SNAPSHOTS")
    network = os.environ.get("KITDESK_BENCH_NETWORK") == "1"
    if network:
        print("  (DevTools Network domain enabled, as under Playwright)")
    readings = measure(turns, Path(folder) if folder else None, network=network)
    print_table(readings)


if __name__ == "__main__":
    main()
