"""A page of Debian's Chromium driven over a bare DevTools socket, for memory figures.

Playwright enables the DevTools Network domain on every page it drives, and
with it enabled Blink keeps a copy of every response body (its
NetworkResourcesData buffer, up to 100 MB): each streamed answer's SSE body
stays in the renderer, which is what a memory benchmark must not count. This
client speaks the protocol itself and enables only Runtime, HeapProfiler and
Performance, so what it measures is what a window with no DevTools attached
holds.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.sync.client import connect
from websockets.sync.connection import Connection

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-port=0",
    "--window-size=1280,800",
    # As the desktop window does (window/qt_tuning.py): the web UI then runs its own
    # idle collection (webui/src/app/idleGarbage.ts), which the benchmark measures.
    "--js-flags=--expose-gc",
]


@dataclass
class Memory:
    """One reading after a full collection."""

    js_heap: int  # bytes of the V8 heap in use (Runtime.getHeapUsage)
    dom_nodes: int  # Blink's live node count (Performance.getMetrics "Nodes")
    listeners: int  # JS event listeners (Performance.getMetrics)
    renderer_pss: int  # bytes, the proportional set size of the renderer processes
    renderer_uss: int  # bytes, their private memory (no shared library pages)


class DevToolsPage:
    """One page target: send a command and wait for its answer, keeping events asked for."""

    def __init__(self, socket: Connection, browser: psutil.Process) -> None:
        self._socket = socket
        self._browser = browser
        self._ids = itertools.count(1)
        self.chunks: list[str] = []

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 120) -> Any:
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self._socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("method") == "HeapProfiler.addHeapSnapshotChunk":
                self.chunks.append(message["params"]["chunk"])
            if message.get("id") != ident:
                continue
            if "error" in message:
                raise RuntimeError(f"{method}: {message['error']}")
            return message.get("result", {})

    def evaluate(self, expression: str, timeout: float = 120) -> Any:
        """Runs `expression` in the page, awaiting a promise it returns; gives back its value."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def collect_garbage(self) -> None:
        # Several rounds: a collection can free what only the next one can reach
        # (objects kept by finalizers or by weak callbacks of the first).
        for _ in range(3):
            self.send("HeapProfiler.collectGarbage")

    def renderer_memory(self) -> tuple[int, int]:
        """PSS and USS of the renderer processes, in bytes."""
        return renderer_memory(self._browser)

    def memory(self) -> Memory:
        self.collect_garbage()
        used = self.send("Runtime.getHeapUsage")["usedSize"]
        metrics = {m["name"]: m["value"] for m in self.send("Performance.getMetrics")["metrics"]}
        pss, uss = renderer_memory(self._browser)
        return Memory(
            js_heap=int(used),
            dom_nodes=int(metrics.get("Nodes", 0)),
            listeners=int(metrics.get("JSEventListeners", 0)),
            renderer_pss=pss,
            renderer_uss=uss,
        )

    def heap_snapshot(self, path: Path) -> None:
        self.chunks.clear()
        self.send("HeapProfiler.takeHeapSnapshot", {"reportProgress": False}, timeout=600)
        path.write_text("".join(self.chunks))
        self.chunks.clear()


def renderer_memory(browser: psutil.Process) -> tuple[int, int]:
    """PSS and USS summed over the renderer processes.

    PSS shares the pages of Chromium's libraries among every process that maps
    them, so it moves when other Chromium or Qt WebEngine processes on the
    machine start or stop (a Qt renderer's file-backed PSS went 82 -> 47 -> 82 MB
    between readings with its own memory flat). USS counts only private pages.
    """
    pss = uss = 0
    for child in browser.children(recursive=True):
        try:
            if "--type=renderer" in child.cmdline():
                info = child.memory_full_info()
                pss += info.pss
                uss += info.uss
        except psutil.NoSuchProcess:  # a spare renderer may come and go
            continue
    return pss, uss


@contextmanager
def devtools_page(url: str, *, network: bool = False) -> Iterator[DevToolsPage]:
    """Chromium showing `url`, headless, with a bare DevTools connection to its page.

    `network` enables the Network domain as Playwright does (to show what it costs).
    """
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={profile}", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = _devtools_port(Path(profile), process)
            target = _page_target(port)
            with connect(target, max_size=None, open_timeout=30) as socket:
                page = DevToolsPage(socket, psutil.Process(process.pid))
                page.send("Runtime.enable")
                page.send("Performance.enable")
                page.send("HeapProfiler.enable")
                if network:
                    page.send("Network.enable")
                yield page
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Chromium exited with {process.returncode}")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        time.sleep(0.1)
    raise RuntimeError("Chromium did not open its DevTools port")


def _page_target(port: int) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        pages = [t for t in targets if t.get("type") == "page" and "webSocketDebuggerUrl" in t]
        if pages:
            return str(pages[0]["webSocketDebuggerUrl"])
        time.sleep(0.1)
    raise RuntimeError("Chromium has no page target")
