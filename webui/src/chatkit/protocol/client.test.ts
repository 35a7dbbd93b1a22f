import { describe, expect, it } from "vitest";
import { ChatKitClient, ChatKitRequestError, SSEDecoder, isAbortError } from "./client";
import type { ThreadStreamEvent } from "./types";
import { answerEvents, chunk, fakeFetch, sseBytes, thread, userItem } from "../test/fixtures";

function decodeAll(chunks: Uint8Array[]): ThreadStreamEvent[] {
  const decoder = new SSEDecoder();
  const events: ThreadStreamEvent[] = [];
  for (const c of chunks) events.push(...decoder.push(c));
  events.push(...decoder.end());
  return events;
}

const EVENTS: ThreadStreamEvent[] = [
  { type: "thread.created", thread: thread("thr_1", null) },
  { type: "thread.item.done", item: userItem("msg_1", "thr_1", "Grüße, 世界! 👋🏽") },
  ...answerEvents("thr_1", "msg_2", ["Größe ", "🎉 ", "naïve ", "日本語\n\n", "```py\nx = 1\n```"]),
  { type: "thread.updated", thread: thread("thr_1", "Ünïcödé title ✓") },
];

describe("SSEDecoder", () => {
  it("decodes frames split at every byte boundary, including inside multi-byte UTF-8", () => {
    const bytes = sseBytes(EVENTS);
    // One byte at a time: every frame and every multi-byte character is split.
    expect(decodeAll(chunk(bytes, [1]))).toEqual(EVENTS);
  });

  it("decodes frames split at irregular sizes", () => {
    const bytes = sseBytes(EVENTS);
    for (const sizes of [[2], [3, 7], [5, 1, 13], [64], [bytes.length]]) {
      expect(decodeAll(chunk(bytes, sizes))).toEqual(EVENTS);
    }
  });

  it("accepts CRLF line endings and a final frame without its blank line", () => {
    const text = EVENTS.map((e) => `data: ${JSON.stringify(e)}`).join("\r\n\r\n");
    expect(decodeAll([new TextEncoder().encode(text)])).toEqual(EVENTS);
  });

  it("skips comments and malformed frames without losing the good ones", () => {
    const good = EVENTS[0]!;
    const text = `: keep-alive\n\ndata: {not json\n\ndata: ${JSON.stringify(good)}\n\n`;
    const decoder = new SSEDecoder();
    const events = [...decoder.push(new TextEncoder().encode(text)), ...decoder.end()];
    expect(events).toEqual([good]);
    expect(decoder.malformedFrames).toBe(1);
  });
});

describe("ChatKitClient", () => {
  it("resolves Kitdesk's own routes beside the API URL, so a path prefix is kept", () => {
    const under = new ChatKitClient(() => ({ url: "http://127.0.0.1:9/k/abc/chatkit" }));
    expect(under.resolve("api/search?q=x")).toBe("http://127.0.0.1:9/k/abc/api/search?q=x");
    const root = new ChatKitClient(() => ({ url: "http://127.0.0.1:9/chatkit" }));
    expect(root.resolve("api/search?q=x")).toBe("http://127.0.0.1:9/api/search?q=x");
  });

  it("posts {type, params} and streams events through the given fetch", async () => {
    const { fetch, requests } = fakeFetch(() => ({ sse: chunk(sseBytes(EVENTS), [3, 11]) }));
    const client = new ChatKitClient(() => ({ url: "/chatkit", fetch }));
    const got: ThreadStreamEvent[] = [];
    await client.stream("threads.create", { input: { content: [] } }, (e) => got.push(e));
    expect(got).toEqual(EVENTS);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe("/chatkit");
    expect(requests[0]!.type).toBe("threads.create");
    expect(requests[0]!.params).toEqual({ input: { content: [] } });
  });

  it("turns a JSON error body into a readable error with status and code", async () => {
    const { fetch } = fakeFetch(() => ({
      json: { error: { code: "provider_not_ready", message: "Add an API key in Settings first." } },
      status: 409,
    }));
    const client = new ChatKitClient(() => ({ url: "/chatkit", fetch }));
    const error = await client.request("threads.list", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatKitRequestError);
    expect((error as ChatKitRequestError).message).toBe("Add an API key in Settings first.");
    expect((error as ChatKitRequestError).status).toBe(409);
    expect((error as ChatKitRequestError).code).toBe("provider_not_ready");
  });

  it("reports an unreachable server in words", async () => {
    const fetch = (async () => {
      throw new TypeError("Failed to fetch");
    }) as typeof globalThis.fetch;
    const client = new ChatKitClient(() => ({ url: "/chatkit", fetch }));
    const error = await client.request("threads.list", {}).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Could not reach the chat server/);
  });

  it("rejects with an AbortError when aborted mid-stream, after delivering earlier events", async () => {
    const bytes = sseBytes(EVENTS.slice(0, 4));
    const { fetch } = fakeFetch(() => ({ sse: [bytes], hangAfter: true }));
    const client = new ChatKitClient(() => ({ url: "/chatkit", fetch }));
    const abort = new AbortController();
    const got: ThreadStreamEvent[] = [];
    const done = client.stream("threads.create", {}, (e) => {
      got.push(e);
      if (got.length === 4) setTimeout(() => abort.abort(), 0);
    }, abort.signal);
    const error = await done.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    expect(got).toEqual(EVENTS.slice(0, 4));
  });
});
