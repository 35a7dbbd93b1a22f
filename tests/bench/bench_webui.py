"""The web UI in Debian's Chromium, against a real `kitdesk serve` and the fake upstream.

- Open a 5,000-item thread (seeded through the store): time from
  `setThreadId()` to the latest message in the DOM and painted (the frame after
  it). Baseline in the same run: a 20-item thread. Also from navigation start
  when the page opens on that thread. Target: at most 150 ms.
- Stream 2,000 tokens at 200 tokens/s: the longest main-thread task
  (PerformanceObserver "longtask", which reports tasks over 50 ms) and the
  longest gap between animation frames. Baseline: the same page idle for 2 s.
  Target: no task of 50 ms or more.
- The same stream with maths and a Mermaid diagram in every repetition
  (KaTeX and Mermaid load on demand during it): the same measures, plus
  the tasks in the 2 s after the end, when diagrams are drawn.
- JS and CSS the page loads, gzipped (level 9, what a server would send).
  Target: at most 250 KB.

    python -m tests.bench webui
"""

from __future__ import annotations

import asyncio
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from kitdesk.chat.context import RequestContext
from kitdesk.paths import resolve_paths
from kitdesk.store.sqlite import SQLiteStore
from playwright.sync_api import Page, sync_playwright

from tests.upstream import Turn, Upstream

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "desktop" / "kitdesk" / "webui_dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BIG = 5_000
SMALL = 20
OPENS = 7
TOKENS = 2_000
TOKENS_PER_SECOND = 200

ANSWER = (
    "Here is a **worked answer** with `inline code`, a list and a table.\n\n"
    "- first point about the question\n- second point, with *emphasis*\n\n"
    "```python\ndef total(values):\n    return sum(v * 2 for v in values)\n```\n\n"
    "| name | value |\n|---|---|\n| alpha | 1 |\n| beta | 2 |\n\n"
)


RICH_ANSWER = (
    "Euler's identity $e^{i\\pi} + 1 = 0$ and \\(a^2 + b^2 = c^2\\) cost $5 and $10 to print.\n\n"
    "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n"
    "```mermaid\ngraph LR\n  Ask --> Think\n  Think --> Answer\n```\n\n"
)


def _last_marker(count: int) -> str:
    return f"Answer number {count // 2 - 1}."


async def _seed_thread(store: SQLiteStore, thread_id: str, items: int) -> None:
    context = RequestContext(origin="http://127.0.0.1")
    start = datetime.now(UTC) - timedelta(days=1)
    await store.save_thread(
        ThreadMetadata(id=thread_id, title=f"{items} items", created_at=start), context
    )
    for n in range(items // 2):
        at = start + timedelta(seconds=2 * n)
        await store.add_thread_item(
            thread_id,
            UserMessageItem(
                id=f"{thread_id}-u{n}",
                thread_id=thread_id,
                created_at=at,
                content=[UserMessageTextContent(text=f"Question number {n}: explain it again.")],
                inference_options=InferenceOptions(),
            ),
            context,
        )
        await store.add_thread_item(
            thread_id,
            AssistantMessageItem(
                id=f"{thread_id}-a{n}",
                thread_id=thread_id,
                created_at=at + timedelta(seconds=1),
                content=[AssistantMessageContent(text=f"{ANSWER}Answer number {n}.")],
            ),
            context,
        )


def _seed(home: Path) -> None:
    paths = resolve_paths(home).create()
    store = SQLiteStore(paths.db_path, paths.attachments_dir)

    async def work() -> None:
        await _seed_thread(store, "thr_small", SMALL)
        await _seed_thread(store, "thr_big", BIG)
        await store.close()

    asyncio.run(work())


def _start_server(home: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    env["KITDESK_HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "kitdesk", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("http://127.0.0.1:") and "token=" in line:
            return proc, line.strip()
    proc.wait(10)
    raise RuntimeError("kitdesk serve did not print its URL")


def _configure(url: str, upstream: Upstream) -> None:
    base, token = url.split("/?token=")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        # The app finishes loading in the background; wait for it before measuring anything.
        client.get("/api/health").raise_for_status()
        reply = client.post(
            "/api/providers",
            json={"kind": "custom", "name": "Bench upstream", "base_url": upstream.base_url},
        )
        reply.raise_for_status()
        provider_id = reply.json()["id"]
        client.put(
            "/api/settings", json={"default_model": f"{provider_id}::gpt-test"}
        ).raise_for_status()


OPEN_THREAD = """async ([threadId, marker]) => {
  const el = document.querySelector('openai-chatkit');
  const root = el.shadowRoot;
  const shown = () => {
    const answers = root.querySelectorAll('.ck-assistant');
    const last = answers[answers.length - 1];
    return Boolean(last && last.textContent.includes(marker));
  };
  const t0 = performance.now();
  const found = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (shown()) { observer.disconnect(); resolve(); }
    });
    observer.observe(root, {subtree: true, childList: true, characterData: true});
  });
  await el.setThreadId(threadId);
  if (!shown()) await found;
  const inDom = performance.now() - t0;
  // The frame that shows it: after the next animation frame has run and painted.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return {inDom, painted: performance.now() - t0};
}"""

LEAVE_THREAD = """async () => {
  const el = document.querySelector('openai-chatkit');
  await el.setThreadId(null);
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)));
}"""

PAINTED_SINCE_NAVIGATION = """async (marker) => {
  for (;;) {
    const root = document.querySelector('openai-chatkit')?.shadowRoot;
    const answers = root ? root.querySelectorAll('.ck-assistant') : [];
    const last = answers[answers.length - 1];
    if (last && last.textContent.includes(marker)) break;
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now();
}"""

MONITOR = """
window.__longtasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__longtasks.push({start: entry.startTime, duration: entry.duration});
  }
}).observe({type: 'longtask', buffered: true});
window.__frames = {on: false, gaps: [], last: 0};
window.__watchFrames = (on) => {
  const f = window.__frames;
  f.on = on;
  if (!on) return;
  f.gaps = [];
  f.last = performance.now();
  const loop = (t) => {
    if (!f.on) return;
    f.gaps.push(t - f.last);
    f.last = t;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
};
"""


def _wait_for_app(page: Page) -> None:
    page.get_by_role("textbox", name="Message", exact=True).wait_for()


def _bench_open(page: Page, url: str) -> dict[str, list[float]]:
    page.goto(url)
    _wait_for_app(page)
    results: dict[str, list[float]] = {"small": [], "big": [], "big_dom": []}
    for _ in range(OPENS):
        for thread_id, count, key in (("thr_small", SMALL, "small"), ("thr_big", BIG, "big")):
            page.evaluate(LEAVE_THREAD)
            timing = page.evaluate(OPEN_THREAD, [thread_id, _last_marker(count)])
            results[key].append(timing["painted"])
            if key == "big":
                results["big_dom"].append(timing["inDom"])
    return results


def _bench_load(page: Page, url: str) -> list[float]:
    page.add_init_script("localStorage.setItem('kitdesk.lastThread', 'thr_big')")
    times = []
    for _ in range(OPENS):
        page.goto(url)
        times.append(page.evaluate(PAINTED_SINCE_NAVIGATION, _last_marker(BIG)))
    return times


def _frame_stats(page: Page, since: float) -> tuple[float, list[str], float]:
    """Longest task, each task over 50 ms as "<duration> ms at <seconds> s", longest frame gap."""
    tasks = [t for t in page.evaluate("window.__longtasks") if t["start"] >= since]
    longest_task = max((t["duration"] for t in tasks), default=0.0)
    where = [f"{t['duration']:.0f} ms at {(t['start'] - since) / 1000:.1f} s" for t in tasks]
    gaps = page.evaluate("window.__frames.gaps")
    return longest_task, where, max(gaps, default=0.0)


def _stream_tokens(answer: str = ANSWER) -> list[str]:
    words = (answer + "Then more plain words follow to fill the answer with text. ").split(" ")
    tokens = [w + " " for w in words]
    while len(tokens) < TOKENS:
        tokens.extend(tokens[: TOKENS - len(tokens)])
    return tokens[:TOKENS]


def _bench_stream(page: Page, url: str, upstream: Upstream, answer: str = ANSWER) -> dict[str, Any]:
    page.add_init_script(MONITOR)
    page.goto(url)
    _wait_for_app(page)
    page.evaluate(LEAVE_THREAD)

    # Baseline: the same page doing nothing for 2 s.
    start = page.evaluate("performance.now()")
    page.evaluate("window.__watchFrames(true)")
    page.wait_for_timeout(2000)
    page.evaluate("window.__watchFrames(false)")
    idle = _frame_stats(page, start)

    tokens = _stream_tokens(answer)
    upstream.script(Turn(chunks=tokens, delay_between=1 / TOKENS_PER_SECOND))
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill("Write a long answer")
    start = page.evaluate("performance.now()")
    page.evaluate("window.__watchFrames(true)")
    box.press("Enter")
    page.get_by_role("button", name="Stop generating").wait_for()
    page.get_by_role("button", name="Stop generating").wait_for(state="detached", timeout=120_000)
    elapsed = (page.evaluate("performance.now()") - start) / 1000
    page.evaluate("window.__watchFrames(false)")
    streaming = _frame_stats(page, start)
    # The 2 s after the end: diagrams are drawn once the answer is complete.
    end = page.evaluate("performance.now()")
    page.evaluate("window.__watchFrames(true)")
    page.wait_for_timeout(2000)
    page.evaluate("window.__watchFrames(false)")
    after = _frame_stats(page, end)
    shown = page.locator("openai-chatkit .ck-assistant").last.inner_text()
    return {
        "idle": idle,
        "stream": streaming,
        "after": after,
        "seconds": elapsed,
        "complete": "fill the" in shown,
    }


def _shipped(page: Page, url: str) -> list[tuple[str, int, int]]:
    page.goto(url)
    _wait_for_app(page)
    names = page.evaluate(
        "performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)"
    )
    files = []
    for name in sorted(set(names)):
        if not name.endswith((".js", ".css")):
            continue
        # The server serves the files under its launch prefix (/k/<secret>/assets/...).
        relative = name[name.index("/assets/") + 1 :] if "/assets/" in name else name.lstrip("/")
        data = (DIST / relative).read_bytes()
        files.append((name, len(data), len(gzip.compress(data, compresslevel=9))))
    return files


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):>8.0f}ms"


def main() -> None:
    if not (DIST / "index.html").exists():
        raise RuntimeError("the web UI is not built (make webui)")
    with tempfile.TemporaryDirectory() as tmp, Upstream() as upstream:
        home = Path(tmp) / "home"
        _seed(home)
        proc, url = _start_server(home)
        try:
            _configure(url, upstream)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                opened = _bench_open(context.new_page(), url)
                loaded = _bench_load(context.new_page(), url)
                streamed = _bench_stream(context.new_page(), url, upstream)
                rich = _bench_stream(context.new_page(), url, upstream, RICH_ANSWER)
                shipped = _shipped(browser.new_page(), url)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)

    print(f"{'measure (median of ' + str(OPENS) + ')':<50}{'value':>10}{'target':>12}")
    print(f"{f'open {SMALL}-item thread, latest painted (baseline)':<50}{_ms(opened['small'])}")
    print(f"{f'open {BIG:,}-item thread, latest in DOM':<50}{_ms(opened['big_dom'])}")
    print(f"{f'open {BIG:,}-item thread, latest painted':<50}{_ms(opened['big'])}{'<= 150ms':>12}")
    print(f"{'  worst of ' + str(OPENS):<50}{max(opened['big']):>8.0f}ms")
    print(f"{'page load on it, navigation to latest painted':<50}{_ms(loaded)}")
    idle_task, _, idle_gap = streamed["idle"]
    task, where, gap = streamed["stream"]
    label = f"stream {TOKENS:,} tokens at {TOKENS_PER_SECOND}/s"
    print(f"{label + ': took':<50}{streamed['seconds']:>9.1f}s")
    print(f"{'  complete answer shown':<50}{'yes' if streamed['complete'] else 'NO':>10}")
    print(f"{'  tasks over 50 ms':<50}{len(where):>10}")
    for task_at in where:
        print(f"{'    ' + task_at:<50}")
    print(f"{'  longest main-thread task':<50}{task:>8.0f}ms{'< 50ms':>12}")
    print(f"{'  longest gap between frames':<50}{gap:>8.0f}ms")
    print(
        f"{'idle 2 s (baseline): longest task / frame gap':<50}{idle_task:>5.0f}/{idle_gap:.0f}ms"
    )
    task, where, gap = rich["stream"]
    print(f"{'the same with maths and a diagram: took':<50}{rich['seconds']:>9.1f}s")
    print(f"{'  tasks over 50 ms':<50}{len(where):>10}")
    for task_at in where:
        print(f"{'    ' + task_at:<50}")
    print(f"{'  longest main-thread task':<50}{task:>8.0f}ms{'< 50ms':>12}")
    print(f"{'  longest gap between frames':<50}{gap:>8.0f}ms")
    after_task, after_where, _ = rich["after"]
    print(f"{'  2 s after the end (diagrams drawn): longest':<50}{after_task:>8.0f}ms")
    for task_at in after_where:
        print(f"{'    ' + task_at:<50}")
    raw = sum(f[1] for f in shipped)
    packed = sum(f[2] for f in shipped)
    for name, size, gz in shipped:
        print(f"{'  ' + name:<50}{gz / 1024:>8.1f}KB  ({size / 1024:.0f} KB raw)")
    print(f"{'JS + CSS shipped, gzipped':<50}{packed / 1024:>8.1f}KB{'<= 250KB':>12}")
    print(f"{'JS + CSS shipped, raw':<50}{raw / 1024:>8.1f}KB")


if __name__ == "__main__":
    main()
