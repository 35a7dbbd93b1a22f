"""Runs Kitdesk's benchmarks and prints one table per benchmark.

    python -m tests.bench                 all of them
    python -m tests.bench store relay     some of them (names: BENCHMARKS below)

Each benchmark measures its own baseline in the same run (direct upstream vs
through Kitdesk, small vs large store), so figures are ratios on this machine.
"""

from __future__ import annotations

import importlib
import platform
import sys
import time

BENCHMARKS = {
    "store": "tests.bench.bench_store",
    "relay": "tests.bench.bench_relay",
    "serve": "tests.bench.bench_serve",
    "first_turn": "tests.bench.bench_first_turn",
    "webui": "tests.bench.bench_webui",
    "first_load": "tests.bench.bench_first_load",
    "launch": "tests.bench.bench_launch",
    "import": "tests.bench.bench_import",
    "branches": "tests.bench.bench_branches",
    "organise": "tests.bench.bench_organise",
    "backup": "tests.bench.bench_backup",
    "chatkit": "tests.bench.bench_chatkit_proxy",
    "mcp": "tests.bench.bench_mcp",
    "backends": "tests.bench.bench_backends",
    "growth": "tests.bench.bench_growth",
    "history": "tests.bench.bench_history",
}


def machine() -> str:
    import os

    python = platform.python_version()
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {python}"


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    print(f"Kitdesk benchmarks on {machine()}")
    failed = []
    for name in chosen:
        started = time.perf_counter()
        print(f"\n== {name} ==", flush=True)
        try:
            module = importlib.import_module(BENCHMARKS[name])
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others
            failed.append(name)
            print(f"{name}: FAILED: {type(exc).__name__}: {exc}")
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
