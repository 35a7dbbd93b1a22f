"""Launch benchmark: the real window under Xvfb, from the source tree and the frozen bundle.

For each variant: one cold-ish launch to warm the page cache, then RUNS warm
launches, each measuring
- window: process start until the X window "Kitdesk" exists;
- interactive: process start until the composer is on screen and enabled;
- CPU to interactive: user + system CPU seconds the process tree used until
  then (wall times on a busy 2-core machine mostly measure the other load);
- idle PSS: summed proportional set size of Kitdesk and every process it
  started (Qt WebEngine's zygote, GPU and renderer processes), 3 s after the UI
  became interactive; and the same counted as if the tree ran alone
  (tree_memory.py: /proc's PSS drops when another Qt window on the machine
  shares the library pages), with its split per process kind;
- idle CPU: the share of one core the whole tree uses over the next 5 s, with
  the window open and nothing happening (a chat app should not drain a laptop);
- close: WM_DELETE_WINDOW sent until the process has exited.
Plus the size of the Linux bundle in build/dist/kitdesk when it was built.

The baseline measured in the same run is the floor (launch_floor.py): a bare
pywebview window on Qt WebEngine with Kitdesk's Qt flags and a page holding only
a textarea, measured the same way. What Kitdesk adds to launch time and memory is
the difference; the toolkit's own share moves with the machine.

Targets (issue 4): interactive <= 1.0 s warm; idle PSS <= 350 MB; bundle <= 400 MB.

    python -m tests.bench launch
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.bench.tree_memory import tree_pss
from tests.upstream import Upstream
from tests.window import harness, x11

RUNS = 5
IDLE_SECONDS = 3.0
IDLE_CPU_SECONDS = 5.0
BUNDLE = harness.REPO / "build" / "dist" / "kitdesk"


@dataclass
class Launch:
    window: float
    interactive: float
    cpu: float
    pss_mb: float
    alone_mb: float | None  # tree_memory.tree_pss; None without root
    by_kind: dict[str, float]  # alone MB (or PSS without root) per process kind
    idle_cpu_percent: float
    processes: int
    close: float


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    """User + system CPU time used so far: a figure other load on the machine barely moves."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _pss_mb(processes: list[psutil.Process]) -> float:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss
    return total / 1e6


def _kind(process: psutil.Process) -> str:
    """``kitdesk``, or Chromium's process type (zygote, renderer, gpu-process, utility)."""
    command = process.cmdline()
    for arg in command:
        if arg.startswith("--type="):
            return arg.removeprefix("--type=")
    return "kitdesk"


def _by_kind(tree: list[psutil.Process], mb: dict[int, float]) -> dict[str, float]:
    kinds: dict[str, float] = {}
    for process in tree:
        with contextlib.suppress(psutil.Error):
            name = _kind(process)
            kinds[name] = kinds.get(name, 0.0) + mb.get(process.pid, 0.0)
    return kinds


def measure_once(
    command: list[str],
    display: str,
    upstream: Upstream,
    root: Path,
    extra_env: dict[str, str] | None = None,
) -> Launch:
    home = Path(tempfile.mkdtemp(dir=root))
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "bench-key",
        "OPENAI_BASE_URL": upstream.base_url,
        **(extra_env or {}),
    }
    started = time.perf_counter()
    app = harness.launch(
        command, home=home / "home", display=display, env=env, log_path=home / "out.log"
    )
    try:
        try:
            window = x11.wait_for_window(display, "Kitdesk", timeout=120)
        except TimeoutError as exc:
            with x11.Display(display) as dpy:
                shown = dpy.stacking()
            logs = "".join(f"\n--- {p.name}:\n{p.read_text()[-2000:]}" for p in home.rglob("*.log"))
            processes = [" ".join(p.cmdline()[:3]) for p in app.tree()]
            raise TimeoutError(f"{exc}; windows {shown}; processes {processes}{logs}") from None
        window_at = time.perf_counter() - started
        page = harness.attach(app, timeout=120)
        harness.wait_interactive(page, timeout=120)
        interactive_at = time.perf_counter() - started
        cpu = _cpu_seconds(app.tree())
        page.close()
        time.sleep(IDLE_SECONDS)
        tree = app.tree()
        pss = _pss_mb(tree)
        alone = tree_pss([p.pid for p in tree])
        per_process = alone or {p.pid: _pss_mb([p]) for p in tree}
        by_kind = _by_kind(tree, per_process)
        before = _cpu_seconds(tree)
        time.sleep(IDLE_CPU_SECONDS)
        idle_cpu = (_cpu_seconds(tree) - before) / IDLE_CPU_SECONDS * 100
        closing = time.perf_counter()
        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        code = app.wait(60)
        closed_in = time.perf_counter() - closing
        if code != 0:
            raise RuntimeError(f"kitdesk exited with {code}:\n{app.output()[-2000:]}")
        return Launch(
            window_at,
            interactive_at,
            cpu,
            pss,
            None if alone is None else sum(alone.values()),
            by_kind,
            idle_cpu,
            len(tree),
            closed_in,
        )
    finally:
        app.kill()
        shutil.rmtree(home, ignore_errors=True)


def _alone(runs: list[Launch]) -> str:
    alone = [r.alone_mb for r in runs if r.alone_mb is not None]
    return f"{statistics.median(alone):.0f}" if alone else "n/a (not root)"


def bundle_size() -> int | None:
    if not (BUNDLE / "kitdesk").is_file():
        return None
    return sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())


FLOOR = "floor: bare pywebview + Qt, same flags"


@dataclass
class Variant:
    command: list[str]
    env: dict[str, str]
    first: Launch | None = None
    runs: list[Launch] | None = None
    failure: str | None = None


def _variants() -> dict[str, Variant]:
    variants = {
        # The last word names the process for harness.App.kitdesk(), which finds it by "kitdesk".
        FLOOR: Variant(
            [sys.executable, str(Path(__file__).with_name("launch_floor.py")), "kitdesk-floor"], {}
        ),
        "source (python -m kitdesk)": Variant(harness.dev_command(), {}),
    }
    # Another checkout's source, for an A/B in one run: KITDESK_BENCH_LAUNCH_OTHER=/path/to/tree
    other = os.environ.get("KITDESK_BENCH_LAUNCH_OTHER")
    if other:
        variants[f"source at {other}"] = Variant(
            harness.dev_command(), {"PYTHONPATH": str(Path(other) / "desktop")}
        )
    if (BUNDLE / "kitdesk").is_file():
        variants["bundle (build/dist/kitdesk)"] = Variant([str(BUNDLE / "kitdesk")], {})
    return variants


def main() -> None:
    variants = _variants()
    with (
        Upstream() as upstream,
        x11.xvfb() as display,
        tempfile.TemporaryDirectory() as tmp,
    ):
        # Rounds, each variant once per round: this VM's speed drifts by 2x within
        # minutes, so a variant is compared with the floor measured next to it.
        for round_number in range(RUNS + 1):
            for variant in variants.values():
                if variant.failure is not None:
                    continue
                try:
                    launch = measure_once(
                        variant.command, display, upstream, Path(tmp), variant.env
                    )
                except Exception as exc:  # one broken variant must not hide the other's figures
                    variant.failure = f"FAILED: {type(exc).__name__}: {str(exc)[:80]}"
                    print(f"{variant.command}: {type(exc).__name__}: {exc}", flush=True)
                    continue
                if round_number == 0:
                    variant.first = launch
                else:
                    variant.runs = [*(variant.runs or []), launch]
    rows: list[tuple[str, ...]] = []
    for name, variant in variants.items():
        runs, first = variant.runs, variant.first
        if variant.failure is not None or not runs or first is None:
            rows.append((name, variant.failure or "FAILED", "", "", "", "", "", "", ""))
            continue
        rows.append(
            (
                name,
                f"{first.interactive:.2f}",
                f"{statistics.median(r.window for r in runs):.2f}",
                f"{statistics.median(r.interactive for r in runs):.2f}",
                f"{statistics.median(r.cpu for r in runs):.2f}",
                f"{statistics.median(r.pss_mb for r in runs):.0f} ({runs[-1].processes})",
                _alone(runs),
                f"{statistics.median(r.idle_cpu_percent for r in runs):.1f}",
                f"{max(r.close for r in runs):.2f}",
            )
        )
    header = (
        "variant",
        "first launch s",
        f"window s (median of {RUNS})",
        "interactive s",
        "CPU s to interactive",
        "idle PSS MB (procs)",
        "alone MB",
        "idle CPU %",
        "close->exit s (max)",
    )
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    for line in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    size = bundle_size()
    print(
        f"\nLinux bundle size: {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB)"
        if size is not None
        else "\nLinux bundle size: not built (make bundle)"
    )
    for name, variant in variants.items():
        if not variant.runs:
            continue
        median_run = sorted(variant.runs, key=lambda r: r.alone_mb or r.pss_mb)[
            len(variant.runs) // 2
        ]
        print(
            f"{name}, per process (median run): "
            + ", ".join(
                f"{kind} {mb:.0f} MB"
                for kind, mb in sorted(median_run.by_kind.items(), key=lambda i: -i[1])
            )
        )
    for name, variant in variants.items():
        if variant.runs:
            rounds = " ".join(f"{r.interactive:.2f}" for r in variant.runs)
            print(f"{name}, interactive s by round: {rounds}")
    floor = variants[FLOOR].runs
    for name, variant in variants.items():
        if name == FLOOR or not variant.runs or not floor:
            continue
        pairs = list(zip(variant.runs, floor, strict=False))
        print(
            f"{name} over the floor, paired by round: interactive "
            f"{statistics.median(a.interactive - b.interactive for a, b in pairs):+.2f} s "
            f"(CPU to interactive {statistics.median(a.cpu - b.cpu for a, b in pairs):+.2f} s), "
            f"idle PSS {statistics.median(a.pss_mb - b.pss_mb for a, b in pairs):+.0f} MB"
        )
    print("targets: interactive <= 1.0 s warm, idle PSS <= 350 MB, bundle <= 400 MB")


if __name__ == "__main__":
    main()
