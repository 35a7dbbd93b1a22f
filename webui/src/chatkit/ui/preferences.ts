/** The history sidebar's open state, remembered across launches (wide windows only). */
const HISTORY_KEY = "kitdesk.chatkit.historyOpen";

export function readHistoryPreference(): boolean | null {
  try {
    const value = localStorage.getItem(HISTORY_KEY);
    return value === null ? null : value === "1";
  } catch {
    return null;
  }
}

export function writeHistoryPreference(open: boolean): void {
  try {
    localStorage.setItem(HISTORY_KEY, open ? "1" : "0");
  } catch {
    // Storage may be unavailable (private mode, sandbox): not worth an error.
  }
}
