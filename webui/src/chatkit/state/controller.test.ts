import { describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import type { ThreadItem, ThreadStreamEvent } from "../protocol/types";
import { answerEvents, assistantItem, chunk, fakeFetch, quietKitdeskApis, NOW, sseBytes, thread, userItem } from "../test/fixtures";
import { ChatController, fileAccepted, markdownToSpeech, maxSizeFor } from "./controller";

const T = "thr_1";

function setup(handler: Parameters<typeof fakeFetch>[0], extra: Partial<ChatKitOptions> = {}) {
  const { fetch, requests } = fakeFetch(handler, quietKitdeskApis);
  const events: { name: string; detail: unknown }[] = [];
  const controller = new ChatController({ emit: (name, detail) => events.push({ name, detail }), schedule: (cb) => cb() });
  controller.setOptions({
    api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch },
    history: { enabled: false },
    composer: { models: [{ id: "p::small", label: "Small" }, { id: "p::big", label: "Big", default: true }] },
    ...extra,
  });
  return { controller, requests, events, names: () => events.map((e) => e.name) };
}

const texts = (items: ThreadItem[]) =>
  items.map((i) => (i.type === "assistant_message" ? i.content.map((c) => c.text).join("") : i.type === "user_message" ? i.content.map((c) => c.text).join("") : i.type));

describe("ChatController", () => {
  it("creates a thread, streams the answer and reports events", async () => {
    const stream: ThreadStreamEvent[] = [
      { type: "thread.created", thread: thread(T) },
      { type: "thread.item.done", item: userItem("u1", T, "Hi") },
      ...answerEvents(T, "a1", ["Hel", "lo"]),
      { type: "thread.updated", thread: thread(T, "Greeting") },
    ];
    const { controller, requests, events, names } = setup(() => ({ sse: chunk(sseBytes(stream), [7]) }));
    controller.setComposerText("Hi  ");
    expect(await controller.submitComposer()).toBe(true);
    const state = controller.getState();
    expect(requests[0]!.type).toBe("threads.create");
    expect(requests[0]!.params).toEqual({
      input: {
        content: [{ type: "input_text", text: "Hi" }],
        attachments: [],
        quoted_text: null,
        inference_options: { model: "p::big", tool_choice: null },
      },
    });
    expect(texts(state.view.items)).toEqual(["Hi", "Hello"]);
    expect(state.view.thread?.title).toBe("Greeting");
    expect(state.responding).toBe(false);
    expect(state.composer.text).toBe("");
    expect(state.history.threads.map((t) => [t.id, t.title])).toEqual([[T, "Greeting"]]);
    expect(names()).toEqual(expect.arrayContaining(["chatkit.response.start", "chatkit.thread.change", "chatkit.response.end"]));
    expect(events.find((e) => e.name === "chatkit.thread.change")!.detail).toEqual({ threadId: T });
    expect(names().indexOf("chatkit.response.start")).toBeLessThan(names().indexOf("chatkit.response.end"));
  });

  it("sends the model picked in the composer as inference_options.model", async () => {
    const { controller, requests } = setup(() => ({ sse: [sseBytes([{ type: "thread.created", thread: thread(T) }])] }));
    controller.selectModel("p::small");
    controller.setComposerText("x");
    await controller.submitComposer();
    const input = (requests[0]!.params as { input: { inference_options: { model: string } } }).input;
    expect(input.inference_options.model).toBe("p::small");
  });

  it("falls back to a new chat when the initial thread no longer exists", async () => {
    const { controller, events } = setup(
      (r) => {
        if (r.type === "threads.get_by_id") return { json: { error: { code: "not_found", message: "That conversation no longer exists." } }, status: 404 };
        throw new Error(r.type);
      },
      { initialThread: "thr_gone" },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(controller.getState().threadError).toBeNull();
    expect(controller.getState().view.thread).toBeNull();
    expect(events.filter((e) => e.name === "chatkit.thread.change").at(-1)!.detail).toEqual({ threadId: null });
  });

  it("sends the selected tool as tool_choice, reports tool.change and keeps only persistent tools", async () => {
    const { controller, requests, events } = setup(() => ({ sse: [sseBytes([{ type: "thread.created", thread: thread(T) }])] }), {
      composer: {
        tools: [
          { id: "search", label: "Search the web", icon: "globe" },
          { id: "canvas", label: "Canvas", icon: "write", persistent: true },
        ],
      },
    });
    controller.selectTool("search");
    controller.setComposerText("find it");
    await controller.submitComposer();
    const first = (requests[0]!.params as { input: { inference_options: { tool_choice: unknown } } }).input;
    expect(first.inference_options.tool_choice).toEqual({ id: "search" });
    expect(controller.getState().composer.toolId).toBeNull();
    controller.selectTool("canvas");
    controller.setComposerText("draw");
    await controller.submitComposer();
    expect(controller.getState().composer.toolId).toBe("canvas");
    expect(events.filter((e) => e.name === "chatkit.tool.change").map((e) => e.detail)).toEqual([
      { toolId: "search" },
      { toolId: null },
      { toolId: "canvas" },
    ]);
  });

  it("opens a long thread at its latest items and pages older ones with items.list", async () => {
    const all = Array.from({ length: 100 }, (_, i) => (i % 2 ? assistantItem(`i${i}`, T, `a${i}`) : userItem(`i${i}`, T, `u${i}`)));
    const { controller, requests } = setup((r) => {
      if (r.type === "threads.get_by_id") return { json: { ...thread(T, "Long"), items: { data: all.slice(0, 20), has_more: true, after: "i19" } } };
      if (r.type === "items.list") {
        const p = r.params as { after?: string; limit: number; order: string };
        expect(p.order).toBe("desc");
        const desc = [...all].reverse();
        const start = p.after ? desc.findIndex((i) => i.id === p.after) + 1 : 0;
        const page = desc.slice(start, start + p.limit);
        return { json: { data: page, has_more: start + p.limit < desc.length, after: page[page.length - 1]?.id ?? null } };
      }
      throw new Error(`unexpected ${r.type}`);
    });
    await controller.setThreadId(T);
    let view = controller.getState().view;
    expect(view.items.map((i) => i.id).slice(-2)).toEqual(["i98", "i99"]);
    expect(view.items).toHaveLength(40);
    expect(view.hasOlder).toBe(true);
    while (controller.getState().view.hasOlder) await controller.loadOlder();
    view = controller.getState().view;
    expect(view.items.map((i) => i.id)).toEqual(all.map((i) => i.id));
    expect(requests.filter((r) => r.type === "items.list")).toHaveLength(3);
  });

  it("retry drops later items locally and streams a new answer", async () => {
    const items = [userItem("u1", T, "one"), assistantItem("a1", T, "first"), userItem("u2", T, "two"), assistantItem("a2", T, "bad answer")];
    let seenDuringRetry: string[] | null = null;
    let controllerRef: ChatController | null = null;
    const { controller, requests } = setup((r) => {
      if (r.type === "threads.get_by_id") return { json: { ...thread(T), items: { data: items, has_more: false } } };
      if (r.type === "threads.retry_after_item") {
        seenDuringRetry = controllerRef!.getState().view.items.map((i) => i.id);
        return { sse: [sseBytes(answerEvents(T, "a3", ["better ", "answer"]))] };
      }
      throw new Error(r.type);
    });
    controllerRef = controller;
    await controller.setThreadId(T);
    await controller.retry("u2");
    expect(requests.at(-1)!.params).toEqual({ thread_id: T, item_id: "u2" });
    expect(seenDuringRetry).toEqual(["u1", "a1", "u2"]);
    expect(texts(controller.getState().view.items)).toEqual(["one", "first", "two", "better answer"]);
  });

  it("retry without an item id retries after the last user message", async () => {
    const items = [userItem("u1", T, "one"), assistantItem("a1", T, "x")];
    const { controller, requests } = setup((r) =>
      r.type === "threads.get_by_id"
        ? { json: { ...thread(T), items: { data: items, has_more: false } } }
        : { sse: [sseBytes(answerEvents(T, "a2", ["y"]))] },
    );
    await controller.setThreadId(T);
    await controller.retry();
    expect(requests.at(-1)!.type).toBe("threads.retry_after_item");
    expect(requests.at(-1)!.params).toEqual({ thread_id: T, item_id: "u1" });
    expect(texts(controller.getState().view.items)).toEqual(["one", "y"]);
  });

  it("stop aborts the request and keeps the partial answer", async () => {
    const partial: ThreadStreamEvent[] = [
      { type: "thread.created", thread: thread(T) },
      { type: "thread.item.done", item: userItem("u1", T, "Tell me") },
      ...answerEvents(T, "a1", ["Once ", "upon ", "a time"]).slice(0, 5), // no done: still streaming
    ];
    let controllerRef: ChatController | null = null;
    const { controller, names } = setup(() => {
      setTimeout(() => {
        const wait = () => {
          const items = controllerRef!.getState().view.items;
          const last = items.at(-1);
          if (last?.type === "assistant_message" && last.content[0]?.text === "Once upon ") controllerRef!.cancel();
          else setTimeout(wait, 1);
        };
        wait();
      }, 0);
      return { sse: [sseBytes(partial)], hangAfter: true };
    });
    controllerRef = controller;
    controller.setComposerText("Tell me");
    await controller.submitComposer();
    const state = controller.getState();
    expect(state.responding).toBe(false);
    expect(texts(state.view.items)).toEqual(["Tell me", "Once upon "]);
    expect(state.view.streamingIds.size).toBe(0);
    expect(state.view.error).toBeNull();
    expect(names().filter((n) => n === "chatkit.response.end")).toHaveLength(1);
    expect(names()).not.toContain("chatkit.error");
  });

  it("shows a failed send inline and Retry resends the same input", async () => {
    let calls = 0;
    const { controller, requests, names } = setup(() => {
      calls += 1;
      if (calls === 1) return { json: { error: { code: "provider_not_ready", message: "Add an API key first." } }, status: 409 };
      return { sse: [sseBytes([{ type: "thread.created", thread: thread(T) }, { type: "thread.item.done", item: userItem("u1", T, "Hi") }, ...answerEvents(T, "a1", ["ok"])])] };
    });
    controller.setComposerText("Hi");
    await controller.submitComposer();
    let state = controller.getState();
    expect(state.view.error).toEqual({ message: "Add an API key first.", allowRetry: true });
    expect(texts(state.view.items)).toEqual(["Hi"]);
    expect(names()).toContain("chatkit.error");
    await controller.retry();
    state = controller.getState();
    expect(requests.map((r) => r.type)).toEqual(["threads.create", "threads.create"]);
    expect(requests[1]!.params).toEqual(requests[0]!.params);
    expect(texts(state.view.items)).toEqual(["Hi", "ok"]);
    expect(state.view.error).toBeNull();
  });

  it("runs client tool calls through onClientTool and sends the output back", async () => {
    const call: ThreadItem = { type: "client_tool_call", id: "c1", thread_id: T, created_at: NOW, status: "pending", call_id: "call_1", name: "get_time", arguments: { tz: "UTC" } };
    const calls: unknown[] = [];
    const { controller, requests } = setup(
      (r) => {
        if (r.type === "threads.create") return { sse: [sseBytes([{ type: "thread.created", thread: thread(T) }, { type: "thread.item.done", item: userItem("u1", T, "time?") }, { type: "thread.item.done", item: call }])] };
        return { sse: [sseBytes(answerEvents(T, "a1", ["It is noon."]))] };
      },
      {
        onClientTool: async (toolCall) => {
          calls.push(toolCall);
          return { time: "12:00" };
        },
      },
    );
    controller.setComposerText("time?");
    await controller.submitComposer();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual([{ name: "get_time", params: { tz: "UTC" } }]);
    expect(requests[1]!.type).toBe("threads.add_client_tool_output");
    expect(requests[1]!.params).toEqual({ thread_id: T, result: { time: "12:00" } });
    expect(texts(controller.getState().view.items).at(-1)).toBe("It is noon.");
  });

  it("emits client effects and server errors", async () => {
    const { controller, events } = setup(() => ({
      sse: [sseBytes([{ type: "thread.created", thread: thread(T) }, { type: "client_effect", name: "highlight", data: { id: 3 } }, { type: "error", code: "custom", message: "Model overloaded", allow_retry: true }])],
    }));
    controller.setComposerText("x");
    await controller.submitComposer();
    expect(events.find((e) => e.name === "chatkit.effect")!.detail).toEqual({ name: "highlight", data: { id: 3 } });
    expect(((events.find((e) => e.name === "chatkit.error")!.detail as { error: Error }).error).message).toBe("Model overloaded");
    expect(controller.getState().view.error).toEqual({ message: "Model overloaded", allowRetry: true });
  });

  it("sends custom actions and feedback for the open thread", async () => {
    const { controller, requests } = setup((r) => {
      if (r.type === "threads.get_by_id") return { json: { ...thread(T), items: { data: [userItem("u1", T, "a"), assistantItem("a1", T, "b")], has_more: false } } };
      if (r.type === "items.feedback") return { json: {} };
      return { sse: [sseBytes(answerEvents(T, "a2", ["done"]))] };
    });
    await controller.setThreadId(T);
    await controller.sendCustomAction({ type: "approve", payload: { id: 7 } }, "w1");
    expect(requests.at(-1)!.type).toBe("threads.custom_action");
    expect(requests.at(-1)!.params).toEqual({ thread_id: T, item_id: "w1", action: { type: "approve", payload: { id: 7 } } });
    await controller.sendFeedback(["a1"], "positive");
    expect(requests.at(-1)!.params).toEqual({ thread_id: T, item_ids: ["a1"], kind: "positive" });
    expect(controller.getState().feedback).toEqual({ a1: "positive" });
  });

  it("renames and deletes threads in history", async () => {
    const { controller, requests } = setup(
      (r) => {
        if (r.type === "threads.list") return { json: { data: [thread("t1", "One"), thread("t2", "Two")], has_more: false } };
        if (r.type === "threads.update") return { json: thread("t1", "Renamed") };
        if (r.type === "threads.delete") return { json: {} };
        throw new Error(r.type);
      },
      { history: { enabled: true } },
    );
    await new Promise((r) => setTimeout(r, 0));
    expect(controller.getState().history.threads.map((t) => t.title)).toEqual(["One", "Two"]);
    await controller.renameThread("t1", "  Renamed ");
    expect(requests.find((r) => r.type === "threads.update")!.params).toEqual({ thread_id: "t1", title: "Renamed" });
    await controller.deleteThread("t2");
    expect(controller.getState().history.threads.map((t) => t.title)).toEqual(["Renamed"]);
  });

  /** Two chats, "Python tips" and "Dinner"; /api/search answers the Dinner chat (its
   * text mentions `word`) while `status.code` is 200, else that status. */
  function searchableHistory(word: string, status: { code: number }) {
    return setup(
      (r) => {
        if (r.type === "threads.list") return { json: { data: [thread("t1", "Python tips"), thread("t2", "Dinner")], has_more: false } };
        if (r.url.includes("/api/search")) {
          if (status.code !== 200) return { json: { error: { code: "failed", message: "no" } }, status: status.code };
          return { json: { results: [{ thread_id: "t2", title: "Dinner", snippet: `a <mark>${word}</mark> recipe`, updated_at: NOW }] } };
        }
        throw new Error(r.type);
      },
      { history: { enabled: true } },
    );
  }

  it("searches through /api/search and falls back to titles when it is missing", async () => {
    const status = { code: 200 };
    const { controller, requests } = searchableHistory("pasta", status);
    await new Promise((r) => setTimeout(r, 0));
    controller.setSearchQuery("pasta");
    await new Promise((r) => setTimeout(r, 250));
    expect(requests.at(-1)!.url).toBe("http://127.0.0.1:9/api/search?q=pasta");
    expect(controller.getState().search.results?.map((r) => r.thread_id)).toEqual(["t2"]);
    status.code = 404;
    controller.setSearchQuery("python");
    await new Promise((r) => setTimeout(r, 250));
    expect(controller.getState().search).toMatchObject({ source: "local", failed: false }); // missing, not failed
    expect(controller.getState().search.results?.map((r) => r.thread_id)).toEqual(["t1"]);
  });

  it("says a failed message search searched titles only, and searches again on retry", async () => {
    const status = { code: 500 };
    const { controller } = searchableHistory("python", status);
    await new Promise((r) => setTimeout(r, 0));
    controller.setSearchQuery("python");
    await new Promise((r) => setTimeout(r, 250));
    expect(controller.getState().search).toMatchObject({ failed: true, source: "local" });
    expect(controller.getState().search.results?.map((r) => r.thread_id)).toEqual(["t1"]);
    status.code = 200;
    controller.retrySearch();
    await new Promise((r) => setTimeout(r, 250));
    expect(controller.getState().search).toMatchObject({ failed: false, source: "server" });
    expect(controller.getState().search.results?.map((r) => r.thread_id)).toEqual(["t2"]);
  });

  it("uploads attachments through attachments.create and the upload URL, within limits", async () => {
    const { controller, requests } = setup(
      (r) => {
        if (r.type === "attachments.create") {
          const p = r.params as { name: string; mime_type: string };
          return { json: { type: "image", id: "att_1", name: p.name, mime_type: p.mime_type, preview_url: "http://127.0.0.1:9/api/attachments/att_1/content", upload_descriptor: { url: "http://127.0.0.1:9/api/attachments/att_1/upload", method: "POST", headers: {} } } };
        }
        if (r.url.endsWith("/upload")) return { json: { ok: true } };
        return { sse: [sseBytes([{ type: "thread.created", thread: thread(T) }])] };
      },
      { composer: { attachments: { enabled: true, maxCount: 1, maxSize: { "image/*": 1000, "*": 10 }, accept: { "image/*": [".png"] } } } },
    );
    const png = new File([new Uint8Array(100)], "cat.png", { type: "image/png" });
    const errors = await controller.addFiles([png, new File(["x"], "notes.txt", { type: "text/plain" })]);
    expect(errors).toEqual(["Too many files: the limit is 1 per message."]);
    const chips = controller.getState().composer.attachments;
    expect(chips.map((c) => [c.name, c.status])).toEqual([["cat.png", "done"]]);
    const upload = requests.find((r) => r.url.endsWith("/upload"))!;
    expect(upload.method).toBe("POST");
    expect((upload.body as FormData).get("file")).toBeInstanceOf(File);
    controller.setComposerText("look");
    await controller.submitComposer();
    const input = (requests.at(-1)!.params as { input: { attachments: string[] } }).input;
    expect(input.attachments).toEqual(["att_1"]);
  });
});

describe("attachment limits", () => {
  it("refuses files over the size limit or of the wrong type, in words, without uploading", async () => {
    const { fetch, requests } = fakeFetch(() => ({ json: {} }));
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
    controller.setOptions({
      api: { url: "/chatkit", domainKey: "local", fetch },
      history: { enabled: false },
      composer: { attachments: { enabled: true, maxSize: 1024, accept: { "image/*": [".png"] } } },
    });
    const errors = await controller.addFiles([
      new File([new Uint8Array(2048)], "big.png", { type: "image/png" }),
      new File(["x"], "run.exe", { type: "application/x-msdownload" }),
    ]);
    expect(errors).toEqual(["big.png is larger than 1 KB.", "run.exe is not a supported file type."]);
    expect(controller.getState().composer.error).toBe("big.png is larger than 1 KB.");
    expect(controller.getState().composer.attachments).toEqual([]);
    expect(requests).toEqual([]);
  });

  it("picks per-type size limits with a fallback", () => {
    expect(maxSizeFor("image/png", { "image/*": 5, "*": 2 })).toBe(5);
    expect(maxSizeFor("text/plain", { "image/*": 5, "*": 2 })).toBe(2);
    expect(maxSizeFor("text/plain", 7)).toBe(7);
  });

  it("accepts by MIME pattern or extension", () => {
    const accept = { "image/*": [".png"], "application/pdf": [".pdf"] };
    expect(fileAccepted({ name: "a.JPG", type: "image/jpeg" }, accept)).toBe(true);
    expect(fileAccepted({ name: "doc.pdf", type: "" }, accept)).toBe(true);
    expect(fileAccepted({ name: "a.exe", type: "application/x-msdownload" }, accept)).toBe(false);
    expect(fileAccepted({ name: "anything", type: "" }, undefined)).toBe(true);
  });
});

describe("markdownToSpeech", () => {
  it("keeps the words and drops the markup", () => {
    expect(markdownToSpeech("# Title\n\nHi **there**, see [the docs](https://x.y) and `code`.\n\n- one\n- _two_")).toBe(
      "Title Hi there, see the docs and code. one two",
    );
  });
});
