import { describe, expect, it } from "vitest";
import type { ThreadItem, ThreadStreamEvent, WidgetItem, WorkflowItem } from "../protocol/types";
import { answerEvents, assistantItem, NOW, thread, userItem } from "../test/fixtures";
import { applyEvents, dropItemsAfter, emptyThreadView, lastUserMessageId, PENDING_PREFIX, prependOlder, settle } from "./thread";

const T = "thr_1";

function run(events: ThreadStreamEvent[], start = emptyThreadView()) {
  return applyEvents(start, events);
}

describe("applyEvents", () => {
  it("builds a thread from created, user item, streamed answer and title update", () => {
    const view = run([
      { type: "thread.created", thread: thread(T) },
      { type: "thread.item.done", item: userItem("u1", T, "Hi") },
      ...answerEvents(T, "a1", ["Hel", "lo ", "there"]),
      { type: "thread.updated", thread: thread(T, "Greeting") },
    ]);
    expect(view.thread?.id).toBe(T);
    expect(view.thread?.title).toBe("Greeting");
    expect("items" in (view.thread ?? {})).toBe(false);
    expect(view.items.map((i) => i.id)).toEqual(["u1", "a1"]);
    const answer = view.items[1]!;
    expect(answer.type === "assistant_message" && answer.content[0]!.text).toBe("Hello there");
    expect(view.streamingIds.size).toBe(0);
    expect(view.allowCancel).toBe(true);
  });

  it("applies deltas delivered in separate batches and marks the item streaming until done", () => {
    const events = answerEvents(T, "a1", ["a", "b", "c"]);
    let view = emptyThreadView(thread(T));
    view = applyEvents(view, events.slice(0, 4)); // options, added, part added, delta "a"
    expect(view.streamingIds.has("a1")).toBe(true);
    const partial = view.items[0]!;
    expect(partial.type === "assistant_message" && partial.content[0]!.text).toBe("a");
    view = applyEvents(view, events.slice(4, 6));
    const more = view.items[0]!;
    expect(more.type === "assistant_message" && more.content[0]!.text).toBe("abc");
    view = applyEvents(view, events.slice(6));
    expect(view.streamingIds.has("a1")).toBe(false);
  });

  it("keeps untouched items identical (memoized rendering) and never mutates the input", () => {
    const start = run([
      { type: "thread.item.done", item: userItem("u1", T, "Hi") },
      { type: "thread.item.added", item: assistantItem("a1", T) },
    ]);
    const before = JSON.stringify(start);
    const next = applyEvents(start, [
      { type: "thread.item.updated", item_id: "a1", update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "x" } },
    ]);
    expect(JSON.stringify(start)).toBe(before);
    expect(next.items[0]).toBe(start.items[0]);
    expect(next.items[1]).not.toBe(start.items[1]);
  });

  it("adds annotations at their index", () => {
    const source = { type: "url" as const, title: "Docs", url: "https://example.com" };
    const view = run([
      { type: "thread.item.added", item: assistantItem("a1", T, "text") },
      { type: "thread.item.updated", item_id: "a1", update: { type: "assistant_message.content_part.annotation_added", content_index: 0, annotation_index: 0, annotation: { type: "annotation", source, index: 4 } } },
      { type: "thread.item.updated", item_id: "a1", update: { type: "assistant_message.content_part.annotation_added", content_index: 0, annotation_index: 0, annotation: { type: "annotation", source: { ...source, title: "First" }, index: 1 } } },
    ]);
    const item = view.items[0]!;
    expect(item.type === "assistant_message" && item.content[0]!.annotations.map((a) => a.source.title)).toEqual(["First", "Docs"]);
  });

  it("removes and replaces items", () => {
    const view = run([
      { type: "thread.item.done", item: userItem("u1", T, "one") },
      { type: "thread.item.done", item: userItem("u2", T, "two") },
      { type: "thread.item.removed", item_id: "u1" },
      { type: "thread.item.replaced", item: userItem("u2", T, "TWO") },
    ]);
    expect(view.items).toHaveLength(1);
    const item = view.items[0]!;
    expect(item.type === "user_message" && item.content[0]!.text).toBe("TWO");
  });

  it("adds and updates workflow tasks", () => {
    const workflow: WorkflowItem = { type: "workflow", id: "w1", thread_id: T, created_at: NOW, workflow: { type: "reasoning", tasks: [] } };
    const view = run([
      { type: "thread.item.added", item: workflow },
      { type: "thread.item.updated", item_id: "w1", update: { type: "workflow.task.added", task_index: 0, task: { type: "thought", content: "Think", status_indicator: "loading" } } },
      { type: "thread.item.updated", item_id: "w1", update: { type: "workflow.task.updated", task_index: 0, task: { type: "thought", content: "Thought", status_indicator: "complete" } } },
    ]);
    const item = view.items[0]!;
    expect(item.type === "workflow" && item.workflow.tasks).toEqual([{ type: "thought", content: "Thought", status_indicator: "complete" }]);
    expect(workflow.workflow.tasks).toEqual([]);
  });

  it("updates widgets: root, component and streaming text", () => {
    const widget: WidgetItem = {
      type: "widget",
      id: "wd1",
      thread_id: T,
      created_at: NOW,
      widget: { type: "Card", children: [{ type: "Text", id: "t1", value: "Lo", streaming: true }, { type: "Badge", id: "b1", label: "old" }] },
    };
    let view = run([
      { type: "thread.item.added", item: widget },
      { type: "thread.item.updated", item_id: "wd1", update: { type: "widget.streaming_text.value_delta", component_id: "t1", delta: "ading", done: true } },
      { type: "thread.item.updated", item_id: "wd1", update: { type: "widget.component.updated", component_id: "b1", component: { type: "Badge", id: "b1", label: "new" } } },
    ]);
    const item = view.items[0] as WidgetItem;
    expect(item.widget.children).toEqual([
      { type: "Text", id: "t1", value: "Loading", streaming: false },
      { type: "Badge", id: "b1", label: "new" },
    ]);
    view = applyEvents(view, [{ type: "thread.item.updated", item_id: "wd1", update: { type: "widget.root.updated", widget: { type: "Card", children: [] } } }]);
    expect((view.items[0] as WidgetItem).widget.children).toEqual([]);
  });

  it("updates generated images", () => {
    const view = run([
      { type: "thread.item.added", item: { type: "generated_image", id: "g1", thread_id: T, created_at: NOW, image: null } },
      { type: "thread.item.updated", item_id: "g1", update: { type: "generated_image.updated", image: { id: "img", url: "data:image/png;base64,AAAA" }, progress: 0.5 } },
    ]);
    const item = view.items[0]!;
    expect(item.type === "generated_image" && item.image?.url).toBe("data:image/png;base64,AAAA");
    expect(item.type === "generated_image" && item.progress).toBe(0.5);
  });

  it("records progress, notices, errors and stream options; ignores client effects", () => {
    let view = run([
      { type: "stream_options", stream_options: { allow_cancel: false } },
      { type: "progress_update", icon: "search", text: "Searching…" },
      { type: "notice", level: "warning", message: "Near your **limit**", title: "Heads up" },
      { type: "client_effect", name: "confetti", data: { n: 1 } },
    ]);
    expect(view.allowCancel).toBe(false);
    expect(view.progress).toEqual({ icon: "search", text: "Searching…" });
    expect(view.notices.map((n) => [n.level, n.message, n.title])).toEqual([["warning", "Near your **limit**", "Heads up"]]);
    view = applyEvents(view, [{ type: "thread.item.added", item: assistantItem("a1", T) }]);
    expect(view.progress).toBeNull();
    view = applyEvents(view, [{ type: "error", code: "stream.error", allow_retry: true }]);
    expect(view.error).toEqual({ message: "Something went wrong while answering.", allowRetry: true });
    expect(view.streamingIds.size).toBe(0);
    view = applyEvents(view, [{ type: "error", code: "custom", message: "Quota exceeded", allow_retry: false }]);
    expect(view.error).toEqual({ message: "Quota exceeded", allowRetry: false });
  });

  it("hides hidden context items", () => {
    const view = run([
      { type: "thread.item.done", item: { type: "sdk_hidden_context", id: "h1", thread_id: T, created_at: NOW, content: "x" } as ThreadItem },
    ]);
    expect(view.items).toEqual([]);
  });

  it("replaces the optimistic user message with the server's", () => {
    const start = { ...emptyThreadView(), items: [userItem(`${PENDING_PREFIX}1`, "", "Hi")] };
    const view = applyEvents(start, [{ type: "thread.item.done", item: userItem("u1", T, "Hi") }]);
    expect(view.items.map((i) => i.id)).toEqual(["u1"]);
  });
});

describe("thread helpers", () => {
  const items = [userItem("u1", T, "a"), assistantItem("a1", T, "b"), userItem("u2", T, "c"), assistantItem("a2", T, "d")];

  it("drops every item after the retried user message", () => {
    const view = { ...emptyThreadView(thread(T)), items, error: { message: "x", allowRetry: true } };
    const next = dropItemsAfter(view, "u2");
    expect(next.items.map((i) => i.id)).toEqual(["u1", "a1", "u2"]);
    expect(next.error).toBeNull();
    expect(dropItemsAfter(view, "u1").items.map((i) => i.id)).toEqual(["u1"]);
    expect(lastUserMessageId(view)).toBe("u2");
  });

  it("prepends older pages without duplicates", () => {
    const view = { ...emptyThreadView(thread(T)), items: items.slice(2) };
    const next = prependOlder(view, items.slice(0, 3), "u1", true);
    expect(next.items.map((i) => i.id)).toEqual(["u1", "a1", "u2", "a2"]);
    expect(next.olderCursor).toBe("u1");
    expect(next.hasOlder).toBe(true);
  });

  it("settles streaming state", () => {
    const view = applyEvents(emptyThreadView(), [{ type: "thread.item.added", item: assistantItem("a1", T) }]);
    expect(settle(view).streamingIds.size).toBe(0);
  });
});
