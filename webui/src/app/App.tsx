import type { UseChatKitReturn } from "@openai/chatkit-react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, messageOf, ServerUnreachable, type AppInfo, type ModelOption } from "./api";
import { ChatScreen, type ChatEvents } from "./ChatScreen";
import { useConnection, type Connection } from "./connection";
import { LogoMark, Onboarding } from "./Onboarding";
import { SettingsDialog } from "./Settings";
import { ShortcutHelp } from "./ShortcutHelp";
import { UpdatesBanner } from "./UpdatesBanner";
import { isTypingTarget, matchShortcut } from "./shortcuts";
import { stopResponse, focusHistorySearch } from "./elementBridge";
import { rememberedTheme, useColorScheme } from "./theme";

type Phase = { name: "loading" } | { name: "failed"; message: string } | { name: "onboarding" } | { name: "chat" };

export function App() {
  const [phase, setPhase] = useState<Phase>({ name: "loading" });
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [models, setModels] = useState<ModelOption[]>([]);
  const [modelErrors, setModelErrors] = useState<string[]>([]);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [recoveredDismissed, setRecoveredDismissed] = useState(false);
  const chatkit = useRef<UseChatKitReturn | null>(null);
  const responding = useRef(false);
  const scheme = useColorScheme(info?.theme ?? rememberedTheme());

  const loadModels = useCallback(async (refresh = false) => {
    try {
      // The server flags the default model, so the composer starts on it.
      const list = await api.models(refresh);
      setModels(list.models);
      setModelErrors(list.errors);
    } catch (e) {
      if (!(e instanceof ServerUnreachable)) setModelErrors([messageOf(e)]);
    }
  }, []);

  const load = useCallback(async () => {
    try {
      const next = await api.app();
      setInfo(next);
      setPhase((current) =>
        current.name === "chat" ? current : next.needs_onboarding ? { name: "onboarding" } : { name: "chat" },
      );
      if (!next.needs_onboarding) void loadModels();
    } catch (e) {
      // Unreachable: the connection watcher shows that and calls load again.
      if (!(e instanceof ServerUnreachable)) setPhase({ name: "failed", message: messageOf(e) });
    }
  }, [loadModels]);

  useEffect(() => void load(), [load]);
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
      if (phase.name !== "chat" || !chatkit.current) return;
      event.preventDefault();
      setSettingsOpen(false);
      setHelpOpen(false);
      const control = chatkit.current;
      if (action === "newChat") {
        // The new thread renders on the next frame; focus its composer after that.
        void control.setThreadId(null).then(() => requestAnimationFrame(() => void control.focusComposer()));
      } else if (action === "search") {
        void control.showHistory().then(() => focusHistorySearch(control.ref.current));
      } else if (action === "focusComposer") {
        void control.focusComposer();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [phase.name, openSettings]);

  const modalOpen = settingsOpen || helpOpen;
  const offlineNotice = connection.reachable ? null : (
    <OfflineNotice connection={connection} fullscreen={phase.name === "loading" && !modalOpen} />
  );

  return (
    <div className="kd-app" data-phase={phase.name}>
      {!modalOpen && offlineNotice}

      {info?.settings_recovered_from && !recoveredDismissed && (
        <div className="kd-banner" role="status">
          <span>
            Your settings file could not be read, so Kitdesk started with defaults. The old file was kept as{" "}
            <code>{info.settings_recovered_from}</code>.
          </span>
          <button type="button" className="kd-button kd-button-quiet" onClick={() => setRecoveredDismissed(true)}>
            Dismiss
          </button>
        </div>
      )}

      {phase.name === "chat" && <UpdatesBanner />}

      {phase.name === "chat" && modelErrors.length > 0 && models.length === 0 && (
        <div className="kd-banner kd-banner-warn" role="status">
          <span>{modelErrors[0]}</span>
          <button type="button" className="kd-button kd-button-quiet" onClick={openSettings}>
            Open settings
          </button>
        </div>
      )}

      {phase.name === "loading" && connection.reachable && (
        <div className="kd-splash" aria-busy="true" aria-live="polite">
          <LogoMark size={48} />
          <p>Starting Kitdesk…</p>
        </div>
      )}

      {phase.name === "failed" && (
        <div className="kd-splash" role="alert">
          <LogoMark size={48} />
          <p>Kitdesk could not start: {phase.message}</p>
          <button type="button" className="kd-button kd-button-primary" onClick={() => void load()}>
            Try again
          </button>
        </div>
      )}

      {phase.name === "onboarding" && info && <Onboarding info={info} onDone={finishOnboarding} />}

      {phase.name === "chat" && (
        <ChatScreen scheme={scheme} models={models} onOpenSettings={openSettings} events={events} onControl={onControl} />
      )}

      {settingsOpen && info && (
        <SettingsDialog
          info={info}
          onClose={() => setSettingsOpen(false)}
          onChanged={() => void refresh()}
          notice={offlineNotice}
        />
      )}
      {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} notice={offlineNotice} />}
    </div>
  );
}

/** The local server does not answer: say so, count down to the next try, offer Retry. */
function OfflineNotice({ connection, fullscreen }: { connection: Connection; fullscreen: boolean }) {
  return (
    <div className={`kd-offline ${fullscreen ? "is-fullscreen" : ""}`} role="alert">
      <div className="kd-offline-inner">
        <strong>Kitdesk's local server is not answering.</strong>
        <span>
          Your chats are safe on disk.{" "}
          {connection.retryIn === null ? "Reconnecting…" : `Trying again in ${connection.retryIn} s.`}
        </span>
        <button type="button" className="kd-button" onClick={connection.retryNow}>
          Retry now
        </button>
      </div>
    </div>
  );
}
