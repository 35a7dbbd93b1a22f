/**
 * The state of one open thread and the pure functions that apply protocol
 * events to it. Events arrive in batches (one per animation frame while
 * streaming): `applyEvents` copies the item array once per batch and each
 * touched item once, so a 5,000-item thread does not cost 5,000 copies per
 * delta, and untouched items keep their identity (memoized rendering).
 */
import type {
  AssistantMessageContent,
  AssistantMessageItem,
  NoticeLevel,
  ThreadItem,
  ThreadItemUpdate,
  ThreadMetadata,
  ThreadStreamEvent,
  WidgetItem,
  WorkflowItem,
} from "../protocol/types";
import type { Widgets } from "@openai/chatkit";

export interface Notice {
  id: string;
  level: NoticeLevel;
  message: string;
  title?: string | null;
}

export interface InlineError {
  message: string;
  allowRetry: boolean;
}

export interface ThreadView {
  /** null while the user is on the new-thread screen. */
  thread: ThreadMetadata | null;
  items: ThreadItem[];
  /** Cursor for items.list (desc) to page older items; null when all are loaded. */
  olderCursor: string | null;
  hasOlder: boolean;
  progress: { icon?: string | null; text: string } | null;
  notices: Notice[];
  error: InlineError | null;
  /** Ids of items still streaming (added but not done). */
  streamingIds: ReadonlySet<string>;
  allowCancel: boolean;
}

export function emptyThreadView(thread: ThreadMetadata | null = null): ThreadView {
  return {
    thread,
    items: [],
    olderCursor: null,
    hasOlder: false,
    progress: null,
    notices: [],
    error: null,
    streamingIds: new Set(),
    allowCancel: true,
  };
}

const HIDDEN_TYPES = new Set(["hidden_context_item", "sdk_hidden_context"]);

export function isVisibleItem(item: ThreadItem): boolean {
  return !HIDDEN_TYPES.has(item.type);
}

function stripItems(thread: ThreadMetadata & { items?: unknown }): ThreadMetadata {
  const { items: _items, ...meta } = thread;
  void _items;
  return meta;
}

let noticeCounter = 0;

interface Draft {
  view: ThreadView;
  items: ThreadItem[];
  cloned: Set<string>;
  streaming: Set<string>;
}

function indexOfItem(items: ThreadItem[], id: string): number {
  // Streaming touches the tail: search from the end.
  for (let i = items.length - 1; i >= 0; i -= 1) {
    if (items[i]!.id === id) return i;
  }
  return -1;
}

function writableItem<T extends ThreadItem>(draft: Draft, index: number): T {
  const item = draft.items[index]!;
  if (draft.cloned.has(item.id)) return item as T;
  const copy = structuredCloneItem(item);
  draft.items[index] = copy;
  draft.cloned.add(item.id);
  return copy as T;
}

function structuredCloneItem(item: ThreadItem): ThreadItem {
  switch (item.type) {
    case "assistant_message":
      return {
        ...item,
        content: item.content.map((part) => ({ ...part, annotations: [...(part.annotations ?? [])] })),
      };
    case "workflow":
      return { ...item, workflow: { ...item.workflow, tasks: [...item.workflow.tasks] } };
    case "widget":
      // Widgets are small; a deep copy keeps component updates simple.
      return JSON.parse(JSON.stringify(item)) as WidgetItem;
    default:
      return { ...item };
  }
}

function upsertItem(draft: Draft, item: ThreadItem): void {
  if (!isVisibleItem(item)) return;
  if (item.type === "user_message") {
    // The server's copy replaces the optimistic one shown while sending.
    for (let i = draft.items.length - 1; i >= 0; i -= 1) {
      if (draft.items[i]!.id.startsWith(PENDING_PREFIX)) draft.items.splice(i, 1);
    }
  }
  const index = indexOfItem(draft.items, item.id);
  if (index >= 0) {
    draft.items[index] = item;
  } else {
    draft.items.push(item);
  }
  // The event's object is stored as is; a later update in the batch copies it first.
  draft.cloned.delete(item.id);
}

export const PENDING_PREFIX = "__pending__";

function ensureContent(item: AssistantMessageItem, index: number): AssistantMessageContent {
  while (item.content.length <= index) item.content.push({ type: "output_text", text: "", annotations: [] });
  const part = item.content[index]!;
  if (!part.annotations) part.annotations = [];
  return part;
}

function findComponent(node: unknown, id: string): { parent: unknown[]; index: number } | null {
  if (!node || typeof node !== "object") return null;
  const children = (node as { children?: unknown }).children;
  if (Array.isArray(children)) {
    for (let i = 0; i < children.length; i += 1) {
      const child = children[i] as { id?: unknown } | null;
      if (child && typeof child === "object" && child.id === id) return { parent: children, index: i };
      const found = findComponent(child, id);
      if (found) return found;
    }
  } else if (children && typeof children === "object") {
    // Transition wraps a single child.
    const child = children as { id?: unknown };
    if (child.id === id) return { parent: [child], index: 0 };
    return findComponent(child, id);
  }
  return null;
}

function applyUpdate(draft: Draft, itemId: string, update: ThreadItemUpdate): void {
  const index = indexOfItem(draft.items, itemId);
  if (index < 0) return;
  const current = draft.items[index]!;
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done": {
      if (current.type !== "assistant_message") return;
      const item = writableItem<AssistantMessageItem>(draft, index);
      ensureContent(item, update.content_index);
      item.content[update.content_index] = {
        ...update.content,
        annotations: [...(update.content.annotations ?? [])],
      };
      return;
    }
    case "assistant_message.content_part.text_delta": {
      if (current.type !== "assistant_message") return;
      const item = writableItem<AssistantMessageItem>(draft, index);
      const part = ensureContent(item, update.content_index);
      item.content[update.content_index] = { ...part, text: part.text + update.delta };
      return;
    }
    case "assistant_message.content_part.annotation_added": {
      if (current.type !== "assistant_message") return;
      const item = writableItem<AssistantMessageItem>(draft, index);
      const part = ensureContent(item, update.content_index);
      const annotations = [...part.annotations];
      if (update.annotation_index <= annotations.length) annotations.splice(update.annotation_index, 0, update.annotation);
      else annotations.push(update.annotation);
      item.content[update.content_index] = { ...part, annotations };
      return;
    }
    case "workflow.task.added":
    case "workflow.task.updated": {
      if (current.type !== "workflow") return;
      const item = writableItem<WorkflowItem>(draft, index);
      const tasks = item.workflow.tasks;
      if (update.type === "workflow.task.added") tasks.push(update.task);
      else tasks[update.task_index] = update.task;
      return;
    }
    case "widget.root.updated": {
      if (current.type !== "widget") return;
      const item = writableItem<WidgetItem>(draft, index);
      item.widget = update.widget;
      return;
    }
    case "widget.component.updated": {
      if (current.type !== "widget") return;
      const item = writableItem<WidgetItem>(draft, index);
      const found = findComponent(item.widget, update.component_id);
      if (found) found.parent[found.index] = update.component;
      return;
    }
    case "widget.streaming_text.value_delta": {
      if (current.type !== "widget") return;
      const item = writableItem<WidgetItem>(draft, index);
      const found = findComponent(item.widget, update.component_id);
      if (!found) return;
      const component = found.parent[found.index] as Widgets.TextComponent | Widgets.Markdown;
      found.parent[found.index] = {
        ...component,
        value: (component.value ?? "") + update.delta,
        streaming: !update.done,
      };
      return;
    }
    case "generated_image.updated": {
      if (current.type !== "generated_image") return;
      const item = writableItem(draft, index);
      if (item.type === "generated_image") {
        item.image = update.image;
        item.progress = update.progress ?? null;
      }
      return;
    }
  }
}

/**
 * Apply a batch of events. Returns the new view (a new object whenever
 * anything changed). Events with side effects outside the thread
 * (client_effect) leave the view untouched; the controller reacts to them.
 */
export function applyEvents(view: ThreadView, events: readonly ThreadStreamEvent[]): ThreadView {
  if (events.length === 0) return view;
  const draft: Draft = {
    view: { ...view },
    items: view.items.slice(),
    cloned: new Set(),
    streaming: new Set(view.streamingIds),
  };
  for (const event of events) applyEvent(draft, event);
  draft.view.items = draft.items;
  draft.view.streamingIds = draft.streaming;
  return draft.view;
}

function applyEvent(draft: Draft, event: ThreadStreamEvent): void {
  const view = draft.view;
  switch (event.type) {
    case "thread.created":
    case "thread.updated":
      view.thread = stripItems(event.thread);
      return;
    case "thread.item.added":
      upsertItem(draft, event.item);
      if (isVisibleItem(event.item)) draft.streaming.add(event.item.id);
      view.progress = null;
      return;
    case "thread.item.done":
      upsertItem(draft, event.item);
      draft.streaming.delete(event.item.id);
      view.progress = null;
      return;
    case "thread.item.replaced": {
      const index = indexOfItem(draft.items, event.item.id);
      if (index >= 0) {
        draft.items[index] = event.item;
        draft.cloned.delete(event.item.id);
      } else {
        upsertItem(draft, event.item);
      }
      return;
    }
    case "thread.item.removed": {
      const index = indexOfItem(draft.items, event.item_id);
      if (index >= 0) draft.items.splice(index, 1);
      draft.streaming.delete(event.item_id);
      return;
    }
    case "thread.item.updated":
      applyUpdate(draft, event.item_id, event.update);
      return;
    case "stream_options":
      view.allowCancel = event.stream_options.allow_cancel;
      return;
    case "progress_update":
      view.progress = { icon: event.icon ?? null, text: event.text };
      return;
    case "notice":
      noticeCounter += 1;
      view.notices = [
        ...view.notices,
        { id: `notice_${noticeCounter}`, level: event.level, message: event.message, title: event.title ?? null },
      ];
      return;
    case "error":
      view.progress = null;
      view.error = {
        message: event.message || "Something went wrong while answering.",
        allowRetry: event.allow_retry ?? false,
      };
      draft.streaming.clear();
      return;
    case "client_effect":
      return;
  }
}

/** Items once a stream stops (finished, aborted or failed): nothing streams. */
export function settle(view: ThreadView): ThreadView {
  if (view.streamingIds.size === 0 && view.progress === null) return view;
  return { ...view, streamingIds: new Set(), progress: null };
}

/**
 * threads.retry_after_item deletes everything after the user message on the
 * server but emits no thread.item.removed: drop the same items locally.
 */
export function dropItemsAfter(view: ThreadView, itemId: string): ThreadView {
  const index = view.items.findIndex((item) => item.id === itemId);
  if (index < 0) return view;
  return {
    ...view,
    items: view.items.slice(0, index + 1),
    error: null,
    notices: [],
    progress: null,
    streamingIds: new Set(),
  };
}

/** Prepend an older page (oldest first), skipping ids already present. */
export function prependOlder(view: ThreadView, older: ThreadItem[], cursor: string | null, hasMore: boolean): ThreadView {
  const known = new Set(view.items.map((item) => item.id));
  const fresh = older.filter((item) => isVisibleItem(item) && !known.has(item.id));
  return { ...view, items: [...fresh, ...view.items], olderCursor: cursor, hasOlder: hasMore };
}

export function lastUserMessageId(view: ThreadView): string | null {
  for (let i = view.items.length - 1; i >= 0; i -= 1) {
    const item = view.items[i]!;
    if (item.type === "user_message" && !item.id.startsWith(PENDING_PREFIX)) return item.id;
  }
  return null;
}

/** The user message a given assistant-side item answers (for per-item retry). */
export function userMessageBefore(view: ThreadView, itemId: string): string | null {
  const index = view.items.findIndex((item) => item.id === itemId);
  for (let i = index; i >= 0; i -= 1) {
    const item = view.items[i]!;
    if (item.type === "user_message") return item.id;
  }
  return null;
}

export function assistantText(item: ThreadItem): string {
  if (item.type === "assistant_message") return item.content.map((part) => part.text).join("\n\n");
  if (item.type === "widget") return item.copy_text ?? "";
  if (item.type === "user_message")
    return item.content.map((part) => part.text).join("");
  return "";
}

/**
 * The model ref this thread answers with: the one its last user message went
 * to (the server honours an explicit choice), else the `metadata.model` a
 * server may send (the model that answered the last turn), else the latest
 * explicit choice before it (what that metadata would say).
 */
export function threadModel(view: ThreadView): string | null {
  const fromMetadata = view.thread?.metadata?.model;
  let last = true;
  for (let i = view.items.length - 1; i >= 0; i -= 1) {
    const item = view.items[i]!;
    if (item.type !== "user_message") continue;
    const model = item.inference_options?.model;
    if (model) return model;
    if (last && typeof fromMetadata === "string" && fromMetadata) return fromMetadata;
    last = false;
  }
  return typeof fromMetadata === "string" && fromMetadata ? fromMetadata : null;
}

/** A picker label for a model ref that is not among composer.models: its model part. */
export function modelRefLabel(ref: string): string {
  const cut = ref.indexOf("::");
  return cut >= 0 ? ref.slice(cut + 2) : ref;
}
