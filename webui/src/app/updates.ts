// Updates as the app sees them: the server's state (GET /api/updates), the two
// actions, and the one sentence that describes a state. The server decides
// everything (policy, verification); this file only shows it.

import { appFetch, errorFromResponse, ServerUnreachable } from "./api";
import type { T } from "./i18n";

export type UpdatesChoice = "ask" | "on" | "off";
export type UpdateStatus =
  | "disabled"
  | "idle"
  | "checking"
  | "up_to_date"
  | "could_not_check"
  | "available"
  | "downloading"
  | "ready"
  | "refused"
  | "error"
  | "installed";

export type UpdateState = {
  status: UpdateStatus;
  choice: UpdatesChoice;
  current_version: string;
  install_kind: "windows-installer" | "macos-app" | "linux-folder" | "package" | "source";
  available_version: string | null;
  notes: string;
  message: string | null;
  error_code: string | null;
  checked_at: number | null;
  downloaded_bytes: number;
  total_bytes: number;
  can_install: boolean;
};

async function call(method: string, path: string, body?: unknown): Promise<UpdateState> {
  let response: Response;
  try {
    response = await appFetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ServerUnreachable();
  }
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as UpdateState;
}

export const updatesApi = {
  state: () => call("GET", "api/updates"),
  check: () => call("POST", "api/updates/check"),
  /** Installs the verified download; Kitdesk then quits and starts the new version. */
  install: () => call("POST", "api/updates/install"),
  choose: (choice: Exclude<UpdatesChoice, "ask">) => call("PUT", "api/updates/choice", { choice }),
};

/** True while the server is working: the UI polls until it is not. */
export function isBusy(state: UpdateState): boolean {
  return state.status === "checking" || state.status === "downloading";
}

/**
 * The status line of Settings > About, in the language of `t`. Dates are
 * written by the catalogue's ICU `{when, date}`/`{when, time}` in that
 * language; the server's own sentences (`state.message`) are passed on as sent.
 */
export function describeUpdate(state: UpdateState, t: T): string {
  const version = state.available_version ?? "";
  const when = (state.checked_at ?? 0) * 1000;
  switch (state.status) {
    case "disabled":
      return state.message ?? t("updates.status.packageManager");
    case "idle":
      return state.checked_at ? t("updates.status.lastChecked", { when }) : t("updates.status.notChecked");
    case "checking":
      return t("updates.status.checking");
    case "up_to_date":
      return t("updates.status.upToDate", { version: state.current_version, when });
    case "could_not_check":
      return t("updates.status.couldNotCheck");
    case "available": {
      const sentence = t("updates.status.available", { version });
      return state.message ? `${sentence} ${state.message}` : sentence;
    }
    case "downloading": {
      const percent = state.total_bytes ? Math.floor((100 * state.downloaded_bytes) / state.total_bytes) : 0;
      return t("updates.status.downloading", { version, percent });
    }
    case "ready":
      return t("updates.status.ready", { version });
    case "installed":
      return state.message ?? t("updates.status.installed", { version });
    case "refused":
    case "error":
      return state.message ?? t("updates.status.failed");
  }
}
