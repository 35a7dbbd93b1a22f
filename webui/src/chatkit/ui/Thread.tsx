/**
 * The conversation: a virtualized list of items (only what is on screen is in
 * the DOM, so 5,000 messages scroll like 50), older pages loaded when the
 * reader nears the top, auto-scroll that follows a streaming answer only
 * while the reader is at the bottom, and a "jump to latest" control.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactElement } from "react";
import type { FeedbackKind, ThreadItem } from "../protocol/types";
import { forkOfTurn, type Fork, type ForkMap } from "../state/branches";
import { chatTotal, hasTokens, turnUsage, type TokenCounts } from "../state/usage";
import { withoutDescribedToolCalls } from "../state/toolActivity";
import { formatNumber } from "../i18n";
import { BranchSwitcher, EditMessage, UserMessageActions } from "./Branches";
import { PENDING_PREFIX, assistantText, type ThreadView } from "../state/thread";
import { copyText, useChatState, useEnv } from "./context";
import { Icon } from "./icons";
import {
  AssistantMessage,
  GeneratedImageView,
  StructuredInputView,
  TaskItemView,
  ToolCallView,
  TypingDots,
  UserMessage,
  WidgetItemView,
  WorkflowView,
  type ThreadWidgetEnv,
} from "./items";
import { Markdown } from "./Markdown";

const BOTTOM_SLACK = 48;
// How long after a key press, wheel turn or touch an upward scroll counts as the
// reader's (smooth scrolling keeps moving for a few hundred milliseconds).
const READER_SCROLL_MS = 1000;

interface Turn {
  /** Index of the last assistant-side item of each turn -> the turn's assistant items. */
  ends: Map<number, ThreadItem[]>;
  /** The same index -> the turn's version switcher, when its answer has siblings. */
  forks: Map<number, Fork>;
  /** The same index -> every item id of the turn (for its token counts). */
  ids: Map<number, string[]>;
}

function computeTurns(items: ThreadItem[], forkIndex: ForkMap): Turn {
  const ends = new Map<number, ThreadItem[]>();
  const forks = new Map<number, Fork>();
  const turnIds = new Map<number, string[]>();
  let current: ThreadItem[] = [];
  let ids: string[] = [];
  let lastIndex = -1;
  const close = () => {
    if (!current.length) return;
    ends.set(lastIndex, current);
    turnIds.set(lastIndex, ids);
    const fork = forkOfTurn(ids, forkIndex);
    if (fork) forks.set(lastIndex, fork);
  };
  items.forEach((item, index) => {
    if (item.type === "user_message") {
      close();
      current = [];
      ids = [];
      return;
    }
    ids.push(item.id);
    if (item.type !== "end_of_turn" && item.type !== "client_tool_call") {
      current.push(item);
      lastIndex = index;
    }
  });
  close();
  return { ends, forks, ids: turnIds };
}

/** Token counts, quietly: "1,234 in · 56 out", the full words for screen readers. */
function TokenLine({ counts, className, labelKey }: { counts: TokenCounts; className: string; labelKey: "usage.answer" | "usage.thread" }): ReactElement {
  const { t, locale } = useEnv();
  const vars = { input: formatNumber(counts.input_tokens, locale), output: formatNumber(counts.output_tokens, locale) };
  const full = t(labelKey, vars);
  return (
    <span className={className} title={full}>
      <span aria-hidden="true">{t("usage.short", vars)}</span>
      <span className="ck-sr-only">{full}</span>
    </span>
  );
}

function TurnActions({
  turn,
  fork,
  usage,
  isLatest,
  streaming,
}: {
  turn: ThreadItem[];
  fork: Fork | null;
  usage: TokenCounts | null;
  isLatest: boolean;
  streaming: boolean;
}): ReactElement | null {
  const { t, controller } = useEnv();
  const options = useChatState((s) => s.options);
  const feedback = useChatState((s) => s.feedback);
  const responding = useChatState((s) => s.responding);
  const [copied, setCopied] = useState(false);
  const messages = turn.filter((item) => item.type === "assistant_message" || item.type === "widget");
  if (messages.length === 0 || streaming) return null;
  const text = messages.map(assistantText).filter(Boolean).join("\n\n");
  const ids = turn.filter((item) => item.type === "assistant_message").map((item) => item.id);
  const current: FeedbackKind | undefined = ids.length ? feedback[ids[0]!] : undefined;
  const showFeedback = Boolean(options?.threadItemActions?.feedback) && ids.length > 0;
  const showRetry = Boolean(options?.threadItemActions?.retry);
  const onRetry = () => {
    const view = controller.getState().view;
    const first = turn[0];
    const index = first ? view.items.findIndex((item) => item.id === first.id) : -1;
    for (let i = index; i >= 0; i -= 1) {
      const item = view.items[i]!;
      if (item.type === "user_message") {
        void controller.retry(item.id);
        return;
      }
    }
  };
  return (
    <div className={`ck-actions${isLatest ? " ck-actions-latest" : " ck-actions-overlay"}`} role="toolbar" aria-label={t("message.actions")}>
      {fork ? <BranchSwitcher fork={fork} /> : null}
      {text ? (
        <button
          type="button"
          className="ck-icon-btn ck-sm"
          aria-label={copied ? t("message.copied") : t("message.copy")}
          title={copied ? t("message.copied") : t("message.copy")}
          onClick={() =>
            void copyText(text).then((ok) => {
              if (!ok) return;
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            })
          }
        >
          <Icon name={copied ? "check" : "copy"} size={16} />
        </button>
      ) : null}
      {showFeedback ? (
        <>
          <button
            type="button"
            className={`ck-icon-btn ck-sm${current === "positive" ? " ck-on" : ""}`}
            aria-label={t("message.goodResponse")}
            title={t("message.goodResponse")}
            aria-pressed={current === "positive"}
            onClick={() => void controller.sendFeedback(ids, "positive")}
          >
            <Icon name="thumbs-up" size={16} />
          </button>
          <button
            type="button"
            className={`ck-icon-btn ck-sm${current === "negative" ? " ck-on" : ""}`}
            aria-label={t("message.badResponse")}
            title={t("message.badResponse")}
            aria-pressed={current === "negative"}
            onClick={() => void controller.sendFeedback(ids, "negative")}
          >
            <Icon name="thumbs-down" size={16} />
          </button>
        </>
      ) : null}
      {showRetry ? (
        <button type="button" className="ck-icon-btn ck-sm" aria-label={t("message.retry")} title={t("message.retry")} disabled={responding} onClick={onRetry}>
          <Icon name="reload" size={16} />
        </button>
      ) : null}
      {hasTokens(usage) ? <TokenLine counts={usage} className="ck-usage" labelKey="usage.answer" /> : null}
    </div>
  );
}

const ItemView = memo(function ItemView({
  item,
  streaming,
  imageDomains,
  widgetEnv,
}: {
  item: ThreadItem;
  streaming: boolean;
  imageDomains: readonly string[] | null;
  widgetEnv: ThreadWidgetEnv;
}): ReactElement | null {
  switch (item.type) {
    case "user_message":
      return <UserMessage item={item} />;
    case "assistant_message":
      return <AssistantMessage item={item} streaming={streaming} imageDomains={imageDomains} />;
    case "workflow":
      return <WorkflowView item={item} streaming={streaming} />;
    case "task":
      return <TaskItemView item={item} />;
    case "client_tool_call":
      return <ToolCallView item={item} />;
    case "generated_image":
      return <GeneratedImageView item={item} imageDomains={imageDomains} />;
    case "widget":
      return <WidgetItemView item={item} env={widgetEnv} />;
    case "structured_input":
      return <StructuredInputView item={item} busy={widgetEnv.busy} />;
    default:
      return null;
  }
});

/** The ids of the items after the last user message: the last answer. */
function lastTurnIds(items: readonly ThreadItem[]): string[] {
  const ids: string[] = [];
  for (let i = items.length - 1; i >= 0 && items[i]!.type !== "user_message"; i -= 1) ids.push(items[i]!.id);
  return ids;
}

function Footer({ view, responding }: { view: ThreadView; responding: boolean }): ReactElement {
  const { t, controller } = useEnv();
  const usage = useChatState((s) => s.usage);
  const last = view.items[view.items.length - 1];
  const total = usage.threadId === view.thread?.id && !responding ? chatTotal(usage, lastTurnIds(view.items)) : null;
  const waiting = responding && (!last || last.type === "user_message" || last.type === "end_of_turn") && !view.progress;
  return (
    <div className="ck-footer">
      {hasTokens(total) ? <TokenLine counts={total} className="ck-usage ck-usage-total" labelKey="usage.thread" /> : null}
      {view.progress ? (
        <div className="ck-progress" role="status">
          <span className="ck-spinner" aria-hidden="true" />
          <span className="ck-shimmer">{view.progress.text}</span>
        </div>
      ) : null}
      {waiting ? <TypingDots /> : null}
      {view.notices.map((notice) => (
        <div key={notice.id} className={`ck-notice ck-notice-${notice.level}`} role={notice.level === "danger" ? "alert" : "status"}>
          <Icon name={notice.level === "info" ? "info" : "alert"} size={18} />
          <div className="ck-notice-body">
            {notice.title ? <span className="ck-notice-title">{notice.title}</span> : null}
            <Markdown text={notice.message} />
          </div>
          <button type="button" className="ck-icon-btn ck-sm" aria-label={t("notice.dismiss")} onClick={() => controller.dismissNotice(notice.id)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      ))}
      {view.error ? (
        <div className="ck-error" role="alert">
          <Icon name="alert" size={18} />
          <p>{view.error.message}</p>
          <div className="ck-error-actions">
            {view.error.allowRetry ? (
              <button type="button" className="ck-btn ck-btn-secondary" disabled={responding} onClick={() => void controller.retry()}>
                <Icon name="reload" size={15} />
                {t("error.retry")}
              </button>
            ) : null}
            <button type="button" className="ck-btn ck-btn-ghost" onClick={() => controller.dismissError()}>
              {t("error.dismiss")}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

export function ThreadPane({ scheme }: { scheme: "light" | "dark" }): ReactElement {
  const { t, controller } = useEnv();
  const view = useChatState((s) => s.view);
  const responding = useChatState((s) => s.responding);
  const options = useChatState((s) => s.options);
  const forks = useChatState((s) => s.forks);
  const usage = useChatState((s) => s.usage);
  const canEdit = useChatState((s) => s.branchesAvailable);
  const [editingId, setEditingId] = useState<string | null>(null);
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const contentRef = useRef<HTMLDivElement | null>(null);
  const stick = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [olderLoading, setOlderLoading] = useState(false);
  const anchor = useRef<{ height: number; top: number; firstId: string } | null>(null);
  const items = useMemo(() => withoutDescribedToolCalls(view.items), [view.items]);
  const turns = useMemo(() => computeTurns(items, forks), [items, forks]);
  const imageDomains = view.thread?.allowed_image_domains ?? null;
  const autoScroll = options?.thread?.autoScroll !== false;

  const widgetEnv = useMemo<ThreadWidgetEnv>(
    () => ({
      scheme,
      imageDomains,
      busy: responding,
      blockedImageLabel: t("message.imageBlocked"),
      imageFailedLabel: t("message.imageFailed"),
      clearLabel: t("widget.clear"),
      chartLabel: t("widget.chart"),
    }),
    [scheme, imageDomains, responding, t],
  );

  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 96,
    // Rows kept mounted beyond each edge of the viewport. A row is a whole
    // message, often most of a screen tall, so two are enough to scroll into
    // without a blank frame; each one costs the renderer its DOM, layout and
    // paint. Six kept the Qt window 7 MB heavier over its first ten answers
    // (growth bench, 673 DOM nodes against 509).
    overscan: 2,
    paddingStart: 24,
    // Until the viewport is measured (or where nothing measures it, as in
    // jsdom), assume a typical window so the latest items still render.
    initialRect: { width: 720, height: 900 },
    getItemKey: (index) => items[index]?.id ?? index,
  });

  const scrollToBottom = useCallback(() => {
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  // New thread opened: start at the latest message.
  const threadId = view.thread?.id ?? null;
  useLayoutEffect(() => {
    stick.current = true;
    setShowJump(false);
    if (items.length) virtualizer.scrollToIndex(items.length - 1, { align: "end" });
    scrollToBottom();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [threadId]);

  // After a switch to another version the path below it is new. When the version
  // is not among the loaded items (a fork far above the latest page), the page
  // shows the new path's latest, as opening the thread does, not wherever the
  // old scroll offset lands (which also paged in older items first).
  const switchedTo = useChatState((s) => s.switchedTo);
  useLayoutEffect(() => {
    if (!switchedTo || items.some((item) => item.id === switchedTo.itemId)) return;
    stick.current = true;
    setShowJump(false);
    if (items.length) virtualizer.scrollToIndex(items.length - 1, { align: "end" });
    scrollToBottom();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [switchedTo?.serial]);

  // A message sent by the reader always brings them to the bottom.
  const lastItem = items[items.length - 1];
  useLayoutEffect(() => {
    if (lastItem?.type === "user_message") {
      stick.current = true;
      setShowJump(false);
      scrollToBottom();
    }
  }, [lastItem?.id, lastItem?.type, scrollToBottom]);

  // Older items were prepended: keep the reader's place.
  const firstId = items[0]?.id ?? "";
  useLayoutEffect(() => {
    const saved = anchor.current;
    const el = scrollRef.current;
    if (!saved || !el || saved.firstId === firstId) return;
    anchor.current = null;
    el.scrollTop = saved.top + (el.scrollHeight - saved.height);
  }, [firstId]);

  // Follow content growth while stuck to the bottom.
  useEffect(() => {
    const content = contentRef.current;
    if (!content || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (stick.current && (autoScroll || !responding)) scrollToBottom();
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, [scrollToBottom, autoScroll, responding]);

  const maybeLoadOlder = useCallback(() => {
    const el = scrollRef.current;
    if (!el || !view.hasOlder || olderLoading) return;
    if (el.scrollTop > 400) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop, firstId };
    setOlderLoading(true);
    void controller.loadOlder().finally(() => setOlderLoading(false));
  }, [controller, view.hasOlder, olderLoading, firstId]);

  // The browser moves the offset by itself too: scroll anchoring and the list's
  // re-measuring of rows above shift it up when content changes. Only an upward
  // move that follows the reader's own input (keys, a held pointer on the
  // scrollbar, touch, the wheel) unsticks the view from the bottom.
  const lastTop = useRef(0);
  const readerInputAt = useRef(-Infinity);
  const pointerHeld = useRef(false);
  const noteReaderInput = useCallback(() => {
    readerInputAt.current = performance.now();
  }, []);
  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const top = el.scrollTop;
    const atBottom = el.scrollHeight - top - el.clientHeight < BOTTOM_SLACK;
    const byReader = pointerHeld.current || performance.now() - readerInputAt.current < READER_SCROLL_MS;
    if (atBottom) stick.current = true;
    else if (top < lastTop.current - 2 && byReader) stick.current = false;
    lastTop.current = top;
    setShowJump(!atBottom && !stick.current);
    maybeLoadOlder();
  }, [maybeLoadOlder]);

  useEffect(() => {
    // A short thread may not fill the screen: page older items right away.
    maybeLoadOlder();
  }, [maybeLoadOlder, items.length]);

  const jump = () => {
    stick.current = true;
    setShowJump(false);
    virtualizer.scrollToIndex(items.length - 1, { align: "end" });
    requestAnimationFrame(scrollToBottom);
  };

  const virtualItems = virtualizer.getVirtualItems();
  const latestTurnEnd = Math.max(-1, ...Array.from(turns.ends.keys()));

  return (
    <div className="ck-thread">
      <div
        ref={scrollRef}
        className="ck-scroll"
        onScroll={onScroll}
        onWheel={(e) => {
          noteReaderInput();
          if (e.deltaY < 0) stick.current = false;
        }}
        onKeyDown={noteReaderInput}
        onTouchMove={noteReaderInput}
        onPointerDown={() => {
          // Moves while a pointer is held are the reader's (a scrollbar drag, a
          // selection pulled past the edge); a click on a button in a message is
          // not scrolling, so it opens no window after its release, in which the
          // list's own moves (a card replaced, rows re-measured) would unstick it.
          pointerHeld.current = true;
        }}
        onPointerUp={() => {
          pointerHeld.current = false;
        }}
        onPointerCancel={() => {
          pointerHeld.current = false;
        }}
        onPointerMove={(e) => {
          // Released outside the list, or a drag the page never heard end.
          if (e.buttons === 0) pointerHeld.current = false;
        }}
        tabIndex={0}
        role="region"
        aria-label={t("thread.log")}
      >
        <div ref={contentRef} className="ck-column">
          {olderLoading ? (
            <div className="ck-older" role="status">
              <span className="ck-spinner" aria-hidden="true" />
              {t("thread.loadOlder")}
            </div>
          ) : null}
          <div className="ck-list" style={{ height: virtualizer.getTotalSize() }}>
            {/* Offset by `top`, not a transform: sticky code headers inside
                measure against the scroll box, and a transform would shift them. */}
            <div className="ck-list-inner" style={{ top: virtualItems[0]?.start ?? 0 }}>
              {virtualItems.map((row) => {
                const item = items[row.index]!;
                const turn = turns.ends.get(row.index);
                const streaming = view.streamingIds.has(item.id);
                const overlayActions = turn !== undefined && row.index !== latestTurnEnd;
                const fork = item.type === "user_message" ? (forks[item.id] ?? null) : (turns.forks.get(row.index) ?? null);
                const editable = item.type === "user_message" && canEdit && !item.id.startsWith(PENDING_PREFIX);
                return (
                  <div
                    key={row.key}
                    data-index={row.index}
                    ref={virtualizer.measureElement}
                    className={`ck-row ck-row-${item.type}${overlayActions ? " ck-row-overlay-actions" : ""}${fork ? " ck-row-forked" : ""}`}
                  >
                    {item.type === "user_message" && editingId === item.id ? (
                      <EditMessage item={item} onClose={() => setEditingId(null)} />
                    ) : (
                      <ItemView item={item} streaming={streaming} imageDomains={imageDomains} widgetEnv={widgetEnv} />
                    )}
                    {item.type === "user_message" && editingId !== item.id ? (
                      <UserMessageActions fork={fork} onEdit={editable ? () => setEditingId(item.id) : null} />
                    ) : null}
                    {turn ? (
                      <TurnActions
                        turn={turn}
                        fork={fork}
                        usage={usage.threadId === threadId ? turnUsage(turns.ids.get(row.index) ?? [], usage.answers) : null}
                        isLatest={row.index === latestTurnEnd}
                        streaming={responding && row.index === latestTurnEnd}
                      />
                    ) : null}
                  </div>
                );
              })}
            </div>
          </div>
          <Footer view={view} responding={responding} />
        </div>
      </div>
      {showJump && items.length > 0 ? (
        <button type="button" className="ck-jump" onClick={jump} aria-label={t("thread.jumpToLatest")}>
          <Icon name="arrow-down" size={16} />
          <span>{t("thread.jumpToLatest")}</span>
        </button>
      ) : null}
    </div>
  );
}
