// The first-run question ("check for updates automatically?") and, later, the
// "ready to install" note: a thin banner that never blocks the chat.

import { useState } from "react";
import { messageOf } from "./api";
import { useUpdateState } from "./UpdatesSection";
import { updatesApi } from "./updates";

export function UpdatesBanner() {
  const { state, setState, error, setError } = useUpdateState();
  const [dismissed, setDismissed] = useState(false);
  if (state === null || dismissed || state.status === "disabled") return null;

  const choose = (choice: "on" | "off") => {
    updatesApi.choose(choice).then(setState, (e: unknown) => setError(messageOf(e)));
  };

  if (state.choice === "ask") {
    return (
      <div className="kd-banner" role="region" aria-label="Updates" data-testid="updates-banner">
        <span>
          Check for new versions of Kitdesk once a day? Kitdesk only downloads versions signed by its developers.
        </span>
        <button type="button" className="kd-button" onClick={() => choose("on")}>
          Check automatically
        </button>
        <button type="button" className="kd-button kd-button-quiet" onClick={() => choose("off")}>
          Not now
        </button>
        {error && <span className="kd-bad">{error}</span>}
      </div>
    );
  }
  if (state.status === "ready" && state.can_install) {
    return (
      <div className="kd-banner" role="status" data-testid="updates-banner">
        <span>Kitdesk {state.available_version} is ready to install.</span>
        <button
          type="button"
          className="kd-button kd-button-primary"
          onClick={() => updatesApi.install().then(setState, (e: unknown) => setError(messageOf(e)))}
        >
          Restart to update
        </button>
        <button type="button" className="kd-button kd-button-quiet" onClick={() => setDismissed(true)}>
          Later
        </button>
        {error && <span className="kd-bad">{error}</span>}
      </div>
    );
  }
  return null;
}
