import { describe, expect, it } from "vitest";
import type { ThreadStreamEvent } from "../protocol/types";
import { answerEvents, fakeFetch, sseBytes, thread, userItem } from "../test/fixtures";
import { ChatController } from "./controller";
import { extendSelection, nextSelection } from "./organise";

const T = "thr_o";
const FOLDER = { id: "fld_1", name: "French", system_prompt: "Answer in French.", default_model: "p::folder-model", threads: 0 };
const MODELS = [
  { id: "p::default", label: "Default", default: true },
  { id: "p::folder-model", label: "Folder model" },
];

describe("organising the history", () => {
  it("selects one chat at a time, or a range from the last one clicked", () => {
    const order = ["a", "b", "c", "d", "e"];
    expect(nextSelection([], null, "b", order, "toggle")).toEqual(["b"]);
    expect(nextSelection(["b"], "b", "b", order, "toggle")).toEqual([]);
    expect(nextSelection(["b"], "b", "d", order, "range")).toEqual(["b", "c", "d"]);
    expect(nextSelection(["e"], "d", "b", order, "range")).toEqual(["e", "b", "c", "d"]);
    // No anchor (or one no longer shown): a range click selects just that chat.
    expect(nextSelection([], "gone", "c", order, "range")).toEqual(["c"]);
  });

  it("grows and shrinks a keyboard range from the anchor, keeping what was selected before", () => {
    const order = ["a", "b", "c", "d", "e"];
    // Nothing selected yet: Shift+Down from b selects b and c, with b as the anchor.
    let state = { selected: [] as readonly string[], anchor: null as string | null, rangeBase: [] as readonly string[] };
    state = extendSelection(state, "b", "c", order);
    expect(state).toEqual({ selected: ["b", "c"], anchor: "b", rangeBase: [] });
    state = extendSelection(state, "c", "d", order);
    expect(state.selected).toEqual(["b", "c", "d"]);
    state = extendSelection(state, "d", "c", order); // Shift+Up shrinks back
    expect(state.selected).toEqual(["b", "c"]);
    state = extendSelection(state, "c", "a", order); // past the anchor: the other side
    expect(state.selected).toEqual(["a", "b"]);
    // A chat ticked before the anchor was set stays selected.
    state = extendSelection({ selected: ["e"], anchor: "b", rangeBase: ["e", "b"] }, "b", "a", order);
    expect(state.selected).toEqual(["e", "b", "a"]);
    // An anchor no longer shown: the row the keys moved from takes its place.
    state = extendSelection({ selected: ["x"], anchor: "gone", rangeBase: [] }, "d", "e", order);
    expect(state).toEqual({ selected: ["x", "d", "e"], anchor: "d", rangeBase: ["x"] });
  });

  it("selects every chat shown, and a Shift+Arrow after a click extends from the clicked chat", () => {
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
    const organiser = controller.organiser;
    const order = ["a", "b", "c", "d"];
    organiser.select("c", order, "toggle");
    organiser.extend("c", "b", order);
    expect(controller.getState().organise.selected).toEqual(["c", "b"]);
    organiser.selectAll(order);
    expect(controller.getState().organise).toMatchObject({ selected: order, selecting: true });
    organiser.clearSelection();
    expect(controller.getState().organise).toMatchObject({ selected: [], anchor: null, rangeBase: [], selecting: false });
  });

  it("starts a new chat shown in a folder inside it, on the folder's default model", async () => {
    const stream: ThreadStreamEvent[] = [
      { type: "thread.created", thread: thread(T) },
      { type: "thread.item.done", item: userItem("u1", T, "Bonjour") },
      ...answerEvents(T, "a1", ["Salut"]),
    ];
    const { fetch, requests } = fakeFetch((r) => {
      if (r.url.endsWith("/api/organise/folders")) return { json: { folders: [FOLDER] } };
      if (r.url.includes("/api/organise/threads")) return { json: { data: [], has_more: false, after: null } };
      if (r.type === "threads.list") return { json: { data: [], has_more: false, after: null } };
      if (r.url.includes("/api/")) return { json: {}, status: 404 };
      return { sse: [sseBytes(stream)] };
    });
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
    controller.setOptions({ api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch }, composer: { models: MODELS } });
    await controller.organiser.loadFolders();
    expect(controller.getState().organise.available).toBe(true);
    expect(controller.getState().composer.modelId).toBe("p::default");

    await controller.organiser.setView({ kind: "folder", id: FOLDER.id });
    expect(controller.getState().composer.modelId).toBe("p::folder-model");
    expect(requests.some((r) => r.url.includes("/api/organise/threads?view=folder&limit=50&folder=fld_1"))).toBe(true);

    controller.setComposerText("Bonjour");
    await controller.submitComposer();
    const create = requests.find((r) => r.type === "threads.create")!;
    expect((create.body as { metadata?: unknown }).metadata).toEqual({ folder_id: FOLDER.id });
    expect((create.params as { input: { inference_options: { model?: string } } }).input.inference_options.model).toBe("p::folder-model");

    // Back in all chats, a new chat is in no folder and on the usual default.
    await controller.organiser.setView({ kind: "all" });
    await controller.setThreadId(null);
    expect(controller.getState().composer.modelId).toBe("p::default");
    expect(controller.organiser.newChatMetadata()).toBeUndefined();
  });

  it("says a refused change in the sidebar and keeps the selection", async () => {
    const { fetch } = fakeFetch((r) => {
      if (r.url.endsWith("/api/organise/folders")) return { json: { folders: [] } };
      if (r.url.endsWith("/api/organise/threads"))
        return { json: { error: { code: "not_found", message: "One of the chosen conversations no longer exists." } }, status: 404 };
      return { json: { data: [], has_more: false, after: null } };
    });
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
    controller.setOptions({ api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch } });
    await controller.organiser.loadFolders();
    controller.organiser.select("a", ["a", "b"], "toggle");
    expect(await controller.organiser.change("archive", ["a"])).toBe(false);
    expect(controller.getState().organise.error).toBe("One of the chosen conversations no longer exists.");
    expect(controller.getState().organise.selected).toEqual(["a"]);
  });

  it("stays a plain list when the server has no organise API", async () => {
    const { fetch } = fakeFetch(() => ({ json: { error: { code: "not_found", message: "Nothing here." } }, status: 404 }));
    const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
    controller.setOptions({ api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch }, history: { enabled: false } });
    await controller.organiser.loadFolders();
    expect(controller.getState().organise.available).toBe(false);
  });
});
