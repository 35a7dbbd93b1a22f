/**
 * Everything else a ChatKit server can stream, seen in the DOM of the real
 * element: workflow and task items (every task type), progress updates,
 * notices, error events, generated images, client effects, client tool
 * calls, and the thread item actions (feedback, retry).
 */
import { describe, expect, it } from "vitest";
import { KitdeskChatKitElement, registerChatKitElement } from "../index";
import type { ThreadStreamEvent } from "../protocol/types";
import { answerEvents, fakeFetch, NOW, sseBytes, thread, userItem, type RecordedRequest } from "../test/fixtures";
import { until, useElementPage } from "../test/page";

useElementPage();

const T = "thr_s";
const base = { thread_id: T, created_at: NOW };

const WORKFLOW_STREAM: ThreadStreamEvent[] = [
  { type: "thread.created", thread: thread(T, "Trip") },
  { type: "thread.item.done", item: userItem("u1", T, "plan it") },
  { type: "progress_update", icon: "search", text: "Looking up flights" },
  {
    type: "thread.item.added",
    item: {
      type: "workflow",
      id: "wf1",
      ...base,
      workflow: {
        type: "custom",
        expanded: true,
        tasks: [
          { type: "custom", title: "Custom step", content: "custom **body**", status_indicator: "complete" },
          { type: "web_search", title_query: "flights oslo", queries: ["flights oslo"], sources: [{ type: "url", title: "Airline", url: "https://air.example/x" }], status_indicator: "complete" },
          { type: "thought", title: "Thinking", content: "weigh the options" },
          { type: "file", title: "Read files", sources: [{ type: "file", title: "notes.txt", filename: "notes.txt" }] },
        ],
      },
    },
  },
  { type: "thread.item.updated", item_id: "wf1", update: { type: "workflow.task.added", task_index: 4, task: { type: "image", title: "Drew a map", status_indicator: "loading" } } },
  { type: "thread.item.done", item: { type: "task", id: "tk1", ...base, task: { type: "custom", title: "Standalone task", content: "done" } } },
  { type: "thread.item.added", item: { type: "generated_image", id: "gi1", ...base, image: null } },
  { type: "thread.item.updated", item_id: "gi1", update: { type: "generated_image.updated", image: { id: "img", url: "data:image/png;base64,iVBORw0KGgo=" }, progress: 1 } },
  { type: "thread.item.done", item: { type: "generated_image", id: "gi1", ...base, image: { id: "img", url: "data:image/png;base64,iVBORw0KGgo=" } } },
  { type: "notice", level: "warning", title: "Heads up", message: "Prices **change** often." },
  { type: "client_effect", name: "confetti", data: { n: 3 } },
  ...answerEvents(T, "a1", ["Here ", "is the plan."]),
  { type: "error", code: "custom", message: "The booking service is down.", allow_retry: true },
];

function mount(handler: (r: RecordedRequest) => ReturnType<Parameters<typeof fakeFetch>[0]>, extra: Record<string, unknown> = {}) {
  registerChatKitElement();
  const { fetch, requests } = fakeFetch(handler);
  const el = document.createElement("openai-chatkit") as KitdeskChatKitElement;
  document.body.appendChild(el);
  const events: { name: string; detail: unknown }[] = [];
  for (const name of ["chatkit.effect", "chatkit.error"]) el.addEventListener(name, (e) => events.push({ name, detail: (e as CustomEvent).detail }));
  el.setOptions({ api: { url: "/chatkit", domainKey: "local", fetch }, threadItemActions: { feedback: true, retry: true }, ...extra });
  return { el, shadow: el.shadowRoot!, requests, events };
}

describe("streamed items", () => {
  it("render workflows with every task type, task items, progress, images, notices and error events; effects go to chatkit.effect", async () => {
    const { el, shadow, events } = mount((r) => (r.type === "threads.list" ? { json: { data: [], has_more: false } } : { sse: [sseBytes(WORKFLOW_STREAM)], hangAfter: false }));
    await el.sendUserMessage({ text: "plan it" });
    const workflow = await until(() => shadow.querySelector(".ck-workflow"));
    const tasks = Array.from(workflow.querySelectorAll(".ck-task"));
    expect(tasks.map((task) => task.querySelector(".ck-task-title")?.textContent)).toEqual(["Custom step", "flights oslo", "Thinking", "Read files", "Drew a map"]);
    expect(tasks[0]!.querySelector("strong")!.textContent).toBe("body");
    expect(tasks[0]!.classList.contains("ck-task-complete")).toBe(true);
    expect(tasks[1]!.querySelector("a.ck-source")!.getAttribute("href")).toBe("https://air.example/x");
    expect(tasks[2]!.textContent).toContain("weigh the options");
    expect(tasks[3]!.querySelector(".ck-source-title")!.textContent).toBe("notes.txt");
    expect(tasks[4]!.querySelector(".ck-spinner")).not.toBeNull();
    expect(Array.from(shadow.querySelectorAll(".ck-task-title")).map((n) => n.textContent)).toContain("Standalone task");
    expect(shadow.querySelector(".ck-genimage img")!.getAttribute("src")).toBe("data:image/png;base64,iVBORw0KGgo=");
    const notice = shadow.querySelector(".ck-notice-warning")!;
    expect(notice.querySelector(".ck-notice-title")!.textContent).toBe("Heads up");
    expect(notice.querySelector("strong")!.textContent).toBe("change");
    const error = await until(() => shadow.querySelector(".ck-error"));
    expect(error.textContent).toContain("The booking service is down.");
    expect(Array.from(error.querySelectorAll("button")).map((b) => b.textContent)).toEqual(["Retry", "Dismiss"]);
    expect(events.find((e) => e.name === "chatkit.effect")!.detail).toEqual({ name: "confetti", data: { n: 3 } });
    expect((events.find((e) => e.name === "chatkit.error")!.detail as { error: Error }).error.message).toBe("The booking service is down.");
    // The progress line showed while nothing else had arrived, and is gone once items stream.
    expect(shadow.querySelector(".ck-progress")).toBeNull();
  });

  it("shows a progress update while the server works", async () => {
    const { el, shadow } = mount((r) =>
      r.type === "threads.list"
        ? { json: { data: [], has_more: false } }
        : { sse: [sseBytes([{ type: "thread.created", thread: thread(T) }, { type: "progress_update", text: "Reading your files" }])], hangAfter: true },
    );
    void el.sendUserMessage({ text: "go" });
    const progress = await until(() => shadow.querySelector(".ck-progress"));
    expect(progress.textContent).toBe("Reading your files");
    expect(progress.getAttribute("role")).toBe("status");
    el.cancelResponse();
  });

  it("runs a client tool call through onClientTool and streams the answer that follows", async () => {
    const calls: unknown[] = [];
    const { el, shadow, requests } = mount(
      (r) => {
        if (r.type === "threads.list") return { json: { data: [], has_more: false } };
        if (r.type === "threads.create")
          return {
            sse: [
              sseBytes([
                { type: "thread.created", thread: thread(T) },
                { type: "thread.item.done", item: { type: "client_tool_call", id: "tc1", ...base, status: "pending", call_id: "c1", name: "get_location", arguments: { precise: true } } },
              ]),
            ],
          };
        return { sse: [sseBytes(answerEvents(T, "a2", ["You are in Oslo."]))] };
      },
      { onClientTool: async (call: { name: string; params: Record<string, unknown> }) => (calls.push(call), { city: "Oslo" }) },
    );
    await el.sendUserMessage({ text: "where am I" });
    await until(() => shadow.querySelector(".ck-assistant")?.textContent?.includes("You are in Oslo.") || null);
    expect(calls).toEqual([{ name: "get_location", params: { precise: true } }]);
    expect(requests.find((r) => r.type === "threads.add_client_tool_output")!.params).toEqual({ thread_id: T, result: { city: "Oslo" } });
    // The server stores the call as completed without streaming it; the element shows the same.
    expect(shadow.querySelector(".ck-toolcall")!.textContent).toBe("Ran get_location");
  });

  it("sends feedback with items.feedback and retries with threads.retry_after_item", async () => {
    const { shadow, requests } = mount(
      (r) => {
        if (r.type === "threads.list") return { json: { data: [], has_more: false } };
        if (r.type === "threads.get_by_id")
          return { json: { ...thread(T, "Q"), items: { data: [userItem("u1", T, "q"), { type: "assistant_message", id: "a1", ...base, content: [{ type: "output_text", text: "first", annotations: [] }] }], has_more: false } } };
        if (r.type === "items.feedback") return { json: {} };
        return { sse: [sseBytes(answerEvents(T, "a9", ["second"]))] };
      },
      { initialThread: T },
    );
    const good = await until(() => shadow.querySelector<HTMLButtonElement>("button[aria-label='Good response']"));
    good.click();
    await until(() => requests.find((r) => r.type === "items.feedback"));
    expect(requests.find((r) => r.type === "items.feedback")!.params).toEqual({ thread_id: T, item_ids: ["a1"], kind: "positive" });
    await until(() => good.getAttribute("aria-pressed") === "true" || null);
    shadow.querySelector<HTMLButtonElement>("button[aria-label='Retry']")!.click();
    await until(() => shadow.querySelector(".ck-assistant")?.textContent?.includes("second") || null);
    expect(requests.find((r) => r.type === "threads.retry_after_item")!.params).toEqual({ thread_id: T, item_id: "u1" });
    expect(shadow.querySelector(".ck-assistant")!.textContent).not.toContain("first");
  });

  it("shows a generated image from the thread's allowed_image_domains and a label for any other host", async () => {
    const image = (id: string, url: string) => ({ type: "generated_image" as const, id, ...base, image: { id, url } });
    const { shadow } = mount(
      (r) =>
        r.type === "threads.list"
          ? { json: { data: [], has_more: false } }
          : { json: { ...thread(T), allowed_image_domains: ["img.example"], items: { data: [userItem("u1", T, "draw"), image("g1", "https://img.example/cat.png"), image("g2", "https://tracker.example/p.png")], has_more: false } } },
      { initialThread: T },
    );
    const img = await until(() => shadow.querySelector(".ck-genimage img"));
    expect(img.getAttribute("src")).toBe("https://img.example/cat.png");
    expect(shadow.querySelectorAll(".ck-genimage img")).toHaveLength(1);
    expect(shadow.querySelector(".ck-img-blocked")!.textContent).toBe("[Generated image]");
    expect(shadow.querySelector(".ck-genimage-pending")).toBeNull();
  });
});
