/**
 * The desktop window's side of the conversation with the web UI.
 *
 * The window sends commands as a `kitdesk:command` DOM event (from the tray and
 * from a clicked notification: window/shell.py); the UI tells the window that an
 * answer finished through the pywebview bridge, with the words to show already
 * in the person's language. In a browser tab neither exists and both are no-ops.
 */

export const COMMAND_EVENT = "kitdesk:command";

export type DesktopCommand = { action: "newChat" } | { action: "openThread"; threadId: string };

type AnswerBridge = {
  answer_finished?: (threadId: string, title: string, body: string) => Promise<unknown>;
  hide_quick_ask?: () => Promise<unknown>;
  continue_in_kitdesk?: (threadId: string) => Promise<unknown>;
};

function bridge(): AnswerBridge | undefined {
  return (window as unknown as { pywebview?: { api?: AnswerBridge } }).pywebview?.api;
}

/** This page is the quick-ask window (`?mode=quick`, or `#quick` which survives the token redirect). */
export function isQuickMode(): boolean {
  return new URLSearchParams(window.location.search).get("mode") === "quick" || window.location.hash === "#quick";
}

/** Quick-ask window: hide it (Esc). */
export function hideQuickAsk(): void {
  bridge()?.hide_quick_ask?.().catch(() => undefined);
}

/** Quick-ask window: open this thread in the main window and hide the quick one. */
export function continueInKitdesk(threadId: string): void {
  bridge()?.continue_in_kitdesk?.(threadId).catch(() => undefined);
}

/** Parse an event's detail into a command, or null for anything else. */
export function parseCommand(detail: unknown): DesktopCommand | null {
  if (typeof detail !== "object" || detail === null) return null;
  const record = detail as Record<string, unknown>;
  if (record.action === "newChat") return { action: "newChat" };
  if (record.action === "openThread" && typeof record.threadId === "string" && record.threadId) {
    return { action: "openThread", threadId: record.threadId };
  }
  return null;
}

/** Listen for the window's commands; returns the function that stops listening. */
export function onDesktopCommand(handle: (command: DesktopCommand) => void): () => void {
  const listener = (event: Event) => {
    const command = parseCommand((event as CustomEvent<unknown>).detail);
    if (command) handle(command);
  };
  window.addEventListener(COMMAND_EVENT, listener);
  return () => window.removeEventListener(COMMAND_EVENT, listener);
}

/** Tell the desktop window an answer finished (it notifies if it is not focused). */
export function reportAnswerFinished(threadId: string, title: string, body: string): void {
  bridge()?.answer_finished?.(threadId, title, body).catch(() => {
    // A notification that could not be shown is not worth an error in the chat.
  });
}
