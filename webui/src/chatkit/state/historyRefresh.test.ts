import { describe, expect, it } from "vitest";
import type { ThreadMetadata } from "../protocol/types";
import { fakeFetch, thread } from "../test/fixtures";
import { ChatController, TITLE_MAX_LENGTH } from "./controller";

/** A server whose thread list (newest activity first) the test edits between calls. */
function setup(initial: string[]) {
  let ids = [...initial];
  const pageOf = (after: string | undefined, limit: number) => {
    const start = after ? ids.indexOf(after) + 1 : 0;
    const data = ids.slice(start, start + limit).map((id) => thread(id, `Title ${id}`));
    const hasMore = start + limit < ids.length;
    return { data, has_more: hasMore, after: hasMore ? data[data.length - 1]!.id : null };
  };
  const { fetch, requests } = fakeFetch((r) => {
    if (r.type === "threads.list") return { json: pageOf(r.params?.after as string | undefined, r.params?.limit as number) };
    if (r.type === "threads.update") return { json: { ...thread(r.params!.thread_id as string, r.params!.title as string) } };
    throw new Error(`unexpected ${r.type}`);
  });
  const controller = new ChatController({ emit: () => undefined, schedule: (cb) => cb() });
  controller.setOptions({ api: { url: "http://127.0.0.1:9/chatkit", domainKey: "local", fetch }, history: { enabled: true } });
  return {
    controller,
    requests,
    setIds: (next: string[]) => {
      ids = next;
    },
  };
}

const listed = (c: ChatController) => c.getState().history.threads.map((t: ThreadMetadata) => t.id);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `t${from + i}`);
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("refreshHistory", () => {
  it("shows a thread started in another window at the top, keeping the pages already loaded", async () => {
    const { controller, setIds } = setup(range(0, 70));
    await settle();
    await controller.loadThreads(false);
    expect(listed(controller)).toEqual(range(0, 60));
    const before = controller.getState().history;

    setIds(["elsewhere", ...range(0, 70)]);
    await controller.refreshHistory();
    const after = controller.getState().history;
    expect(listed(controller)).toEqual(["elsewhere", ...range(0, 60)]);
    // Paging on continues where it was.
    expect([after.after, after.hasMore]).toEqual([before.after, before.hasMore]);
    await controller.loadThreads(false);
    expect(listed(controller)).toEqual(["elsewhere", ...range(0, 70)]);
  });

  it("moves a thread continued elsewhere to the top and drops one deleted elsewhere", async () => {
    const { controller, setIds } = setup(range(0, 45));
    await settle();
    setIds(["t40", ...range(0, 45).filter((id) => id !== "t40" && id !== "t3")]);
    await controller.refreshHistory();
    expect(listed(controller)).toEqual(["t40", ...range(0, 30).filter((id) => id !== "t3")]);
    // The next page follows on without repeating the moved thread.
    await controller.loadThreads(false);
    expect(listed(controller)).toEqual(["t40", ...range(0, 45).filter((id) => id !== "t3" && id !== "t40")]);
  });

  it("replaces a list that fits in one page, with no spinner shown", async () => {
    const { controller, setIds } = setup(["a", "b"]);
    await settle();
    setIds(["c", "a"]);
    const states: boolean[] = [];
    const stop = controller.subscribe(() => states.push(controller.getState().history.loading));
    await controller.refreshHistory();
    stop();
    expect(listed(controller)).toEqual(["c", "a"]);
    expect(states.every((loading) => !loading)).toBe(true);
  });
});

describe("renameThread", () => {
  it("trims the title and caps it at the maximum length", async () => {
    const { controller, requests } = setup(["t1"]);
    await settle();
    await controller.renameThread("t1", `  ${"x".repeat(300)}  `);
    const sent = requests.find((r) => r.type === "threads.update")!.params!.title as string;
    expect(sent).toBe("x".repeat(TITLE_MAX_LENGTH));
    expect(controller.getState().history.threads[0]!.title).toBe("x".repeat(TITLE_MAX_LENGTH));
  });
});
