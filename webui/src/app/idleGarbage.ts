/**
 * Give the garbage of finished answers back once the chat goes quiet.
 *
 * Every streamed answer leaves megabytes of short-lived DOM and JS objects; V8 and
 * Blink collect them only when their heaps reach the next limit, so an idle window
 * that streamed 60 answers held about 110 MB of garbage (Qt WebEngine renderer:
 * 150 MB anonymous memory before a full collection, 40 MB after). The desktop window
 * starts Chromium with `--js-flags=--expose-gc` (desktop/kitdesk/window/qt_tuning.py),
 * which gives pages a `gc()` function; a browser tab has none and this does nothing.
 * The collection runs once no answer has streamed for `QUIET_MS` and the page is
 * idle; an answer that starts cancels a pending one, so it never runs mid-stream.
 *
 * A plain `gc()` frees the garbage but V8 keeps the emptied heap pages for the
 * next allocations: after 200 answers the Qt renderer still held 147 MB with
 * 7 MB of the heap in use. The memory-reducing collection (`flavor:
 * "last-resort"`, what DevTools' "collect garbage" runs) compacts and gives
 * the pages back: 124 MB, the same as DevTools' collection. A V8 without the
 * options object ignores it and runs a plain full collection.
 *
 * That collection stops the page for 100-450 ms on a busy 2-core machine, so it
 * must not land under a keystroke: while one is pending, anything the person
 * does (typing, clicking, scrolling) starts the quiet period again.
 */

export const QUIET_MS = 2000;

/** The V8 `gc()` options of a full, synchronous, memory-reducing collection. */
export const REDUCING_GC = { type: "major", execution: "sync", flavor: "last-resort" } as const;

type Collect = () => void;
type PageGc = (options?: typeof REDUCING_GC) => void;

export function pageCollector(scope: { gc?: unknown } = globalThis as { gc?: unknown }): Collect | null {
  const gc = scope.gc;
  return typeof gc === "function" ? () => (gc as PageGc)(REDUCING_GC) : null;
}

function whenIdle(run: () => void): void {
  if (typeof requestIdleCallback === "function") requestIdleCallback(run, { timeout: QUIET_MS });
  else run();
}

export interface QuietCollector {
  /** An answer started streaming: no collection until it ends. */
  answerStarted(): void;
  /** An answer ended: collect once the chat has been quiet for `QUIET_MS`. */
  answerEnded(): void;
  /** The person did something: a pending collection waits for another quiet period. */
  personActive(): void;
}

/** The events that count as the person being at the window. */
export const ACTIVITY_EVENTS = ["keydown", "pointerdown", "wheel"] as const;

export function collectWhenQuiet(collect: Collect | null = pageCollector()): QuietCollector {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const schedule = () => {
    if (!collect) return;
    cancel();
    timer = setTimeout(() => {
      timer = null;
      whenIdle(collect);
    }, QUIET_MS);
  };
  return {
    answerStarted: cancel,
    answerEnded: schedule,
    personActive: () => {
      if (timer !== null) schedule();
    },
  };
}
