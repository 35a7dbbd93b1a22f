// The first-run question ("check for updates automatically?") and, later, the
// "ready to install" note: a thin banner that never blocks the chat.

import { useState } from "react";
import { messageOf } from "./api";
import { useI18n } from "./i18n";
import { useUpdateState } from "./updateState";
import { updatesApi } from "./updates";

export function UpdatesBanner() {
  const { t } = useI18n();
  const { state, setState, error, setError } = useUpdateState();
  const [dismissed, setDismissed] = useState(false);
  if (state === null || dismissed || state.status === "disabled") return null;

  const choose = (choice: "on" | "off") => {
    updatesApi.choose(choice).then(setState, (e: unknown) => setError(messageOf(e)));
  };

  if (state.choice === "ask") {
    return (
      <div className="kd-banner" role="region" aria-label={t("updates.title")} data-testid="updates-banner">
        <span>{t("updates.ask")}</span>
        <button type="button" className="kd-button" onClick={() => choose("on")}>
          {t("updates.checkAutomatically")}
        </button>
        <button type="button" className="kd-button kd-button-quiet" onClick={() => choose("off")}>
          {t("updates.notNow")}
        </button>
        {error && <span className="kd-bad">{error}</span>}
      </div>
    );
  }
  if (state.status === "ready" && state.can_install) {
    return (
      <div className="kd-banner" role="status" data-testid="updates-banner">
        <span>{t("updates.readyBanner", { version: state.available_version ?? "" })}</span>
        <button
          type="button"
          className="kd-button kd-button-primary"
          onClick={() => updatesApi.install().then(setState, (e: unknown) => setError(messageOf(e)))}
        >
          {t("updates.restart")}
        </button>
        <button type="button" className="kd-button kd-button-quiet" onClick={() => setDismissed(true)}>
          {t("updates.later")}
        </button>
        {error && <span className="kd-bad">{error}</span>}
      </div>
    );
  }
  return null;
}
