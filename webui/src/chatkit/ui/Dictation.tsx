/**
 * The composer's mic button and the recording indicator beside it. The button
 * starts a recording, becomes "Stop recording" while one runs (Esc also
 * stops), and waits while the words are transcribed.
 */
import { useEffect, useState, type ReactElement } from "react";
import type { CaretReader } from "../state/controller";
import { MAX_RECORDING_MS } from "../state/dictation";
import { useChatState, useEnv } from "./context";
import { Icon } from "./icons";

export function DictationButton({ disabled, readCaret }: { disabled: boolean; readCaret: CaretReader }): ReactElement {
  const { t, controller } = useEnv();
  const phase = useChatState((s) => s.dictation.phase);
  const listening = phase === "starting" || phase === "recording";
  const [label, hint] = {
    idle: [t("dictation.start"), t("dictation.startHint")],
    // The browser may be asking the person for the microphone: pressing again gives up.
    starting: [t("dictation.cancel"), t("dictation.cancel")],
    recording: [t("dictation.stop"), t("dictation.stopHint")],
    transcribing: [t("dictation.transcribing"), t("dictation.transcribing")],
  }[phase];
  return (
    <button
      type="button"
      className={`ck-icon-btn ck-mic${listening ? " ck-mic-on" : ""}`}
      aria-label={label}
      title={hint}
      disabled={(disabled && !listening) || phase === "transcribing"}
      aria-busy={phase === "transcribing" || undefined}
      onClick={() => void controller.toggleDictation(readCaret)}
    >
      {phase === "transcribing" ? <span className="ck-spinner ck-mic-spinner" aria-hidden="true" /> : <Icon name={listening ? "stop" : "mic"} size={listening ? 14 : 18} />}
    </button>
  );
}

function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** "● 0:07" while recording; a word while waiting for the microphone or the text. */
export function DictationStatus(): ReactElement | null {
  const { t } = useEnv();
  const { phase, startedAt } = useChatState((s) => s.dictation);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (phase !== "recording") return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [phase]);

  if (phase === "idle") return null;
  if (phase === "recording") {
    const elapsed = formatElapsed(Math.min(now - (startedAt ?? now), MAX_RECORDING_MS));
    return (
      <span className="ck-dictation-status ck-dictation-recording">
        <span className="ck-rec-dot" aria-hidden="true" />
        {/* The live region says "Recording" once; the ticking time is for the eyes. */}
        <span className="ck-sr-only" role="status">
          {t("dictation.recording")}
        </span>
        <span className="ck-rec-time" aria-hidden="true">
          {elapsed}
        </span>
      </span>
    );
  }
  return (
    <span className="ck-dictation-status" role="status">
      {phase === "starting" ? t("dictation.waiting") : t("dictation.transcribing")}
    </span>
  );
}
