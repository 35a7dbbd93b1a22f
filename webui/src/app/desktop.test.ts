import { describe, expect, it } from "vitest";
import { openThreadInNewWindow, threadAddress, threadOfFragment } from "../chatkit/state/newWindow";
import { COMMAND_EVENT, onDesktopCommand, parseCommand, takeThreadFromLocation, type DesktopCommand } from "./desktop";

describe("desktop commands", () => {
  it("accepts exactly the two commands the window sends", () => {
    expect(parseCommand({ action: "newChat" })).toEqual({ action: "newChat" });
    expect(parseCommand({ action: "openThread", threadId: "thr_1" })).toEqual({ action: "openThread", threadId: "thr_1" });
    expect(parseCommand({ action: "openThread", threadId: "" })).toBeNull();
    expect(parseCommand({ action: "openThread", threadId: 5 })).toBeNull();
    expect(parseCommand({ action: "deleteEverything" })).toBeNull();
    expect(parseCommand("newChat")).toBeNull();
    expect(parseCommand(null)).toBeNull();
  });

  it("hands dispatched events to the listener until it stops listening", () => {
    const seen: DesktopCommand[] = [];
    const stop = onDesktopCommand((command) => seen.push(command));
    window.dispatchEvent(new CustomEvent(COMMAND_EVENT, { detail: { action: "openThread", threadId: "thr_9" } }));
    window.dispatchEvent(new CustomEvent(COMMAND_EVENT, { detail: { action: "nope" } }));
    stop();
    window.dispatchEvent(new CustomEvent(COMMAND_EVENT, { detail: { action: "newChat" } }));
    expect(seen).toEqual([{ action: "openThread", threadId: "thr_9" }]);
  });
});

describe("a page opened on one chat", () => {
  it("starts on the thread of #thread=<id> and drops the fragment", () => {
    history.replaceState(null, "", `/k/secret/?x=1${threadAddress("thr a/1")}`);
    expect(takeThreadFromLocation()).toBe("thr a/1");
    expect(window.location.pathname + window.location.search + window.location.hash).toBe("/k/secret/?x=1");
    expect(takeThreadFromLocation()).toBeNull();
  });

  it("ignores other fragments and malformed ones", () => {
    expect(threadOfFragment("#quick")).toBeNull();
    expect(threadOfFragment("#thread=")).toBeNull();
    expect(threadOfFragment("#thread=%E0%A4%A")).toBeNull();
    expect(threadOfFragment(`#thread=${"x".repeat(201)}`)).toBeNull();
    expect(threadOfFragment("#thread=thr_1")).toBe("thr_1");
  });

  it("opens through the desktop bridge when there is one, else a new tab at a relative address", () => {
    const opened: unknown[][] = [];
    const realOpen = window.open;
    window.open = ((...args: unknown[]) => {
      opened.push(args);
      return null;
    }) as typeof window.open;
    try {
      openThreadInNewWindow("thr_7");
      expect(opened).toEqual([["#thread=thr_7", "_blank", "noopener"]]);
      const asked: unknown[] = [];
      (window as unknown as { pywebview: unknown }).pywebview = {
        api: { new_window: (threadId: unknown) => (asked.push(threadId), Promise.resolve(true)) },
      };
      openThreadInNewWindow("thr_8");
      expect(asked).toEqual(["thr_8"]);
      expect(opened).toHaveLength(1);
    } finally {
      window.open = realOpen;
      delete (window as unknown as { pywebview?: unknown }).pywebview;
    }
  });
});
