import { describe, expect, it } from "vitest";
import type { ThreadItem, ThreadStreamEvent } from "../protocol/types";
import { answerEvents, assistantItem, fakeFetch, sseBytes, thread, userItem, type RecordedRequest } from "../test/fixtures";
import { forkMap, forkOfTurn, siblingTowards, switchedView, type Fork } from "./branches";
import { ChatController } from "./controller";

const T = "thr_b";
const BRANCHES = `http://127.0.0.1:9/api/threads/${T}/branches`;

const texts = (items: ThreadItem[]) =>
  items.map((i) => (i.type === "assistant_message" || i.type === "user_message" ? i.content.map((c) => c.text).join("") : i.type));

/**
 * A tiny Kitdesk server for one thread whose answer was regenerated: two sibling
 * answers (a1, a2) to u1, a2 active; it keeps the switch as the real one does.
 */
function branchingServer(options: { missing?: boolean; withoutPage?: boolean } = {}) {
  const answers: Record<string, ThreadItem> = { a1: assistantItem("a1", T, "First answer"), a2: assistantItem("a2", T, "Second answer") };
  let active = "a2";
  const fork = (): Fork => ({ item_id: active, index: active === "a1" ? 1 : 2, count: 2, sibling_ids: ["a1", "a2"] });
  const handler = (r: RecordedRequest) => {
    if (r.url.startsWith(BRANCHES)) {
      if (options.missing) return { json: { error: { code: "not_found", message: "There is nothing at this address." } }, status: 404 };
      if (r.method === "POST") {
        const id = (r.body as { item_id: string }).item_id;
        if (!(id in answers)) return { json: { error: { code: "not_found", message: "That message no longer exists." } }, status: 404 };
        active = id;
        const page = (r.body as { page?: number }).page;
        if (page === undefined || options.withoutPage) return { json: { forks: [fork()] } };
        const newestFirst = [answers[active]!, userItem("u1", T, "Question")].slice(0, page);
        return { json: { forks: [fork()], thread: { ...thread(T), items: { data: [], has_more: false } }, items: { data: newestFirst, has_more: page < 2, after: null } } };
      }
      return { json: { forks: [fork()] } };
    }
    if (r.type === "threads.get_by_id") return { json: { ...thread(T), items: { data: [userItem("u1", T, "Question"), answers[active]!], has_more: false } } };
    throw new Error(`unexpected ${r.method} ${r.url} ${r.type ?? ""}`);
  };
  return handler;
}

function setup(handler: Parameters<typeof fakeFetch>[0]) {
  const { fetch, requests } = fakeFetch(handler);
  const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
  controller.setOptions({ api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch }, history: { enabled: false } });
  return { controller, requests };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("branch helpers", () => {
  const fork: Fork = { item_id: "b", index: 2, count: 3, sibling_ids: ["a", "b", "c"] };

  it("steps to the neighbouring sibling and stops at the ends", () => {
    expect(siblingTowards(fork, -1)).toBe("a");
    expect(siblingTowards(fork, 1)).toBe("c");
    expect(siblingTowards({ ...fork, item_id: "a", index: 1 }, -1)).toBeNull();
    expect(siblingTowards({ ...fork, item_id: "c", index: 3 }, 1)).toBeNull();
  });

  it("keeps only real forks and finds the one of a turn", () => {
    const map = forkMap([fork, { item_id: "lonely", index: 1, count: 1, sibling_ids: ["lonely"] }]);
    expect(Object.keys(map)).toEqual(["b"]);
    expect(forkOfTurn(["w1", "b", "eot"], map)).toBe(map.b);
    expect(forkOfTurn(["x"], map)).toBeNull();
  });

  it("builds the new path's view from a switch reply, oldest first, or none without a page", () => {
    const view = switchedView({
      thread: { ...thread(T), items: { data: [], has_more: false } },
      items: { data: [assistantItem("a1", T, "Answer"), userItem("u1", T, "Question")], has_more: true, after: "u1" },
    });
    expect(view?.thread?.id).toBe(T);
    expect(texts(view!.items)).toEqual(["Question", "Answer"]);
    expect(view?.hasOlder).toBe(true);
    expect(view?.olderCursor).toBe("u1");
    expect(switchedView({ forks: [] })).toBeNull();
  });
});

describe("ChatController branches", () => {
  it("loads the forks with the thread and switches to the earlier answer", async () => {
    const { controller, requests } = setup(branchingServer());
    await controller.setThreadId(T);
    await settle();
    let state = controller.getState();
    expect(state.branchesAvailable).toBe(true);
    expect(state.forks.a2).toEqual({ item_id: "a2", index: 2, count: 2, sibling_ids: ["a1", "a2"] });
    expect(texts(state.view.items)).toEqual(["Question", "Second answer"]);

    const before = requests.length;
    await controller.switchBranch("a1");
    state = controller.getState();
    const post = requests.find((r) => r.method === "POST" && r.url === BRANCHES)!;
    expect(post.body).toEqual({ item_id: "a1", page: 40 });
    // One round trip: the reply carried the new path, nothing was reloaded.
    expect(requests.slice(before).filter((r) => r.type === "threads.get_by_id" || r.type === "items.list")).toHaveLength(0);
    expect(texts(state.view.items)).toEqual(["Question", "First answer"]);
    expect(Object.keys(state.forks)).toEqual(["a1"]);
    expect(state.forks.a1!.index).toBe(1);
    expect(state.announcement).toBe("Showing version 1 of 2");
    expect(state.switchedTo).toEqual({ itemId: "a1", serial: 1 });
  });

  it("reloads the thread when the switch reply carries no page", async () => {
    const { controller, requests } = setup(branchingServer({ withoutPage: true }));
    await controller.setThreadId(T);
    await settle();
    const before = requests.length;
    await controller.switchBranch("a1");
    const state = controller.getState();
    expect(requests.slice(before).some((r) => r.type === "threads.get_by_id")).toBe(true);
    expect(texts(state.view.items)).toEqual(["Question", "First answer"]);
    expect(state.forks.a1!.index).toBe(1);
  });

  it("opens a search hit from an inactive branch on that branch", async () => {
    const server = branchingServer();
    let onActive = false;
    const { controller, requests } = setup((r) => {
      if (r.url.includes("/api/search")) {
        const hit = onActive ? { item_id: "a2", on_active_branch: true } : { item_id: "a1", on_active_branch: false };
        return { json: { results: [{ thread_id: T, title: "Q", snippet: "<mark>answer</mark>", updated_at: null, ...hit }] } };
      }
      return server(r);
    });
    controller.setSearchQuery("first");
    await new Promise((resolve) => setTimeout(resolve, 250));
    await controller.setThreadId(T);
    await settle();
    const posts = () => requests.filter((r) => r.method === "POST" && r.url === BRANCHES);
    expect(posts().map((r) => r.body)).toEqual([{ item_id: "a1" }]);
    expect(texts(controller.getState().view.items)).toEqual(["Question", "First answer"]);

    // The thread already open on another branch: the hit still brings its branch back.
    await controller.switchBranch("a2");
    await controller.setThreadId(T);
    expect(texts(controller.getState().view.items)).toEqual(["Question", "First answer"]);

    // A hit on the active path opens the thread as it is.
    onActive = true;
    await controller.setThreadId(null);
    controller.setSearchQuery("second");
    await new Promise((resolve) => setTimeout(resolve, 250));
    const before = posts().length;
    await controller.setThreadId(T);
    expect(posts().length).toBe(before);
  });

  it("shows a switch that failed as a sentence and keeps the path", async () => {
    const { controller } = setup(branchingServer());
    await controller.setThreadId(T);
    await settle();
    await controller.switchBranch("gone");
    const state = controller.getState();
    expect(state.view.error?.message).toBe("That message no longer exists.");
    expect(texts(state.view.items)).toEqual(["Question", "Second answer"]);
  });

  it("treats a missing branches API as no branches and stops asking", async () => {
    const { controller, requests } = setup(branchingServer({ missing: true }));
    await controller.setThreadId(T);
    await settle();
    expect(controller.getState().branchesAvailable).toBe(false);
    expect(controller.getState().forks).toEqual({});
    await controller.fetchUpdates();
    await settle();
    expect(requests.filter((r) => r.url.startsWith(BRANCHES))).toHaveLength(1);
  });

  it("edits a message: branches it off on the server, then sends the new text after it", async () => {
    const quoted = { ...userItem("u1", T, "Capital of Frnace?"), quoted_text: "maps", inference_options: { model: "p::m" } } as ThreadItem;
    let edited = false;
    const stream: ThreadStreamEvent[] = [{ type: "thread.item.done", item: userItem("u2", T, "Capital of France?") }, ...answerEvents(T, "a9", ["Paris."])];
    const { controller, requests } = setup((r) => {
      if (r.url === `${BRANCHES}/edit`) {
        edited = true;
        return { json: { moved: ["u1", "a1"] } };
      }
      if (r.url === BRANCHES) return { json: { forks: edited ? [{ item_id: "u2", index: 2, count: 2, sibling_ids: ["u1", "u2"] }] : [] } };
      if (r.type === "threads.get_by_id") return { json: { ...thread(T), items: { data: [quoted, assistantItem("a1", T, "Paris? Frnace?")], has_more: false } } };
      if (r.type === "threads.add_user_message") return { sse: [sseBytes(stream)] };
      throw new Error(`unexpected ${r.method} ${r.url}`);
    });
    await controller.setThreadId(T);
    await settle();
    expect(await controller.editMessage("u1", "Capital of France?  ")).toBe(true);
    const send = requests.find((r) => r.type === "threads.add_user_message")!;
    expect(requests.findIndex((r) => r.url === `${BRANCHES}/edit`)).toBeLessThan(requests.indexOf(send));
    expect(send.params).toEqual({
      thread_id: T,
      input: {
        content: [{ type: "input_text", text: "Capital of France?" }],
        attachments: [],
        quoted_text: "maps",
        inference_options: { model: "p::m", tool_choice: null },
      },
    });
    const state = controller.getState();
    expect(texts(state.view.items)).toEqual(["Capital of France?", "Paris."]);
    expect(state.forks.u2?.index).toBe(2);
  });

  it("does not send an edit the server refused", async () => {
    const { controller, requests } = setup((r) => {
      if (r.url === `${BRANCHES}/edit`) return { json: { error: { code: "not_on_active_path", message: "That message is on another branch." } }, status: 409 };
      if (r.url === BRANCHES) return { json: { forks: [] } };
      if (r.type === "threads.get_by_id") return { json: { ...thread(T), items: { data: [userItem("u1", T, "Hi")], has_more: false } } };
      throw new Error(`unexpected ${r.method} ${r.url}`);
    });
    await controller.setThreadId(T);
    await settle();
    expect(await controller.editMessage("u1", "Hello")).toBe(false);
    expect(requests.some((r) => r.type === "threads.add_user_message")).toBe(false);
    expect(controller.getState().view.error?.message).toBe("That message is on another branch.");
    expect(texts(controller.getState().view.items)).toEqual(["Hi"]);
  });
});
