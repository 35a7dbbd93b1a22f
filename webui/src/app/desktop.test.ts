import { describe, expect, it } from "vitest";
import { COMMAND_EVENT, onDesktopCommand, parseCommand, type DesktopCommand } from "./desktop";

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
