import { describe, expect, it } from "vitest";
import type { ChatKitOptions } from "@openai/chatkit";
import type { ThreadItem } from "../protocol/types";
import { answerEvents, assistantItem, fakeFetch, sseBytes, thread, userItem } from "../test/fixtures";
import { ChatController } from "./controller";
import { emptyThreadView, modelRefLabel, threadModel } from "./thread";

const MODELS = [
  { id: "p::small", label: "Small" },
  { id: "p::big", label: "Big", default: true },
];

function userWith(id: string, threadId: string, model: string | null): ThreadItem {
  const item = userItem(id, threadId, id);
  return { ...item, inference_options: { model } } as ThreadItem;
}

/** A server holding threads by id (items all in threads.get_by_id). */
function setup(threads: Record<string, ThreadItem[]>, extra: Partial<ChatKitOptions> = {}) {
  const logs: { name: string; data?: Record<string, unknown> }[] = [];
  const { fetch, requests } = fakeFetch((r) => {
    const id = r.params?.thread_id as string;
    if (r.type === "threads.get_by_id") return { json: { ...thread(id), items: { data: threads[id] ?? [], has_more: false } } };
    if (r.type === "items.list") return { json: { data: [], has_more: false } };
    return { sse: [sseBytes(answerEvents(id, `a_${requests.length}`, ["ok"]))] };
  });
  const controller = new ChatController({
    emit: (name, detail) => {
      if (name === "chatkit.log") logs.push(detail as { name: string; data?: Record<string, unknown> });
    },
    schedule: (cb) => cb(),
  });
  const options: ChatKitOptions = {
    api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch },
    history: { enabled: false },
    composer: { models: MODELS },
    ...extra,
  };
  controller.setOptions(options);
  return { controller, requests, options, logs };
}

const sentModel = (params: unknown) => (params as { input: { inference_options: { model: string | null } } }).input.inference_options.model;

describe("threadModel", () => {
  it("is the last user message's model, else the thread's metadata, else an earlier choice", () => {
    const view = (items: ThreadItem[], metadata?: Record<string, unknown>) => ({
      ...emptyThreadView({ id: "t", created_at: "", ...(metadata ? { metadata } : {}) }),
      items,
    });
    expect(threadModel(view([userWith("u1", "t", "p::small"), assistantItem("a1", "t", "x"), userWith("u2", "t", "p::big")]))).toBe("p::big");
    expect(threadModel(view([userWith("u1", "t", "p::small"), userWith("u2", "t", null)], { model: "p::big" }))).toBe("p::big");
    expect(threadModel(view([userWith("u1", "t", "p::small"), userWith("u2", "t", null)]))).toBe("p::small");
    expect(threadModel(view([], { model: "q::other" }))).toBe("q::other");
    expect(threadModel(view([userItem("u1", "t", "hi")]))).toBeNull();
  });

  it("labels an unlisted ref by its model part", () => {
    expect(modelRefLabel("prov_1::gpt-4.1-mini")).toBe("gpt-4.1-mini");
    expect(modelRefLabel("bare")).toBe("bare");
  });
});

describe("the composer's model follows the open thread", () => {
  it("opening a thread picks the model it last used, and its follow-up goes there", async () => {
    const { controller, requests } = setup({ t1: [userWith("u1", "t1", "p::small"), assistantItem("a1", "t1", "hi")] });
    expect(controller.getState().composer.modelId).toBe("p::big");
    await controller.setThreadId("t1");
    expect(controller.getState().composer.modelId).toBe("p::small");
    controller.setComposerText("follow up");
    await controller.submitComposer();
    const sent = requests.find((r) => r.type === "threads.add_user_message")!;
    expect(sentModel(sent.params)).toBe("p::small");
  });

  it("a new chat starts on the default model again", async () => {
    const { controller } = setup({ t1: [userWith("u1", "t1", "p::small")] });
    await controller.setThreadId("t1");
    await controller.setThreadId(null);
    expect(controller.getState().composer.modelId).toBe("p::big");
  });

  it("keeps a thread's model that the list no longer offers, across option updates", async () => {
    const { controller, requests, options } = setup({ t1: [userWith("u1", "t1", "gone::old-model")] });
    await controller.setThreadId("t1");
    expect(controller.getState().composer.modelId).toBe("gone::old-model");
    // The host passes new options (say, a theme change): the pick survives.
    controller.setOptions({ ...options, theme: { colorScheme: "dark" } });
    expect(controller.getState().composer.modelId).toBe("gone::old-model");
    controller.setComposerText("still there?");
    await controller.submitComposer();
    expect(sentModel(requests.find((r) => r.type === "threads.add_user_message")!.params)).toBe("gone::old-model");
  });

  it("a choice the list dropped, on a thread that never used it, falls back to the default", async () => {
    const { controller, options } = setup({});
    controller.selectModel("p::small");
    controller.setOptions({ ...options, composer: { models: [MODELS[1]!] } });
    expect(controller.getState().composer.modelId).toBe("p::big");
  });

  it("a thread with no recorded model leaves the composer's pick alone", async () => {
    const { controller } = setup({ t1: [userItem("u1", "t1", "old")] });
    controller.selectModel("p::small");
    await controller.setThreadId("t1");
    expect(controller.getState().composer.modelId).toBe("p::small");
  });
});

describe("the page hears of every change of the composer's model", () => {
  it("logs composer.model when the model is defaulted, restored with a thread, picked, and reset for a new chat", async () => {
    const { controller, logs } = setup({ t1: [userWith("u1", "t1", "p::small")] });
    const models = () => logs.filter((entry) => entry.name === "composer.model").map((entry) => entry.data?.modelId);
    expect(models()).toEqual(["p::big"]);
    await controller.setThreadId("t1");
    expect(models()).toEqual(["p::big", "p::small"]);
    controller.selectModel("p::small"); // no change, no entry
    controller.selectModel("p::big");
    await controller.setThreadId(null);
    controller.selectModel("p::small");
    expect(models()).toEqual(["p::big", "p::small", "p::big", "p::small"]);
  });
});
