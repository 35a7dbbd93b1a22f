// Updates as the app sees them: the server's state (GET /api/updates), the two
// actions, and the one sentence that describes a state. The server decides
// everything (policy, verification); this file only shows it.

import { appFetch, errorFromResponse, ServerUnreachable } from "./api";

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
  state: () => call("GET", "/api/updates"),
  check: () => call("POST", "/api/updates/check"),
  /** Installs the verified download; Kitdesk then quits and starts the new version. */
  install: () => call("POST", "/api/updates/install"),
  choose: (choice: Exclude<UpdatesChoice, "ask">) => call("PUT", "/api/updates/choice", { choice }),
};

/** True while the server is working: the UI polls until it is not. */
export function isBusy(state: UpdateState): boolean {
  return state.status === "checking" || state.status === "downloading";
}

function when(seconds: number | null): string {
  if (seconds === null) return "";
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The status line of Settings > About. */
export function describeUpdate(state: UpdateState): string {
  const version = state.available_version ?? "";
  switch (state.status) {
    case "disabled":
      return state.message ?? "Updates come from your package manager.";
    case "idle":
      return state.checked_at ? `Last checked ${when(state.checked_at)}.` : "Not checked yet.";
    case "checking":
      return "Checking for updates…";
    case "up_to_date":
      return `Kitdesk ${state.current_version} is the latest version (checked ${when(state.checked_at)}).`;
    case "could_not_check":
      return "Could not check for updates just now (no connection). Kitdesk will try again later.";
    case "available":
      return state.message ? `Kitdesk ${version} is available. ${state.message}` : `Kitdesk ${version} is available.`;
    case "downloading": {
      const percent = state.total_bytes ? Math.floor((100 * state.downloaded_bytes) / state.total_bytes) : 0;
      return `Downloading Kitdesk ${version}… ${percent}%`;
    }
    case "ready":
      return `Kitdesk ${version} is downloaded and verified. Restart to update.`;
    case "installed":
      return state.message ?? `Kitdesk ${version} is installed and starts when Kitdesk restarts.`;
    case "refused":
    case "error":
      return state.message ?? "The update failed.";
  }
}
