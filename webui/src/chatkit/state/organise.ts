/**
 * Organising the history, through Kitdesk's `api/organise` (a server
 * without it answers 404 and the sidebar stays a plain list): pinned chats
 * first, an Archived view, folders ("projects") with an optional system
 * prompt and default model, and a selection of chats to delete, archive,
 * move or export together. The main list itself still comes from
 * `threads.list` (the server leaves archived chats out and lists pinned ones
 * first); the Archived view and a folder's view are pages of `api/organise/threads`.
 *
 * A new chat started while a folder is shown is created in it (the folder's id
 * rides in the `threads.create` request's metadata) and starts on the
 * folder's default model.
 */
import type { ChatKitOptions } from "@openai/chatkit";
import type { ChatKitClient } from "../protocol/client";
import type { Page, ThreadMetadata } from "../protocol/types";

export interface Folder {
  id: string;
  name: string;
  system_prompt: string | null;
  default_model: string | null;
  threads: number;
}

export type HistoryView = { kind: "all" } | { kind: "archived" } | { kind: "folder"; id: string };
export type ExportFormat = "markdown" | "json" | "html";
export type ThreadsAction = "pin" | "unpin" | "archive" | "restore" | "move" | "delete";

export interface OrganiseState {
  /** null until the server answered; false when it has no organise API. */
  available: boolean | null;
  folders: Folder[];
  view: HistoryView;
  /** The Archived view's or the folder's threads (the "all" view uses the history list). */
  threads: ThreadMetadata[];
  after: string | null;
  hasMore: boolean;
  loading: boolean;
  /** Checkbox mode: rows show a checkbox and a click selects. */
  selecting: boolean;
  selected: readonly string[];
  /** The last row clicked, where a Shift click or Shift+Arrow extends from. */
  anchor: string | null;
  /** The selection before the keyboard range from the anchor (Shift+Arrow grows and shrinks it). */
  rangeBase: readonly string[];
  error: string | null;
}

export const ALL_VIEW: HistoryView = { kind: "all" };

export function initialOrganiseState(): OrganiseState {
  return {
    available: null,
    folders: [],
    view: ALL_VIEW,
    threads: [],
    after: null,
    hasMore: false,
    loading: false,
    selecting: false,
    selected: [],
    anchor: null,
    rangeBase: [],
    error: null,
  };
}

export const isPinned = (thread: ThreadMetadata): boolean => thread.metadata?.["pinned"] === true;
export const isArchived = (thread: ThreadMetadata): boolean => thread.metadata?.["archived"] === true;
export const folderOf = (thread: ThreadMetadata): string | null => {
  const id = thread.metadata?.["folder_id"];
  return typeof id === "string" ? id : null;
};

/**
 * The selection after a click on `id` among `order` (the rows as shown):
 * Shift extends from the anchor, Ctrl/Cmd (or checkbox mode) toggles one.
 */
export function nextSelection(
  selected: readonly string[],
  anchor: string | null,
  id: string,
  order: readonly string[],
  mode: "toggle" | "range",
): string[] {
  if (mode === "range" && anchor && order.includes(anchor) && order.includes(id)) {
    const [from, to] = [order.indexOf(anchor), order.indexOf(id)].sort((a, b) => a - b);
    const range = order.slice(from!, to! + 1);
    return [...new Set([...selected, ...range])];
  }
  return selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
}

/**
 * Shift+Arrow from row `from` to row `to` among `order`: the selection is what it was
 * when the anchor was set plus every row from the anchor to `to`, so moving back
 * shrinks the range again. Without an anchor still shown, `from` becomes the anchor.
 */
export function extendSelection(
  state: Pick<OrganiseState, "selected" | "anchor" | "rangeBase">,
  from: string,
  to: string,
  order: readonly string[],
): { selected: string[]; anchor: string; rangeBase: readonly string[] } {
  const anchored = state.anchor !== null && order.includes(state.anchor);
  const anchor = anchored ? state.anchor! : from;
  const rangeBase = anchored ? state.rangeBase : state.selected;
  const ends = [order.indexOf(anchor), order.indexOf(to)].sort((a, b) => a - b);
  const range = ends[0]! < 0 ? [anchor] : order.slice(ends[0], ends[1]! + 1);
  return { selected: [...new Set([...rangeBase, ...range])], anchor, rangeBase };
}

export interface OrganiserDeps {
  client: ChatKitClient;
  get: () => OrganiseState;
  set: (state: OrganiseState) => void;
  options: () => ChatKitOptions | null;
  /** Reload the main list (after a change that reorders or hides chats). */
  reloadHistory: () => Promise<void>;
  /** The chats were deleted: drop them from the list, leave the open one if it was among them. */
  forget: (threadIds: readonly string[]) => Promise<void>;
  reportError: (error: unknown) => void;
  /** The list shown changed: a new chat not yet sent moves to the folder's default model. */
  viewChanged: () => void;
  log: (name: string, data?: Record<string, unknown>) => void;
}

const PAGE = 50;

export class Organiser {
  constructor(private readonly deps: OrganiserDeps) {}

  private patch(patch: Partial<OrganiseState>): void {
    this.deps.set({ ...this.deps.get(), ...patch });
  }

  /** A change the server refused: its sentence in the sidebar, and chatkit.error. */
  private fail(error: unknown): void {
    this.patch({ error: error instanceof Error ? error.message : String(error) });
    this.deps.reportError(error);
  }

  private url(path: string): string {
    return this.deps.client.resolve(`api/organise${path}`);
  }

  /** Ask the server for its folders; a 404 means it has no organise API. */
  async loadFolders(): Promise<void> {
    if (this.deps.get().available === false) return;
    try {
      const body = await this.deps.client.getJson<{ folders?: unknown }>(this.url("/folders"));
      // Anything but Kitdesk's answer (another server's page, a test double): no organising.
      if (Array.isArray(body?.folders)) this.patch({ available: true, folders: body.folders as Folder[] });
      else this.patch({ available: false });
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 405) this.patch({ available: false });
      else this.deps.log("organise.load_failed", { message: String(error) });
    }
  }

  /** The folder new chats go to now (the folder shown), if any. */
  currentFolder(): Folder | null {
    const { view, folders } = this.deps.get();
    return view.kind === "folder" ? (folders.find((f) => f.id === view.id) ?? null) : null;
  }

  /** Metadata for `threads.create`: the folder shown, so the chat is born in it. */
  newChatMetadata(): Record<string, unknown> | undefined {
    const folder = this.currentFolder();
    return folder ? { folder_id: folder.id } : undefined;
  }

  /** The model a new chat starts on in the folder shown (when the composer offers it). */
  newChatModel(): string | null {
    const model = this.currentFolder()?.default_model;
    const offered = this.deps.options()?.composer?.models ?? [];
    return model && offered.some((m) => m.id === model && !m.disabled) ? model : null;
  }

  async setView(view: HistoryView): Promise<void> {
    this.patch({ view, threads: [], after: null, hasMore: false, selected: [], anchor: null, rangeBase: [], error: null });
    this.deps.viewChanged();
    if (view.kind !== "all") await this.loadViewThreads(true);
  }

  async loadViewThreads(reset: boolean): Promise<void> {
    const state = this.deps.get();
    const view = state.view;
    if (view.kind === "all" || (state.loading && !reset)) return;
    if (!reset && !state.hasMore) return;
    this.patch({ loading: true, error: null });
    const query = new URLSearchParams({ view: view.kind, limit: String(PAGE) });
    if (view.kind === "folder") query.set("folder", view.id);
    if (!reset && state.after) query.set("after", state.after);
    try {
      const page = await this.deps.client.getJson<Page<ThreadMetadata>>(this.url(`/threads?${query.toString()}`));
      if (this.deps.get().view !== view) return;
      const base = reset ? [] : this.deps.get().threads;
      this.patch({ threads: [...base, ...page.data], after: page.after ?? null, hasMore: page.has_more, loading: false });
    } catch (error) {
      if (this.deps.get().view !== view) return;
      this.patch({ loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  // ---- selection ----

  setSelecting(selecting: boolean): void {
    this.patch({ selecting, selected: selecting ? this.deps.get().selected : [], anchor: null, rangeBase: [] });
  }

  select(id: string, order: readonly string[], mode: "toggle" | "range"): void {
    const state = this.deps.get();
    const selected = nextSelection(state.selected, state.anchor, id, order, mode);
    this.patch({ selected, anchor: id, rangeBase: selected, selecting: state.selecting || selected.length > 0 });
  }

  /** Shift+ArrowUp/Down: the keyboard moved from row `from` to row `to` (see extendSelection). */
  extend(from: string, to: string, order: readonly string[]): void {
    this.patch({ ...extendSelection(this.deps.get(), from, to, order), selecting: true });
  }

  /** Ctrl/Cmd+A: every chat shown. */
  selectAll(order: readonly string[]): void {
    this.patch({ selected: [...order], anchor: null, rangeBase: [...order], selecting: true });
  }

  clearSelection(): void {
    this.patch({ selected: [], anchor: null, rangeBase: [], selecting: false });
  }

  // ---- changes ----

  /** Pin, archive, restore, move or delete chats; the lists reload after. True when done. */
  async change(action: ThreadsAction, threadIds: readonly string[], folderId: string | null = null): Promise<boolean> {
    if (threadIds.length === 0) return false;
    this.patch({ error: null });
    try {
      await this.deps.client.postJson(this.url("/threads"), {
        thread_ids: threadIds,
        action,
        ...(action === "move" ? { folder_id: folderId } : {}),
      });
    } catch (error) {
      this.fail(error);
      return false;
    }
    this.deps.log(`thread.${action}`, { count: threadIds.length });
    const state = this.deps.get();
    const kept = (ids: readonly string[]) => ids.filter((id) => !threadIds.includes(id));
    this.patch({ selected: kept(state.selected), rangeBase: kept(state.rangeBase) });
    if (action === "delete") await this.deps.forget(threadIds);
    await Promise.all([this.deps.reloadHistory(), this.loadViewThreads(true), this.loadFolders()]);
    return true;
  }

  async createFolder(fields: { name: string; system_prompt?: string | null; default_model?: string | null }): Promise<Folder | null> {
    try {
      const folder = await this.deps.client.postJson<Folder>(this.url("/folders"), fields);
      await this.loadFolders();
      return folder;
    } catch (error) {
      this.fail(error);
      return null;
    }
  }

  async updateFolder(id: string, fields: Partial<Pick<Folder, "name" | "system_prompt" | "default_model">>): Promise<boolean> {
    try {
      await this.deps.client.sendJson("PATCH", this.url(`/folders/${encodeURIComponent(id)}`), fields);
    } catch (error) {
      this.fail(error);
      return false;
    }
    await this.loadFolders();
    return true;
  }

  async deleteFolder(id: string): Promise<boolean> {
    try {
      await this.deps.client.sendJson("DELETE", this.url(`/folders/${encodeURIComponent(id)}`));
    } catch (error) {
      this.fail(error);
      return false;
    }
    const view = this.deps.get().view;
    if (view.kind === "folder" && view.id === id) await this.setView(ALL_VIEW);
    await Promise.all([this.loadFolders(), this.deps.reloadHistory()]);
    return true;
  }

  // ---- export ----

  /**
   * One chat or the selection as a file: Kitdesk's window saves it through
   * its native dialog (the `save_export` bridge), a browser downloads it.
   * Returns the file name, or null when nothing was saved.
   */
  async exportThreads(threadIds: readonly string[], format: ExportFormat): Promise<string | null> {
    const query = new URLSearchParams({ format });
    for (const id of threadIds) query.append("thread", id);
    try {
      const { blob, filename } = await this.deps.client.download(
        this.deps.client.resolve(`api/data/export?${query.toString()}`),
        `kitdesk.${format === "markdown" ? "md" : format}`,
      );
      const saved = await deliver(blob, filename);
      this.deps.log("thread.export", { count: threadIds.length, format });
      return saved ? filename : null;
    } catch (error) {
      this.fail(error);
      return null;
    }
  }
}

type SaveBridge = { save_export?: (filename: string, content: string) => Promise<string | null> };

/** The native save dialog in Kitdesk's window, a download anywhere else. */
async function deliver(blob: Blob, filename: string): Promise<boolean> {
  const bridge = (window as unknown as { pywebview?: { api?: SaveBridge } }).pywebview?.api;
  if (bridge?.save_export) return (await bridge.save_export(filename, await blob.text())) !== null;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return true;
}
