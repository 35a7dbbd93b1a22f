"""Switching branches as a person sees it: click on ``‹ 2 / 2 ›`` to the new path painted.

Issue 8 names the figure "switching branches in a 5,000-item thread: under
50 ms to the new path painted". The store-side figures in bench_branches do
not include the HTTP round trips, React and the paint, so this part drives
Debian's Chromium against a real ``kitdesk serve`` (started and stopped with
the helpers of tests/browser/conftest.py).

The thread, written through the store API into the served KITDESK_HOME before
the server starts, has 5,000 items and two forks:

- near the start: the first answer was regenerated. Its older version is a
  2-item path; the newer one continues for 4,997 items. Switching rewrites the
  whole path. The switcher is only on screen at the top, so before each click
  from the long path the page is scrolled up to it (older pages load; untimed).
- deep in the thread: the last answer was regenerated; both paths share the
  first 4,997 items (the walk to the root is 5,000 steps).

Each round captures ``performance.now()`` in the page, clicks the button (from
page.evaluate, so no Playwright round trip is timed) and resolves once a
MutationObserver sees the new path's text and the following animation frame
has run (the frame that shows it). Resource Timing splits off the requests.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from kitdesk.store import SQLiteStore
from playwright.sync_api import Page

from tests.browser.conftest import chromium, require_server_parts, start_server, stop_server
from tests.upstream import Upstream

THREAD = "thr_paint"
ITEMS = 5_000
ROUNDS = 20
QUESTION = "Question zero: where do we start?"
SHORT = "Short branch answer."
LONG = "Long branch answer."
DEEP_ONE = "Deep answer one."
DEEP_TWO = "Deep answer two."
DEEP_ANY = "Deep answer"


def _user(index: int, text: str, at: datetime) -> UserMessageItem:
    return UserMessageItem(
        id=f"p{index:05d}",
        thread_id=THREAD,
        created_at=at,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )


def _answer(index: int, text: str, at: datetime) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=f"p{index:05d}",
        thread_id=THREAD,
        created_at=at,
        content=[AssistantMessageContent(text=text)],
    )


async def _build(store: SQLiteStore, items: int) -> None:
    """`items` items: a fork on the first answer and one on the last."""
    context = RequestContext(origin="http://127.0.0.1:1")
    start = datetime.now(UTC) - timedelta(days=1)
    await store.save_thread(
        ThreadMetadata(id=THREAD, title="Branch paint", created_at=start), context
    )

    def at(index: int) -> datetime:
        return start + timedelta(seconds=index)

    await store.add_thread_item(THREAD, _user(0, QUESTION, at(0)), context)
    await store.add_thread_item(THREAD, _answer(1, SHORT, at(1)), context)
    await store.branch_off_after(THREAD, "p00000")
    await store.add_thread_item(THREAD, _answer(2, LONG, at(2)), context)
    last_question = items - 3  # index of the question whose answer was regenerated
    for index in range(3, last_question):
        text = f"Message {index} on the long branch."
        item = _user(index, text, at(index)) if index % 2 else _answer(index, text, at(index))
        await store.add_thread_item(THREAD, item, context)
    question = _user(last_question, "Deep question.", at(last_question))
    await store.add_thread_item(THREAD, question, context)
    await store.add_thread_item(THREAD, _answer(items - 2, DEEP_ONE, at(items - 2)), context)
    await store.branch_off_after(THREAD, question.id)
    await store.add_thread_item(THREAD, _answer(items - 1, DEEP_TWO, at(items - 1)), context)


def seed_forked_thread(home: Path, items: int = ITEMS) -> None:
    """Writes the thread into the data folder of KITDESK_HOME=home (before a server starts)."""
    paths = resolve_paths(home).create()

    async def work() -> None:
        store = SQLiteStore(paths.db_path, paths.attachments_dir)
        try:
            await _build(store, items)
        finally:
            await store.close()

    # Its own thread: a live sync Playwright (the browser tests') holds this one's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work()).result()


# Only the rows on screen are in the DOM (the list is virtualized): markers are
# looked for in the list's text, rows by the text they hold.
OPEN = """async ([threadId, marker]) => {
  const el = document.querySelector('openai-chatkit');
  await el.setThreadId(threadId);
  for (;;) {
    const list = el.shadowRoot.querySelector('.ck-list');
    if (list && list.textContent.includes(marker)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}"""

# Scroll up, as a reader does, until the row with `rowText` and its switcher is on screen,
# and still there two frames later. In the DOM is not enough: when older items are
# prepended the list moves the offset to keep the reader's place, and the rows it
# rendered for the old offset stay in the DOM until its scroll handler has run.
SCROLL_TO_ROW = """async (rowText) => {
  const root = document.querySelector('openai-chatkit').shadowRoot;
  const scroll = root.querySelector('.ck-scroll');
  const started = performance.now();
  const onScreen = () => {
    const row = [...root.querySelectorAll('.ck-row')].find((r) => r.textContent.includes(rowText));
    if (!row || !row.querySelector('.ck-branch button:not([disabled])')) return false;
    const shown = row.getBoundingClientRect();
    const view = scroll.getBoundingClientRect();
    return shown.bottom > view.top && shown.top < view.bottom;
  };
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  for (;;) {
    if (onScreen()) {
      const reached = performance.now() - started;
      await frame();
      await frame();
      if (onScreen()) return reached;
    }
    if (performance.now() - started > 180000) throw new Error('never reached ' + rowText);
    // The reader's wheel first: only their own input unsticks the view from the bottom.
    const wheel = { deltaY: -scroll.clientHeight, bubbles: true, composed: true };
    scroll.dispatchEvent(new WheelEvent('wheel', wheel));
    scroll.scrollTop = 0;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}"""

CLICK_TO_PAINTED = """async ([rowText, step, marker]) => {
  const root = document.querySelector('openai-chatkit').shadowRoot;
  const row = [...root.querySelectorAll('.ck-row')].find((r) => r.textContent.includes(rowText));
  const buttons = row.querySelectorAll('.ck-branch button');
  const button = buttons[step < 0 ? 0 : buttons.length - 1];
  if (!button || button.disabled) throw new Error('no enabled switcher button on ' + rowText);
  const list = () => root.querySelector('.ck-list');
  const shown = () => Boolean(list() && list().textContent.includes(marker));
  if (shown()) throw new Error('already showing ' + marker);
  performance.clearResourceTimings();
  const found = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (shown()) { observer.disconnect(); resolve(); }
    });
    observer.observe(root, {subtree: true, childList: true, characterData: true});
    setTimeout(() => {
      observer.disconnect();
      const rows = [...root.querySelectorAll('.ck-row')].map((r) => r.textContent.slice(0, 40));
      const scroll = root.querySelector('.ck-scroll');
      const where = `scrollTop ${scroll.scrollTop} of ${scroll.scrollHeight}`;
      reject(new Error(`${marker} not shown after 20 s; ${where}; rows: ${rows.join(' | ')}`));
    }, 20000);
  });
  const t0 = performance.now();
  button.click();
  await found;
  const inDom = performance.now() - t0;
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const painted = performance.now() - t0;
  const requests = performance.getEntriesByType('resource').filter((e) => e.startTime >= t0);
  const ends = requests.map((e) => e.responseEnd - t0);
  const switchRequest = requests.find((e) => e.name.includes('/branches'));
  return {
    inDom,
    painted,
    switched: switchRequest ? switchRequest.responseEnd - t0 : 0,
    fetched: ends.length ? Math.max(...ends.filter((end) => end <= inDom), 0) : 0,
    requests: requests.map((e) => new URL(e.name).pathname.split('/').slice(-2).join('/')),
  };
}"""


@dataclass
class Case:
    """One fork's rounds: click to painted, to text in the DOM, and the requests' share."""

    label: str
    painted: list[float] = field(default_factory=list)
    in_dom: list[float] = field(default_factory=list)
    switched: list[float] = field(default_factory=list)
    fetched: list[float] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    load: float = 0.0


def _click(page: Page, case: Case, row_text: str, step: int, marker: str) -> None:
    timing = page.evaluate(CLICK_TO_PAINTED, [row_text, step, marker])
    case.painted.append(timing["painted"])
    case.in_dom.append(timing["inDom"])
    case.switched.append(timing["switched"])
    case.fetched.append(timing["fetched"])
    case.requests = timing["requests"]
    # Let the switch settle (usage reload, focus) before the next click.
    page.wait_for_timeout(150)


def _near_start(page: Page) -> Case:
    case = Case("fork near the start (5,000 <-> 2 items)")
    for round_ in range(ROUNDS):
        if round_ % 2 == 0:  # on the long path: scroll up to the first answer, then go back
            page.evaluate(SCROLL_TO_ROW, LONG)
            _click(page, case, LONG, -1, SHORT)
        else:  # on the 2-item path: forward to the long one, painted at its latest item
            _click(page, case, SHORT, 1, DEEP_ANY)
    case.load = os.getloadavg()[0]
    return case


def _deep(page: Page) -> Case:
    case = Case("fork deep in the thread (item 4,999)")
    for round_ in range(ROUNDS):
        if round_ % 2 == 0:
            _click(page, case, DEEP_TWO, -1, DEEP_ONE)
        else:
            _click(page, case, DEEP_ONE, 1, DEEP_TWO)
    case.load = os.getloadavg()[0]
    return case


def measure() -> list[Case]:
    """Seeds a served home, runs both cases in Chromium, stops everything it started."""
    require_server_parts()
    with tempfile.TemporaryDirectory() as folder, Upstream() as upstream:
        home = Path(folder) / "home"
        seed_forked_thread(home)
        server = start_server(home, {})
        try:
            server.add_upstream_provider(upstream)
            server.api("PUT", "/api/settings", {"updates": "off"})
            with chromium() as browser:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(server.url)
                page.get_by_role("textbox", name="Message", exact=True).wait_for()
                page.evaluate(OPEN, [THREAD, DEEP_TWO])
                cases = [_deep(page)]
                cases.append(_near_start(page))
                context.close()
        finally:
            stop_server(server)
    return cases


def p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]
