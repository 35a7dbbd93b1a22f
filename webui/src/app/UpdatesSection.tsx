// Settings > About > Updates: the automatic-check choice, "Check now", the
// status in one sentence, and "Restart to update" once a verified download waits.

import { useCallback, useState } from "react";
import { messageOf } from "./api";
import { useI18n } from "./i18n";
import { describeUpdate, isBusy, updatesApi, type UpdateState } from "./updates";
import { ErrorNotice } from "./ErrorNotice";
import { useUpdateState } from "./updateState";

export function UpdatesSection() {
  const { t } = useI18n();
  const { state, setState, error, setError } = useUpdateState();
  const [installing, setInstalling] = useState(false);
  // The box follows the click at once; the server's answer then confirms it (or the error shows).
  const [pendingChoice, setPendingChoice] = useState<"on" | "off" | null>(null);

  const act = useCallback(
    async (work: () => Promise<UpdateState>) => {
      setError(null);
      try {
        setState(await work());
      } catch (e) {
        setError(messageOf(e));
      }
    },
    [setError, setState],
  );

  if (state === null) {
    return error ? <p className="kd-notice kd-notice-error">{error}</p> : null;
  }
  const disabled = state.status === "disabled";
  return (
    <div className="kd-stack kd-field" data-testid="updates">
      <h4>{t("updates.title")}</h4>
      {!disabled && (
        <label className="kd-check">
          <input
            type="checkbox"
            checked={(pendingChoice ?? state.choice) === "on"}
            onChange={(e) => {
              const choice = e.target.checked ? "on" : "off";
              setPendingChoice(choice);
              void act(() => updatesApi.choose(choice)).finally(() => setPendingChoice(null));
            }}
          />
          <span>{t("updates.autoCheck")}</span>
        </label>
      )}
      <p role="status" aria-live="polite" data-testid="update-status">
        {describeUpdate(state, t)}
      </p>
      {state.notes && state.available_version && <p className="kd-muted">{state.notes}</p>}
      {!disabled && (
        <div className="kd-row">
          <button
            type="button"
            className="kd-button"
            disabled={isBusy(state) || installing}
            onClick={() => void act(updatesApi.check)}
          >
            {t("updates.checkNow")}
          </button>
          {state.can_install && (
            <button
              type="button"
              className="kd-button kd-button-primary"
              disabled={installing}
              onClick={() => {
                setInstalling(true);
                void act(updatesApi.install).finally(() => setInstalling(false));
              }}
            >
              {installing ? t("updates.installing") : t("updates.restart")}
            </button>
          )}
        </div>
      )}
      <ErrorNotice message={error} />
    </div>
  );
}
