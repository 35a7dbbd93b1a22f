/**
 * The element's brain, free of any DOM or React: it owns the options, the
 * open thread, the history list, the composer and every protocol call, and
 * publishes immutable snapshots (for useSyncExternalStore) plus chatkit.*
 * events through the `emit` callback the element gives it.
 */
import type { Attachment as PublicAttachment, ChatKitOptions, Entity, UserMessageContent as PublicContent } from "@openai/chatkit";
import { contentWithTags, insertMention, textAndTags, type Mention } from "./entities";
import { makeTranslator, type Translate } from "../locale";
import { ChatKitClient, ChatKitRequestError, isAbortError, type ApiConfig } from "../protocol/client";
import type {
  Attachment,
  FeedbackKind,
  Page,
  StreamingOp,
  Thread,
  ThreadItem,
  ThreadMetadata,
  ThreadStreamEvent,
  UserMessageContent,
  UserMessageInput,
  UserMessageItem,
} from "../protocol/types";
import {
  PENDING_PREFIX,
  applyEvents,
  assistantText,
  dropItemsAfter,
  emptyThreadView,
  isVisibleItem,
  lastUserMessageId,
  prependOlder,
  settle,
  threadModel,
  type ThreadView,
} from "./thread";
import { fileAccepted, maxSizeFor } from "./attachments";
import { messageOf } from "./errors";
import { NO_FORKS, branchesPath, dropItemsFrom, forkMap, switchedView, type Fork, type ForkMap, type SwitchReply } from "./branches";
import { NO_USAGE, usagePath, type ThreadUsage, type TokenCounts } from "./usage";
import {
  actionForWire,
  actionRoute,
  loadingScope,
  type ActionOrigin,
  type PendingWidgetAction,
  type SyncActionResponse,
  type WidgetActionConfig,
} from "./widgetActions";
import { ComposerUploads, type ComposerAttachment } from "./uploads";
import { Organiser, initialOrganiseState, type OrganiseState } from "./organise";
import { markdownToSpeech } from "./speech";
import { browserMediaAccess, Dictation, insertDictated, type DictationState, type MediaAccess } from "./dictation";

export { fileAccepted, maxSizeFor, markdownToSpeech };
export type { ComposerAttachment, DictationState };

/** Where the composer's caret or selection is, read when dictated text arrives. */
export type CaretReader = () => { start: number; end: number } | null;

export type EmitFn = (name: string, detail?: unknown) => void;

export interface SearchResult {
  thread_id: string;
  title: string | null;
  /** HTML with <mark>, produced and escaped by the server; sanitized again before use. */
  snippet: string | null;
  updated_at?: string | null;
  /** The matching message, when the match is in a message rather than the title. */
  item_id?: string | null;
  /** False when that message is on an inactive branch: opening the hit switches to it. */
  on_active_branch?: boolean;
}


export interface HistoryState {
  open: boolean;
  threads: ThreadMetadata[];
  after: string | null;
  hasMore: boolean;
  loading: boolean;
  loaded: boolean;
  error: string | null;
}

export interface SearchState {
  query: string;
  results: SearchResult[] | null;
  loading: boolean;
  /** "server" when the Kitdesk search API answered, "local" for a title filter. */
  source: "server" | "local" | null;
  /** The Kitdesk search API failed (not missing): only titles were searched. */
  failed: boolean;
}

export interface ComposerState {
  text: string;
  attachments: ComposerAttachment[];
  modelId: string | null;
  toolId: string | null;
  reply: string | null;
  error: string | null;
  /** Bumped to ask the UI to focus the composer. */
  focusToken: number;
  /** With a focusToken bump: where to put the caret (after dictated text). */
  caretAt?: number | null;
  /** Entities tagged with `@` (their `@Title` is in the text); sent as input_tag parts. */
  tags: Entity[];
}

export interface ChatState {
  options: ChatKitOptions | null;
  view: ThreadView;
  loadingThread: boolean;
  threadError: string | null;
  responding: boolean;
  history: HistoryState;
  search: SearchState;
  composer: ComposerState;
  dictation: DictationState;
  feedback: Readonly<Record<string, FeedbackKind>>;
  announcement: string;
  /** Failed send that never reached the server; Retry resends it. */
  unsentInput: { op: StreamingOp; params: Record<string, unknown> } | null;
  /** Widget actions still running, by widget item id (their loading state). */
  pendingActions: Readonly<Record<string, PendingWidgetAction>>;
  /** Items of the open thread's active path that have sibling versions (`‹ 2 / 3 ›`). */
  forks: ForkMap;
  /** The server keeps branches (Kitdesk's does): messages can be edited into a new branch. */
  branchesAvailable: boolean;
  /**
   * The version last switched to (`serial` counts the switches): the pane keeps
   * the reader's place when it is among the loaded items, else shows the latest.
   */
  switchedTo: { itemId: string; serial: number } | null;
  /** Tokens the open thread's answers used (Kitdesk's usage API), by the answer's last item. */
  usage: ThreadUsage;
  /** Pinned, archived, folders and the sidebar's selection (Kitdesk's organise API). */
  organise: OrganiseState;
}

const THREAD_PAGE = 30;
/** Streaming ops after which the open thread's forks may have changed. */
const FORKING_OPS: ReadonlySet<StreamingOp> = new Set<StreamingOp>(["threads.create", "threads.retry_after_item"]);
/** Longest title a rename keeps (the sidebar shows about 30 characters). */
export const TITLE_MAX_LENGTH = 120;
const ITEM_PAGE = 40;

function initialState(): ChatState {
  return {
    options: null,
    view: emptyThreadView(),
    loadingThread: false,
    threadError: null,
    responding: false,
    history: { open: false, threads: [], after: null, hasMore: false, loading: false, loaded: false, error: null },
    search: { query: "", results: null, loading: false, source: null, failed: false },
    composer: { text: "", attachments: [], modelId: null, toolId: null, reply: null, error: null, focusToken: 0, tags: [] },
    dictation: { phase: "idle", startedAt: null },
    feedback: {},
    announcement: "",
    unsentInput: null,
    pendingActions: {},
    forks: NO_FORKS,
    branchesAvailable: false,
    switchedTo: null,
    usage: NO_USAGE,
    organise: initialOrganiseState(),
  };
}


/** The model a new chat starts on: the flagged default, else the first enabled one. */
function defaultModelId(options: ChatKitOptions | null): string | null {
  const models = options?.composer?.models ?? [];
  return (models.find((m) => m.default && !m.disabled) ?? models.find((m) => !m.disabled))?.id ?? null;
}

let localCounter = 0;
function localId(prefix: string): string {
  localCounter += 1;
  return `${prefix}${Date.now().toString(36)}_${localCounter}`;
}

type Scheduler = (callback: () => void) => void;

/**
 * Batches stream events into one state change per frame, at most ~30 per
 * second: text still flows smoothly and rendering work halves at 60 Hz.
 */
const MIN_FLUSH_INTERVAL_MS = 32;
let lastFlush = 0;
const defaultScheduler: Scheduler = (callback) => {
  let done = false;
  const run = () => {
    if (done) return;
    const wait = lastFlush + MIN_FLUSH_INTERVAL_MS - performance.now();
    if (wait > 1) {
      setTimeout(run, wait);
      return;
    }
    done = true;
    lastFlush = performance.now();
    callback();
  };
  // rAF aligns with the frame; the timeout keeps streams moving in hidden windows.
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(run);
  setTimeout(run, 100);
};

export interface ControllerDeps {
  emit: EmitFn;
  /** Overrides batching (tests run flushes synchronously). */
  schedule?: Scheduler;
  /** Strings for people (composer errors, announcements); English by default. */
  translate?: Translate;
  /** Microphone and recorder (tests give fakes); the browser's by default. */
  media?: () => MediaAccess | null;
}

export class ChatController {
  private state: ChatState = initialState();
  private readonly listeners = new Set<() => void>();
  readonly client: ChatKitClient;
  private readonly emit: EmitFn;
  private readonly schedule: Scheduler;
  private readonly translate: Translate;

  private queue: ThreadStreamEvent[] = [];
  private flushScheduled = false;
  private streamAbort: AbortController | null = null;
  private streamToken = 0;
  private pendingToolCall: Extract<ThreadItem, { type: "client_tool_call" }> | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private searchAbort: AbortController | null = null;
  private searchApiMissing = false;
  private branchesApiMissing = false;
  private usageApiMissing = false;
  private forksToken = 0;
  private threadLoadToken = 0;
  private threadErrorStatus: number | undefined;
  private olderLoading = false;
  private historyRefreshing = false;
  private readonly uploads: ComposerUploads;
  private readonly dictation: Dictation;
  readonly organiser: Organiser;
  private readCaret: CaretReader = () => null;

  constructor(deps: ControllerDeps) {
    this.emit = deps.emit;
    this.schedule = deps.schedule ?? defaultScheduler;
    this.translate = deps.translate ?? makeTranslator("en");
    this.client = new ChatKitClient(() => this.apiConfig());
    this.uploads = new ComposerUploads({
      client: this.client,
      options: () => this.state.options,
      attachments: () => this.state.composer.attachments,
      update: (attachments, error) =>
        this.setComposer(error === undefined ? { attachments } : { attachments, error }),
      translate: this.translate,
      log: (name, data) => this.log(name, data),
      reportError: (error) => this.reportError(error),
    });
    this.organiser = new Organiser({
      client: this.client,
      get: () => this.state.organise,
      set: (organise) => this.set({ organise }),
      options: () => this.state.options,
      reloadHistory: () => this.loadThreads(true),
      forget: async (ids) => {
        this.setHistory({ threads: this.state.history.threads.filter((t) => !ids.includes(t.id)) });
        const results = this.state.search.results;
        if (results) this.set({ search: { ...this.state.search, results: results.filter((r) => !ids.includes(r.thread_id)) } });
        const open = this.state.view.thread?.id;
        if (open && ids.includes(open)) await this.setThreadId(null);
      },
      reportError: (error) => this.reportError(error),
      viewChanged: () => {
        if (this.state.view.thread?.created_at) return;
        const modelId = this.organiser.newChatModel() ?? defaultModelId(this.state.options);
        if (modelId) this.setComposer({ modelId });
      },
      log: (name, data) => this.log(name, data),
    });
    this.dictation = new Dictation({
      client: this.client,
      media: deps.media ?? browserMediaAccess,
      update: (dictation) => this.set({ dictation }),
      insert: (text) => this.insertDictatedText(text),
      showError: (error) => this.setComposer({ error }),
      translate: this.translate,
      log: (name, data) => this.log(name, data),
      reportError: (error) => this.reportError(error),
    });
  }

  // ---- store plumbing ----

  getState = (): ChatState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<ChatState>): void {
    const modelBefore = this.state.composer.modelId;
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
    // The page may offer model-specific choices (a tools menu entry): it hears
    // of every change of the composer's model, picked, restored with a thread or defaulted.
    const modelId = this.state.composer.modelId;
    if (modelId !== modelBefore) this.log("composer.model", { modelId });
  }

  private setView(view: ThreadView): void {
    if (view !== this.state.view) this.set({ view });
  }

  private setComposer(patch: Partial<ComposerState>): void {
    this.set({ composer: { ...this.state.composer, ...patch } });
  }

  private setHistory(patch: Partial<HistoryState>): void {
    this.set({ history: { ...this.state.history, ...patch } });
  }

  private apiConfig(): ApiConfig {
    const api = this.state.options?.api;
    if (!api || !("url" in api)) {
      throw new ChatKitRequestError("This ChatKit element needs options.api.url (a custom backend).");
    }
    return { url: api.url, fetch: api.fetch };
  }

  private log(name: string, data?: Record<string, unknown>): void {
    this.emit("chatkit.log", { name, data });
  }

  /** A chatkit.log entry from the UI. */
  logEvent(name: string, data?: Record<string, unknown>): void {
    this.log(name, data);
  }

  /** A page callback (entities, previews) failed: chatkit.error, nothing else breaks. */
  reportPageError(error: unknown): void {
    this.reportError(error);
  }

  private reportError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(messageOf(error));
    this.emit("chatkit.error", { error: err });
  }

  // ---- options ----

  setOptions(options: ChatKitOptions): void {
    const first = this.state.options === null;
    const models = options.composer?.models ?? [];
    let modelId = this.state.composer.modelId;
    // The open thread's own model stays picked even when the list no longer
    // offers it: switching silently would send the next turn elsewhere.
    const ownModel = modelId !== null && modelId === threadModel(this.state.view);
    if (!modelId || (!ownModel && !models.some((m) => m.id === modelId && !m.disabled))) {
      modelId = defaultModelId(options);
    }
    let toolId = this.state.composer.toolId;
    if (toolId && !(options.composer?.tools ?? []).some((tool) => tool.id === toolId)) toolId = null;
    this.set({ options, composer: { ...this.state.composer, modelId, toolId } });
    if (first) {
      if (options.initialThread) void this.openInitialThread(options.initialThread);
      if (options.history?.enabled !== false) {
        void this.loadThreads(true);
        void this.organiser.loadFolders();
      }
    }
  }

  // ---- threads ----

  /** Stop listening to the running stream; the server still finishes and saves it. */
  private detachStream(): void {
    if (!this.state.responding) return;
    this.streamToken += 1;
    this.queue = [];
    this.set({ responding: false });
    this.emit("chatkit.response.end");
  }

  async setThreadId(threadId: string | null): Promise<void> {
    const current = this.state.view.thread?.id ?? null;
    const hitOffPath = threadId === null ? null : this.searchHitOffPath(threadId);
    if (threadId === current && !this.state.threadError && !hitOffPath) return;
    this.detachStream();
    const token = ++this.threadLoadToken;
    if (threadId === null) {
      // A new chat starts on the default model, as Settings promises.
      const modelId = this.organiser.newChatModel() ?? defaultModelId(this.state.options) ?? this.state.composer.modelId;
      this.set({
        view: emptyThreadView(),
        threadError: null,
        loadingThread: false,
        unsentInput: null,
        forks: NO_FORKS,
        usage: NO_USAGE,
        composer: { ...this.state.composer, modelId },
      });
      this.emit("chatkit.thread.change", { threadId: null });
      return;
    }
    this.emit("chatkit.thread.load.start", { threadId });
    this.set({ loadingThread: true, threadError: null, view: emptyThreadView({ id: threadId, created_at: "" }), unsentInput: null, forks: NO_FORKS, usage: NO_USAGE });
    try {
      if (hitOffPath) await this.activateBranchOf(threadId, hitOffPath);
      const view = await this.fetchThread(threadId);
      if (token !== this.threadLoadToken) return;
      // The follow-up goes to the model this thread used, as the header says.
      const modelId = threadModel(view) ?? this.state.composer.modelId;
      this.set({ view, loadingThread: false, composer: { ...this.state.composer, modelId } });
      this.emit("chatkit.thread.change", { threadId });
      void this.loadForks(threadId);
      void this.loadUsage(threadId);
    } catch (error) {
      if (token !== this.threadLoadToken) return;
      this.threadErrorStatus = error instanceof ChatKitRequestError ? error.status : undefined;
      this.set({ loadingThread: false, threadError: messageOf(error, this.translate) });
      this.reportError(error);
    } finally {
      if (token === this.threadLoadToken) this.emit("chatkit.thread.load.end", { threadId });
    }
  }

  /**
   * While searching, the list shows hits: a hit found in a message on an inactive
   * branch (an earlier answer, the text before an edit) names that message, and
   * the thread then opens on its branch, so the match is on screen.
   */
  private searchHitOffPath(threadId: string): string | null {
    if (!this.state.search.query.trim()) return null;
    const hit = this.state.search.results?.find((r) => r.thread_id === threadId);
    return hit?.item_id && hit.on_active_branch === false ? hit.item_id : null;
  }

  /** Make the branch holding ``itemId`` the active one; if that fails the thread opens as it is. */
  private async activateBranchOf(threadId: string, itemId: string): Promise<void> {
    try {
      await this.client.postJson(this.client.resolve(branchesPath(threadId)), { item_id: itemId });
      this.log("search.open_branch", { itemId });
    } catch (error) {
      this.log("search.open_branch_failed", { message: messageOf(error) });
    }
  }

  /** A remembered thread that no longer exists opens the new-chat screen instead of an error. */
  private async openInitialThread(threadId: string): Promise<void> {
    await this.setThreadId(threadId);
    if (this.state.threadError && this.threadErrorStatus === 404 && this.state.view.thread?.id === threadId) {
      this.log("thread.initial_missing", { threadId });
      await this.setThreadId(null);
    }
  }

  /**
   * threads.get_by_id gives the first 20 items only, so the latest come from
   * items.list (newest first). Both requests go out together: one round trip.
   */
  private async fetchThread(threadId: string): Promise<ThreadView> {
    const latest = this.client
      .request<Page<ThreadItem>>("items.list", { thread_id: threadId, order: "desc", limit: ITEM_PAGE })
      .then(
        (page) => ({ page, error: null as unknown }),
        (error: unknown) => ({ page: null, error }),
      );
    const thread = await this.client.request<Thread>("threads.get_by_id", { thread_id: threadId });
    const { items: firstPage, ...meta } = thread;
    const view = emptyThreadView(meta);
    if (!firstPage.has_more) {
      view.items = firstPage.data.filter(isVisibleItem);
      return view;
    }
    const { page, error } = await latest;
    if (!page) throw error;
    return prependOlder(view, [...page.data].reverse(), page.after ?? null, page.has_more);
  }

  async loadOlder(): Promise<boolean> {
    const view = this.state.view;
    if (!view.thread || !view.hasOlder || !view.olderCursor || this.olderLoading) return false;
    this.olderLoading = true;
    const threadId = view.thread.id;
    try {
      const page = await this.client.request<Page<ThreadItem>>("items.list", {
        thread_id: threadId,
        order: "desc",
        limit: ITEM_PAGE,
        after: view.olderCursor,
      });
      if (this.state.view.thread?.id !== threadId) return false;
      this.setView(prependOlder(this.state.view, [...page.data].reverse(), page.after ?? null, page.has_more));
      return true;
    } catch (error) {
      this.reportError(error);
      return false;
    } finally {
      this.olderLoading = false;
    }
  }

  async fetchUpdates(): Promise<void> {
    const id = this.state.view.thread?.id;
    const refreshHistory = this.loadThreads(true);
    if (id && !this.state.responding && this.state.view.thread?.created_at) {
      try {
        const view = await this.fetchThread(id);
        if (this.state.view.thread?.id === id && !this.state.responding) {
          this.set({ view });
          void this.loadForks(id);
          void this.loadUsage(id);
        }
      } catch (error) {
        this.reportError(error);
      }
    }
    await refreshHistory;
  }

  // ---- history ----

  async loadThreads(reset: boolean): Promise<void> {
    const history = this.state.history;
    if (history.loading && !reset) return;
    if (!reset && !history.hasMore) return;
    this.setHistory({ loading: true, error: null });
    try {
      const page = await this.client.request<Page<ThreadMetadata>>("threads.list", {
        limit: THREAD_PAGE,
        order: "desc",
        ...(reset || !history.after ? {} : { after: history.after }),
      });
      const incoming = page.data.map((thread) => {
        const { items: _items, ...meta } = thread as ThreadMetadata & { items?: unknown };
        void _items;
        return meta;
      });
      const base = reset ? [] : this.state.history.threads;
      const known = new Set(base.map((t) => t.id));
      this.setHistory({
        threads: [...base, ...incoming.filter((t) => !known.has(t.id))],
        after: page.after ?? null,
        hasMore: page.has_more,
        loading: false,
        loaded: true,
      });
    } catch (error) {
      this.setHistory({ loading: false, error: messageOf(error, this.translate) });
      this.reportError(error);
    }
  }

  /**
   * Bring the history up to date with changes made elsewhere (another window
   * or tab) without a spinner or losing the reader's place: the first page
   * is fetched again and replaces the part of the list it covers; threads
   * already paged in below it stay.
   */
  async refreshHistory(): Promise<void> {
    const history = this.state.history;
    if (!history.loaded || history.loading || this.historyRefreshing) return;
    this.historyRefreshing = true;
    try {
      const page = await this.client.request<Page<ThreadMetadata>>("threads.list", { limit: THREAD_PAGE, order: "desc" });
      const current = this.state.history;
      if (current.loading) return;
      const fresh = page.data.map((thread) => {
        const { items: _items, ...meta } = thread as ThreadMetadata & { items?: unknown };
        void _items;
        return meta;
      });
      const freshIds = new Set(fresh.map((t) => t.id));
      const lastFresh = fresh[fresh.length - 1];
      const cut = lastFresh ? current.threads.findIndex((t) => t.id === lastFresh.id) : -1;
      if (!page.has_more || cut < 0) {
        // Everything fits in one page, or the list moved past what we had: start over.
        this.setHistory({ threads: fresh, after: page.after ?? null, hasMore: page.has_more });
        return;
      }
      const rest = current.threads.slice(cut + 1).filter((t) => !freshIds.has(t.id));
      this.setHistory({ threads: [...fresh, ...rest] });
    } catch (error) {
      // A background refresh failing is not worth an alert; the next one may work.
      this.log("history.refresh_failed", { message: messageOf(error) });
    } finally {
      this.historyRefreshing = false;
    }
  }

  showHistory(): void {
    if (this.state.history.open) return;
    this.setHistory({ open: true });
    this.emit("chatkit.history.open");
    if (!this.state.history.loaded && !this.state.history.loading) void this.loadThreads(true);
  }

  hideHistory(): void {
    if (!this.state.history.open) return;
    this.setHistory({ open: false });
    this.emit("chatkit.history.close");
  }

  private upsertHistory(meta: ThreadMetadata, moveToTop: boolean): void {
    const { items: _items, ...clean } = meta as ThreadMetadata & { items?: unknown };
    void _items;
    const threads = this.state.history.threads;
    const index = threads.findIndex((t) => t.id === clean.id);
    let next: ThreadMetadata[];
    if (index < 0) next = [clean, ...threads];
    else if (moveToTop) next = [{ ...threads[index]!, ...clean }, ...threads.filter((t) => t.id !== clean.id)];
    else next = threads.map((t) => (t.id === clean.id ? { ...t, ...clean } : t));
    this.setHistory({ threads: next });
  }

  async renameThread(threadId: string, title: string): Promise<void> {
    const clean = title.trim().slice(0, TITLE_MAX_LENGTH).trim();
    if (!clean) return;
    const previous = this.state.history.threads.find((t) => t.id === threadId)?.title ?? null;
    this.applyTitle(threadId, clean);
    try {
      const thread = await this.client.request<Thread>("threads.update", { thread_id: threadId, title: clean });
      this.applyTitle(threadId, thread.title ?? clean);
      this.log("thread.rename", { threadId });
    } catch (error) {
      this.applyTitle(threadId, previous);
      this.reportError(error);
    }
  }

  private applyTitle(threadId: string, title: string | null): void {
    this.setHistory({ threads: this.state.history.threads.map((t) => (t.id === threadId ? { ...t, title } : t)) });
    const thread = this.state.view.thread;
    if (thread?.id === threadId) this.setView({ ...this.state.view, thread: { ...thread, title } });
    const results = this.state.search.results;
    if (results)
      this.set({
        search: { ...this.state.search, results: results.map((r) => (r.thread_id === threadId ? { ...r, title } : r)) },
      });
  }

  async deleteThread(threadId: string): Promise<void> {
    try {
      await this.client.request("threads.delete", { thread_id: threadId });
    } catch (error) {
      this.reportError(error);
      return;
    }
    this.setHistory({ threads: this.state.history.threads.filter((t) => t.id !== threadId) });
    const results = this.state.search.results;
    if (results) this.set({ search: { ...this.state.search, results: results.filter((r) => r.thread_id !== threadId) } });
    this.log("thread.delete", { threadId });
    if (this.state.view.thread?.id === threadId) await this.setThreadId(null);
  }

  setSearchQuery(query: string): void {
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchAbort?.abort();
    if (!query.trim()) {
      this.set({ search: { query, results: null, loading: false, source: null, failed: false } });
      return;
    }
    this.set({ search: { ...this.state.search, query, loading: true, failed: false } });
    this.searchTimer = setTimeout(() => void this.runSearch(query), 180);
  }

  /** Search again for the current query (after a failed search). */
  retrySearch(): void {
    this.setSearchQuery(this.state.search.query);
  }

  private localSearch(query: string): SearchResult[] {
    const needle = query.trim().toLowerCase();
    return this.state.history.threads
      .filter((t) => (t.title ?? "").toLowerCase().includes(needle))
      .map((t) => ({ thread_id: t.id, title: t.title ?? null, snippet: null, updated_at: t.updated_at ?? t.created_at }));
  }

  private async runSearch(query: string): Promise<void> {
    let results: SearchResult[] | null = null;
    let source: SearchState["source"] = "local";
    let failed = false;
    if (!this.searchApiMissing) {
      const abort = new AbortController();
      this.searchAbort = abort;
      try {
        const url = this.client.resolve(`api/search?q=${encodeURIComponent(query.trim())}`);
        const body = await this.client.getJson<{ results?: SearchResult[] }>(url, abort.signal);
        if (Array.isArray(body.results)) {
          results = body.results;
          source = "server";
        }
      } catch (error) {
        if (isAbortError(error)) return;
        if (error instanceof ChatKitRequestError && (error.status === 404 || error.status === 405)) this.searchApiMissing = true;
        else {
          // Say so rather than pass title matches off as every match.
          failed = true;
          this.log("search.failed", { reason: messageOf(error) });
        }
      }
    }
    if (this.state.search.query !== query) return;
    if (results === null) results = this.localSearch(query);
    this.set({ search: { query, results, loading: false, source, failed } });
  }

  // ---- streaming ----

  private enqueue(token: number, event: ThreadStreamEvent): void {
    if (token !== this.streamToken) return;
    this.queue.push(event);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Apply queued events in one batch: one state change per frame. */
  flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const events = this.queue;
    this.queue = [];
    const view = applyEvents(this.state.view, events);
    this.setView(view);
    for (const event of events) this.sideEffect(event);
  }

  private sideEffect(event: ThreadStreamEvent): void {
    switch (event.type) {
      case "thread.created":
        this.upsertHistory(event.thread, true);
        this.emit("chatkit.thread.change", { threadId: event.thread.id });
        return;
      case "thread.updated":
        this.upsertHistory(event.thread, false);
        return;
      case "thread.item.done":
        if (event.item.type === "client_tool_call" && event.item.status === "pending") this.pendingToolCall = event.item;
        return;
      case "client_effect":
        this.emit("chatkit.effect", { name: event.name, data: event.data });
        return;
      case "error":
        this.emit("chatkit.error", { error: new Error(event.message || "The server reported an error.") });
        return;
      default:
        return;
    }
  }

  private async runStream(op: StreamingOp, params: Record<string, unknown>, metadata?: Record<string, unknown>): Promise<void> {
    const token = ++this.streamToken;
    const abort = new AbortController();
    this.streamAbort = abort;
    this.pendingToolCall = null;
    this.set({ responding: true, unsentInput: null, view: { ...this.state.view, error: null, progress: null } });
    this.emit("chatkit.response.start");
    this.log("response.start", { op });
    let reachedServer = false;
    let aborted = false;
    try {
      await this.client.stream(
        op,
        params,
        (event) => {
          reachedServer = true;
          this.enqueue(token, event);
        },
        abort.signal,
        metadata,
      );
    } catch (error) {
      if (isAbortError(error)) {
        aborted = true;
      } else if (token === this.streamToken) {
        this.flush();
        this.setView({ ...this.state.view, error: { message: messageOf(error, this.translate), allowRetry: true } });
        if (!reachedServer) this.set({ unsentInput: { op, params } });
        this.reportError(error);
      }
    }
    if (this.streamAbort === abort) this.streamAbort = null;
    if (token !== this.streamToken) {
      // Detached (the user moved to another thread): the history may have changed.
      void this.loadThreads(true);
      return;
    }
    this.flush();
    this.setView(settle(this.state.view));
    this.set({ responding: false });
    this.announceLastAnswer();
    this.emit("chatkit.response.end");
    this.log(aborted ? "response.cancelled" : "response.end", { op });
    // A chat started in a folder (or renamed by its first answer) shows in the folder's list.
    if (this.state.organise.view.kind !== "all") void this.organiser.loadViewThreads(true);
    const openThread = this.state.view.thread?.created_at ? this.state.view.thread.id : null;
    if (openThread && FORKING_OPS.has(op)) await this.loadForks(openThread);
    if (openThread) await this.loadUsage(openThread);
    const toolCall = this.pendingToolCall;
    this.pendingToolCall = null;
    if (toolCall && !aborted) await this.runClientTool(toolCall);
  }

  // ---- branches ----

  /** The open thread's forks, from Kitdesk's branches API; a 404 means the server has none. */
  private async loadForks(threadId: string): Promise<void> {
    if (this.branchesApiMissing) return;
    const token = ++this.forksToken;
    try {
      const body = await this.client.getJson<{ forks?: Fork[] }>(this.client.resolve(branchesPath(threadId)));
      if (token !== this.forksToken || this.state.view.thread?.id !== threadId) return;
      this.set({ forks: forkMap(body.forks), branchesAvailable: true });
    } catch (error) {
      if (error instanceof ChatKitRequestError && (error.status === 404 || error.status === 405)) {
        this.branchesApiMissing = true;
        this.set({ forks: NO_FORKS, branchesAvailable: false });
        return;
      }
      this.log("branches.load_failed", { message: messageOf(error) });
    }
  }

  /** The open thread's token counts, from Kitdesk's usage API; a 404 means the server keeps none. */
  private async loadUsage(threadId: string): Promise<void> {
    if (this.usageApiMissing) return;
    try {
      const body = await this.client.getJson<{ total?: TokenCounts; answers?: Record<string, TokenCounts> }>(
        this.client.resolve(usagePath(threadId)),
      );
      if (this.state.view.thread?.id !== threadId) return;
      this.set({ usage: { threadId, answers: body.answers ?? {}, total: body.total ?? null } });
    } catch (error) {
      if (error instanceof ChatKitRequestError && (error.status === 404 || error.status === 405)) {
        this.usageApiMissing = true;
        return;
      }
      this.log("usage.load_failed", { message: messageOf(error) });
    }
  }

  /** Show another version of a message (`‹ 2 / 3 ›`): stored on the server, then the path reloads. */
  async switchBranch(itemId: string): Promise<void> {
    const threadId = this.state.view.thread?.id;
    if (!threadId || this.state.responding) return;
    this.forksToken += 1; // a load already under way answers for the old path
    try {
      const body = await this.client.postJson<SwitchReply>(this.client.resolve(branchesPath(threadId)), { item_id: itemId, page: ITEM_PAGE });
      // The reply carries the new path's latest page (one round trip); an older server's does not.
      const view = switchedView(body) ?? (await this.fetchThread(threadId));
      if (this.state.view.thread?.id !== threadId || this.state.responding) return;
      const forks = forkMap(body.forks);
      this.set({ view, forks, switchedTo: { itemId, serial: (this.state.switchedTo?.serial ?? 0) + 1 } });
      void this.loadUsage(threadId);
      const shown = forks[itemId];
      if (shown) this.set({ announcement: this.translate("branch.shown", { index: shown.index, count: shown.count }) });
      this.log("branch.switch", { itemId });
    } catch (error) {
      this.setView({ ...this.state.view, error: { message: messageOf(error, this.translate), allowRetry: false } });
      this.reportError(error);
    }
  }

  /**
   * Send an edited version of one of the person's messages: the server keeps the
   * original (and what followed it) as an inactive branch, and the new text, sent
   * like any message, becomes its sibling. Returns false when nothing was sent.
   */
  async editMessage(itemId: string, text: string): Promise<boolean> {
    const view = this.state.view;
    const threadId = view.thread?.id;
    const original = view.items.find((item): item is UserMessageItem => item.id === itemId && item.type === "user_message");
    const clean = text.replace(/\s+$/, "");
    if (!threadId || !original || !clean.trim() || this.state.responding || this.composerBlockedReason()) return false;
    try {
      await this.client.postJson(this.client.resolve(branchesPath(threadId, "/edit")), { item_id: itemId });
    } catch (error) {
      this.setView({ ...this.state.view, error: { message: messageOf(error, this.translate), allowRetry: false } });
      this.reportError(error);
      return false;
    }
    if (this.state.view.thread?.id !== threadId) return false;
    this.setView(dropItemsFrom(this.state.view, itemId));
    this.log("message.edit", { itemId });
    const attachments = original.attachments ?? [];
    const input: UserMessageInput = {
      content: contentWithTags(clean, textAndTags(original.content).tags),
      attachments: attachments.map((a) => a.id),
      quoted_text: original.quoted_text ?? null,
      inference_options: {
        model: this.state.composer.modelId ?? original.inference_options?.model ?? null,
        tool_choice: original.inference_options?.tool_choice ?? null,
      },
    };
    await this.submit(input, attachments);
    if (this.state.view.thread?.id === threadId) await this.loadForks(threadId);
    return true;
  }

  private announceLastAnswer(): void {
    const items = this.state.view.items;
    for (let i = items.length - 1; i >= 0; i -= 1) {
      const item = items[i]!;
      if (item.type === "user_message") break;
      if (item.type === "assistant_message") {
        const text = markdownToSpeech(assistantText(item)).slice(0, 300);
        if (text) this.set({ announcement: this.translate("message.answerReady", { text }) });
        return;
      }
    }
  }

  private async runClientTool(call: Extract<ThreadItem, { type: "client_tool_call" }>): Promise<void> {
    const threadId = this.state.view.thread?.id;
    if (!threadId) return;
    const handler = this.state.options?.onClientTool;
    let result: unknown;
    try {
      if (!handler) throw new Error(`No client tool handler for "${call.name}".`);
      result = await handler({ name: call.name, params: call.arguments ?? {} });
    } catch (error) {
      result = { error: messageOf(error) };
      this.reportError(error);
    }
    this.log("client_tool.output", { name: call.name });
    // The server marks the call completed in its store without streaming it: do the same here.
    this.setView(applyEvents(this.state.view, [{ type: "thread.item.replaced", item: { ...call, status: "completed", output: result ?? {} } }]));
    await this.runStream("threads.add_client_tool_output", { thread_id: threadId, result: result ?? {} });
  }

  /** Stop the current answer: abort the request; the partial answer stays. */
  cancel(): void {
    if (!this.state.responding || !this.streamAbort) return;
    this.streamAbort.abort();
  }

  // ---- sending ----

  composerBlockedReason(): "locked" | "closed" | null {
    const status = this.state.view.thread?.status?.type;
    return status === "locked" || status === "closed" ? status : null;
  }

  async sendUserMessage(params: {
    text?: string;
    content?: PublicContent[];
    reply?: string;
    attachments?: PublicAttachment[];
    newThread?: boolean;
    toolChoice?: { id: string };
    model?: string;
  }): Promise<void> {
    if (this.state.responding) {
      throw new Error("A response is still streaming; wait for it or stop it first.");
    }
    if (params.newThread) await this.setThreadId(null);
    const content: UserMessageContent[] = params.content
      ? (params.content as UserMessageContent[])
      : [{ type: "input_text", text: params.text ?? "" }];
    const input: UserMessageInput = {
      content,
      attachments: (params.attachments ?? []).map((a) => a.id),
      quoted_text: params.reply ?? null,
      inference_options: {
        model: params.model ?? this.state.composer.modelId ?? null,
        tool_choice: params.toolChoice ?? (this.state.composer.toolId ? { id: this.state.composer.toolId } : null),
      },
    };
    await this.submit(input, (params.attachments ?? []) as Attachment[]);
  }

  private async submit(input: UserMessageInput, attachments: Attachment[]): Promise<void> {
    const view = this.state.view;
    const thread = view.thread;
    const pending: UserMessageItem = {
      id: `${PENDING_PREFIX}${localId("m")}`,
      type: "user_message",
      thread_id: thread?.id ?? "",
      created_at: new Date().toISOString(),
      content: input.content,
      attachments,
      quoted_text: input.quoted_text ?? null,
      inference_options: input.inference_options,
    };
    this.setView({ ...view, items: [...view.items.filter((i) => !i.id.startsWith(PENDING_PREFIX)), pending], error: null, notices: [] });
    this.log("message.send", { model: input.inference_options.model ?? null });
    if (thread && thread.created_at) {
      await this.runStream("threads.add_user_message", { thread_id: thread.id, input });
    } else {
      await this.runStream("threads.create", { input }, this.organiser.newChatMetadata());
    }
  }

  /** Send what the composer holds. Returns false when there is nothing to send. */
  async submitComposer(): Promise<boolean> {
    const composer = this.state.composer;
    const text = composer.text.trim();
    const ready = composer.attachments.filter((a) => a.status === "done" && a.attachment);
    if (this.state.responding || this.composerBlockedReason()) return false;
    if (composer.attachments.some((a) => a.status === "uploading")) return false;
    if (!text && ready.length === 0) return false;
    const tools = this.state.options?.composer?.tools ?? [];
    const tool = tools.find((t) => t.id === composer.toolId);
    const input: UserMessageInput = {
      content: contentWithTags(composer.text.replace(/\s+$/, ""), composer.tags),
      attachments: ready.map((a) => a.attachment!.id),
      quoted_text: composer.reply,
      inference_options: {
        model: composer.modelId,
        tool_choice: composer.toolId ? { id: composer.toolId } : null,
      },
    };
    const keepTool = tool?.persistent ? composer.toolId : null;
    this.setComposer({ text: "", attachments: [], reply: null, error: null, toolId: keepTool, tags: [] });
    if (keepTool !== composer.toolId) this.emit("chatkit.tool.change", { toolId: keepTool });
    await this.submit(input, ready.map((a) => a.attachment!));
    return true;
  }

  async retry(itemId?: string): Promise<void> {
    if (this.state.responding) return;
    const unsent = this.state.unsentInput;
    if (unsent && !itemId) {
      this.setView({ ...this.state.view, error: null });
      await this.runStream(unsent.op, unsent.params);
      return;
    }
    const threadId = this.state.view.thread?.id;
    const target = itemId ?? lastUserMessageId(this.state.view);
    if (!threadId || !target) return;
    this.setView(dropItemsAfter(this.state.view, target));
    this.log("message.retry", { itemId: target });
    await this.runStream("threads.retry_after_item", { thread_id: threadId, item_id: target });
  }

  async sendCustomAction(action: { type: string; payload?: Record<string, unknown> }, itemId?: string): Promise<void> {
    const threadId = this.state.view.thread?.id;
    if (!threadId || !this.state.view.thread?.created_at) throw new Error("There is no open thread to send the action to.");
    if (this.state.responding) throw new Error("A response is still streaming.");
    this.log("widget.action", { type: action.type });
    await this.runStream("threads.custom_action", { thread_id: threadId, item_id: itemId ?? null, action });
  }

  /**
   * A person triggered a widget action: route it (page handler, sync JSON
   * call or stream) and keep the widget's loading state while it runs.
   * Failures become a chatkit.error; the widget is usable again after.
   */
  async runWidgetAction(
    action: WidgetActionConfig,
    itemId: string,
    origin: ActionOrigin,
    formValues?: Record<string, unknown>,
  ): Promise<void> {
    if (this.state.pendingActions[itemId]) return;
    const item = this.state.view.items.find((candidate) => candidate.id === itemId);
    const wire = actionForWire(action, formValues);
    const scope = loadingScope(action, origin);
    if (scope) this.set({ pendingActions: { ...this.state.pendingActions, [itemId]: { itemId, scope, key: origin.key } } });
    try {
      const route = actionRoute(action);
      if (route === "client") {
        const handler = this.state.options?.widgets?.onAction;
        if (!handler) throw new Error(`No widgets.onAction handler for the client action "${action.type}".`);
        if (!item || item.type !== "widget") throw new Error("The widget that sent this action is gone.");
        this.log("widget.action", { type: action.type, handler: "client" });
        await handler(wire, { id: item.id, widget: item.widget });
      } else if (route === "sync") {
        await this.sendSyncCustomAction(wire, itemId);
      } else {
        await this.sendCustomAction(wire, itemId);
      }
    } catch (error) {
      this.reportError(error);
    } finally {
      const { [itemId]: _done, ...rest } = this.state.pendingActions;
      void _done;
      if (scope) this.set({ pendingActions: rest });
    }
  }

  /** threads.sync_custom_action: one JSON answer whose `updated_item` replaces the widget item. */
  async sendSyncCustomAction(action: { type: string; payload?: Record<string, unknown> }, itemId?: string): Promise<void> {
    const threadId = this.state.view.thread?.id;
    if (!threadId || !this.state.view.thread?.created_at) throw new Error("There is no open thread to send the action to.");
    this.log("widget.action", { type: action.type, handler: "sync" });
    const answer = await this.client.request<SyncActionResponse>("threads.sync_custom_action", {
      thread_id: threadId,
      item_id: itemId ?? null,
      action,
    });
    if (answer?.updated_item && this.state.view.thread?.id === threadId) {
      this.setView(applyEvents(this.state.view, [{ type: "thread.item.replaced", item: answer.updated_item }]));
    }
  }

  /** Answer (or skip) a structured_input item; the server replaces it and continues. */
  async submitStructuredInput(
    itemId: string,
    answers: Record<string, { values: string[]; skipped?: boolean }>,
    status: "answered" | "skipped" = "answered",
  ): Promise<void> {
    const threadId = this.state.view.thread?.id;
    if (!threadId || this.state.responding) return;
    this.log("structured_input.submit", { status });
    await this.runStream("threads.add_structured_input", {
      thread_id: threadId,
      item_id: itemId,
      input: { status, answers },
    });
  }

  async sendFeedback(itemIds: string[], kind: FeedbackKind): Promise<void> {
    const threadId = this.state.view.thread?.id;
    if (!threadId || itemIds.length === 0) return;
    const previous = this.state.feedback;
    const next = { ...previous };
    for (const id of itemIds) next[id] = kind;
    this.set({ feedback: next });
    try {
      await this.client.request("items.feedback", { thread_id: threadId, item_ids: itemIds, kind });
      this.log("message.feedback", { kind });
    } catch (error) {
      this.set({ feedback: previous });
      this.reportError(error);
    }
  }

  dismissError(): void {
    this.setView({ ...this.state.view, error: null });
    this.set({ unsentInput: null });
  }

  dismissNotice(id: string): void {
    this.setView({ ...this.state.view, notices: this.state.view.notices.filter((n) => n.id !== id) });
  }

  // ---- composer ----

  setComposerText(text: string): void {
    const starting = this.state.composer.text === "" && text !== "";
    this.setComposer({ text });
    // The person started a draft in an empty composer: a send is near (hosts may prepare for it).
    if (starting) this.log("composer.draft");
  }

  /** The person picked an entity for the `@query` they were typing. */
  chooseTag(mention: Mention, entity: Entity): void {
    const { text, caret } = insertMention(this.state.composer.text, mention, entity);
    const tags = [...this.state.composer.tags.filter((tag) => tag.id !== entity.id), entity];
    this.setComposer({ text, tags, caretAt: caret, focusToken: this.state.composer.focusToken + 1 });
    this.log("composer.tag", { id: entity.id });
  }

  /** Drop part of the draft (a `/command` that ran), caret where it was. */
  removeComposerRange(start: number, end: number): void {
    const text = this.state.composer.text;
    this.setComposer({ text: text.slice(0, start) + text.slice(end), caretAt: start, focusToken: this.state.composer.focusToken + 1 });
  }

  focusComposer(): void {
    this.setComposer({ focusToken: this.state.composer.focusToken + 1, caretAt: null });
  }

  selectModel(modelId: string): void {
    this.setComposer({ modelId });
  }

  selectTool(toolId: string | null): void {
    if (toolId === this.state.composer.toolId) return;
    this.setComposer({ toolId });
    this.emit("chatkit.tool.change", { toolId });
  }

  clearReply(): void {
    this.setComposer({ reply: null });
  }

  async setComposerValue(params: {
    text?: string;
    content?: PublicContent[];
    reply?: string;
    attachments?: PublicAttachment[];
    files?: File[];
    selectedToolId?: string | null;
    selectedModelId?: string;
  }): Promise<void> {
    const patch: Partial<ComposerState> = {};
    if (params.text !== undefined) {
      patch.text = params.text;
      patch.tags = [];
    } else if (params.content) {
      const { text, tags } = textAndTags(params.content as UserMessageContent[]);
      patch.text = text;
      patch.tags = tags;
    }
    if (params.reply !== undefined) patch.reply = params.reply || null;
    if (params.attachments) {
      patch.attachments = params.attachments.map((a) => ({
        localId: localId("a"),
        name: a.name,
        size: 0,
        mimeType: a.mime_type,
        status: "done" as const,
        previewUrl: a.type === "image" ? a.preview_url : null,
        attachment: a as Attachment,
      }));
    }
    if (params.selectedModelId !== undefined) patch.modelId = params.selectedModelId;
    this.setComposer(patch);
    if (params.selectedToolId !== undefined) this.selectTool(params.selectedToolId);
    if (params.files?.length) await this.addFiles(params.files);
  }

  // ---- dictation ----

  /** True when this browser can record (getUserMedia and MediaRecorder exist). */
  get dictationAvailable(): boolean {
    return this.dictation.available;
  }

  /** The mic button: start recording, or stop and transcribe. `caret` is read when the text arrives. */
  toggleDictation(caret?: CaretReader): Promise<void> {
    if (caret) this.readCaret = caret;
    return this.dictation.toggle();
  }

  stopDictation(): void {
    this.dictation.stop();
  }

  private insertDictatedText(dictated: string): void {
    const { text, caret } = insertDictated(this.state.composer.text, this.readCaret(), dictated);
    this.setComposer({ text, caretAt: caret, focusToken: this.state.composer.focusToken + 1 });
  }

  /** Validate and upload files; returns the human errors for rejected ones. */
  addFiles(files: File[]): Promise<string[]> {
    return this.uploads.add(files);
  }

  removeAttachment(id: string): void {
    this.uploads.remove(id);
  }

  destroy(): void {
    this.detachStream();
    this.streamAbort?.abort();
    this.uploads.abortAll();
    this.dictation.discard();
    this.listeners.clear();
  }
}
