import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { QUIET_MS, collectWhenQuiet, pageCollector } from "./idleGarbage";

describe("collectWhenQuiet", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("collects once, after the last answer has been quiet long enough", () => {
    const collect = vi.fn();
    const quiet = collectWhenQuiet(collect);
    quiet.answerEnded();
    vi.advanceTimersByTime(QUIET_MS - 1);
    quiet.answerEnded(); // another answer ended before the quiet period was over
    vi.advanceTimersByTime(QUIET_MS - 1);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    vi.runAllTimers(); // the idle callback
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it("never collects while an answer streams", () => {
    const collect = vi.fn();
    const quiet = collectWhenQuiet(collect);
    quiet.answerEnded();
    quiet.answerStarted();
    vi.runAllTimers();
    expect(collect).not.toHaveBeenCalled();
  });

  it("waits for another quiet period when the person types while a collection is pending", () => {
    const collect = vi.fn();
    const quiet = collectWhenQuiet(collect);
    quiet.answerEnded();
    vi.advanceTimersByTime(QUIET_MS - 1);
    quiet.personActive();
    vi.advanceTimersByTime(QUIET_MS - 1);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    vi.runAllTimers();
    expect(collect).toHaveBeenCalledTimes(1);
    quiet.personActive(); // nothing pending: activity alone schedules nothing
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does nothing where the page has no gc() (a browser tab)", () => {
    const quiet = collectWhenQuiet(null);
    quiet.answerEnded();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("asks V8 for the memory-reducing collection, which gives emptied heap pages back", () => {
    const gc = vi.fn();
    pageCollector({ gc })?.();
    expect(gc).toHaveBeenCalledWith({ type: "major", execution: "sync", flavor: "last-resort" });
    expect(pageCollector({})).toBeNull();
  });
});
