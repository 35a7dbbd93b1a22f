import { describe, expect, it } from "vitest";
import type { ThreadStreamEvent } from "../protocol/types";
import { answerEvents, fakeFetch, sseBytes, thread, userItem } from "../test/fixtures";
import { ChatController } from "./controller";
import { chatTotal, hasTokens, turnUsage } from "./usage";

const T = "thr_u";
const counts = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, reasoning_tokens: 0 });

describe("token usage", () => {
  it("sums a turn's recorded items and ignores the rest", () => {
    const answers = { a1: counts(10, 5), tool: counts(7, 1), other: counts(100, 100) };
    expect(turnUsage(["w", "tool", "a1"], answers)).toEqual(counts(17, 6));
    expect(turnUsage(["w"], answers)).toBeNull();
    expect(hasTokens(counts(0, 0))).toBe(false);
    expect(hasTokens(counts(0, 3))).toBe(true);
  });

  it("shows the chat's total only when it says more than the last answer's line", () => {
    const one = { threadId: T, answers: { a1: counts(10, 5) }, total: counts(10, 5) };
    expect(chatTotal(one, ["a1"])).toBeNull();
    const two = { threadId: T, answers: { a1: counts(10, 5), a2: counts(20, 5) }, total: counts(30, 10) };
    expect(chatTotal(two, ["a2"])).toEqual(counts(30, 10));
    // A last answer with no recorded counts (an error, say): the total is all there is.
    expect(chatTotal(one, ["e1"])).toEqual(counts(10, 5));
    expect(chatTotal({ ...one, total: null }, ["a1"])).toBeNull();
  });

  it("loads the thread's counts after an answer, and stops asking when the server has no usage API", async () => {
    let missing = false;
    const stream: ThreadStreamEvent[] = [
      { type: "thread.created", thread: thread(T) },
      { type: "thread.item.done", item: userItem("u1", T, "Hi") },
      ...answerEvents(T, "a1", ["Hello"]),
    ];
    const { fetch, requests } = fakeFetch((r) => {
      if (r.url.includes("/api/usage/threads/")) {
        return missing
          ? { json: { error: { code: "not_found", message: "There is nothing at this address." } }, status: 404 }
          : { json: { thread_id: T, total: counts(10, 5), answers: { a1: counts(10, 5) } } };
      }
      if (r.url.includes("/branches")) return { json: { forks: [] } };
      return { sse: [sseBytes(stream)] };
    });
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
    controller.setOptions({ api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch }, history: { enabled: false } });
    controller.setComposerText("Hi");
    await controller.submitComposer();
    const usage = controller.getState().usage;
    expect(usage.threadId).toBe(T);
    expect(usage.answers.a1).toEqual(counts(10, 5));
    expect(usage.total).toEqual(counts(10, 5));
    expect(requests.find((r) => r.url.includes("/api/usage/"))!.url).toBe(`http://127.0.0.1:9/api/usage/threads/${T}`);

    missing = true;
    controller.setComposerText("Again");
    await controller.submitComposer();
    controller.setComposerText("And again");
    await controller.submitComposer();
    expect(requests.filter((r) => r.url.includes("/api/usage/"))).toHaveLength(2);
  });
});
