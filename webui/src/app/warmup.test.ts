import { afterEach, describe, expect, it, vi } from "vitest";
import { resetWarmup, warmOnLog, warmTurnEngine } from "./warmup";

describe("warming the turn engine", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    resetWarmup();
  });

  /** Records each request; answers with `reply` (a refusal when it throws). */
  function recordFetch(reply: () => Response) {
    const sent: { url: string; method: string }[] = [];
    vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push({ url: String(input), method: init?.method ?? "GET" });
      try {
        return Promise.resolve(reply());
      } catch (error) {
        return Promise.reject(error);
      }
    });
    return sent;
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it("asks once per page, on the logs that mean a turn is near", async () => {
    const sent = recordFetch(() => Response.json({ engine: "loading", started: true }));
    warmOnLog("composer.model");
    warmOnLog("link.open");
    expect(sent).toEqual([]);
    warmOnLog("composer.draft");
    warmOnLog("composer.draft");
    warmOnLog("composer.dictation.start");
    warmTurnEngine();
    await settle();
    expect(sent).toEqual([{ url: "api/chat/warm", method: "POST" }]);
  });

  it("asks again on the next trigger after a failed ask, and shows nothing", async () => {
    let fail = true;
    const sent = recordFetch(() => {
      if (fail) throw new TypeError("Failed to fetch");
      return Response.json({ engine: "ready", started: false });
    });
    warmTurnEngine();
    await settle();
    fail = false;
    warmTurnEngine();
    await settle();
    warmTurnEngine();
    await settle();
    expect(sent.map((request) => request.url)).toEqual(["api/chat/warm", "api/chat/warm"]);
  });

  it("asks again after the server refused (a 503 while the chat service failed)", async () => {
    let status = 503;
    const sent = recordFetch(() =>
      Response.json({ error: { code: "not_started", message: "no" } }, { status }),
    );
    warmTurnEngine();
    await settle();
    status = 200;
    warmTurnEngine();
    await settle();
    warmTurnEngine();
    await settle();
    expect(sent.length).toBe(2);
  });
});
