import type { UseChatKitReturn } from "@openai/chatkit-react";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, messageOf, ServerUnreachable, type AppInfo, type ModelOption } from "./api";
import { ChatScreen, useQuickAskEscape, type ChatEvents } from "./ChatScreen";
import { useConnection, type Connection } from "./connection";
import { mcpApi, type McpServerView } from "./mcpApi";
import { LogoMark } from "./LogoMark";
import { SettingsDialog } from "./Settings";
import { UpdatesBanner } from "./UpdatesBanner";
import { isTypingTarget, matchShortcut } from "./shortcuts";
import { stopResponse, focusHistorySearch, focusUnlessMoved } from "./elementBridge";
import { announceQuickReady, deepActiveElement, isQuickMode, onDesktopCommand, openNewWindow } from "./desktop";
import { isLanguageSetting, useI18n, withNodes } from "./i18n";
import { rememberedTheme, useColorScheme } from "./theme";
import { warmTurnEngine } from "./warmup";

// Not on the chat screen's first paint: each loads (its own chunk) when first shown.
// Onboarding runs only while no provider is set up; Settings' sections load inside it.
const Onboarding = lazy(() => import("./Onboarding").then((m) => ({ default: m.Onboarding })));
const ShortcutHelp = lazy(() => import("./ShortcutHelp").then((m) => ({ default: m.ShortcutHelp })));

type Phase = { name: "loading" } | { name: "failed"; message: string } | { name: "onboarding" } | { name: "chat" };

/** The app's first question to the server (`api/app`), asked before the first render. */
export type FirstAnswer = {
  /** The answer itself: the first load takes it instead of asking again. */
  answer: Promise<AppInfo>;
  /** The answer when it had already come (preloaded by index.html) as the scripts ran:
   * the first render is then the chat or onboarding, without the start-up splash. */
  info: AppInfo | null;
};

function phaseFor(info: AppInfo): Phase {
  return info.needs_onboarding ? { name: "onboarding" } : { name: "chat" };
}

export function App({ first }: { first?: FirstAnswer }) {
  const [phase, setPhase] = useState<Phase>(() => (first?.info ? phaseFor(first.info) : { name: "loading" }));
  const [info, setInfo] = useState<AppInfo | null>(first?.info ?? null);
  const firstAnswer = useRef(first?.answer);
  const [models, setModels] = useState<ModelOption[]>([]);
  const [modelErrors, setModelErrors] = useState<string[]>([]);
  const [servers, setServers] = useState<McpServerView[]>([]);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [recoveredDismissed, setRecoveredDismissed] = useState(false);
  const chatkit = useRef<UseChatKitReturn | null>(null);
  const quick = useMemo(isQuickMode, []);
  useQuickAskEscape(quick);
  const responding = useRef(false);
  const scheme = useColorScheme(info?.theme ?? rememberedTheme());
  const { t, setting: languageSetting, setLanguage } = useI18n();

  const loadModels = useCallback(async (refresh = false) => {
    try {
      // The server flags the default model, so the composer starts on it.
      const list = await api.models(refresh);
      setModels(list.models);
      setModelErrors(list.errors);
    } catch (e) {
      if (!(e instanceof ServerUnreachable)) setModelErrors([messageOf(e)]);
    }
    // The composer's tools menu follows the MCP servers of Settings.
    mcpApi.servers().then(setServers, () => undefined);
  }, []);

  const load = useCallback(async () => {
    const answer = firstAnswer.current ?? api.app();
    firstAnswer.current = undefined; // asked once: a later load (Try again, back online) asks anew
    try {
      const next = await answer;
      setInfo(next);
      setPhase((current) => (current.name === "chat" ? current : phaseFor(next)));
      if (!next.needs_onboarding) void loadModels();
    } catch (e) {
      // Unreachable: the connection watcher shows that and calls load again.
      if (!(e instanceof ServerUnreachable)) setPhase({ name: "failed", message: messageOf(e) });
    }
  }, [loadModels]);

  useEffect(() => void load(), [load]);

  // The server's language choice (when it keeps one) wins over this profile's remembered one.
  const serverLanguage = info?.language;
  useEffect(() => {
    if (serverLanguage && isLanguageSetting(serverLanguage) && serverLanguage !== languageSetting) {
      void setLanguage(serverLanguage);
    }
    // Only when the server's value changes, not when the person picks another one.
  }, [serverLanguage]);
  const connection = useConnection(() => void load());

  /** Settings changed something the chat depends on: theme, providers, models. */
  const refresh = useCallback(async () => {
    try {
      setInfo(await api.app());
    } catch {
      // shown by the connection watcher or at the next action
    }
    await loadModels(true);
  }, [loadModels]);

  const openSettings = useCallback(() => {
    setHelpOpen(false);
    setSettingsOpen(true);
  }, []);

  const finishOnboarding = useCallback(() => {
    setPhase({ name: "chat" });
    void refresh();
  }, [refresh]);

  const events = useMemo(
    (): ChatEvents => ({
      onResponseStart: () => {
        responding.current = true;
      },
      onResponseEnd: () => {
        responding.current = false;
      },
      onError: () => {
        responding.current = false;
      },
    }),
    [],
  );
  const onControl = useCallback((control: UseChatKitReturn) => {
    chatkit.current = control;
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const action = matchShortcut(event, isTypingTarget(event));
      if (!action) return;
      const modalOpen = document.querySelector("dialog[open]") !== null;
      if (action === "stop") {
        // A dialog takes Escape to close itself, and the element stops an answer
        // itself when focus is inside it; this covers focus anywhere else.
        const element = chatkit.current?.ref.current ?? null;
        const inElement = element !== null && event.composedPath().includes(element);
        if (!modalOpen && !inElement && responding.current && stopResponse(element)) {
          event.preventDefault();
        }
        return;
      }
      if (action === "help") {
        event.preventDefault();
        setSettingsOpen(false);
        setHelpOpen((open) => !open);
        return;
      }
      if (action === "settings") {
        event.preventDefault();
        openSettings();
        return;
      }
      if (action === "newWindow") {
        if (openNewWindow()) event.preventDefault();
        return;
      }
      if (phase.name !== "chat" || !chatkit.current) return;
      event.preventDefault();
      setSettingsOpen(false);
      setHelpOpen(false);
      const control = chatkit.current;
      if (action === "newChat") {
        // The new thread renders on the next frame; focus its composer after that,
        // unless the person has clicked somewhere (the search box) meanwhile.
        const before = deepActiveElement();
        void control
          .setThreadId(null)
          .then(() => requestAnimationFrame(() => focusUnlessMoved(before, () => void control.focusComposer())));
      } else if (action === "search") {
        void control.showHistory().then(() => focusHistorySearch(control.ref.current));
      } else if (action === "focusComposer") {
        void control.focusComposer();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [phase.name, openSettings]);

  // The desktop window's tray and notifications: a new chat, or a given thread.
  // In the quick-ask window each newChat is one show; it announces when it can take typing.
  const quickShows = useRef(0);
  const stopAnnouncing = useRef<(() => void) | null>(null);
  useEffect(
    () =>
      onDesktopCommand((command) => {
        const control = chatkit.current;
        if (phase.name !== "chat" || !control) return;
        setSettingsOpen(false);
        setHelpOpen(false);
        const threadId = command.action === "openThread" ? command.threadId : null;
        const show = quick ? ++quickShows.current : 0;
        if (quick) warmTurnEngine(); // the quick-ask window was called up to ask something
        stopAnnouncing.current?.();
        void control.setThreadId(threadId).then(() =>
          requestAnimationFrame(() => {
            void control.focusComposer();
            if (show) stopAnnouncing.current = announceQuickReady(show);
          }),
        );
      }),
    [phase.name, quick],
  );

  const modalOpen = settingsOpen || helpOpen;
  const offlineNotice = connection.reachable ? null : (
    <OfflineNotice connection={connection} fullscreen={phase.name === "loading" && !modalOpen} />
  );

  const splash = (
    <div className="kd-splash" aria-busy="true" aria-live="polite">
      <LogoMark size={48} />
      <p>{t("app.starting")}</p>
    </div>
  );

  return (
    <div className={quick ? "kd-app kd-quick" : "kd-app"} data-phase={phase.name}>
      {!modalOpen && offlineNotice}

      {info?.settings_recovered_from && !recoveredDismissed && (
        <div className="kd-banner" role="status">
          <span>{withNodes(t, "app.settingsRecovered", { path: <code>{info.settings_recovered_from}</code> })}</span>
          <button type="button" className="kd-button kd-button-quiet" onClick={() => setRecoveredDismissed(true)}>
            {t("common.dismiss")}
          </button>
        </div>
      )}

      {phase.name === "chat" && <UpdatesBanner />}

      {phase.name === "chat" && modelErrors.length > 0 && models.length === 0 && (
        <div className="kd-banner kd-banner-warn" role="status">
          <span>{modelErrors[0]}</span>
          <button type="button" className="kd-button kd-button-quiet" onClick={openSettings}>
            {t("app.openSettings")}
          </button>
        </div>
      )}

      {phase.name === "loading" && connection.reachable && splash}

      {phase.name === "failed" && (
        <div className="kd-splash" role="alert">
          <LogoMark size={48} />
          <p>{t("app.couldNotStart", { message: phase.message })}</p>
          <button type="button" className="kd-button kd-button-primary" onClick={() => void load()}>
            {t("common.tryAgain")}
          </button>
        </div>
      )}

      {phase.name === "onboarding" && info && (
        // Until its chunk is in, the start-up splash stays: the same screen, no jump.
        <Suspense fallback={splash}>
          <Onboarding info={info} onDone={finishOnboarding} />
        </Suspense>
      )}

      {phase.name === "chat" && (
        <ChatScreen
          scheme={scheme}
          models={models}
          servers={servers}
          onOpenSettings={openSettings}
          events={events}
          onControl={onControl}
          quick={quick}
        />
      )}

      {settingsOpen && info && (
        <SettingsDialog
          info={info}
          onClose={() => setSettingsOpen(false)}
          onChanged={() => void refresh()}
          notice={offlineNotice}
          onConversationsChanged={(change) => {
            const control = chatkit.current;
            if (!control) return;
            // After a restore the open chat may not exist any more: start from a new one.
            const ready = change === "restored" ? control.setThreadId(null) : Promise.resolve();
            void ready.then(() => control.fetchUpdates());
          }}
        />
      )}
      {helpOpen && (
        // A small dialog from a local chunk: nothing to show for the moment it takes.
        <Suspense fallback={null}>
          <ShortcutHelp onClose={() => setHelpOpen(false)} notice={offlineNotice} />
        </Suspense>
      )}
    </div>
  );
}

/** The local server does not answer: say so, count down to the next try, offer Retry. */
function OfflineNotice({ connection, fullscreen }: { connection: Connection; fullscreen: boolean }) {
  const { t, number } = useI18n();
  return (
    <div className={`kd-offline ${fullscreen ? "is-fullscreen" : ""}`} role="alert">
      <div className="kd-offline-inner">
        <strong>{t("offline.title")}</strong>
        <span>
          {t("offline.safe")}{" "}
          {connection.retryIn === null
            ? t("offline.reconnecting")
            : t("offline.retryIn", { seconds: number(connection.retryIn) })}
        </span>
        <button type="button" className="kd-button" onClick={connection.retryNow}>
          {t("offline.retryNow")}
        </button>
      </div>
    </div>
  );
}
