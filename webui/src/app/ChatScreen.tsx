import { ChatKit, useChatKit, type UseChatKitReturn } from "@openai/chatkit-react";
import type { ChatKitOptions, StartScreenPrompt, SupportedLocale } from "@openai/chatkit";
import { useEffect, useMemo, useRef, useState } from "react";
import { fetchInLanguage, type ModelOption } from "./api";
import { answerClientTool, currentContext } from "./clientTools";
import { toolsForModel } from "./composerTools";
import type { McpServerView } from "./mcpApi";
import { continueInKitdesk, hideQuickAsk, reportAnswerFinished, takeThreadFromLocation } from "./desktop";
import { ACTIVITY_EVENTS, collectWhenQuiet } from "./idleGarbage";
import { useI18n, type T } from "./i18n";
import { usePromptMenu } from "./promptMenu";
import { ACCENT, type ColorScheme } from "./theme";
import { warmOnLog } from "./warmup";

const LAST_THREAD_KEY = "kitdesk.lastThread";
const MB = 1024 * 1024;

function prompts(t: T): StartScreenPrompt[] {
  return [
    { label: t("prompt.explain.label"), prompt: t("prompt.explain.text"), icon: "lightbulb" },
    { label: t("prompt.code.label"), prompt: t("prompt.code.text"), icon: "square-code" },
    { label: t("prompt.summarize.label"), prompt: t("prompt.summarize.text"), icon: "document" },
    { label: t("prompt.plan.label"), prompt: t("prompt.plan.text"), icon: "map-pin" },
  ];
}

// What the composer accepts: images, plain text and PDF (the model sees text and images).
const ACCEPT: Record<string, string[]> = {
  "image/*": [".png", ".jpg", ".jpeg", ".gif", ".webp"],
  "text/*": [".txt", ".md", ".csv", ".json", ".py", ".ts", ".js", ".html", ".css", ".xml", ".yaml", ".yml", ".log"],
  "application/pdf": [".pdf"],
};

function lastThread(): string | null {
  try {
    return localStorage.getItem(LAST_THREAD_KEY);
  } catch {
    return null;
  }
}

function rememberThread(threadId: string | null): void {
  try {
    if (threadId) localStorage.setItem(LAST_THREAD_KEY, threadId);
    else localStorage.removeItem(LAST_THREAD_KEY);
  } catch {
    // Storage can be unavailable (private mode); the thread is simply not restored.
  }
}

export type ChatEvents = {
  onResponseStart: () => void;
  onResponseEnd: () => void;
  onError: (message: string) => void;
};

type ChatScreenProps = {
  scheme: ColorScheme;
  models: ModelOption[];
  /** The MCP servers: the composer's tools menu offers the enabled ones (with web search where the model has it). */
  servers: McpServerView[];
  onOpenSettings: () => void;
  events: ChatEvents;
  /** Receives the ChatKit control so shortcuts can call the element's methods. */
  onControl: (chatkit: UseChatKitReturn) => void;
  /** The quick-ask window: no header, history or prompts; a "Continue in Kitdesk" bar. */
  quick?: boolean;
};

/** The conversation: the `<openai-chatkit>` element driven through the official React bindings. */
export function ChatScreen({ scheme, models, servers, onOpenSettings, events, onControl, quick = false }: ChatScreenProps) {
  // The quick-ask window always starts on a fresh thread and leaves the main window's memory alone;
  // a window opened on one chat ("Open in new window") starts on it.
  const [initialThread] = useState(() => (quick ? null : (takeThreadFromLocation() ?? lastThread())));
  const currentThread = useRef<string | null>(initialThread);
  const [quickThread, setQuickThread] = useState<string | null>(null);
  const { t, language } = useI18n();
  const defaultModel = models.find((m) => m.default)?.id ?? null;
  // The composer's model, as the element reports it (chatkit.log composer.model); the default until then.
  const [composerModel, setComposerModel] = useState<string | null>(null);
  const selectedModel = models.find((m) => m.id === (composerModel ?? defaultModel));
  const tools = useMemo(() => toolsForModel(selectedModel, servers, t), [selectedModel, servers, t]);
  // The prompt library's "/" menu reaches the element through this (set once useChatKit has run).
  const control = useRef<UseChatKitReturn | null>(null);
  const promptMenu = usePromptMenu(control);

  const options = useMemo(
    (): ChatKitOptions => ({
      // The server writes its own thread text (tool approvals, activity) in the language shown.
      api: { url: "chatkit", domainKey: "local", fetch: fetchInLanguage(language) },
      initialThread,
      // The app's language (every shipped code is a ChatKit SupportedLocale).
      locale: language satisfies SupportedLocale,
      theme: {
        colorScheme: scheme,
        radius: "round",
        density: "normal",
        typography: { baseSize: 15 },
        color: { accent: { primary: ACCENT, level: 1 } },
      },
      header: {
        enabled: !quick,
        title: { enabled: true },
        rightAction: { icon: "settings-cog", onClick: onOpenSettings },
      },
      history: { enabled: !quick, showDelete: true, showRename: true },
      startScreen: quick ? { greeting: t("quick.greeting") } : { greeting: t("chat.greeting"), prompts: prompts(t) },
      composer: {
        placeholder: t("chat.placeholder"),
        attachments: { enabled: true, accept: ACCEPT, maxSize: 20 * MB, maxCount: 10 },
        // Always offered: the default provider transcribes, and one without
        // speech-to-text answers with a sentence saying so (shown under the composer).
        dictation: { enabled: true },
        models,
        ...(tools.length > 0 ? { tools } : {}),
      },
      commands: promptMenu.commands,
      threadItemActions: { feedback: true, retry: true },
      ...(quick ? {} : { disclaimer: { text: t("chat.disclaimer") } }),
    }),
    [scheme, models, tools, onOpenSettings, initialThread, t, language, promptMenu.commands, quick],
  );

  const garbage = useMemo(() => collectWhenQuiet(), []);
  useEffect(() => {
    const active = () => garbage.personActive();
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, active, { capture: true, passive: true });
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, active, { capture: true });
    };
  }, [garbage]);
  const chatkit = useChatKit({
    ...options,
    onThreadChange: ({ threadId }) => {
      currentThread.current = threadId;
      if (quick) setQuickThread(threadId);
      else rememberThread(threadId);
    },
    onResponseStart: () => {
      garbage.answerStarted();
      events.onResponseStart();
    },
    onResponseEnd: () => {
      events.onResponseEnd();
      garbage.answerEnded();
      const threadId = currentThread.current;
      if (threadId && !quick) reportAnswerFinished(threadId, t("notify.answerReady"), t("notify.answerReadyBody"));
    },
    onError: ({ error }) => events.onError(error instanceof Error ? error.message : String(error)),
    // A ChatKit server's client tool calls: a few harmless ones answered, any other
    // name a structured error the server goes on from (nothing shown to the person).
    onClientTool: (call) => answerClientTool(call, currentContext(language)),
    onLog: ({ name, data }) => {
      if (name === "composer.model") setComposerModel(typeof data?.modelId === "string" ? data.modelId : null);
      // A draft or dictation started: the server builds its turn engine while they write.
      warmOnLog(name);
    },
  });

  useEffect(() => {
    control.current = chatkit;
    onControl(chatkit);
  }, [chatkit, onControl]);

  // A new default model chosen in Settings applies to the composer now, not
  // only to the next start (the element picks `default` once).
  const shownDefault = useRef(defaultModel);
  useEffect(() => {
    if (defaultModel === shownDefault.current) return;
    // The first list to arrive is not a change of default: leave the model of
    // the thread being reopened alone.
    const first = shownDefault.current === null;
    shownDefault.current = defaultModel;
    if (defaultModel && !first) void chatkit.setComposerValue({ selectedModelId: defaultModel });
  }, [defaultModel, chatkit]);

  if (!quick)
    return (
      <>
        <ChatKit control={chatkit.control} className="kd-chatkit" data-testid="chatkit" />
        {promptMenu.dialog}
      </>
    );
  return (
    <>
      <ChatKit control={chatkit.control} className="kd-chatkit" data-testid="chatkit" />
      {promptMenu.dialog}
      <div className="kd-quick-bar">
        <span className="kd-quick-hint">{t("quick.escHint")}</span>
        <button
          type="button"
          className="kd-button kd-button-primary"
          data-testid="continue-in-kitdesk"
          disabled={!quickThread}
          onClick={() => quickThread && continueInKitdesk(quickThread)}
        >
          {t("quick.continue")}
        </button>
      </div>
    </>
  );
}

/** Esc anywhere in the quick-ask window hides it (the element stops an answer first if one runs). */
export function useQuickAskEscape(quick: boolean): void {
  useEffect(() => {
    if (!quick) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) hideQuickAsk();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [quick]);
}
