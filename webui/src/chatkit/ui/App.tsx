/**
 * The element's whole UI: header, history sidebar (an overlay in narrow
 * windows), the start screen or the conversation, the composer, and a polite
 * live region that announces finished answers to screen readers.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type ReactElement } from "react";
import type { UserMessageContent } from "@openai/chatkit";
import { iconLabel } from "../locale";
import { loadFontSources, requestedScheme, themeVariables, type Scheme } from "../theme";
import { SchemeContext, useChatState, useEnv } from "./context";
import { plainTitle } from "../render/plaintext";
import { TITLE_MAX_LENGTH } from "../state/controller";
import { modelRefLabel, threadModel } from "../state/thread";
import { Composer } from "./Composer";
import { History } from "./History";
import { Icon } from "./icons";
import { writeHistoryPreference } from "./preferences";
import { ThreadPane } from "./Thread";

const NARROW = 760;
/** Focus and visibility often fire together; one refresh covers both. */
const HISTORY_REFRESH_GAP_MS = 2000;

function useSystemScheme(): Scheme {
  const query = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
  const [dark, setDark] = useState(Boolean(query?.matches));
  useEffect(() => {
    if (!query) return;
    const listener = () => setDark(query.matches);
    query.addEventListener("change", listener);
    return () => query.removeEventListener("change", listener);
  }, [query]);
  return dark ? "dark" : "light";
}

function Header({ narrow }: { narrow: boolean }): ReactElement | null {
  const { t, controller } = useEnv();
  const options = useChatState((s) => s.options);
  const thread = useChatState((s) => s.view.thread);
  const historyOpen = useChatState((s) => s.history.open);
  const responding = useChatState((s) => s.responding);
  const ownModel = useChatState((s) => threadModel(s.view));
  const composerModel = useChatState((s) => s.composer.modelId);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const header = options?.header;
  if (header?.enabled === false) return null;
  const historyEnabled = options?.history?.enabled !== false;
  const titleEnabled = header?.title?.enabled !== false;
  const title = header?.title?.text ?? (thread?.created_at ? plainTitle(thread.title) || t("header.untitled") : t("header.newThreadTitle"));
  const canRename = !header?.title?.text && Boolean(thread?.created_at) && options?.history?.showRename !== false;
  // The model in use: the thread's (its last message's), else the composer's pick.
  const models = options?.composer?.models ?? [];
  const modelId = ownModel ?? composerModel;
  const modelLabel =
    thread?.created_at && modelId ? (models.find((m) => m.id === modelId)?.label ?? modelRefLabel(modelId)) : undefined;
  const commit = () => {
    setEditing(false);
    const next = draft.trim();
    if (thread && next && next !== plainTitle(thread.title)) void controller.renameThread(thread.id, next);
  };
  return (
    <header className="ck-header">
      <div className="ck-header-side">
        {historyEnabled ? (
          <button
            type="button"
            className="ck-icon-btn"
            aria-label={historyOpen ? t("header.closeHistory") : t("header.openHistory")}
            title={historyOpen ? t("header.closeHistory") : t("header.openHistory")}
            aria-expanded={historyOpen}
            onClick={() => (historyOpen ? controller.hideHistory() : controller.showHistory())}
          >
            <Icon name="sidebar" />
          </button>
        ) : null}
        {header?.leftAction ? (
          <button type="button" className="ck-icon-btn" aria-label={iconLabel(header.leftAction.icon, t)} title={iconLabel(header.leftAction.icon, t)} onClick={() => header.leftAction?.onClick()}>
            <Icon name={header.leftAction.icon} />
          </button>
        ) : null}
      </div>
      <div className="ck-header-title">
        {titleEnabled ? (
          editing ? (
            <input
              className="ck-rename ck-title-input"
              value={draft}
              maxLength={TITLE_MAX_LENGTH}
              autoFocus
              aria-label={t("history.renameLabel")}
              onChange={(event) => setDraft(event.target.value)}
              onBlur={commit}
              onKeyDown={(event) => {
                if (event.key === "Enter") commit();
                if (event.key === "Escape") {
                  event.stopPropagation();
                  setEditing(false);
                }
              }}
            />
          ) : canRename ? (
            <button
              type="button"
              className="ck-title-btn"
              title={t("header.renameThread")}
              aria-label={`${t("header.renameThread")}: ${title}`}
              onClick={() => {
                setDraft(plainTitle(thread?.title));
                setEditing(true);
              }}
            >
              <h2 className="ck-title">{title}</h2>
            </button>
          ) : (
            <h2 className="ck-title">{title}</h2>
          )
        ) : null}
        {modelLabel && !editing ? <div className="ck-header-model">{modelLabel}</div> : null}
      </div>
      <div className="ck-header-side ck-header-right">
        {header?.rightAction ? (
          <button type="button" className="ck-icon-btn" aria-label={iconLabel(header.rightAction.icon, t)} title={iconLabel(header.rightAction.icon, t)} onClick={() => header.rightAction?.onClick()}>
            <Icon name={header.rightAction.icon} />
          </button>
        ) : null}
        <button
          type="button"
          className="ck-icon-btn"
          aria-label={t("header.newChat")}
          title={t("header.newChat")}
          disabled={!thread?.created_at && !responding}
          onClick={() => {
            void controller.setThreadId(null).then(() => controller.focusComposer());
            if (narrow) controller.hideHistory();
          }}
        >
          <Icon name="compose" />
        </button>
      </div>
    </header>
  );
}

function StartScreen(): ReactElement {
  const { t, controller } = useEnv();
  const options = useChatState((s) => s.options);
  const prompts = options?.startScreen?.prompts ?? [];
  const send = (prompt: string | UserMessageContent[]) => {
    void controller
      .sendUserMessage(typeof prompt === "string" ? { text: prompt } : { content: prompt })
      .catch(() => undefined);
  };
  return (
    <div className="ck-start">
      <div className="ck-start-inner">
        <h1 className="ck-greeting">{options?.startScreen?.greeting ?? t("start.greeting")}</h1>
        {prompts.length ? (
          <ul className="ck-prompts" aria-label={t("start.suggestions")}>
            {prompts.map((prompt, index) => (
              <li key={index}>
                <button type="button" className="ck-prompt" onClick={() => send(prompt.prompt)}>
                  {prompt.icon ? <Icon name={prompt.icon} size={16} /> : null}
                  <span>{prompt.label}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

export function App({ onRendered }: { onRendered: () => void }): ReactElement {
  const { t, controller } = useEnv();
  const options = useChatState((s) => s.options);
  const historyOpen = useChatState((s) => s.history.open);
  const hasThread = useChatState((s) => Boolean(s.view.thread));
  const itemCount = useChatState((s) => s.view.items.length);
  const loadingThread = useChatState((s) => s.loadingThread);
  const threadError = useChatState((s) => s.threadError);
  const announcement = useChatState((s) => s.announcement);
  const responding = useChatState((s) => s.responding);
  const systemScheme = useSystemScheme();
  const requested = requestedScheme(options);
  const scheme: Scheme = requested === "system" ? systemScheme : requested;
  const vars = useMemo(() => themeVariables(options, scheme), [options, scheme]);
  const rootRef = useRef<HTMLDivElement | null>(null);
  const [narrow, setNarrow] = useState(false);

  useEffect(() => loadFontSources(options), [options]);

  useLayoutEffect(() => {
    const el = rootRef.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setNarrow(el.clientWidth > 0 && el.clientWidth < NARROW));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (options) onRendered();
  }, [options, onRendered]);

  // Chats started or renamed in another window show up when this one comes back.
  const historyWanted = options !== null && options.history?.enabled !== false;
  useEffect(() => {
    if (!historyWanted) return;
    let last = 0;
    const refresh = () => {
      if (document.visibilityState === "hidden" || Date.now() - last < HISTORY_REFRESH_GAP_MS) return;
      last = Date.now();
      void controller.refreshHistory();
    };
    window.addEventListener("focus", refresh);
    document.addEventListener("visibilitychange", refresh);
    return () => {
      window.removeEventListener("focus", refresh);
      document.removeEventListener("visibilitychange", refresh);
    };
  }, [historyWanted, controller]);

  // Narrow windows show history as an overlay, closed by default; the
  // remembered preference only tracks wide windows.
  useEffect(() => {
    if (narrow) controller.hideHistory();
  }, [narrow, controller]);
  const wasOpen = useRef(historyOpen);
  useEffect(() => {
    if (!narrow && wasOpen.current !== historyOpen) writeHistoryPreference(historyOpen);
    wasOpen.current = historyOpen;
  }, [historyOpen, narrow]);

  const historyEnabled = options?.history?.enabled !== false;
  const showStart = !hasThread && itemCount === 0;

  return (
    <SchemeContext.Provider value={scheme}>
      <div
        ref={rootRef}
        className={`ck-root ck-${scheme}${narrow ? " ck-narrow" : ""}`}
        data-color-scheme={scheme}
        style={vars as CSSProperties}
        onKeyDown={(event) => {
          if (event.key === "Escape" && responding) {
            controller.cancel();
          } else if (event.key === "Escape" && narrow && historyOpen) {
            controller.hideHistory();
          }
        }}
      >
        {historyEnabled && historyOpen ? (
          <>
            {narrow ? <div className="ck-backdrop" onClick={() => controller.hideHistory()} aria-hidden="true" /> : null}
            <History overlay={narrow} />
          </>
        ) : null}
        <main className="ck-main" aria-label={options?.frameTitle ?? t("chat.title")}>
          <Header narrow={narrow} />
          {threadError ? (
            <div className="ck-center" role="alert">
              <Icon name="alert" size={24} />
              <p>{t("thread.errorLoad")}</p>
              <p className="ck-muted">{threadError}</p>
              <button type="button" className="ck-btn ck-btn-secondary" onClick={() => void controller.setThreadId(null)}>
                {t("header.newChat")}
              </button>
            </div>
          ) : loadingThread ? (
            <div className="ck-center" role="status">
              <span className="ck-spinner" aria-hidden="true" />
              <span>{t("thread.loading")}</span>
            </div>
          ) : showStart ? (
            <StartScreen />
          ) : (
            <ThreadPane scheme={scheme} />
          )}
          <Composer />
        </main>
        <div className="ck-sr-only" aria-live="polite" aria-atomic="true">
          {announcement}
        </div>
      </div>
    </SchemeContext.Provider>
  );
}
