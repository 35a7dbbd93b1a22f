"""Qt WebEngine against WebKitGTK: the same window, the same machine, the same run.

Issue 9 asks which web view makes the lighter Linux window. This benchmark
launches Kitdesk from the source tree under Xvfb once per backend
(``KITDESK_GUI=qt`` and ``KITDESK_GUI=gtk``) and measures, with probes that do
not depend on the backend (WebKitGTK has no Chrome DevTools port):

- window: process start until the X window "Kitdesk" exists;
- UI asked: process start until the web UI's first question reached the fake
  provider (``GET /v1/models``, sent when the composer mounts and asks which
  models exist): the page has loaded, run its script and rendered the chat;
- idle PSS: summed proportional set size of Kitdesk and every process it
  started, 3 s after that;
- PSS after N turns: N messages typed into the real composer with xdotool and
  answered by the fake provider in one thread (each turn waits until the answer
  is stored in the SQLite file), then the same sum; growth = after - idle.

WebKitGTK repaints nothing after the first frame under Xvfb's software GL
unless its compositing mode is off, so that variant runs with
``WEBKIT_DISABLE_COMPOSITING_MODE=1`` (a desktop with a GPU does not need it).
WebKitGTK is measured only when PyGObject and gir1.2-webkit2-4.1 are present.

    python -m tests.bench backends          (KITDESK_BENCH_TURNS=1000 by default)
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kitdesk.paths import resolve_paths

from tests.bench.bench_launch import _pss_mb
from tests.upstream import Upstream
from tests.window import harness, x11

TURNS = int(os.environ.get("KITDESK_BENCH_TURNS", "1000"))
IDLE_SECONDS = 3.0
TURN_TIMEOUT = 60.0
WIDTH, HEIGHT = 1100, 760
COMPOSER = (680, HEIGHT - 120)  # inside the message box, right of the sidebar


@dataclass
class Measured:
    window: float
    ui_asked: float
    idle_pss: float
    turns: int
    turns_pss: float
    seconds_per_turn: float
    processes: int


def gtk_available() -> bool:
    if importlib.util.find_spec("gi") is None:
        return False
    probe = "import gi; gi.require_version('WebKit2', '4.1'); from gi.repository import WebKit2"
    python = harness.dev_command()[0]
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


def _models_requests(upstream: Upstream) -> int:
    return sum(1 for r in upstream.requests if r.path.endswith("/models"))


def _answers(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            query = "SELECT count(*) FROM items WHERE type = 'assistant_message'"
            row = conn.execute(query).fetchone()
    except sqlite3.Error:
        return 0  # not created or migrated yet
    return int(row[0])


def _xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True)


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.01)


def measure(gui_env: dict[str, str], display: str, upstream: Upstream, root: Path) -> Measured:
    home = Path(tempfile.mkdtemp(dir=root)) / "home"
    db = resolve_paths(home).db_path
    env = harness.base_env(display) | {
        "OPENAI_API_KEY": "bench-key",
        "OPENAI_BASE_URL": upstream.base_url,
        "KITDESK_AUTO_BACKUP": "0",
        **gui_env,
    }
    upstream.reset()
    started = time.perf_counter()
    app = harness.launch(
        harness.dev_command(), home=home, display=display, env=env, log_path=home.parent / "out.log"
    )
    try:
        window = x11.wait_for_window(display, "Kitdesk", timeout=120)
        window_at = time.perf_counter() - started
        _wait(lambda: _models_requests(upstream) > 0, 120, "the UI's first question")
        ui_at = time.perf_counter() - started
        time.sleep(IDLE_SECONDS)
        idle = _pss_mb(app.tree())
        # No window manager under Xvfb: place the window, then click into the
        # composer (focus follows the pointer) before each message.
        with x11.Display(display) as dpy:
            dpy.move_resize(window.window, 0, 0, WIDTH, HEIGHT)
        time.sleep(1.0)
        turns_started = time.perf_counter()
        for turn in range(TURNS):
            _xdotool(display, "mousemove", str(COMPOSER[0]), str(COMPOSER[1]), "click", "1")
            _xdotool(display, "type", "--delay", "0", f"turn {turn}")
            _xdotool(display, "key", "Return")
            _wait(lambda t=turn: _answers(db) > t, TURN_TIMEOUT, f"answer {turn + 1}")
            time.sleep(0.05)  # let the UI leave its streaming state before the next message
        per_turn = (time.perf_counter() - turns_started) / max(TURNS, 1)
        time.sleep(IDLE_SECONDS)
        tree = app.tree()
        after = _pss_mb(tree)
        with x11.Display(display) as dpy:
            dpy.request_close(window.window)
        app.wait(60)
        return Measured(window_at, ui_at, idle, TURNS, after, per_turn, len(tree))
    except Exception as exc:
        raise RuntimeError(f"{exc}\n{app.output()[-1500:]}") from exc
    finally:
        app.kill()
        shutil.rmtree(home.parent, ignore_errors=True)


def main() -> None:
    variants: dict[str, dict[str, str]] = {"Qt WebEngine": {"KITDESK_GUI": "qt"}}
    if gtk_available():
        variants["WebKitGTK"] = {"KITDESK_GUI": "gtk", "WEBKIT_DISABLE_COMPOSITING_MODE": "1"}
    rows: list[tuple[str, ...]] = []
    with Upstream() as upstream, x11.xvfb() as display, tempfile.TemporaryDirectory() as tmp:
        for name, gui_env in variants.items():
            try:
                measure(gui_env, display, upstream, Path(tmp))  # warm the page cache
                m = measure(gui_env, display, upstream, Path(tmp))
            except Exception as exc:  # one broken backend must not hide the other's figures
                rows.append((name, f"FAILED: {type(exc).__name__}: {str(exc)[:300]}", *[""] * 5))
                continue
            rows.append(
                (
                    name,
                    f"{m.window:.2f}",
                    f"{m.ui_asked:.2f}",
                    f"{m.idle_pss:.0f} ({m.processes})",
                    f"{m.turns_pss:.0f}",
                    f"{m.turns_pss - m.idle_pss:+.0f}",
                    f"{m.seconds_per_turn * 1000:.0f}",
                )
            )
    if "WebKitGTK" not in variants:
        rows.append(("WebKitGTK", "not installed (PyGObject + gir1.2-webkit2-4.1)", *[""] * 5))
    header = (
        "backend",
        "window s",
        "UI asked s",
        "idle PSS MB (procs)",
        f"PSS after {TURNS} turns MB",
        "growth MB",
        "ms per turn",
    )
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]
    for line in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print("targets: launch <= 1.0 s; idle PSS <= 350 MB; growth <= 30 MB over 1,000 turns")


if __name__ == "__main__":
    main()
