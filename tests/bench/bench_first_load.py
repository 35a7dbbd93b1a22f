"""The web UI's first load: what index.html loads before the first paint, and how long the page
takes to become usable (navigation start -> the composer on screen and enabled) in Debian's
Chromium with its CPU slowed 4x (CDP Emulation.setCPUThrottlingRate), against a real
`kitdesk serve` with a provider set up (the chat screen, not onboarding).

With KITDESK_BENCH_OLD_DIST set to another build's folder (say a copy of webui_dist from main), both
builds are measured in the same run, loads interleaved, and compared. Besides the wall-clock time
(noisy on a shared machine) each load's CPU time in Chromium's renderer processes is measured
(psutil): parsing, compiling and running the scripts, style, layout and paint. Both builds' files
are served by the same Playwright route handler, so neither pays more for being served.

    KITDESK_BENCH_OLD_DIST=/tmp/old_dist python -m tests.bench first_load

Target (issue 9): first load at most 250 KB gzipped.
"""

from __future__ import annotations

import gzip
import mimetypes
import os
import re
import statistics
import tempfile
from pathlib import Path

import psutil
from playwright.sync_api import Page, Route, sync_playwright

from tests.bench.bench_webui import CHROMIUM, CHROMIUM_ARGS, DIST, _configure, _start_server
from tests.upstream import Upstream

ROUNDS = int(os.environ.get("KITDESK_BENCH_ROUNDS", "11"))
THROTTLE = 4

# Records when the composer is first enabled, checked on every frame from navigation on.
WATCH_COMPOSER = """
(() => {
  const check = () => {
    const root = document.querySelector('openai-chatkit')?.shadowRoot;
    const box = root?.querySelector('textarea.ck-input');
    if (box && !box.disabled && box.getClientRects().length > 0) {
      window.__interactive = performance.now();
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""

STATIC_IMPORT = re.compile(
    r"""(?:\bimport\s*(?:[\w*{}\s,$]+from\s*)?|\bexport\s*(?:\*|\{[^}]*\})\s*from\s*)["'](\./[^"']+\.js)["']"""
)


def first_load(dist: Path) -> list[tuple[str, int, int]]:
    """index.html's scripts, preloads and stylesheets with their static imports.

    Each as (name, raw bytes, gzipped bytes).
    """
    html = (dist / "index.html").read_text()
    todo = re.findall(r'(?:src|href)="\./(assets/[^"]+\.(?:js|css))"', html)
    seen: dict[str, bytes] = {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        data = (dist / name).read_bytes()
        seen[name] = data
        if name.endswith(".js"):
            todo += ["assets/" + m[2:] for m in STATIC_IMPORT.findall(data.decode())]
    return [(n, len(d), len(gzip.compress(d, compresslevel=9))) for n, d in sorted(seen.items())]


def _serve_from(page: Page, base: str, dist: Path) -> None:
    """The page's own files come from `dist`; the API still goes to the server."""

    def handle(route: Route) -> None:
        path = route.request.url[len(base) :].split("?")[0]
        file = dist / ("index.html" if path in ("", "/", "/index.html") else path.lstrip("/"))
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=file.read_bytes(), headers={"content-type": kind})

    page.unroute("**/*")
    page.route(re.compile(re.escape(base) + r"/(?:index\.html)?(?:\?.*)?$"), handle)
    page.route(re.compile(re.escape(base) + r"/assets/.*"), handle)


def _renderer_cpu() -> float:
    """CPU seconds used so far by this process's Chromium renderers (the page's main thread and
    its helpers)."""
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            if "--type=renderer" in " ".join(child.cmdline()):
                times = child.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _load(page: Page, base: str) -> tuple[float, float]:
    """Navigation start -> composer enabled (ms), and the renderers' CPU for it (ms)."""
    cpu = _renderer_cpu()
    page.goto(base + "/")
    page.wait_for_function("window.__interactive !== undefined", timeout=60_000)
    return page.evaluate("window.__interactive"), (_renderer_cpu() - cpu) * 1000


def main() -> None:
    builds = {"this build": DIST}
    old = os.environ.get("KITDESK_BENCH_OLD_DIST")
    if old:
        builds = {"old build": Path(old), **builds}
    times: dict[str, list[float]] = {name: [] for name in builds}
    cpus: dict[str, list[float]] = {name: [] for name in builds}
    with tempfile.TemporaryDirectory() as tmp, Upstream() as upstream:
        proc, url = _start_server(Path(tmp) / "home")
        base = url.split("/?token=")[0]
        try:
            _configure(url, upstream)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.goto(url)  # trades the token for the session cookie
                page.add_init_script(WATCH_COMPOSER)
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
                for dist in builds.values():  # one unmeasured load each: warm disk cache
                    _serve_from(page, base, dist)
                    _load(page, base)
                for _ in range(ROUNDS):
                    for name, dist in builds.items():
                        _serve_from(page, base, dist)
                        wall, cpu = _load(page, base)
                        times[name].append(wall)
                        cpus[name].append(cpu)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)

    print(f"CPU slowed {THROTTLE}x; load average {os.getloadavg()[0]:.1f}")
    head = f"{'build':<14}{'first load raw':>16}{'gzipped':>10}{'files':>7}"
    print(f"{head}{'to composer (median)':>23}{'min-max':>14}{'renderer CPU':>14}")
    for name, dist in builds.items():
        files = first_load(dist)
        raw = sum(f[1] for f in files) / 1024
        packed = sum(f[2] for f in files) / 1024
        ms = times[name]
        spread = f"{min(ms):.0f}-{max(ms):.0f}"
        print(
            f"{name:<14}{raw:>13.1f} KB{packed:>7.1f} KB{len(files):>7}"
            f"{statistics.median(ms):>20.0f} ms{spread:>14}"
            f"{statistics.median(cpus[name]):>11.0f} ms"
        )
    print(f"medians of {ROUNDS}; first-load target: <= 250 KB gzipped")


if __name__ == "__main__":
    main()
