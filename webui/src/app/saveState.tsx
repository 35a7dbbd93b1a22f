/** The save-state word shared by the settings sections (Saving…, Saved, Unsaved changes, an error). */
import { useState, type ReactNode } from "react";
import { messageOf, type SettingsPatch } from "./api";
import { useI18n } from "./i18n";

export type Update = (change: SettingsPatch) => Promise<void>;

/**
 * "Saving…", "Saved" or the error next to a save control. `unsaved` (a form
 * edited since its last save) replaces "Saved" with "Unsaved changes", so the
 * word never claims an edit was kept that was not.
 */
export function useSaveState(unsaved = false) {
  const [state, setState] = useState<{ kind: "idle" | "saving" | "saved" } | { kind: "error"; message: string }>({
    kind: "idle",
  });
  const { t } = useI18n();
  const run = async (work: () => Promise<void>) => {
    setState({ kind: "saving" });
    try {
      await work();
      setState({ kind: "saved" });
    } catch (e) {
      setState({ kind: "error", message: messageOf(e) });
    }
  };
  const view: ReactNode = (
    <span className="kd-save-state" role="status" aria-live="polite">
      {state.kind === "saving" && t("common.saving")}
      {state.kind !== "saving" && unsaved && <span className="kd-muted">{t("common.unsaved")}</span>}
      {state.kind === "saved" && !unsaved && t("common.saved")}
      {state.kind === "error" && <span className="kd-bad">{state.message}</span>}
    </span>
  );
  return { run, view };
}
